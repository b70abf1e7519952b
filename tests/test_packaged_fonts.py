"""The fonts come with Samen: a fresh install makes every document without the machine's fonts,
and fonts that cannot make one stop `samen run` before it contacts Telegram."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.fake_telegram import TOKEN, FakeTelegram
from bot.i18n.translator import SUPPORTED_LANGUAGES
from bot.paper.pdf import FONT_FILES, PACKAGED_FONTS, FontsMissing, check_fonts
from tests.pdf_reading import page_texts, pdf_text
from tests.places import Place

ROOT = Path(__file__).resolve().parent.parent
PIP = (sys.executable, "-m", "pip")
ARABIC = re.compile("[\u0600-\u06ff]")
# Letters each language's own text shows on paper (Latin languages: a word of their own).
OWN_TEXT = {
    "nl": re.compile("school"),
    "en": re.compile("school"),
    "tr": re.compile("[şğıİ]"),
    "ar": ARABIC,
    "pl": re.compile("[ąęłśźżó]"),
    "uk": re.compile("[\u0400-\u04ff]"),
    "ti": re.compile("[\u1200-\u137f]"),
    "so": re.compile("[Ii]skuul|dugsi|waalid", re.IGNORECASE),
    "fa": re.compile("[\u067e\u0686\u06af\u06cc\u06a9]"),  # Farsi's own letters: پ چ گ ی ک
    "prs": re.compile("\u0645\u06a9\u062a\u0628"),  # مکتب, Dari's word for school
    "ro": re.compile("[șțăâî]"),
    "bg": re.compile("[ъщ]"),  # Bulgarian's own among the Cyrillic letters
    "es": re.compile("[ñáéíóú]"),
    "pt": re.compile("[ãõçâêô]"),
}


def test_an_installed_samen_makes_every_document_with_its_own_fonts(tmp_path: Path) -> None:
    """The wheel holds the fonts and their licence; the installed package makes letters, a
    pupil's file and copies in every language, and opens no font but its own (the
    script refuses the system's font folders)."""
    wheels = tmp_path / "wheel"
    offline = ("-q", "--no-deps", "--no-index")
    subprocess.run(
        [*PIP, "wheel", *offline, "--no-build-isolation", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = wheels.glob("samen-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*PIP, "--python", str(python), "install", *offline, str(wheel)],
        check=True,
        capture_output=True,
    )
    # Samen's dependencies from this environment, after the fresh one's own packages (a path
    # in a .pth file: the editable install of the checkout here stays out).
    own_packages = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    paths = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (own_packages / "dependencies.pth").write_text("\n".join(paths) + "\n")
    school, home = tmp_path / "school", tmp_path / "home"
    school.mkdir()
    home.mkdir()
    done = subprocess.run(
        [str(python), "-I", str(ROOT / "tests" / "installed_paper.py"), str(school)],
        env={"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"},
        cwd=school,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])

    installed = own_packages.resolve() / "bot"
    assert Path(summary["bot"]).parent == installed
    fonts = installed / "paper" / "fonts"
    assert sorted(summary["fonts"]) == sorted(
        str(fonts / name) for pair in FONT_FILES.values() for name in pair
    )
    assert "SIL OPEN FONT LICENSE" in (fonts / "OFL.txt").read_text(encoding="utf-8")
    # The sample school `samen try` runs ships inside the package too.
    for roster in ("staff.csv", "pupils.csv", "guardians.csv"):
        shipped = installed / "demo" / "examples" / roster
        assert shipped.read_bytes() == (ROOT / "examples" / roster).read_bytes()

    # One letter each: the admin, and a parent and a pupil of 14 per language.
    letters = page_texts(school / "letters.pdf")
    assert set(OWN_TEXT) == set(SUPPORTED_LANGUAGES)
    assert len(letters) == 1 + 2 * len(SUPPORTED_LANGUAGES)
    for language, own_text in OWN_TEXT.items():
        assert sum(1 for page in letters if own_text.search(page)) >= 2, language
        copy = pdf_text(school / f"copy-{language}.pdf")
        assert own_text.search(copy), language
        # The copy's Dutch half (for the school's own check) follows the reader's language.
        assert "Samen" in copy
    assert "Kind4" in pdf_text(school / "pupil.pdf")


def folder_without(tmp_path: Path, name: str) -> Path:
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for file in PACKAGED_FONTS.glob("*.ttf"):
        if file.name != name:
            shutil.copy(file, fonts)
    return fonts


def test_the_fonts_that_come_with_samen_are_the_default() -> None:
    assert check_fonts() == PACKAGED_FONTS
    assert (PACKAGED_FONTS / "OFL.txt").is_file()


def test_paper_fonts_in_samen_toml_still_win(tmp_path: Path) -> None:
    fonts = folder_without(tmp_path, "")
    assert check_fonts(fonts) == fonts


def test_a_font_that_is_damaged_or_lacks_a_script_is_found_before_any_document(
    tmp_path: Path,
) -> None:
    fonts = folder_without(tmp_path, "")
    (fonts / "NotoSansEthiopic-Bold.ttf").write_bytes(b"not a font")
    with pytest.raises(FontsMissing, match=r"NotoSansEthiopic-Bold\.ttf is not a font"):
        check_fonts(fonts)
    # A Latin font under the Arabic name: the Arabic and Farsi letters would be empty boxes.
    shutil.copy(PACKAGED_FONTS / "NotoSans-Regular.ttf", fonts / "NotoSansArabic-Regular.ttf")
    shutil.copy(PACKAGED_FONTS / "NotoSansEthiopic-Bold.ttf", fonts)
    with pytest.raises(FontsMissing, match=r"NotoSansArabic-Regular\.ttf has no letters for"):
        check_fonts(fonts)


def a_school_with_fonts(tmp_path: Path, fonts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """samen.toml with `[paper] fonts` at `fonts`; the database is the test's `place`."""
    config = tmp_path / "samen.toml"
    config.write_text(f'[school]\nbot_username = "debrug_samen_bot"\n[paper]\nfonts = "{fonts}"\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SAMEN_CONFIG", str(config))


async def run_with_fonts(tmp_path: Path, fonts: Path) -> tuple[int | None, str, list[object]]:
    """`samen run` with `[paper] fonts` at `fonts`: its exit code, what it printed to stderr,
    and the calls the fake Bot API got."""
    (tmp_path / "samen.toml").write_text(f'[paper]\nfonts = "{fonts}"\n')
    server = FakeTelegram()
    await server.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": server.base_url,
                "SAMEN_DB": str(tmp_path / "samen.db"),
                "SAMEN_CONFIG": str(tmp_path / "samen.toml"),
            },
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        await server.stop()
    return process.returncode, err.decode(), list(server.calls)


async def test_run_with_a_font_missing_stops_before_contacting_telegram(tmp_path: Path) -> None:
    fonts = folder_without(tmp_path, "NotoSansArabic-Bold.ttf")
    code, err, calls = await run_with_fonts(tmp_path, fonts)
    assert code == 1
    assert err == (
        f"samen: `fonts` under [paper] in samen.toml points at {fonts}, which lacks"
        " NotoSansArabic-Bold.ttf; put it there, or remove `fonts` to use the fonts that come"
        " with Samen\n"
    )
    assert calls == []  # not even getMe
    assert not (tmp_path / "samen.db").exists()


async def test_run_with_a_damaged_font_stops_before_contacting_telegram(tmp_path: Path) -> None:
    """The probe page runs in a process of its own; what it found still stops the start."""
    fonts = folder_without(tmp_path, "")
    (fonts / "NotoSansEthiopic-Bold.ttf").write_bytes(b"not a font")
    code, err, calls = await run_with_fonts(tmp_path, fonts)
    assert code == 1
    assert err.startswith(f"samen: {fonts / 'NotoSansEthiopic-Bold.ttf'} is not a font")
    assert err.count("\n") == 1
    assert calls == []


def test_the_bot_starts_without_the_pdf_engine() -> None:
    """fpdf2 and fontTools (about 40 MB) load with the first document, not with the bot."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, bot.app, bot.cli, conversations, scheduler;"
            " print(sorted(m for m in ('fpdf', 'fontTools') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


def test_check_reports_fonts_that_cannot_make_a_document(
    place: Place,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fonts = folder_without(tmp_path, "NotoSansMono-Regular.ttf")
    a_school_with_fonts(tmp_path, fonts, monkeypatch)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert (
        f"fonts for letters and PDF files: MISSING, `fonts` under [paper] in samen.toml points"
        f" at {fonts}, which lacks NotoSansMono-Regular.ttf" in out
    )
    assert out.strip().endswith("2 problems")  # the fonts, and no token


def test_invites_without_fonts_still_write_the_csv(
    place: Place,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fonts = folder_without(tmp_path, "NotoSansEthiopic-Regular.ttf")
    a_school_with_fonts(tmp_path, fonts, monkeypatch)
    assert main(["import", "staff", str(ROOT / "examples" / "staff.csv")]) == 0
    capsys.readouterr()
    letters, table = tmp_path / "letters.pdf", tmp_path / "invites.csv"
    assert main(["invites", "--letters", str(letters), "--csv", str(table)]) == 1
    out, err = capsys.readouterr()
    assert not letters.exists()
    rows = table.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "kind,person_id,name,pupil_id,language,code,link" and len(rows) == 6
    assert f"Wrote 5 invitations to {table} (valid 30 days)." in out
    assert "lacks NotoSansEthiopic-Regular.ttf" in err
    assert f"the letters were NOT made ({letters} was not written" in err
    assert f"The new codes are in {table}" in err

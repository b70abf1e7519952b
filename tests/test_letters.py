"""Printed invitation letters, checked the way a person would: render every page, scan its QR
code with a barcode reader, read its text, and look at the Arabic ink."""

from __future__ import annotations

import csv
import re
import subprocess
import unicodedata
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import pytest
import zxingcpp
from babel import Locale
from PIL import Image

from bot.cli import main
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues
from bot.paper.letters import letters_pdf, spaced_code
from bot.paper.pdf import find_fonts
from bot.rules.models import InviteRow, PersonKind
from bot.services.invitations import new_code
from tests.harness import AMSTERDAM, Harness
from tests.pdf_reading import page_texts, words_on_page
from tests.places import Place

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
USED_TEXT = (
    "This invitation has already been used. Each invitation works only once.\n"
    "Do you need a new one? Please ask the school."
)
REFUSAL = (
    "Samen is for parents, pupils and staff of the school.\n"
    "To start, scan the QR code on your letter from school, or type the code from the"
    " letter here."
)
SCRIPTS = {
    "ar": re.compile("[\u0600-\u06ff]"),
    "fa": re.compile("[\u0600-\u06ff]"),
    "uk": re.compile("[\u0400-\u04ff]"),
    "ti": re.compile("[\u1200-\u137f]"),
}


@pytest.fixture
def school(place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example school in `place` (on each backend); its files go in the folder returned."""
    config = tmp_path / "samen.toml"
    config.write_text('[school]\nname = "De Brug"\nbot_username = "debrug_samen_bot"\n')
    monkeypatch.setenv("SAMEN_CONFIG", str(config))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    for what in ("staff", "pupils", "guardians"):
        assert main(["import", what, str(EXAMPLES / f"{what}.csv")]) == 0
    return tmp_path


def invite(school: Path, *extra: str) -> tuple[list[dict[str, str]], Path]:
    letters, table = school / "letters.pdf", school / "invites.csv"
    assert main(["invites", "--letters", str(letters), "--csv", str(table), *extra]) == 0
    with table.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle)), letters


def render(pdf: Path, folder: Path, dpi: int) -> list[Image.Image]:
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "page")], check=True
    )
    return [Image.open(p) for p in sorted(folder.glob("page-*.png"))]


def words(text: str) -> set[str]:
    # pdftotext gives Arabic's lam-alef ligature as one presentation-form character, or as
    # its two letters in visual order: both sides get the same spelling before comparing.
    plain = unicodedata.normalize("NFKC", text).replace("\u0644\u0627", "\u0627\u0644")
    return set(re.findall(r"\w+", plain))


def test_every_letter_is_one_page_whose_qr_code_opens_that_persons_link(
    school: Path, tmp_path: Path
) -> None:
    rows, letters = invite(school)
    # Everyone of the example school: 5 staff, 41 guardians, the pupils of 12 and older.
    kinds = {kind: sum(r["kind"] == kind for r in rows) for kind in ("staff", "guardian", "pupil")}
    assert kinds == {"staff": 5, "guardian": 41, "pupil": 16}
    pages = render(letters, tmp_path, dpi=100)
    assert len(pages) == len(rows)
    for row, page in zip(rows, pages, strict=True):
        found = zxingcpp.read_barcodes(page)
        assert [code.text for code in found] == [row["link"]], row["person_id"]
        assert row["link"].endswith(f"?start={row['code']}")
    assert (letters.stat().st_mode & 0o777) == 0o600


def test_each_letter_is_in_its_readers_language_and_script(school: Path) -> None:
    rows, letters = invite(school)
    catalogues = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    dutch = catalogues("nl")
    seen: set[str] = set()
    with (EXAMPLES / "pupils.csv").open(encoding="utf-8") as handle:
        pupil_names = {
            p["pupil_id"]: f"{p['first_name']} {p['last_name']}" for p in csv.DictReader(handle)
        }
    for row, text in zip(rows, page_texts(letters), strict=True):
        t = catalogues(row["language"])
        seen.add(row["language"])
        assert row["name"] in text.replace("\n", " ")
        # The code in large type, in the groups the letter prints.
        assert spaced_code(row["code"]) in text
        for heading in (
            "How to start",
            "Questions? Ask the teacher, or call the school. We are happy to help.",
        ):
            assert words(t.label(heading)) <= words(text), (row["language"], heading)
        script = SCRIPTS.get(row["language"])
        if script is not None:
            assert len(script.findall(text)) > 200, row["person_id"]
        if row["language"] == "nl":
            assert "For school" not in text and dutch.label("How to start") in text
        else:
            # A Dutch line at the foot for the school's own check, naming the language.
            check = dutch.label(
                "For school: invitation for {name}. Language: {language}.", name="", language=""
            )
            assert words(check) <= words(text)
            assert Locale.parse(row["language"]).get_display_name("nl") in text
        if row["kind"] == PersonKind.GUARDIAN.value:
            for pupil_id in row["pupil_id"].split("|"):
                assert pupil_names[pupil_id] in text.replace("\n", " "), row["person_id"]
    assert {"nl", "tr", "ar", "pl", "uk", "en"} <= seen


def strokes(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Connected pieces of ink (8-neighbourhood) in a word's box that reach at least a third of
    the line's height: letter bodies, not the dots and marks above and below them."""
    crop = image.convert("L").crop(box)
    width, height = crop.size
    dark = {(x, y) for y in range(height) for x in range(width) if crop.getpixel((x, y)) < 140}
    tall = 0
    while dark:
        queue = deque([dark.pop()])
        top = bottom = queue[0][1]
        while queue:
            x, y = queue.popleft()
            top, bottom = min(top, y), max(bottom, y)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    if (x + dx, y + dy) in dark:
                        dark.discard((x + dx, y + dy))
                        queue.append((x + dx, y + dy))
        tall += bottom - top + 1 >= height / 3
    return tall


def arabic_words(pdf: Path, page: int, dpi: int) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Arabic words on a page with their boxes in pixels (pdftotext works in points)."""
    scale = dpi / 72
    return [
        (
            word.text,
            (
                round(word.left * scale) - 1,
                round(word.top * scale),
                round(word.right * scale) + 1,
                round(word.bottom * scale),
            ),
        )
        for word in words_on_page(pdf, page)
        if ARABIC_LETTER.search(word.text) and not re.search(r"[A-Za-z0-9]", word.text)
    ]


def test_arabic_letters_are_joined_not_drawn_one_by_one(school: Path, tmp_path: Path) -> None:
    """Letters drawn one by one leave at least one stroke of ink per letter; shaped Arabic joins
    the letters of a word into a few strokes (a word breaks only after letters like ا, د, ر
    and و), so the page has far fewer strokes than letters. Measured: 149 strokes for 403
    letters (0.37)."""
    rows, letters = invite(school, "--person", "G005")
    assert [r["language"] for r in rows] == ["ar"]
    dpi = 150
    (page,) = render(letters, tmp_path, dpi)
    found = arabic_words(letters, 1, dpi)
    assert len(found) > 30
    letters_count = sum(len(ARABIC_LETTER.findall(word)) for word, _ in found)
    pieces = sum(strokes(page, box) for _, box in found)
    assert pieces < 0.6 * letters_count, (pieces, letters_count)


def test_group_and_person_options_renew_only_those_codes(
    school: Path, place: Place, tmp_path: Path
) -> None:
    everyone, _ = invite(school)
    group_rows, letters = invite(school, "--group", "VSO-Entree")
    assert group_rows and len(render(letters, tmp_path, dpi=30)) == len(group_rows)
    pupils = {r["person_id"] for r in group_rows if r["kind"] == "pupil"}
    assert pupils == {"P019", "P020", "P021", "P022", "P023", "P024", "P025"} & pupils
    assert all(r["person_id"] not in {"P001", "G001"} for r in group_rows)
    one, _ = invite(school, "--person", "G012")
    assert [(r["kind"], r["person_id"], r["language"]) for r in one] == [("guardian", "G012", "uk")]
    # Everyone else's code from the first run still works: only the selected were renewed.
    renewed = {r["person_id"] for r in group_rows} | {"G012"}
    open_codes = {
        person
        for (person,) in place.rows(
            "SELECT person_id FROM invitations WHERE revoked_at IS NULL AND used_at IS NULL"
        )
    }
    revoked = {
        person
        for (person,) in place.rows(
            "SELECT person_id FROM invitations WHERE revoked_at IS NOT NULL"
        )
    }
    assert {r["person_id"] for r in everyone} <= open_codes
    assert revoked == renewed


@pytest.mark.parametrize(
    ("language", "font"),
    [("ti", "NotoSansEthiopic"), ("fa", "NotoSansArabic"), ("uk", "+NotoSans ")],
)
def test_tigrinya_persian_and_ukrainian_letters_have_their_script_and_font(
    school: Path, place: Place, language: str, font: str
) -> None:
    place.change("UPDATE guardians SET language = ? WHERE guardian_id = 'G001'", (language,))
    rows, letters = invite(school, "--person", "G001")
    assert [r["language"] for r in rows] == [language]
    (text,) = page_texts(letters)
    assert len(SCRIPTS[language].findall(text)) > 200
    t = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)(language)
    assert words(t.label("How to start")) <= words(text)
    fonts = subprocess.run(
        ["pdffonts", str(letters)], check=True, capture_output=True, text=True
    ).stdout
    assert font in fonts


def test_long_names_in_every_language_still_make_one_page_each(tmp_path: Path) -> None:
    """Long names, three children and a long school name: the type and the QR code shrink
    just enough; every letter stays on one sheet and its QR code still reads."""
    children = tuple(
        f"{first} van der Westerhuizen-Oudshoorn"
        for first in ("Maximiliaan-Frederik", "Anna-Sophia Catharina", "Jan-Willem Bartholomeus")
    )
    rows = []
    for language in SUPPORTED_LANGUAGES:
        for kind in (PersonKind.GUARDIAN, PersonKind.PUPIL, PersonKind.STAFF):
            code = new_code()
            rows.append(
                InviteRow(
                    kind,
                    "G1",
                    "Alexandrina-Constantina van der Westerhuizen-Oudshoorn",
                    "P1",
                    language,
                    code,
                    f"https://t.me/debrug_samen_bot?start={code}",
                    children if kind is PersonKind.GUARDIAN else (),
                    datetime(2026, 12, 29, 10, tzinfo=UTC),
                )
            )
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(
        letters_pdf(
            rows,
            Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM),
            school="Stichting Speciaal Onderwijs SO/VSO De Brug Amsterdam-Noord",
            bot_username="debrug_samen_bot",
            font_dir=find_fonts(),
            created=datetime(2026, 11, 29, 10, tzinfo=UTC),
        )
    )
    pages = render(pdf, tmp_path, dpi=100)
    assert len(pages) == len(rows) == 3 * len(SUPPORTED_LANGUAGES)
    for row, page in zip(rows, pages, strict=True):
        assert [c.text for c in zxingcpp.read_barcodes(page)] == [row.link], row.language


def test_no_letters_for_pupils_who_left_or_their_families(school: Path, place: Place) -> None:
    # Sem (P005) left; his parents G009 and G010 have no other child at school.
    place.change("UPDATE pupils SET left_on = '2026-07-17' WHERE pupil_id IN ('P005', 'P019')")
    rows, _ = invite(school)
    invited = {r["person_id"] for r in rows}
    assert not invited & {"P019", "G009", "G010"}
    assert {"P020", "G001"} <= invited
    # A guardian with one child left and one at school is still invited, for that child.
    assert all("P005" not in r["pupil_id"].split("|") for r in rows)


def test_no_letters_when_nobody_matches(school: Path, capsys: pytest.CaptureFixture[str]) -> None:
    letters = school / "none.pdf"
    assert main(["invites", "--letters", str(letters), "--group", "Nowhere"]) == 0
    assert "Nobody in group 'Nowhere'" in capsys.readouterr().out
    assert not letters.exists()


def test_missing_fonts_stop_before_any_code_changes(
    school: Path, place: Place, capsys: pytest.CaptureFixture[str]
) -> None:
    config = school / "samen.toml"
    config.write_text(config.read_text() + f'\n[paper]\nfonts = "{school / "nofonts"}"\n')
    assert main(["invites", "--letters", str(school / "x.pdf")]) == 1
    assert "`fonts` under [paper] in samen.toml points at" in capsys.readouterr().err
    assert place.value("SELECT count(*) FROM invitations") == 0


async def test_a_code_typed_from_the_letter_links_the_account(harness: Harness) -> None:
    await harness.issue_invites()
    mother = harness.server.user(2001, "Hatice", "tr")
    code = harness.code(PersonKind.GUARDIAN, "G020")
    # Copied by hand: in groups, in lower case, an O for each 0 and an l for each 1.
    typed = spaced_code(code).lower().replace("0", "o").replace("1", "l")
    replies = await harness.say(mother, typed)
    assert "Hatice" in replies[-1].text
    assert harness.runtime is not None
    assert replies[-1].labels[0] == harness.runtime.texts("tr").label("👧 My children at school")
    # The same code again, from someone else: used, nobody else is linked with it.
    stranger = harness.server.user(2002, "X")
    replies = await harness.say(stranger, code)
    assert "Hatice" not in replies[-1].text
    assert replies[-1].text == harness.runtime.texts("nl")._(USED_TEXT)
    # A message that is no code gets the usual answer.
    replies = await harness.say(stranger, "hallo")
    assert replies[-1].text == harness.runtime.texts("nl")._(REFUSAL)


def test_a_school_without_a_name_gets_whole_sentences_on_its_letters(tmp_path: Path) -> None:
    """No [school] name: the letters say "your (child's) school", never an empty name."""
    catalogues = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    rows = [
        InviteRow(
            kind,
            "X1",
            "Fatma Yılmaz",
            "P1",
            "nl",
            new_code(),
            "https://t.me/debrug_samen_bot?start=X",
            ("Elif",) if kind is PersonKind.GUARDIAN else (),
            datetime(2026, 12, 29, 10, tzinfo=UTC),
        )
        for kind in (PersonKind.GUARDIAN, PersonKind.PUPIL)
    ]
    pdf = tmp_path / "unnamed.pdf"
    pdf.write_bytes(
        letters_pdf(
            rows,
            catalogues,
            school="",
            bot_username="debrug_samen_bot",
            font_dir=find_fonts(),
            created=datetime(2026, 11, 29, 10, tzinfo=UTC),
        )
    )
    guardian, pupil = (" ".join(text.split()) for text in page_texts(pdf))
    nl = catalogues("nl")
    expected = nl.n_label(
        "Your child's school uses Samen to stay in touch with you about your child {children}.",
        "Your children's school uses Samen to stay in touch with you about your children"
        " {children}.",
        1,
        children="Elif",
    )
    assert " ".join(expected.split()) in guardian
    assert " ".join(nl.label("Samen: your school on Telegram").split()) in guardian
    assert " ".join(nl.label("Your school uses Samen to stay in touch with you.").split()) in pupil
    assert "Samen:  " not in guardian and not guardian.startswith("Samen: op Telegram")

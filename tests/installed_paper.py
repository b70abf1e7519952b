"""Letters, a pupil's file and copies of a family's data in every language Samen ships, made by an
installed Samen that may not touch the machine's fonts.

Run by the Python of a fresh install (tests/test_packaged_fonts.py, and .ci/run on the
package `pip install .` made), with only the standard library and the installed `bot`:

    python -I tests/installed_paper.py FOLDER

It writes a small school into FOLDER, runs the `samen` commands there (one process, so one
audit hook sees every file opened), refuses to open anything in the system's font folders,
and checks that every font opened is one of the package's own. The documents stay in FOLDER
(letters.pdf, invites.csv, pupil.pdf, copy-LANGUAGE.pdf); the last line printed is a JSON
summary. Exit status 0 only when all of it worked.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FONT_FILE_ENDINGS = (".ttf", ".otf", ".ttc", ".woff", ".woff2", ".pfb")
HOME = os.path.expanduser("~")
SYSTEM_FONT_FOLDERS = tuple(
    os.path.realpath(folder) + os.sep
    for folder in (
        "/usr/share/fonts",
        "/usr/local/share/fonts",
        "/var/cache/fontconfig",
        "/etc/fonts",
        f"{HOME}/.fonts",
        f"{HOME}/.local/share/fonts",
    )
)
fonts_opened: set[str] = set()


def refuse_system_fonts(event: str, args: tuple[object, ...]) -> None:
    """An audit hook: a file or folder of the system's fonts cannot be opened or listed, and
    every font file opened is remembered."""
    if event not in ("open", "os.listdir", "os.scandir") or not args:
        return
    target = args[0]
    if not isinstance(target, str | bytes | os.PathLike):
        return  # a file descriptor
    path = os.path.realpath(os.fsdecode(target))
    if (path + os.sep).startswith(SYSTEM_FONT_FOLDERS):
        raise PermissionError(f"installed_paper: Samen looked at the system's fonts: {path}")
    if path.lower().endswith(FONT_FILE_ENDINGS):
        fonts_opened.add(path)


def write_school(folder: Path) -> None:
    """One staff member, and per language a pupil of 14 and a parent who reads it."""
    from bot.i18n.translator import SUPPORTED_LANGUAGES

    (folder / "staff.csv").write_text(
        "staff_id,first_name,last_name,role,groups\nS001,Marieke,Berg,admin,VSO-1\n",
        encoding="utf-8",
    )
    pupils = ["pupil_id,first_name,last_name,birth_date,group,language"]
    guardians = ["guardian_id,pupil_id,first_name,last_name,relation,authority,language"]
    for number, language in enumerate(SUPPORTED_LANGUAGES, start=1):
        pupils.append(
            f"P{number},Kind{number},Familie{number},2012-05-{number:02},VSO-1,{language}"
        )
        guardians.append(f"G{number},P{number},Ouder{number},Familie{number},mother,yes,{language}")
    (folder / "pupils.csv").write_text("\n".join(pupils) + "\n", encoding="utf-8")
    (folder / "guardians.csv").write_text("\n".join(guardians) + "\n", encoding="utf-8")
    (folder / "samen.toml").write_text(
        '[school]\nname = "De Brug"\nbot_username = "debrug_samen_bot"\n', encoding="utf-8"
    )


def main() -> int:
    folder = Path(sys.argv[1]).resolve()
    sys.addaudithook(refuse_system_fonts)
    write_school(folder)
    os.environ.update(SAMEN_DB=str(folder / "samen.db"), SAMEN_CONFIG=str(folder / "samen.toml"))
    os.environ.pop("TELEGRAM_BOT_TOKEN", None)

    import bot
    from bot.cli import main as samen
    from bot.i18n.translator import SUPPORTED_LANGUAGES
    from bot.paper.pdf import FONT_FILES, PACKAGED_FONTS

    commands = [
        ["import", "staff", str(folder / "staff.csv")],
        ["import", "pupils", str(folder / "pupils.csv")],
        ["import", "guardians", str(folder / "guardians.csv")],
        ["invites", "--letters", str(folder / "letters.pdf"), "--csv", str(folder / "invites.csv")],
        ["export", "pupil", "P4", "--pdf", str(folder / "pupil.pdf")],
    ] + [
        ["export", "copy", f"G{number}", "--pdf", str(folder / f"copy-{language}.pdf")]
        for number, language in enumerate(SUPPORTED_LANGUAGES, start=1)
    ]
    for command in commands:
        if samen(command) != 0:
            print(f"installed_paper: samen {' '.join(command)} failed", file=sys.stderr)
            return 1

    own = {os.path.realpath(PACKAGED_FONTS / name) for pair in FONT_FILES.values() for name in pair}
    if fonts_opened != own:
        print(
            f"installed_paper: fonts opened {sorted(fonts_opened)}, expected {sorted(own)}",
            file=sys.stderr,
        )
        return 1
    print(
        json.dumps(
            {
                "bot": os.path.realpath(bot.__file__),
                "fonts": sorted(fonts_opened),
                "licence": str(PACKAGED_FONTS / "OFL.txt"),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

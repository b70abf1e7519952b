"""What the commands share: exit codes, the fonts for paper, and files only the school's
user may read."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.i18n.translator import clean_value
from bot.paper.pdf import FontsMissing, check_fonts
from bot.platform.config import Settings

EXIT_USAGE = 2


EXIT_FAILED = 1


def fonts_for_paper(settings: Settings, *, apart: bool = False) -> Path | None:
    """The font folder for a PDF, tried on a probe page; or None after saying what is wrong.
    `apart`: the probe runs in a child process (bot/paper/probe.py), for a process that goes
    on running and makes no document itself yet."""
    if apart:
        folder = [] if settings.font_dir is None else [str(settings.font_dir)]
        probe = subprocess.run(
            [sys.executable, "-m", "bot.paper.probe", *folder],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0:
            return Path(probe.stdout.strip())
        # What is wrong with the fonts in one sentence; a crash ends its traceback on stderr.
        crash = probe.stderr.strip().splitlines() or ["the font probe failed"]
        print(f"samen: {probe.stdout.strip() or crash[-1]}", file=sys.stderr)
        return None
    try:
        return check_fonts(settings.font_dir)
    except FontsMissing as exc:
        print(f"samen: {exc}", file=sys.stderr)
        return None


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP's list, and the
# full-width forms some spreadsheets read the same way), also after spaces or a quote. A Dutch
# Excel splits a comma-separated file at `;` too, and a row at a line break, whatever the
# quotes say: so a cell is neutralised also after each of those inside it.
_FORMULA_START = re.compile('(?:^|(?<=[;\t\r\n]))(?=[ "]*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20])')


def spreadsheet_safe(value: str) -> str:
    """A CSV cell that a spreadsheet shows and never runs: invisible and control characters
    out (as in messages), and a `'` before a formula's first character, which spreadsheets
    read as "this is text". Invitation codes (capitals and digits) and links never start so."""
    return _FORMULA_START.sub("'", clean_value(value))


def write_private_csv(target: Path, header: list[str], rows: list[list[str]]) -> None:
    """Every CSV file Samen writes: owner-only, and each cell safe to open in a spreadsheet."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)
    write_private_file(target, buffer.getvalue().encode("utf-8"), suffix=".csv")


def write_private_file(target: Path, content: bytes, *, suffix: str) -> None:
    """Codes and pupil data are secrets: the file is readable by its owner only, and written
    whole or not at all."""
    target = target.resolve()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".samen-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

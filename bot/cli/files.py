"""What the commands share: exit codes, the fonts for paper, and files only the school's
user may read."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path

from bot.paper.pdf import FontsMissing, check_fonts
from bot.platform.config import Settings

EXIT_USAGE = 2


EXIT_FAILED = 1


def fonts_for_paper(settings: Settings) -> Path | None:
    """The font folder for a PDF, tried on a probe page; or None after saying what is wrong."""
    try:
        return check_fonts(settings.font_dir)
    except FontsMissing as exc:
        print(f"samen: {exc}", file=sys.stderr)
        return None


def write_private_csv(target: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
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

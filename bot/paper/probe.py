"""`python -m bot.paper.probe [FOLDER]`: the font probe of `check_fonts` in a process of its
own. `samen run` asks it before it starts: the probe loads the PDF engine and every font
(about 40 MB) that a bot making no document would otherwise carry all day. Prints the font
folder and exits 0, or prints what is wrong (one line) and exits 1."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.paper.pdf import FontsMissing, check_fonts


def main(arguments: list[str]) -> int:
    try:
        print(check_fonts(Path(arguments[0]) if arguments else None))
    except FontsMissing as exc:
        print(exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

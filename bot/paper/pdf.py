"""PDF documents: fonts for every language Samen speaks, paragraphs, QR codes.

Text is set with fpdf2 and shaped by HarfBuzz (uharfbuzz), so Arabic and Farsi come out
joined and right to left, Tigrinya in Ge'ez. The fonts are Google's Noto family, shipped
inside the package (`fonts/`, under the SIL Open Font License in `fonts/OFL.txt`), so a
machine needs no fonts of its own; `[paper] fonts` in samen.toml points elsewhere. A font
that is missing, unreadable or without a script's letters stops `samen run` at the start with
a message that says which, not a page of empty boxes when someone asks for a document.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

# fpdf2 (with fontTools) and segno are imported where a document is made, not with this
# module: they take about 40 and 10 MB, which a running bot that makes no document would
# carry all day.

# The fonts that come with Samen (copied unmodified from Debian's fonts-noto-core and
# fonts-noto-mono): the default, so letters work on a machine without any fonts.
PACKAGED_FONTS = Path(__file__).resolve().parent / "fonts"
# family → (regular, bold) file names. The first family is the body font; the others fill
# in the scripts it lacks, in this order.
FONT_FILES: dict[str, tuple[str, str]] = {
    "sans": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "arabic": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    "ethiopic": ("NotoSansEthiopic-Regular.ttf", "NotoSansEthiopic-Bold.ttf"),
    "mono": ("NotoSansMono-Regular.ttf", "NotoSansMono-Bold.ttf"),
}
BODY = "sans"
FALLBACKS = ("arabic", "ethiopic")
MONO = "mono"

# A4 in millimetres, with margins a school printer never clips.
MARGIN = 18.0


# Scripts whose letters change shape with their neighbours or run right to left (Hebrew,
# Arabic, Syriac, Thaana, Ge'ez), and combining marks: these go through HarfBuzz. Latin with
# precomposed diacritics and Cyrillic are drawn glyph by glyph, as they look the same.
_COMPLEX = re.compile("[\u0300-\u036f\u0590-\u08ff\u1200-\u139f\u2d80-\u2ddf\ufb1d-\ufefc]")


def needs_shaping(text: str) -> bool:
    return _COMPLEX.search(text) is not None


# Letters each family's fonts must have, in both weights: Dutch, Turkish, Polish, Romanian,
# Spanish, Portuguese, Ukrainian and Bulgarian in the body font; Arabic with the letters and
# digits of Farsi and Dari; Tigrinya; and the code font.
SCRIPT_SAMPLES: dict[str, str] = {
    "sans": "Samen ëĞğİıŞşŁłŻżĄą ȘșȚțĂăÂâÎî ñ¿¡ ãõç ЇїЄєҐґ ЪъЩщЮюЯя",
    "arabic": "سلام پچژگکی ۰۱۲۳۴۵۶۷۸۹",
    "ethiopic": "ሰላም ትግርኛ",
    "mono": "ABCD 2345",
}


class FontsMissing(RuntimeError):
    """The fonts for PDF documents cannot be used; the message (one line) says why and what
    to do."""


def find_fonts(configured: Path | None = None) -> Path:
    """The folder that holds every font file Samen needs: `[paper] fonts` when the school set
    it, else the fonts shipped inside the package."""
    folder = configured if configured is not None else PACKAGED_FONTS
    needed = [name for pair in FONT_FILES.values() for name in pair]
    missing = [name for name in needed if not (folder / name).is_file()]
    if not missing:
        return folder
    if configured is None:
        raise FontsMissing(
            f"the fonts that come with Samen are missing from {folder} ({', '.join(missing)});"
            " reinstall Samen (pip install --force-reinstall samen)"
        )
    raise FontsMissing(
        f"`fonts` under [paper] in samen.toml points at {folder}, which lacks"
        f" {', '.join(missing)}; put {'it' if len(missing) == 1 else 'them'} there, or remove"
        " `fonts` to use the fonts that come with Samen"
    )


def check_fonts(configured: Path | None = None) -> Path:
    """`find_fonts`, then a probe document in every family and weight: a font that cannot be
    read or lacks a script's letters shows now, not when someone asks for a letter."""
    folder = find_fonts(configured)
    document = Document(folder, datetime(2026, 1, 1, tzinfo=UTC))
    document.new_page()
    for family, sample in SCRIPT_SAMPLES.items():
        for style, file in zip(("", "B"), FONT_FILES[family], strict=True):
            cmap = document.pdf.fonts[family + style].cmap
            lacking = sorted({c for c in sample if not c.isspace() and ord(c) not in cmap})
            if lacking:
                raise FontsMissing(
                    f"{folder / file} has no letters for {''.join(lacking)};"
                    " it must be the Noto font of that name"
                )
            document.text(sample, Style(bold=style == "B", mono=family == MONO))
    document.output()
    return folder


@dataclass(frozen=True)
class Style:
    size: float = 11.0
    bold: bool = False
    mono: bool = False
    grey: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph of a page laid out by `Document.fit`."""

    text: str
    style: Style = Style()
    gap: float = 2.0
    centred: bool = False
    ltr: bool = False  # left-aligned even in a right-to-left document (a Dutch line)


@dataclass(frozen=True)
class Qr:
    content: str
    size: float


@dataclass(frozen=True)
class Rule:
    gap: float = 3.0


Block = Para | Qr | Rule
# How far `fit` may shrink a page's type and QR code to keep it on one sheet.
FIT_SCALES = (1.0, 0.92, 0.84, 0.76, 0.68, 0.6)
# Wrapping at word ends leaves part of each line empty: count a paragraph this much wider.
WRAP_SLACK = 1.15


class Document:
    """An A4 document with Samen's fonts: paragraphs in any script, QR codes, page breaks."""

    def __init__(self, font_dir: Path, created: datetime, *, title: str = "") -> None:
        from fpdf import FPDF

        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(auto=True, margin=MARGIN)
        for family, (regular, bold) in FONT_FILES.items():
            for style, name in (("", regular), ("B", bold)):
                try:
                    pdf.add_font(family, style=style, fname=font_dir / name)
                except Exception as exc:
                    # fontTools and fpdf2 raise many kinds of errors on a damaged file.
                    raise FontsMissing(
                        f"{font_dir / name} is not a font Samen can use"
                        f" ({type(exc).__name__}: {exc})"
                    ) from exc
        pdf.set_fallback_fonts(list(FALLBACKS), exact_match=False)
        pdf.set_title(title)
        pdf.set_author("Samen")
        pdf.set_creator("Samen")
        # The caller's clock, not the machine's: the same data at the same time, the same file.
        pdf.set_creation_date(created)
        self.pdf: FPDF = pdf

    @property
    def width(self) -> float:
        """The width between the margins."""
        return float(self.pdf.epw)

    def new_page(self) -> None:
        self.pdf.add_page()

    def set_style(self, content: str, style: Style) -> None:
        """Font and colour for `content`, and the shaping engine only where the script needs
        it: fpdf2 re-shapes a paragraph for every character while breaking lines, which made
        a Latin letter as slow as an Arabic one (67 ms a page; see `needs_shaping`)."""
        pdf = self.pdf
        pdf.set_font(MONO if style.mono else BODY, "B" if style.bold else "", style.size)
        pdf.set_text_color(90 if style.grey else 0)
        pdf.set_text_shaping(use_shaping_engine=needs_shaping(content))

    def text(
        self, content: str, style: Style = Style(), *, rtl: bool = False, gap: float = 2.0
    ) -> None:
        """A paragraph, wrapped to the margins; right-aligned for a right-to-left language."""
        from fpdf.enums import Align, XPos, YPos

        self.set_style(content, style)
        self.pdf.multi_cell(
            0,
            style.size * 0.5,
            content,
            align=Align.R if rtl else Align.L,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.pdf.ln(gap)

    def centred(self, content: str, style: Style = Style(), *, gap: float = 2.0) -> None:
        from fpdf.enums import Align, XPos, YPos

        self.set_style(content, style)
        self.pdf.multi_cell(
            0, style.size * 0.5, content, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(gap)

    def fit(self, blocks: list[Block], *, rtl: bool) -> None:
        """Set the blocks from the current position, with type and QR code scaled down just
        enough to end on this page (a long name or a wordy language must not push the last
        lines of a letter onto a sheet of their own)."""
        room = self.pdf.h - MARGIN - self.pdf.get_y()
        scale = next((k for k in FIT_SCALES if self._height(blocks, k) <= room), FIT_SCALES[-1])
        for block in blocks:
            if isinstance(block, Para):
                style = replace(block.style, size=block.style.size * scale)
                if block.centred:
                    self.centred(block.text, style, gap=block.gap * scale)
                else:
                    self.text(block.text, style, rtl=rtl and not block.ltr, gap=block.gap * scale)
            elif isinstance(block, Qr):
                self.qr(block.content, block.size * scale)
            else:
                self.rule(block.gap)

    def _height(self, blocks: list[Block], scale: float) -> float:
        """An estimate from each paragraph's width in one line: no line breaking, which is
        what costs time (see `set_style`)."""
        total = 0.0
        for block in blocks:
            if isinstance(block, Para):
                style = replace(block.style, size=block.style.size * scale)
                self.set_style(block.text, style)
                lines = sum(
                    max(1, math.ceil(self.pdf.get_string_width(part) * WRAP_SLACK / self.width))
                    for part in block.text.split("\n")
                )
                total += lines * style.size * 0.5 + block.gap * scale
            elif isinstance(block, Qr):
                total += block.size * scale + 3
            else:
                total += block.gap
        return total

    def rule(self, gap: float = 3.0) -> None:
        pdf = self.pdf
        pdf.set_draw_color(170)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(gap)

    def qr(self, content: str, size: float) -> None:
        """A QR code of `size` mm, centred, drawn as vector squares so every printer keeps it
        sharp. Error correction M survives a crease or a smudge in a school bag."""
        import segno

        code = segno.make_qr(content, error="m", boost_error=False)
        modules = list(code.matrix_iter(border=0))
        step = size / len(modules)
        left = (self.pdf.w - size) / 2
        top = self.pdf.get_y()
        if top + size > self.pdf.h - MARGIN:
            self.pdf.add_page()
            top = self.pdf.get_y()
        self.pdf.set_fill_color(0)
        for row, line in enumerate(modules):
            column = 0
            while column < len(line):
                if not line[column]:
                    column += 1
                    continue
                run = column
                while run < len(line) and line[run]:
                    run += 1
                # One rectangle per dark run: fewer objects, no hairlines between modules.
                self.pdf.rect(
                    left + column * step, top + row * step, (run - column) * step, step, "F"
                )
                column = run
        self.pdf.set_y(top + size + 3)

    def output(self) -> bytes:
        buffer = io.BytesIO()
        self.pdf.output(buffer)
        return buffer.getvalue()

"""Reading a PDF the way its reader would, with poppler's pdftotext: the text of each page,
and each word with its box. pdftotext marks right-to-left runs with bidi controls; they are
taken out (only those: any other invisible character in a document stays, for tests to see),
so tests compare plain words."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# What pdftotext adds around right-to-left runs: bidi marks, embeddings and isolates.
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


@dataclass(frozen=True)
class Word:
    """A word and its box in points (1/72 inch) from the top left of the page."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def _pdftotext(pdf: bytes | Path, *options: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = pdf if isinstance(pdf, Path) else Path(folder) / "document.pdf"
        if not isinstance(pdf, Path):
            path.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", *options, str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def raw_text(pdf: bytes | Path) -> str:
    """The text exactly as pdftotext gives it, bidi marks and all."""
    return _pdftotext(pdf)


def pdf_text(pdf: bytes | Path) -> str:
    return _BIDI_MARKS.sub("", _pdftotext(pdf))


def page_texts(pdf: bytes | Path) -> list[str]:
    return pdf_text(pdf).split("\f")[:-1]


def words_on_page(pdf: bytes | Path, page: int) -> list[Word]:
    html = _BIDI_MARKS.sub("", _pdftotext(pdf, "-bbox", "-f", str(page), "-l", str(page)))
    return [
        Word(text, float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, text in _WORD.findall(html)
    ]

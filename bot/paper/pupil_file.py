"""The pupil file as an A4 document (PDF) in the reader's language: who the pupil is, then
every chosen event with its local time, a year heading each year."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import cast

from bot.i18n.translator import Translator
from bot.paper.pdf import Document, Style
from bot.rules.pupil_file import FileEvent, PersonKey, PupilFile, select
from bot.texts.pupil_file_words import describe

# Emoji and pictographs: the document fonts have none, and a box helps no one.
_NO_GLYPH = re.compile("[\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]")


def printable(text: str) -> str:
    return re.sub(r"[ \t]{2,}", " ", _NO_GLYPH.sub("", text)).strip()


def _keep_together(doc: Document, block: list[tuple[str, Style, float]]) -> None:
    """A new page first when the event would not fit on this one: a "For staff only" mark
    must never stand at the foot of a page, apart from what it marks."""
    from fpdf.enums import MethodReturnValue, XPos, YPos  # with the document (bot/paper/pdf.py)

    pdf = doc.pdf
    height = 0.0
    for text, style, gap in block:
        doc.set_style(text, style)
        measured = pdf.multi_cell(
            0,
            style.size * 0.5,
            text,
            dry_run=True,
            output=MethodReturnValue.HEIGHT,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        height += cast(float, measured)  # output=HEIGHT: the height alone
        height += gap
    # An event longer than a page starts where it is: a new page would not help.
    if height < pdf.eph and pdf.will_page_break(height):
        doc.new_page()


def render_pdf(
    file: PupilFile,
    t: Translator,
    font_dir: Path,
    created: datetime,
    *,
    include_staff_only: bool = True,
    only_concerning: frozenset[PersonKey] | None = None,
) -> bytes:
    """An A4 document: who the pupil is, then every chosen event with its local time."""
    pupil = file.pupil
    full_name = f"{pupil.first_name} {pupil.last_name}"
    events = select(file, include_staff_only=include_staff_only, only_concerning=only_concerning)
    doc = Document(font_dir, created, title=full_name)
    doc.new_page()

    def say(text: str, style: Style | None = None, gap: float = 2.0) -> None:
        doc.text(printable(text), style or Style(), rtl=t.rtl, gap=gap)

    if file.school:
        say(file.school, Style(12, grey=True), gap=1)
    say(t.label("Pupil file: {name}", name=full_name), Style(18, bold=True))
    say(t.label("Born on {date}", date=t.date_with_year(pupil.birth_date)), gap=1)
    say(t.label("Group: {group}", group=pupil.group), gap=1)
    say(
        t.label("Made on {date}", date=t.date_with_year(created.astimezone(t.timezone).date())),
        gap=3,
    )
    say(
        t.label(
            "This file shows what Samen recorded about {name}. The oldest comes first.",
            name=pupil.first_name,
        ),
        Style(11),
        gap=2,
    )
    if any(e.staff_only for e in events):
        # staff:
        say(t.label("Parts marked “For staff only” are not for parents."), Style(11, bold=True))
    if not events:
        say(t.label("Nothing was recorded yet."), Style(11))
    doc.rule()
    year = None
    for event in events:
        # t.datetime has no year: the year heads each year's events instead.
        local_year = event.at.astimezone(t.timezone).year
        block = _event_block(event, t, year=None if local_year == year else local_year)
        year = local_year
        _keep_together(doc, [(printable(text), style, gap) for text, style, gap in block])
        for text, style, gap in block:
            say(text, style, gap)
        doc.rule(gap=2.5)
    return doc.output()


def _event_block(
    event: FileEvent, t: Translator, *, year: int | None
) -> list[tuple[str, Style, float]]:
    """One event as lines to print, headed by its year when it is the first of that year."""
    block: list[tuple[str, Style, float]] = []
    if year is not None:
        block.append((str(year), Style(14, bold=True), 2))
    heading, body = describe(event, t)
    if event.staff_only:
        # staff:
        block.append((t.label("For staff only"), Style(9.5, bold=True), 0.5))
    block.append((t.datetime(event.at), Style(9, grey=True), 0.5))
    block.append((heading, Style(12, bold=True), 1))
    if body:
        block.append((body, Style(10.5), 1))
    return block

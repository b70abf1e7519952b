"""Printed invitation letters: one A4 page per person, to go home in the child's bag.

Each page is in the reader's language, right to left where that language is, with a short
Dutch line at the foot so the school can check whom a letter is for. It says in plain words
what Samen is, how to install Telegram, and carries the person's link twice: as a QR code
for the phone's camera, and as the code in large type for typing in.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bot.i18n.translator import Catalogues, Translator, language_name
from bot.paper.pdf import Block, Document, Para, Qr, Rule, Style
from bot.rules.models import InviteRow, PersonKind

QR_SIZE = 62.0  # mm: big enough for an old phone camera at arm's length
CODE_GROUP = 4


def spaced_code(code: str) -> str:
    """The code in groups of four, easier to copy by hand; Samen ignores the spaces."""
    return " ".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


def letters_pdf(
    rows: list[InviteRow],
    catalogues: Catalogues,
    *,
    school: str,
    bot_username: str,
    font_dir: Path,
    created: datetime,
) -> bytes:
    """One page per invitation, in the order given."""
    document = Document(font_dir, created, title=f"Samen – {school}" if school else "Samen")
    for row in rows:
        document.new_page()
        t = catalogues(row.language)
        blocks = _letter(row, t, catalogues("nl"), school, bot_username)
        document.fit(blocks, rtl=t.rtl)
    return document.output()


def _letter(
    row: InviteRow, t: Translator, dutch: Translator, school: str, bot_username: str
) -> list[Block]:
    """The letter from top to bottom; `Document.fit` sets it on one page."""
    return [
        *_opening(row, t, school),
        *_how_to_start(row, t, bot_username),
        *_closing(row, t, dutch),
    ]


def _opening(row: InviteRow, t: Translator, school: str) -> list[Block]:
    """The title, whom the letter is for, and what Samen is for them."""
    return [
        Para(
            t.label("Samen: {school} on Telegram", school=school)
            if school
            else t.label("Samen: your school on Telegram"),
            Style(20, bold=True),
        ),
        Para(t.label("For {name}", name=row.name), Style(14, bold=True), gap=4),
        *(Para(text, Style(12), gap=3) for text in _about(row, t, school)),
    ]


def _how_to_start(row: InviteRow, t: Translator, bot_username: str) -> list[Block]:
    """The steps, the QR code to scan, and the code to type for those without a camera."""
    return [
        Para(t.label("How to start"), Style(14, bold=True)),
        Para(
            t.label(
                "1. Install Telegram on your phone. It is free: look for Telegram in the App"
                " Store or in Google Play."
            ),
            Style(12),
            gap=1.5,
        ),
        Para(
            t.label("2. Open the camera of your phone and point it at the square below."),
            Style(12),
            gap=1.5,
        ),
        Para(
            t.label("3. Tap the link you see. Telegram opens Samen. Tap Start."),
            Style(12),
            gap=4.5,
        ),
        Qr(row.link, QR_SIZE),
        Para(
            t.label(
                "No camera? Open Telegram, search for {bot}, tap Start and type this code:",
                # The @ inside the value: in a right-to-left line it stays with the name.
                bot=f"@{bot_username}",
            ),
            Style(11),
            gap=1,
        ),
        Para(spaced_code(row.code), Style(22, bold=True, mono=True), gap=3, centred=True),
    ]


def _closing(row: InviteRow, t: Translator, dutch: Translator) -> list[Block]:
    """Until when the code works, where to ask, and the Dutch line for the school's check."""
    blocks: list[Block] = []
    if row.expires_at is not None:
        until = t.date_with_year(row.expires_at.astimezone(t.timezone).date())
        text = t.label(
            "This code is only for you and works once, until {date}. Keep this letter to yourself.",
            date=until,
        )
        blocks.append(Para(text, Style(11, bold=True)))
    blocks.append(
        Para(
            t.label("Questions? Ask the teacher, or call the school. We are happy to help."),
            Style(11),
            gap=5,
        )
    )
    if t.language != "nl":
        blocks.append(Rule())
        blocks.append(Para(_dutch_check(row, dutch, t.language), Style(9, grey=True), ltr=True))
    return blocks


def _about(row: InviteRow, t: Translator, school: str) -> list[str]:
    if row.kind is PersonKind.GUARDIAN:
        children = t.list_of(list(row.children))
        return [
            t.n_label(
                "{school} uses Samen to stay in touch with you about your child {children}.",
                "{school} uses Samen to stay in touch with you about your children {children}.",
                len(row.children),
                school=school,
                children=children,
            )
            if school
            # No configured name: a whole sentence rather than an empty name.
            else t.n_label(
                "Your child's school uses Samen to stay in touch with you about your child"
                " {children}.",
                "Your children's school uses Samen to stay in touch with you about your"
                " children {children}.",
                len(row.children),
                children=children,
            ),
            t.label(
                "In Samen you get invitations for talks, questions from school and good news"
                " about your child. You answer with one tap. Samen writes to you in your own"
                " language."
            ),
        ]
    if row.kind is PersonKind.PUPIL:
        return [
            t.label("{school} uses Samen to stay in touch with you.", school=school)
            if school
            else t.label("Your school uses Samen to stay in touch with you."),
            t.label(
                "In Samen you get messages from school, and you answer with one tap."
                " Your parents get their own letter."
            ),
        ]
    return [
        # staff:
        t.label(
            "Samen is the school's chat with families: talks, consent, and good news."
            " This is your own invitation."
        ),
    ]


def _dutch_check(row: InviteRow, dutch: Translator, language: str) -> str:
    """A line for the school's own check of a letter it cannot read."""
    if row.children:
        # staff:
        return dutch.label(
            "For school: invitation for {name}, parent or carer of {children}."
            " Language: {language}.",
            name=row.name,
            children=dutch.list_of(list(row.children)),
            language=language_name(language, "nl"),
        )
    # staff:
    return dutch.label(
        "For school: invitation for {name}. Language: {language}.",
        name=row.name,
        language=language_name(language, "nl"),
    )

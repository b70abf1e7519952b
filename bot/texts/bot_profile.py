"""What a parent sees of the bot before pressing Start: its description (the empty chat's
"What can this bot do?") and short description (its profile), in their Telegram language."""

from __future__ import annotations

from bot.i18n.translator import Translator

# Telegram's limits (setMyDescription, setMyShortDescription).
MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120


def description(tr: Translator, school: str) -> str:
    text = tr.label(
        "Samen connects families with {school}. You get invitations, questions and good news"
        " about your child in your own language, and you answer with one tap. You can also"
        " write to the teacher.\n\nTo start, press Start and type the code from the school's"
        " letter.",
        school=school,
    )
    return _clip(text, MAX_DESCRIPTION)


def short_description(tr: Translator, school: str) -> str:
    text = tr.label("Messages between {school} and families, in your own language.", school=school)
    return _clip(text, MAX_SHORT_DESCRIPTION)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

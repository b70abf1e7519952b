"""Which language a person reads: one rule, used for every message and every screen."""

from __future__ import annotations

from collections.abc import Collection

FALLBACK = "nl"  # Dutch: the school's own language, always loaded


def reading_language(chosen: str | None, roster: str | None, loaded: Collection[str]) -> str:
    """Their own choice (/taal), else the roster's, else Dutch — each only when the school
    has that language switched on: a message is never recorded in a language it was not
    written in."""
    for language in (chosen, roster):
        if language and language in loaded:
            return language
    return FALLBACK


# Telegram names a phone's language with an IETF tag ("pt-br", "fa-AF"). Persian as written in
# Afghanistan is Dari, which Samen offers as its own language.
_PHONE_TAGS = {"fa-af": "prs"}


def phone_language(tag: str | None) -> str:
    """Samen's code for the language of a person's Telegram app, e.g. 'pt' for 'pt-br'."""
    tag = (tag or "").strip().lower().replace("_", "-")
    return _PHONE_TAGS.get(tag, tag.split("-")[0])


def telegram_language_code(code: str) -> str | None:
    """The code under which Telegram shows a bot's menu and description to phones in this
    language: Telegram takes two-letter ISO 639-1 codes only, so Dari (`prs`, which has none)
    gets no menu of its own; a Dari reader's phone says Persian (`fa`) anyway."""
    return code if len(code) == 2 else None

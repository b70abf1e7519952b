"""What families and school read of each other's messages: who wrote, about which child, in
which language, the words as written, and what the reader should know (a restriction, when
the school will read it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.i18n.translator import N_, Translator, language_name

# What a family may send besides words; the school receives a copy of the very message.
MEDIA = {
    "voice": N_("a voice note"),
    "photo": N_("a photo"),
    "document": N_("a document"),
    "video": N_("a video"),
    "audio": N_("a sound recording"),
}


# Up to this length the words as written stand under their translation; longer ones are a tap
# away ("📝 As written"), so a long message is not read twice on a phone and fits in one.
AS_WRITTEN_BESIDE = 500
# A translation longer than this is cut short: the whole words as written are a tap away.
MAX_TRANSLATION = 3600


def as_written_a_tap_away(words: str, translation: str | None) -> bool:
    """Whether the words as written are shown on request rather than under the translation."""
    return translation is not None and len(words) > AS_WRITTEN_BESIDE


def as_written(tr: Translator, words: str, language: str) -> str:
    """The words as written, asked for under a long translated message."""
    return "\n".join(
        [
            tr._("📝 As written in {language}:", language=language_name(language, tr.language)),
            quoted(tr, words),
        ]
    )


def quoted(tr: Translator, words: str) -> str:
    """Someone's own words, as they wrote them, between quotes."""
    return tr._("“{words}”", words=words)


def written_in(tr: Translator, language: str) -> str:
    """The line under words written in another language than the reader's ('' when the same)."""
    if language == tr.language:
        return ""
    return tr._("(Written in {language}.)", language=language_name(language, tr.language))


def to_staff(
    tr: Translator,
    *,
    who: str,
    child: str,
    words: str,
    language: str,
    translation: str | None = None,
    media: str | None = None,
) -> str:
    """A family's message as a teacher reads it (above a copy of their voice note or photo)."""
    if media is None:
        # staff:
        head = tr._("💬 <b>{who}</b> wrote about {child}:", who=who, child=child)
    else:
        # staff:
        head = tr._(
            "💬 <b>{who}</b> sent {what} about {child}:",
            who=who,
            what=tr.label(MEDIA.get(media, MEDIA["document"])),
            child=child,
        )
    if not words:
        return "\n".join([head, written_in(tr, language)]).strip()
    return "\n".join([head, *_words(tr, words, language, translation)])


def _words(tr: Translator, words: str, language: str, translation: str | None) -> list[str]:
    """The words as written; with a machine translation, that first, marked as machine-made,
    and the words as written below it."""
    if translation is None:
        return [line for line in (quoted(tr, words), written_in(tr, language)) if line]
    language = language_name(language, tr.language)
    if as_written_a_tap_away(words, translation):
        if len(translation) > MAX_TRANSLATION:
            translation = translation[:MAX_TRANSLATION] + "…"
        tapped = tr._(
            "🤖 Translated by a computer from {language}. Tap “📝 As written” for the words"
            " as they were written.",
            language=language,
        )
        return [quoted(tr, translation), tapped]
    machine = tr._(
        "🤖 Translated by a computer from {language}. As it was written:", language=language
    )
    return [quoted(tr, translation), machine, quoted(tr, words)]


def not_to_be_told(tr: Translator, name: str, child: str, reason: str) -> str:
    """The warning under a message from someone the school may not inform about the child."""
    # staff:
    return tr._(
        "⚠️ You may read and answer this, but do not share information about {child} with"
        " {name}: {reason}.",
        child=child,
        name=name,
        reason=reason,
    )


def to_family(
    tr: Translator, *, teacher: str, child: str, words: str, translation: str | None = None
) -> str:
    """A teacher's message as the family reads it, the teacher's own words as written."""
    head = tr._("💬 <b>{teacher}</b> wrote to you about {child}:", teacher=teacher, child=child)
    return "\n".join([head, *_words(tr, words, "nl", translation)])


def sent_to_school(
    tr: Translator,
    readers: list[str],
    read_from: datetime | None,
    now: datetime,
    away: Sequence[tuple[str, date]] = (),
) -> str:
    """The writer's confirmation: who will read it, and when (and which teacher is away)."""
    if not readers:
        return tr._(
            "Your message is saved, but no teacher can read it in Samen yet."
            " Please call the school."
        )
    gone = [
        tr._("{name} is away until {date}.", name=name, date=tr.date(until)) for name, until in away
    ]
    sent = "\n".join([*gone, tr._("✅ Sent to {names}.", names=tr.list_of(readers))])
    if read_from is None or read_from <= now:
        return sent
    return (
        sent
        + "\n"
        + tr._("School is closed now. They will read it from {date}.", date=tr.datetime(read_from))
    )

"""What staff and parents read about a child reported sick or absent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.i18n.translator import Translator, language_name
from bot.texts.conversation_texts import MEDIA, written_in


@dataclass(frozen=True)
class Reason:
    """Why a child is away, as the parent gave it: typed (in the language they read, with a
    machine translation for the reader when there is one) or as a voice note or photo."""

    words: str
    language: str
    translation: str | None = None
    media: str | None = None  # the kind of what they sent instead of typing


def days(tr: Translator, first: date, last: date, today: date) -> str:
    """'today', 'tomorrow', 'Thursday 10 December', or 'from … to …'."""
    if first == last:
        if first == today:
            return tr.label("today")
        return tr.date(first)
    return tr.label("from {first} to {last}", first=tr.date(first), last=tr.date(last))


def to_staff(tr: Translator, *, child: str, group: str, when: str, reason: Reason, who: str) -> str:
    """One short line per report, as the mentors and the people the school named read it."""
    # staff:
    line = tr._(
        "🤒 <b>{child}</b> ({group}) is absent {when}. Reported by {who}.",
        child=child,
        group=group,
        when=when,
        who=who,
    )
    return "\n".join([line, *_why(tr, reason)])


def _why(tr: Translator, reason: Reason) -> list[str]:
    if reason.media is not None:
        what = tr.label(MEDIA.get(reason.media, MEDIA["document"]))
        # staff:
        return [tr._("Reason: in {what} to the mentors.", what=what)]
    if not reason.words:
        return []
    if reason.translation is not None:
        # staff:
        said = tr._("Reason: “{reason}”", reason=reason.translation)
        # staff:
        machine = tr._(
            "🤖 Translated by a computer from {language}. As it was written: “{words}”",
            language=language_name(reason.language, tr.language),
            words=reason.words,
        )
        return [said, machine]
    # staff:
    said = tr._("Reason: “{reason}”", reason=reason.words)
    return [line for line in (said, written_in(tr, reason.language)) if line]


def confirmed(tr: Translator, *, child: str, when: str, moved: bool, readers: list[str]) -> str:
    """The parent's confirmation."""
    lines = [tr._("✅ Thank you. {child} is reported absent {when}.", child=child, when=when)]
    if moved:
        lines.append(
            tr._("School has already started today, so it counts from the next school day.")
        )
    if readers:
        lines.append(tr._("{names} will know.", names=tr.list_of(readers)))
    return "\n".join(lines)

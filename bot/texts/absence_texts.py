"""What staff and parents read about a child reported sick or absent."""

from __future__ import annotations

from datetime import date

from bot.i18n.translator import Translator


def days(tr: Translator, first: date, last: date, today: date) -> str:
    """'today', 'tomorrow', 'Thursday 10 December', or 'from … to …'."""
    if first == last:
        if first == today:
            return tr.label("today")
        return tr.date(first)
    return tr.label("from {first} to {last}", first=tr.date(first), last=tr.date(last))


def to_staff(tr: Translator, *, child: str, group: str, when: str, reason: str, who: str) -> str:
    """One short line per report, as the mentors and the people the school named read it."""
    # staff:
    line = tr._(
        "🤒 <b>{child}</b> ({group}) is absent {when}. Reported by {who}.",
        child=child,
        group=group,
        when=when,
        who=who,
    )
    if reason:
        # staff:
        line += "\n" + tr._("Reason: “{reason}”", reason=reason)
    return line


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

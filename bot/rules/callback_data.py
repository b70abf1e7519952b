"""What a button names, typed: the `callback_data` of inline buttons, written and read back
in one place instead of `split(":")` in every handler.

Each kind of tap is a small record with a prefix; fields follow it, separated by ":".
Telegram allows 64 bytes. A parsed tap is only a claim: handlers check it against the
database (who is tapping, whether it was sent to them) and never trust it. These are
version 1 of each format; a changed format takes a new prefix, so a button already sitting in
someone's chat is answered as "no longer works" instead of doing something else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import ClassVar, Self

MAX_BYTES = 64


class Tap:
    """Base of every kind of tap: `str(tap)` is its callback data, `parse` reads it back."""

    PREFIX: ClassVar[str]
    # Fields whose value must be one of these words.
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {}

    def __str__(self) -> str:
        parts = [self.PREFIX, *(str(getattr(self, f.name)) for f in fields(self))]  # type: ignore[arg-type]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Self | None:
        """The tap this data names, or None when it is not one of this kind (or malformed)."""
        parts = (data or "").split(":")
        names = fields(cls)  # type: ignore[arg-type]
        if parts[0] != cls.PREFIX or len(parts) != len(names) + 1:
            return None
        values: list[object] = []
        for field, raw in zip(names, parts[1:], strict=True):
            if field.type == "int":
                if not raw.isdigit():
                    return None
                values.append(int(raw))
            elif raw and raw in cls.CHOICES.get(field.name, frozenset({raw})):
                values.append(raw)
            else:
                return None
        return cls(*values)

    @classmethod
    def pattern(cls, **fixed: str) -> str:
        """A regular expression for PTB's CallbackQueryHandler: this kind, with some fields
        fixed (`pattern(answer="agree")`), so each action has a handler of its own."""
        parts = [re.escape(cls.PREFIX)]
        for field in fields(cls):  # type: ignore[arg-type]
            if field.name in fixed:
                parts.append(re.escape(fixed[field.name]))
            elif field.type == "int":
                parts.append(r"\d+")
            else:
                parts.append(r"[^:]+")
        return "^" + ":".join(parts) + "$"


@dataclass(frozen=True)
class ConsentTap(Tap):
    """A tap under a consent request: answer, confirm, go back, withdraw, see it again."""

    PREFIX: ClassVar[str] = "c"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {
        "action": frozenset(
            {"agree", "yes", "refuse", "talk", "back", "keep", "withdraw", "withdrawyes", "again"}
        )
    }
    discussion_id: int
    action: str


@dataclass(frozen=True)
class NoticeTap(Tap):
    """A tap under a CvB notice: come, talk first, understood, or change the answer."""

    PREFIX: ClassVar[str] = "n"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {
        "answer": frozenset({"come", "talk", "understood", "change"})
    }
    discussion_id: int
    answer: str


# At most this many other times a teacher offers on an invitation (alt0, alt1, …).
MAX_ALTERNATIVES = 10


@dataclass(frozen=True)
class InvitationTap(Tap):
    """A tap under an invitation to a talk. The talk's version makes a button stale once the
    talk has moved."""

    PREFIX: ClassVar[str] = "m"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {
        "action": frozenset(
            {"come", "cannot", "other", "type", "change", "interp", "bring"}
            | {f"alt{index}" for index in range(MAX_ALTERNATIVES)}
        )
    }
    meeting_id: int
    version: int
    action: str


@dataclass(frozen=True)
class AccessTap(Tap):
    """A coordinator's tap on a request to see data: look at the copy first, or send it."""

    PREFIX: ClassVar[str] = "ar"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {"action": frozenset({"preview", "send"})}
    request_id: int
    action: str


@dataclass(frozen=True)
class ReactionTap(Tap):
    """A reader's reaction to good news."""

    PREFIX: ClassVar[str] = "pn"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {
        "reaction": frozenset({"thanks", "heart", "well_done", "words"})
    }
    news_id: int
    reaction: str


@dataclass(frozen=True)
class SummaryTap(Tap):
    """A reader's tap under a summary: read, or ask a question about it."""

    PREFIX: ClassVar[str] = "sr"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {"action": frozenset({"read", "ask"})}
    meeting_id: int
    action: str


@dataclass(frozen=True)
class JoinTap(Tap):
    """The other parent's answer to a booked short talk: come too, or not."""

    PREFIX: ClassVar[str] = "rj"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {"answer": frozenset({"come", "no"})}
    meeting_id: int
    version: int
    answer: str


# --- staff and family buttons that name one thing ------------------------------------------


@dataclass(frozen=True)
class DiscussionTap(Tap):
    """Staff open one CvB or ZAT discussion from the overview."""

    PREFIX: ClassVar[str] = "d"
    discussion_id: int


@dataclass(frozen=True)
class GroupTap(Tap):
    """Staff open one group's families from the overview (a short key, not the group's name)."""

    PREFIX: ClassVar[str] = "ov"
    group_key: str


@dataclass(frozen=True)
class MeetingCardTap(Tap):
    """A teacher's tap on her meeting card: move or cancel the talk."""

    PREFIX: ClassVar[str] = "mt"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {"action": frozenset({"move", "cancel"})}
    meeting_id: int
    action: str


@dataclass(frozen=True)
class WriteSummaryTap(Tap):
    """A teacher starts the summary of a talk."""

    PREFIX: ClassVar[str] = "sum"
    meeting_id: int


@dataclass(frozen=True)
class ViewSummaryTap(Tap):
    """A teacher looks at the summary she sent, and who has read it."""

    PREFIX: ClassVar[str] = "sumv"
    meeting_id: int


@dataclass(frozen=True)
class AnswerQuestionTap(Tap):
    """A teacher answers a reader's question about a summary."""

    PREFIX: ClassVar[str] = "qa"
    question_id: int


@dataclass(frozen=True)
class PrepareTap(Tap):
    """A teacher prepares a talk, from the prompt the day before."""

    PREFIX: ClassVar[str] = "prep"
    meeting_id: int


@dataclass(frozen=True)
class GoodNewsTap(Tap):
    """A mentor writes good news about one pupil, from the reminder."""

    PREFIX: ClassVar[str] = "pos"
    pupil_id: str


@dataclass(frozen=True)
class LanguageTap(Tap):
    """Anyone chooses the language Samen writes to them in."""

    PREFIX: ClassVar[str] = "lang"
    CHOICES: ClassVar[dict[str, frozenset[str]]] = {"action": frozenset({"set"})}
    action: str
    code: str


@dataclass(frozen=True)
class RoundBlocksTap(Tap):
    """The teacher who opened a round sees its times, to block or free them."""

    PREFIX: ClassVar[str] = "rbk"
    round_id: int


@dataclass(frozen=True)
class SlotBlockTap(Tap):
    """… and blocks or frees one time (the same prefix, one field more)."""

    PREFIX: ClassVar[str] = "rbk"
    round_id: int
    slot_id: int


@dataclass(frozen=True)
class RoundDaysTap(Tap):
    """A family opens a round for one child: the days with free times."""

    PREFIX: ClassVar[str] = "rb"
    round_id: int
    pupil_id: str


@dataclass(frozen=True)
class RoundDayTap(Tap):
    """… the free times on one day (YYYYMMDD) …"""

    PREFIX: ClassVar[str] = "rd"
    round_id: int
    pupil_id: str
    day: str


@dataclass(frozen=True)
class RoundSlotTap(Tap):
    """… and books one time."""

    PREFIX: ClassVar[str] = "rs"
    round_id: int
    pupil_id: str
    slot_id: int


@dataclass(frozen=True)
class FamilyMessageTap(Tap):
    """ "↩️ Answer" under a message between a family and school: a teacher answers the
    family, or the family writes back about the same child."""

    PREFIX: ClassVar[str] = "fm"
    message_id: int


@dataclass(frozen=True)
class ChangeMessageTap(Tap):
    """ "✏️ Change" under a teacher's confirmation: she replaces the words she sent a family."""

    PREFIX: ClassVar[str] = "fx"
    message_id: int


@dataclass(frozen=True)
class AsWrittenTap(Tap):
    """ "📝 As written" under a long translated message: its words as they were written."""

    PREFIX: ClassVar[str] = "fw"
    message_id: int

"""Plain records shared by storage, rules and conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    TEACHER = "teacher"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    GUARDIAN = "guardian"
    PUPIL = "pupil"


STAFF_ROLES = frozenset({Role.TEACHER, Role.COORDINATOR, Role.ADMIN})
RELATIONS = (
    "mother",
    "father",
    "parent",
    "guardian",
    "foster_parent",
    "family_guardian",
    "other",
)


class PersonKind(StrEnum):
    STAFF = "staff"
    GUARDIAN = "guardian"
    PUPIL = "pupil"


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    first_name: str
    last_name: str
    role: Role
    groups: tuple[str, ...]


@dataclass(frozen=True)
class Pupil:
    pupil_id: str
    first_name: str
    last_name: str
    birth_date: date
    group: str
    language: str = "nl"


@dataclass(frozen=True)
class Guardian:
    guardian_id: str
    first_name: str
    last_name: str
    language: str


@dataclass(frozen=True)
class GuardianLink:
    guardian_id: str
    pupil_id: str
    relation: str
    authority: bool


@dataclass(frozen=True)
class Viewer:
    """Who is behind a Telegram account, as far as Samen knows."""

    user_id: int
    chat_id: int
    language: str
    kind: PersonKind | None = None
    person_id: str | None = None
    first_name: str = ""
    role: Role | None = None

    @property
    def linked(self) -> bool:
        return self.kind is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def person(self) -> tuple[PersonKind, str]:
        """(kind, id) of the person behind a linked account."""
        assert self.kind is not None and self.person_id is not None
        return self.kind, self.person_id


@dataclass(frozen=True)
class UserFacts:
    """What the database knows about a Telegram user, read in one go for every update."""

    chat_id: int
    unreachable: bool
    chosen_language: str | None
    kind: PersonKind | None = None
    person_id: str | None = None
    # None when the linked person is no longer in the roster.
    first_name: str | None = None
    role: Role | None = None
    roster_language: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """A message waiting in the outbox."""

    id: int
    chat_id: int
    text: str
    reply_markup: str | None
    protect_content: bool
    attempts: int
    recipient_kind: str | None
    recipient_id: str | None
    purpose: str
    document: bytes | None = None
    document_name: str | None = None
    # An edit of an earlier outbox message: its id, and its Telegram message id once sent.
    edit_of: int | None = None
    edit_message_id: int | None = None
    edit_waits: bool = False  # the message to edit has not been sent yet
    # A copy of a message someone sent the bot (a voice note, a photo): (chat id, message id).
    copy_of: tuple[int, int] | None = None


class DeliveryState(StrEnum):
    """How far a message to a family got, as staff read it."""

    ON_ITS_WAY = "on_its_way"  # queued or sent: the normal course
    HELD = "held"  # waits while a safety exception lasts; the coordinator decides
    WITHDRAWN = "withdrawn"  # the coordinator withdrew it: never sent


@dataclass(frozen=True)
class HeldMessage:
    """A message to a family that waits while a safety exception lasts."""

    id: int
    purpose: str
    recipient: tuple[PersonKind, str]
    queued_at: datetime
    text: str


@dataclass(frozen=True)
class FamilyContact:
    """A guardian of a pupil with whether Samen can reach them."""

    guardian_id: str
    first_name: str
    last_name: str
    relation: str
    authority: bool
    linked: bool
    unreachable: bool
    invited: bool


@dataclass(frozen=True)
class PupilContacts:
    pupil: Pupil
    guardians: tuple[FamilyContact, ...]


def age_on(birth: date, day: date) -> int:
    """Age in whole years on `day`; a 29 February birthday counts from 1 March."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


@dataclass(frozen=True)
class Participant:
    """Someone at a ZAT discussion who receives information (guideline 5)."""

    name: str
    role: str  # one of bot.platform.config.TEAM_ROLE_KEYS, translated for each reader
    organisation: str


@dataclass(frozen=True)
class Discussion:
    id: int
    pupil_id: str
    kind: str  # cvb | zat | assessment
    purpose: str
    starts_at: datetime
    participants: tuple[Participant, ...]
    shared_info: tuple[str, ...]
    created_by: str
    created_at: datetime
    notice_deadline: datetime | None
    cancelled_at: datetime | None
    purpose_key: str | None = None  # one of care_messages.PURPOSES; `purpose`: own words

    @property
    def needs_consent(self) -> bool:
        return self.kind != "cvb"


@dataclass(frozen=True)
class Recipient:
    discussion_id: int
    person_kind: PersonKind
    person_id: str
    decides: bool
    language: str
    text_hash: str
    text_version: str
    sent_at: datetime


@dataclass(frozen=True)
class AskedPerson:
    """What a tap on a care request needs to know of the person tapping, read at once."""

    decides: bool
    child: str  # the pupil's first name
    latest: str | None  # their answer so far
    sent: tuple[int, str, int | None] | None  # the message that asked them: chat, text, id


@dataclass(frozen=True)
class Answer:
    discussion_id: int
    person_kind: PersonKind
    person_id: str
    answer: str
    at: datetime


@dataclass(frozen=True)
class SafetyException:
    id: int
    pupil_id: str
    discussion_id: int | None
    reason: str
    recorded_by: str
    recorded_at: datetime
    parents_told_at: datetime | None
    parents_told_how: str | None
    lifted_at: datetime | None


@dataclass(frozen=True)
class FlowState:
    user_id: int
    name: str
    step: str
    data: dict[str, object]
    nonce: str
    updated_at: datetime


@dataclass(frozen=True)
class Meeting:
    id: int
    pupil_id: str
    kind: str
    starts_at: datetime
    minutes: int
    place_kind: str  # room | phone | video
    place: str
    goal: str
    alternatives: tuple[datetime, ...]
    created_by: str
    version: int
    cancelled_at: datetime | None
    card_outbox_id: int | None
    round_id: int | None
    summary_prompted_at: datetime | None

    @property
    def ends_at(self) -> datetime:
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Invitee:
    meeting_id: int
    person_kind: PersonKind
    person_id: str
    language: str
    answer: str | None  # come | cannot | other_time
    preference: str | None
    interpreter: bool
    companion: bool
    reminded_version: int | None


@dataclass(frozen=True)
class Agreement:
    what: str
    who: str = ""
    when: str = ""


@dataclass(frozen=True)
class Summary:
    meeting_id: int
    attended: tuple[str, ...]
    going_well: str
    agreements: tuple[Agreement, ...]
    advice_school: str
    advice_home: str
    next_step: str
    written_by: str
    sent_at: datetime


@dataclass(frozen=True)
class Round:
    id: int
    group: str
    created_by: str
    deadline: datetime
    minutes: int
    place: str
    separate_slots: bool
    reminded_at: datetime | None
    overview_sent_at: datetime | None


@dataclass(frozen=True)
class Slot:
    id: int
    round_id: int
    starts_at: datetime
    blocked: bool
    pupil_id: str | None
    booked_by: tuple[PersonKind, str] | None


@dataclass(frozen=True)
class AccessRequest:
    """A request to see what Samen keeps (AVG right of access), answered within a month."""

    id: int
    requester: tuple[PersonKind, str]
    requested_at: datetime
    due_on: date
    reminders_sent: int = 0
    answered_at: datetime | None = None
    answered_by: str | None = None


@dataclass(frozen=True)
class InviteRow:
    """One person's invitation: the code and link to hand over, and who it is for."""

    kind: PersonKind
    person_id: str
    name: str
    pupil_id: str
    language: str
    code: str
    link: str
    # For a letter: the full names of the children a guardian is invited for, and until when.
    children: tuple[str, ...] = ()
    expires_at: datetime | None = None


@dataclass(frozen=True)
class SummaryQuestion:
    """A reader's question about a summary, and the teacher's answer once given."""

    id: int
    meeting_id: int
    person_kind: PersonKind
    person_id: str
    question: str
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit trail, as stored: `details` is its JSON text."""

    id: int
    at: datetime
    actor_kind: str
    actor_id: str | None
    action: str
    pupil_id: str | None
    subject_kind: str | None
    subject_id: str | None
    details: str


@dataclass(frozen=True)
class NewsRecipient:
    """Someone good news was sent to, about which pupil and by whom, and their reaction."""

    news_id: int
    person_kind: PersonKind
    person_id: str
    pupil_id: str
    staff_id: str
    outbox_id: int | None
    reaction: str | None
    reaction_text: str | None
    reacted_at: datetime | None


@dataclass(frozen=True)
class Invitation:
    """A stored invitation code (only its hash), for whom, and what became of it."""

    code_hash: str
    kind: PersonKind
    person_id: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    used_by: int | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class FamilyMessage:
    """A message in a conversation between a family member (or the pupil) and the school."""

    id: int
    pupil_id: str
    family_kind: PersonKind  # who in the family: a guardian, or the pupil
    family_id: str
    from_school: bool
    staff_id: str | None  # the teacher who wrote, for a message from school
    text: str
    language: str  # the language it was written in
    written_at: datetime
    answer_to: int | None
    answered_at: datetime | None
    media: str | None = None  # "voice", "photo", …: a copy of the writer's own message


@dataclass(frozen=True)
class Absence:
    """A pupil reported sick or absent by a parent, for one or more days."""

    id: int
    pupil_id: str
    reported_by: str  # the guardian
    first_day: date
    last_day: date
    reason: str
    reported_at: datetime

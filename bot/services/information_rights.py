"""What a coordinator records about a pupil's information rights and safety, with the audit
trail entry for each. Validation returns a reason code instead of raising, so the chat can
explain plainly why something cannot be recorded."""

from __future__ import annotations

from enum import StrEnum

from bot.rules.models import StaffMember
from bot.rules.rights import (
    AgeBand,
    LinkFacts,
    PupilFacts,
    Restriction,
    RestrictionKind,
    age_band,
    holds_authority,
)
from bot.services.work import Work
from bot.storage import Tx


class NotRecorded(StrEnum):
    UNKNOWN = "unknown"  # no such pupil or guardian link
    HOLDS_AUTHORITY = "holds_authority"  # a request is only for parents without authority
    NOT_16_17 = "not_16_17"  # a pupil's refusal counts only at 16 and 17
    NOT_12_15 = "not_12_15"  # capability is only weighed for pupils of 12 to 15
    NOT_ADULT = "not_adult"  # only a pupil of 18+ consents to informing parents
    REASON_NEEDED = "reason_needed"
    NOT_HELD = "not_held"  # the message was sent, released or withdrawn already


async def _link(
    tx: Tx, guardian_id: str, pupil_id: str
) -> tuple[PupilFacts | None, LinkFacts | None]:
    facts = await tx.rights_facts(pupil_id)
    if facts is None:
        return None, None
    pupil, links = facts
    return pupil, next((link for link in links if link.guardian_id == guardian_id), None)


async def record_information_request(
    w: Work, staff: StaffMember, guardian_id: str, pupil_id: str
) -> NotRecorded | None:
    pupil, link = await _link(w.tx, guardian_id, pupil_id)
    if pupil is None or link is None:
        return NotRecorded.UNKNOWN
    if holds_authority(link, age_band(pupil.birth_date, w.today)):
        return NotRecorded.HOLDS_AUTHORITY
    await w.tx.set_information_request(guardian_id, pupil_id, w.now)
    await w.audit(
        staff, "information_request_recorded", pupil_id=pupil_id, subject=("guardian", guardian_id)
    )
    return None


async def record_restriction(
    w: Work, staff: StaffMember, guardian_id: str, pupil_id: str, restriction: Restriction
) -> NotRecorded | None:
    pupil, link = await _link(w.tx, guardian_id, pupil_id)
    if pupil is None or link is None:
        return NotRecorded.UNKNOWN
    if not restriction.reason.strip():
        return NotRecorded.REASON_NEEDED
    band = age_band(pupil.birth_date, w.today)
    if restriction.kind is RestrictionKind.REFUSED_BY_PUPIL and band is not AgeBand.OLDER_TEEN:
        return NotRecorded.NOT_16_17
    await w.tx.add_restriction(guardian_id, pupil_id, restriction, w.now, staff.staff_id)
    await w.audit(
        staff,
        "restriction_recorded",
        pupil_id=pupil_id,
        subject=("guardian", guardian_id),
        details={
            "kind": restriction.kind.value,
            "reason": restriction.reason,
            "allowed": sorted(restriction.allowed),
        },
    )
    return None


async def toggle_adult_consent(
    w: Work, staff: StaffMember, guardian_id: str, pupil_id: str
) -> NotRecorded | None:
    """A pupil of 18+ decides whether a parent is informed; the coordinator records their word."""
    pupil, link = await _link(w.tx, guardian_id, pupil_id)
    if pupil is None or link is None:
        return NotRecorded.UNKNOWN
    if age_band(pupil.birth_date, w.today) is not AgeBand.ADULT:
        return NotRecorded.NOT_ADULT
    agrees = not link.adult_pupil_consents
    await w.tx.set_adult_consent(guardian_id, pupil_id, w.now if agrees else None)
    await w.audit(
        staff,
        "adult_consent_recorded" if agrees else "adult_consent_withdrawn",
        pupil_id=pupil_id,
        subject=("guardian", guardian_id),
    )
    return None


async def lift_restriction(w: Work, staff: StaffMember, guardian_id: str, pupil_id: str) -> bool:
    lifted = await w.tx.lift_restriction(guardian_id, pupil_id, w.now, staff.staff_id)
    if lifted:
        await w.audit(
            staff, "restriction_lifted", pupil_id=pupil_id, subject=("guardian", guardian_id)
        )
    return lifted


async def record_capability(
    w: Work, staff: StaffMember, pupil_id: str, capable: bool, reason: str
) -> NotRecorded | None:
    facts = await w.tx.rights_facts(pupil_id)
    if facts is None:
        return NotRecorded.UNKNOWN
    if age_band(facts[0].birth_date, w.today) is not AgeBand.YOUNG_TEEN:
        return NotRecorded.NOT_12_15
    if not capable and not reason.strip():
        return NotRecorded.REASON_NEEDED
    await w.tx.set_capability(pupil_id, capable, reason.strip() or None)
    await w.audit(
        staff,
        "capability_recorded",
        pupil_id=pupil_id,
        subject=("pupil", pupil_id),
        details={"capable": capable, "reason": reason.strip()},
    )
    return None


async def record_safety_exception(
    w: Work, staff: StaffMember, pupil_id: str, discussion_id: int | None, reason: str
) -> NotRecorded | None:
    """Meldcode: lift the consent rules for a discussion and pause every automated message to
    the family. Samen sends nothing to the family about it, ever."""
    if await w.tx.pupil(pupil_id) is None:
        return NotRecorded.UNKNOWN
    if not reason.strip():
        return NotRecorded.REASON_NEEDED
    exception_id = await w.tx.add_safety_exception(
        pupil_id, discussion_id, reason.strip(), staff.staff_id, w.now
    )
    await w.audit(
        staff,
        "safety_exception_recorded",
        pupil_id=pupil_id,
        details={"exception_id": exception_id, "discussion_id": discussion_id, "reason": reason},
    )
    return None


async def lift_safety_exception(w: Work, staff: StaffMember, pupil_id: str) -> bool:
    lifted = await w.tx.lift_safety_exceptions(pupil_id, staff.staff_id, w.now)
    if lifted:
        await w.audit(staff, "safety_exception_lifted", pupil_id=pupil_id)
    return lifted > 0


async def decide_held_message(
    w: Work, staff: StaffMember, pupil_id: str, outbox_id: int, release: bool
) -> NotRecorded | None:
    """The coordinator sends one message held by a safety exception after all, or withdraws it
    for good; recorded in the audit trail."""
    decision = "released" if release else "withdrawn"
    held = {m.id: m for m in await w.tx.held_messages(pupil_id)}
    message = held.get(outbox_id)
    if message is None or not await w.tx.decide_held(
        outbox_id, pupil_id, decision, staff.staff_id, w.now
    ):
        return NotRecorded.NOT_HELD
    kind, person_id = message.recipient
    await w.audit(
        staff,
        f"held_message_{decision}",
        pupil_id=pupil_id,
        subject=(kind.value, person_id),
        details={"outbox_id": outbox_id, "purpose": message.purpose},
    )
    return None


async def record_parents_told(
    w: Work, staff: StaffMember, pupil_id: str, how: str
) -> NotRecorded | None:
    """When and how parents were told (or why not yet): the meldcode asks for a record."""
    active = await w.tx.safety_exceptions(pupil_id)
    if not active:
        return NotRecorded.UNKNOWN
    if not how.strip():
        return NotRecorded.REASON_NEEDED
    await w.tx.record_parents_told(active[-1].id, how.strip(), w.now)
    await w.audit(staff, "safety_parents_told", pupil_id=pupil_id, details={"how": how.strip()})
    return None

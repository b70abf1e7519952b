"""Moving a pupil along the support route and ticking its parent-contact checklist, with the
audit trail and the notices the rules require."""

from __future__ import annotations

from datetime import datetime

from bot.rules.models import PersonKind, StaffMember
from bot.rules.rights import MessageKind, audience
from bot.rules.support_route import (
    CHECKLIST,
    MoveRefused,
    RouteFacts,
    RouteStep,
    may_move,
    starts_trajectory,
)
from bot.services import pupil_discussions
from bot.services.notify import notify, reader
from bot.services.work import Work
from bot.storage import Tx


async def route_facts(tx: Tx, pupil_id: str, now: datetime) -> RouteFacts:
    ticks = await tx.route_ticks(pupil_id)
    shared = (RouteStep.OBSERVE.value, "inform") in ticks or (
        RouteStep.CONSULT.value,
        "inform",
    ) in ticks
    consent = None
    discussion = await tx.latest_consent_discussion(pupil_id)
    if discussion is not None:
        consent = (await pupil_discussions.discussion_state(tx, discussion, now)).status
    return RouteFacts(shared, await tx.cvb_notice_sent(pupil_id), consent)


async def move(
    w: Work, *, staff: StaffMember, pupil_id: str, target: RouteStep
) -> MoveRefused | None:
    current = RouteStep((await w.tx.route_step(pupil_id))[0])
    refusal = may_move(current, target, await route_facts(w.tx, pupil_id, w.now))
    if refusal is not None:
        return refusal
    await w.tx.set_route_step(pupil_id, target.value, staff.staff_id, w.now)
    await w.audit(
        staff, "route_moved", pupil_id=pupil_id, details={"from": current.value, "to": target.value}
    )
    if starts_trajectory(current, target):
        await send_support_route_notice(w, staff=staff, pupil_id=pupil_id)
    return None


async def tick(
    w: Work, *, staff: StaffMember, pupil_id: str, step: RouteStep, item: str
) -> bool | None:
    if item not in {key for key, _ in CHECKLIST[step]}:
        return None
    ticked = await w.tx.toggle_route_tick(pupil_id, step.value, item, staff.staff_id, w.now)
    await w.audit(
        staff,
        "route_ticked" if ticked else "route_unticked",
        pupil_id=pupil_id,
        details={"step": step.value, "item": item},
    )
    return ticked


async def remind_sdq(w: Work, *, staff: StaffMember, pupil_id: str) -> tuple[str, ...]:
    """Ask the parents to fill in the SDQ on paper or on the school's own platform. Samen
    never shows the questionnaire itself: it is copyrighted."""
    pupil = await w.tx.pupil(pupil_id)
    facts = await w.tx.rights_facts(pupil_id)
    if pupil is None or facts is None:
        return ()
    today = w.today
    chosen = audience(MessageKind.MEETING_INVITATION, facts[0], facts[1], today)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    reached = []
    for guardian_id in chosen.guardians:
        to = await reader(w, PersonKind.GUARDIAN, guardian_id)
        if not to.in_samen:
            continue
        person = people[pupil_discussions.person_key(PersonKind.GUARDIAN, guardian_id)]
        tr = to.tr
        await notify(
            w,
            to,
            tr._(
                "📋 {name}, will you fill in the list of questions about {child} again?"
                " It is about strengths and difficulties. We call it the SDQ."
                " You get it on paper from school, or on the school's website."
                " Questions? Ask {sender}.",
                name=person.first_name,
                child=pupil.first_name,
                sender=f"{staff.first_name} {staff.last_name}",
            ),
            purpose="sdq_reminder",
            pupil_id=pupil_id,
        )
        reached.append(person.full_name)
    await w.audit(
        staff, "sdq_reminder_sent", pupil_id=pupil_id, details={"recipients": len(reached)}
    )
    return tuple(reached)


async def send_support_route_notice(
    w: Work, *, staff: StaffMember, pupil_id: str
) -> pupil_discussions.Delivery:
    """Tell the people the rules name that a support trajectory starts — including a parent
    without authority who asked for important facts (art. 1:377c BW)."""
    pupil = await w.tx.pupil(pupil_id)
    facts = await w.tx.rights_facts(pupil_id)
    if pupil is None or facts is None:
        raise LookupError(pupil_id)
    chosen = audience(MessageKind.SUPPORT_ROUTE_NOTICE, facts[0], facts[1], w.today)
    targets = chosen.people(pupil_id)
    people = await pupil_discussions.people_of_pupil(w.tx, pupil)
    sender = f"{staff.first_name} {staff.last_name}"
    reached: list[str] = []
    not_linked: list[str] = []
    for person_kind, person_id in targets:
        person = people[pupil_discussions.person_key(person_kind, person_id)]
        to = await reader(w, person_kind, person_id)
        if not to.in_samen:
            not_linked.append(person.full_name)
            continue
        text = to.tr._(
            "ℹ️ {name}, the school starts extra support for {child}."
            " {sender} will tell you what this means. Questions? Ask {sender}.",
            name=person.first_name,
            child=pupil.first_name,
            sender=sender,
        )
        await notify(w, to, text, purpose="support_route_notice", pupil_id=pupil_id)
        reached.append(person.full_name)
    await w.audit(
        staff,
        "support_route_notice_sent",
        pupil_id=pupil_id,
        details={"recipients": [pupil_discussions.person_key(k, p) for k, p in targets]},
    )
    paused = bool(await w.tx.safety_exceptions(pupil_id))
    return pupil_discussions.Delivery(0, tuple(reached), tuple(not_linked), paused)

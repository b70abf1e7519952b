"""Choosing a pupil, shared by the staff flows: groups as buttons, then the pupils of a group,
or a typed (part of a) name; only pupils the person may see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import ContextTypes

from bot.rules.models import Pupil, Role, StaffMember, Viewer
from bot.rules.permissions import Action, may_see_pupil
from bot.services.work import Work
from conversations.common import Handler
from conversations.flow import Step, begin
from conversations.guards import requires
from conversations.replies import done


async def visible_pupils(step: Step) -> list[Pupil]:
    async with step.svc.db.reading() as tx:
        member = await tx.staff_member(step.viewer.person_id or "")
        if member is None:
            return []
        # A teacher's own groups only: not every pupil of the school on every step.
        candidates = (
            await tx.pupils_of_groups(member.groups)
            if member.role is Role.TEACHER
            else await tx.all_pupils()
        )
    visible = [p for p in candidates if may_see_pupil(member, p.group)]
    return sorted(visible, key=lambda p: p.pupil_id)


async def ask_pupil(step: Step, heading: str, group: str | None = None, note: str = "") -> None:
    """Groups as buttons, then the pupils of the chosen group; or type a name."""
    tr = step.tr
    pupils = await visible_pupils(step)
    groups = sorted({p.group for p in pupils})
    if group is None and len(groups) == 1:
        group = groups[0]
    if group is None:
        rows = [[step.button(g, f"grp:{groups.index(g)}")] for g in groups[:40]]
        # staff:
        text = tr._("Which pupil? Choose a group, or type (part of) a name.")
    else:
        in_group = sorted((p for p in pupils if p.group == group), key=lambda p: p.first_name)
        buttons = [
            step.button(f"{p.first_name} {p.last_name}", f"pup:{p.pupil_id}") for p in in_group
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)][:40]
        if len(groups) > 1:
            # staff:
            rows.append(step.back_row("grp:all"))
        # staff:
        text = tr._("Which pupil of group {group}? Or type (part of) a name.", group=group)
    await step.show("\n".join(part for part in (note, heading, text) if part), rows)


async def pupil_from_button(step: Step, value: str, heading: str) -> Pupil | None:
    """Handle a picker button: a group opens, a pupil is returned (only one this person may see)."""
    pupils = await visible_pupils(step)
    groups = sorted({p.group for p in pupils})
    if value == "grp:all":
        await ask_pupil(step, heading)
        return None
    if value.startswith("grp:"):
        index = value.removeprefix("grp:")
        if index.isdigit() and int(index) < len(groups):
            await ask_pupil(step, heading, groups[int(index)])
        else:
            await ask_pupil(step, heading)
        return None
    if value.startswith("pup:"):
        wanted = value.removeprefix("pup:")
        chosen = next((p for p in pupils if p.pupil_id == wanted), None)
        if chosen is None:
            await ask_pupil(step, heading)
        return chosen
    return None


async def pupil_from_text(step: Step, text: str, heading: str) -> Pupil | None:
    """A typed name: one match is chosen; several are offered as buttons; none re-asks."""
    needle = text.casefold()
    matches = [
        p
        for p in await visible_pupils(step)
        if needle and needle in f"{p.first_name} {p.last_name}".casefold()
    ]
    if len(matches) == 1:
        return matches[0]
    tr = step.tr
    if not matches:
        # staff:
        note = tr._("No pupil found for “{text}”. Try another part of the name.", text=text)
        await ask_pupil(step, heading, note=note)
        return None
    await step.go(step.state.step)
    buttons = [
        step.button(f"{p.first_name} {p.last_name} ({p.group})", f"pup:{p.pupil_id}")
        for p in matches[:20]
    ]
    # staff:
    question = tr._("Which one do you mean?")
    await step.show(f"{heading}\n{question}", [[b] for b in buttons])
    return None


async def pick_pupil(
    step: Step,
    answer: str,
    *,
    typed: bool,
    heading: str,
    then: str,
    chosen: Callable[[Step], Awaitable[None]],
) -> None:
    """The shared pupil step, for a tapped button or a typed name: once a pupil this person
    may see is chosen, the flow moves to `then` knowing `pupil_id` and `child`, and
    `chosen` shows what comes next."""
    read = pupil_from_text if typed else pupil_from_button
    pupil = await read(step, answer, heading)
    if pupil is not None:
        await step.go(then, pupil_id=pupil.pupil_id, child=pupil.first_name)
        await chosen(step)


@dataclass(frozen=True)
class PupilStep:
    """The pupil step of a flow (`Flow(…, shared=PupilStep(…))`): groups and names under
    `heading`; once a pupil is chosen the flow goes to step `then` and `chosen` shows it."""

    heading: Callable[[Step], str]
    then: str
    chosen: Callable[[Step], Awaitable[None]]
    name: str = "pupil"

    async def answer(self, step: Step, answer: str, *, typed: bool) -> None:
        await pick_pupil(
            step,
            answer,
            typed=typed,
            heading=self.heading(step),
            then=self.then,
            chosen=self.chosen,
        )


async def still_visible(step: Step, w: Work, member: StaffMember, pupil_id: str) -> Pupil | None:
    """The flow's pupil at its last step, while this person may still see them; otherwise
    the step says its button no longer works (the pupil left, or the teacher's groups
    changed)."""
    pupil = await w.tx.pupil(pupil_id)
    if pupil is None or not may_see_pupil(member, pupil.group):
        await step.show(step.tr._("This button no longer works."))
        return None
    return pupil


def pupil_first(flow: str, action: Action, heading: Callable[[Step], str]) -> Handler:
    """The start of a flow whose first question is which pupil."""

    @requires(action)
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
        step = await begin(update, context, viewer, flow, "pupil")
        await ask_pupil(step, heading(step))
        await done(update)

    return start

"""`/zorgroute`: where a pupil is on the support route, the parent-contact checklist of that
step, and moving on — refused, with the reason, until the rules allow it."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.rules.models import StaffMember
from bot.rules.permissions import Action
from bot.rules.support_route import CHECKLIST, ORDER, REFUSAL_TEXTS, STEP_LABELS, RouteStep
from bot.services import route_steps
from conversations.common import Handlers
from conversations.flow import Flow, Step, register
from conversations.pupils import PupilStep, ask_pupil, pupil_first


def _title(step: Step) -> str:
    # staff:
    return step.tr._("🧭 <b>Support route</b>")


start = pupil_first("route", Action.SUPPORT_ROUTE, _title)


Rows = list[list[InlineKeyboardButton]]


async def show_route(step: Step, note: str = "") -> None:
    await step.go("card")
    tr = step.tr
    pupil_id = str(step.state.data["pupil_id"])
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(pupil_id)
        current_value, since = await tx.route_step(pupil_id)
        ticks = await tx.route_ticks(pupil_id)
        staff = {s.staff_id: s for s in await tx.all_staff()}
    if pupil is None:
        await step.end()
        return
    current = RouteStep(current_value)
    lines = [_title(step)]
    if note:
        lines.append(note)
    # staff:
    lines.append(
        tr._(
            "<b>{pupil}</b>: {step}",
            pupil=f"{pupil.first_name} {pupil.last_name}",
            step=tr.label(STEP_LABELS[current]),
        )
    )
    if since is not None:
        # staff:
        lines.append(tr._("Since {date}", date=tr.date(since.astimezone(tr.timezone).date())))
    checklist_lines, rows = _checklist(step, current, ticks, staff)
    lines += checklist_lines
    rows += _way_on_rows(step, current)
    await step.show("\n".join(lines), rows)


def _checklist(
    step: Step,
    current: RouteStep,
    ticks: dict[tuple[str, str], tuple[datetime, str]],
    staff: dict[str, StaffMember],
) -> tuple[list[str], Rows]:
    """The parent-contact checklist of this step: each item, ticked (when, by whom) or not,
    and a button to tick or untick it."""
    tr = step.tr
    # staff:
    lines = [tr._("<b>Contact with the parents at this step:</b>")]
    rows: Rows = []
    for key, label in CHECKLIST[current]:
        done_by = ticks.get((current.value, key))
        text = tr.label(label)
        if done_by:
            who = staff.get(done_by[1])
            # staff:
            lines.append(
                tr._(
                    "☑️ {item} ({date}, {who})",
                    item=text,
                    date=tr.date(done_by[0].astimezone(tr.timezone).date()),
                    who=who.first_name if who else "?",
                )
            )
        else:
            lines.append(tr.fill("⬜ {item}", item=text))
        rows.append([step.button(("☑️ " if done_by else "⬜ ") + text, f"tick:{key}")])
    return lines, rows


def _way_on_rows(step: Step, current: RouteStep) -> Rows:
    """The SDQ request at a ZAT referral, the steps the pupil may move to, another pupil."""
    tr = step.tr
    rows: Rows = []
    if current is RouteStep.ZAT_REFERRAL:
        # staff:
        rows.append([step.button(tr.label("📨 Ask the parents to fill in the SDQ"), "sdq")])
    index = ORDER.index(current)
    forward = [ORDER[index + 1]] if index + 1 < len(ORDER) else []
    if current is RouteStep.CVB:
        forward.append(RouteStep.SUPPORT)
    for target in forward:
        rows.append([step.button("➡️ " + tr.label(STEP_LABELS[target]), f"to:{target.value}")])
    if index > 0:
        previous = ORDER[index - 1]
        rows.append([step.button("⬅️ " + tr.label(STEP_LABELS[previous]), f"to:{previous.value}")])
    # staff:
    rows.append([step.button(tr.label("⬅️ Another pupil"), "other")])
    return rows


async def on_button(step: Step, value: str) -> None:
    tr = step.tr
    if value == "other":
        await step.go("pupil")
        await ask_pupil(step, _title(step))
        return
    member = await step.staff()
    if member is None:
        await step.end()
        return
    pupil_id = str(step.state.data["pupil_id"])
    note = ""
    async with step.svc.work() as w:
        current = RouteStep((await w.tx.route_step(pupil_id))[0])
        if value.startswith("tick:"):
            await route_steps.tick(
                w, staff=member, pupil_id=pupil_id, step=current, item=value.removeprefix("tick:")
            )
        elif value == "sdq" and current is RouteStep.ZAT_REFERRAL:
            reached = await route_steps.remind_sdq(w, staff=member, pupil_id=pupil_id)
            # staff:
            note = tr._("✅ Asked: {names}.", names=tr.list_of(list(reached)) or "–")
        elif value.startswith("to:") and value[3:] in {s.value for s in RouteStep}:
            refusal = await route_steps.move(
                w,
                staff=member,
                pupil_id=pupil_id,
                target=RouteStep(value[3:]),
            )
            note = (
                tr.lines("⚠️ " + tr._(REFUSAL_TEXTS[refusal]))
                if refusal
                else tr._("✅ Recorded in the file.")
            )
    await show_route(step, note)


async def on_text(step: Step, text: str) -> None:
    await show_route(step)


register(
    Flow("route", Action.SUPPORT_ROUTE, on_text, on_button, PupilStep(_title, "card", show_route))
)

HANDLERS: Handlers = [
    CommandHandler("zorgroute", start),
    CallbackQueryHandler(start, pattern=r"^menu:route$"),
]

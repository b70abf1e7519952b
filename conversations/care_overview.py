"""The coordinator's view of CvB and ZAT discussions: what is coming, each pupil's status,
what may be discussed, who has not answered and who cannot be reached."""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import N_, Translator
from bot.rules.callback_data import DiscussionTap
from bot.rules.models import StaffMember, Viewer
from bot.rules.permissions import Action, may_see_care
from bot.services import pupil_discussions
from bot.storage import Tx
from bot.texts import staff_labels
from conversations.common import Handlers, services, tr_for
from conversations.guards import on_tap, requires
from conversations.keyboards import button
from conversations.replies import clip, done, reply

KIND_SHORT = {"cvb": N_("CvB"), "zat": N_("ZAT"), "assessment": N_("assessment")}
ANSWER_LABELS = {
    "agree": N_("✅ agreed"),
    "refuse": N_("❌ said no"),
    "withdraw": N_("↩️ withdrew"),
    "talk": N_("💬 wants to talk first"),
    "come": N_("✅ will come"),
    "understood": N_("👍 understood"),
}
# Discussions stay in view a little after they took place, for the answers that came late.
LOOK_BACK = timedelta(days=1)


async def visible_discussions(
    tx: Tx, member: StaffMember, now: datetime
) -> list[pupil_discussions.DiscussionState]:
    states = []
    for discussion in await tx.discussions(since=now - LOOK_BACK):
        pupil = await tx.pupil(discussion.pupil_id)
        if pupil is not None and may_see_care(member, pupil.group):
            states.append(await pupil_discussions.discussion_state(tx, discussion, now))
    return states


def summary_line(tr: Translator, state: pupil_discussions.DiscussionState) -> str:
    discussion = state.discussion
    pupil = f"{state.pupil.first_name} {state.pupil.last_name}"
    if state.status is None:
        answered = sum(
            1
            for r in state.recipients
            if pupil_discussions.person_key(r.person_kind, r.person_id) in state.latest
        )
        status = tr.label(
            "{answered} of {total} answered", answered=answered, total=len(state.recipients)
        )
    else:
        status = tr.label(staff_labels.STATUS_LABELS[state.status.value])
    # staff:
    return tr._(
        "• {date} · {kind} · {pupil}: {status}",
        date=tr.datetime(discussion.starts_at),
        kind=tr.label(KIND_SHORT[discussion.kind]),
        pupil=pupil,
        status=status,
    )


def discussion_buttons(
    tr: Translator, states: list[pupil_discussions.DiscussionState]
) -> list[list[InlineKeyboardButton]]:
    return [
        [
            button(
                tr.lines(
                    f"{tr.label(KIND_SHORT[s.discussion.kind])} · {s.pupil.first_name} · "
                    f"{tr.time(s.discussion.starts_at)}"
                ),
                str(DiscussionTap(s.discussion.id)),
            )
        ]
        for s in states[:10]
    ]


def detail_lines(tr: Translator, state: pupil_discussions.DiscussionState) -> list[str]:
    discussion = state.discussion
    child = state.pupil.first_name
    lines = [
        # staff:
        tr._(
            "<b>{kind} · {pupil}</b>\n{date}",
            kind=tr.label(KIND_SHORT[discussion.kind]),
            pupil=f"{state.pupil.first_name} {state.pupil.last_name}",
            date=tr.datetime(discussion.starts_at),
        ),
        # staff:
        tr._("Purpose: {purpose}", purpose=discussion.purpose),
    ]
    if state.status is not None and state.may_discuss is not None:
        # staff:
        lines.append(
            tr._(
                "Status: {status}", status=tr.label(staff_labels.STATUS_LABELS[state.status.value])
            )
        )
        # staff:
        lines.append(
            tr._(
                "May be discussed: {what}",
                what=tr.label(staff_labels.MAY_DISCUSS_LABELS[state.may_discuss.value]),
            )
        )
        if discussion.notice_deadline is not None:
            # staff:
            lines.append(
                tr._("Answer period ends: {date}", date=tr.datetime(discussion.notice_deadline))
            )
    if not state.recipients:
        # staff:
        lines.append(tr._("⚠️ Nobody could be asked: check the guardians in the roster."))
    for recipient in state.recipients:
        key = pupil_discussions.person_key(recipient.person_kind, recipient.person_id)
        who = pupil_discussions.describe(tr, state.people[key], child)
        answer = state.latest.get(key)
        if answer is not None:
            status = tr.label(ANSWER_LABELS[answer])
        elif key in state.delivery:
            status = tr.label(staff_labels.HELD_LABELS[state.delivery[key]])
        elif key in state.unreachable:
            # staff:
            status = tr.label("⚠️ cannot be reached in Samen: call or write")
        else:
            # staff:
            status = tr.label("⏳ no answer yet")
        lines.append(tr._("• {who}: {status}", who=who, status=status))
    return lines


@requires(Action.FAMILY_OVERVIEW)
@on_tap(DiscussionTap)
async def discussion_detail(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: DiscussionTap
) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    now = svc.clock.now()
    async with svc.db.reading() as tx:
        member = await tx.staff_member(viewer.person_id or "")
        discussion = await tx.discussion(tap.discussion_id)
        pupil = await tx.pupil(discussion.pupil_id) if discussion else None
        allowed = member is not None and pupil is not None and may_see_care(member, pupil.group)
        state = (
            await pupil_discussions.discussion_state(tx, discussion, now)
            if discussion and allowed
            else None
        )
    back = InlineKeyboardMarkup([[button(tr.label("⬅️ Overview"), "menu:overview")]])
    if state is None:
        await reply(update, tr._("This button no longer works."), back)
    else:
        await reply(update, clip(detail_lines(tr, state), tr), back, edit=True)
    await done(update)


HANDLERS: Handlers = [CallbackQueryHandler(discussion_detail, pattern=DiscussionTap.pattern())]

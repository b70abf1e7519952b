"""The role menus: help, families overview for staff, children and class for families."""

from __future__ import annotations

import hashlib

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.i18n.translator import N_, Markup, Translator
from bot.rules.callback_data import GroupTap
from bot.rules.models import PupilContacts, Role, Viewer
from bot.rules.permissions import Action, visible_groups
from bot.services import family_messages as family_messages_service
from bot.services.context import Services
from conversations import care_overview, family_messages, flow, news, onboarding, roster_upload
from conversations.common import Handlers, current_viewer, services, tr_for
from conversations.guards import on_tap, private_only, requires
from conversations.keyboards import button, menu_keyboard
from conversations.replies import clip, done, refuse, reply, say_stale


@requires(Action.HELP)
async def help_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    if not viewer.linked:
        await refuse(update, context, viewer)
        return
    tr = tr_for(context, viewer)
    await reply(update, _help_text(viewer, tr), menu_keyboard(viewer, tr), edit=_tapped(update))
    await done(update)


def _help_text(viewer: Viewer, tr: Translator) -> str:
    if viewer.role is Role.GUARDIAN:
        return tr._(
            "Samen sends you invitations, questions and good news from school."
            " You answer with the buttons under a message.\n"
            "Questions? Send a message to the teacher, or call the school."
        )
    if viewer.role is Role.PUPIL:
        return tr._(
            "Samen sends you questions from school that are about you."
            " You answer with the buttons under a message.\n"
            "Questions? Ask your teacher."
        )
    coordinator = viewer.role is Role.COORDINATOR
    return "\n".join(tr._(line) for line, who in STAFF_HELP if who in (None, coordinator))


# The staff help, line by line: (text, for coordinators only (True), for other staff only
# (False), or for all staff (None)). Commands are Dutch words and stay as they are.
STAFF_HELP: tuple[tuple[str, bool | None], ...] = (
    # staff: keep the /commands as they are; they are Dutch words
    (N_("<b>Samen for care coordinators</b>"), True),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("<b>Samen for staff</b>"), False),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/overzicht: CvB and ZAT discussions, and which families can be reached"), True),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/overzicht: CvB discussions, and which families of your groups can be reached"), False),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/positief: send good news to a family"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/gesprek: plan a talk with parents"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/voorbereiden: prepare a talk, tip by tip"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/ronde: short talks for a whole group"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/zorgroute: the support route of a pupil"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/schrijf: write to a family about a pupil"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/cvb: tell parents that a pupil is on the CvB agenda"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/toestemming: ask consent for a discussion with people from outside school"), True),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/leerling: who may know and who decides, per pupil"), True),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/taal: change language"), None),
    # staff: keep the /commands as they are; they are Dutch words
    (N_("/annuleren: stop what you are doing"), None),
)


async def _waiting_for_answer(svc: Services, tr: Translator, groups: list[str]) -> list[str]:
    """Families who have waited more than two school days for an answer."""
    async with svc.reading() as w:
        waiting = await family_messages_service.waiting_for_answer(w, groups)
    if not waiting:
        return []
    # staff:
    lines = ["", tr._("💬 <b>Families waiting for an answer</b>")]
    for message, pupil in waiting[:10]:
        lines.append(
            # staff:
            tr._(
                "• {child} ({group}): written {date}",
                child=f"{pupil.first_name} {pupil.last_name}",
                group=pupil.group,
                date=tr.datetime(message.written_at),
            )
        )
    return lines


def _tapped(update: Update) -> bool:
    return update.callback_query is not None


def _group_key(group: str) -> str:
    """A short, stable token for a group in callback_data (names may be long)."""
    return hashlib.sha1(group.encode()).hexdigest()[:10]


@requires(Action.FAMILY_OVERVIEW)
async def overview(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    if context.args and context.args[0].lower() in ("positief", "positive"):
        await news.coverage(update, context)
        return
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.db.transaction() as tx:
        member = await tx.staff_member(viewer.person_id or "")
        groups = visible_groups(member, await tx.groups()) if member else []
        contacts = await tx.contacts_of_groups(groups)
        discussions = (
            await care_overview.visible_discussions(tx, member, svc.clock.now()) if member else []
        )
    if not groups:
        await reply(
            update,
            # staff:
            tr._("You have no groups with pupils in Samen yet."),
            edit=_tapped(update),
        )
        await done(update)
        return
    # staff:
    lines = [tr._("📅 <b>CvB and ZAT</b>")]
    lines.extend(care_overview.summary_line(tr, s) for s in discussions[:10])
    if not discussions:
        # staff:
        lines.append(tr._("No discussions planned."))
    lines.append("")
    # staff:
    lines.append(tr._("📋 <b>Families in Samen</b>"))
    for group in groups:
        pupils = [c for c in contacts if c.pupil.group == group]
        reachable = sum(1 for c in pupils if _reachable(c))
        lines.append(
            # staff:
            tr._(
                "Group {group}: {reachable} of {total} families can be reached",
                group=group,
                reachable=tr.number(reachable),
                total=tr.number(len(pupils)),
            )
        )
    lines.extend(await _waiting_for_answer(svc, tr, groups))
    rows = care_overview.discussion_buttons(tr, discussions)
    # staff:
    rows.append([button(tr.label("🌟 Good news per group"), "menu:coverage")])
    if len(groups) == 1:
        lines.append("")
        lines.extend(_group_lines(groups[0], contacts, tr))
        rows.extend(list(row) for row in menu_keyboard(viewer, tr).inline_keyboard)
    else:
        # staff:
        lines.append(tr._("Choose a group to see who cannot be reached yet."))
        rows.extend(
            [button(tr.lines(group), str(GroupTap(_group_key(group))))] for group in groups[:40]
        )
    markup = InlineKeyboardMarkup(rows)
    await reply(update, clip(lines, tr), markup, edit=_tapped(update))
    await done(update)


@requires(Action.FAMILY_OVERVIEW)
@on_tap(GroupTap)
async def overview_group(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tap: GroupTap
) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.db.reading() as tx:
        member = await tx.staff_member(viewer.person_id or "")
        groups = visible_groups(member, await tx.groups()) if member else []
        # The group is looked up among those this person may see, never taken from the button.
        group = next((g for g in groups if _group_key(g) == tap.group_key), None)
        contacts = await tx.contacts_of_groups([group]) if group else []
    if group is None:
        await reply(update, tr._("This button no longer works."), menu_keyboard(viewer, tr))
        await done(update)
        return
    lines = _group_lines(group, contacts, tr)
    # staff:
    back = InlineKeyboardMarkup([[button(tr.label("⬅️ All groups"), "menu:overview")]])
    await reply(update, clip(lines, tr), back, edit=True)
    await done(update)


def _reachable(contacts: PupilContacts) -> bool:
    return any(g.linked and not g.unreachable for g in contacts.guardians)


def _group_lines(group: str, contacts: list[PupilContacts], tr: Translator) -> list[str]:
    pupils = [c for c in contacts if c.pupil.group == group]
    # staff:
    lines = [tr._("<b>Group {group}</b>", group=group)]
    missing = [c for c in pupils if not _reachable(c)]
    if not missing:
        # staff:
        lines.append(tr._("✅ Every family of this group can be reached in Samen."))
        return lines
    # staff:
    lines.append(tr._("These families cannot be reached in Samen yet:"))
    for item in missing:
        if any(g.unreachable for g in item.guardians):
            # staff:
            status = tr._("blocked Samen: please call or write")
        elif not item.guardians:
            # staff:
            status = tr._("no parent or carer in the roster")
        elif any(g.invited for g in item.guardians):
            # staff:
            status = tr._("invited, not connected yet")
        else:
            # staff:
            status = tr._("not invited yet")
        # staff:
        lines.append(tr._("• {pupil}: {status}", pupil=_full(item), status=_markup(status)))
    return lines


def _full(item: PupilContacts) -> str:
    return f"{item.pupil.first_name} {item.pupil.last_name}"


def _markup(text: str) -> Markup:
    """A translated fragment that is already HTML-safe, placed inside another text."""
    return Markup(text, text)


@requires(Action.MY_CHILDREN)
async def my_children(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    school = svc.settings.school_name
    # Without a configured name, a whole phrase: never a bare English word in a translation.
    heading = (
        tr._("👧 Your children at {school}:", school=school)
        if school
        else tr._("👧 Your children at school:")
    )
    lines = [heading]
    async with svc.db.transaction() as tx:
        for child in await tx.children_of_guardian(viewer.person_id or "", at_school=True):
            teachers = await tx.staff_of_group(child.group)
            lines.append(
                tr._(
                    "• {child}: group {group}, teacher {teachers}",
                    child=child.first_name,
                    group=child.group,
                    teachers=tr.list_of([f"{t.first_name} {t.last_name}" for t in teachers]) or "–",
                )
            )
    await reply(update, clip(lines, tr), menu_keyboard(viewer, tr), edit=_tapped(update))
    await done(update)


@requires(Action.MY_CLASS)
async def my_class(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.db.transaction() as tx:
        pupil = await tx.pupil(viewer.person_id or "")
        teachers = await tx.staff_of_group(pupil.group) if pupil else []
    if pupil is None:
        text = tr._("Samen cannot find your class. Please ask your teacher.")
    else:
        text = tr._(
            "🏫 You are in group {group}. Your teacher: {teachers}.",
            group=pupil.group,
            teachers=tr.list_of([f"{t.first_name} {t.last_name}" for t in teachers]) or "–",
        )
    await reply(update, text, menu_keyboard(viewer, tr), edit=_tapped(update))
    await done(update)


@requires(Action.CANCEL)
async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    tr = tr_for(context, viewer)
    if await flow.cancel_flow(viewer, services(context)):
        # staff:
        text = tr._("Stopped. Nothing was sent or saved.")
    else:
        # staff:
        text = tr._("There is nothing to stop right now.")
    await reply(update, text, menu_keyboard(viewer, tr))


@private_only
async def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every input gets an answer: text, stickers, photos and unknown commands alike."""
    if await flow.flow_text(update, context):
        return
    viewer = await current_viewer(update, context)
    if viewer is None:
        return
    if not viewer.linked:
        message = update.effective_message
        code = onboarding.typed_code(message.text if message else None)
        if code is not None:
            await onboarding.link_with_code(update, context, code)
            return
        await refuse(update, context, viewer)
        return
    if await roster_upload.document_sent(update, context, viewer):
        return
    if await family_messages.free_message(update, context, viewer):
        return
    tr = tr_for(context, viewer)
    text = tr._("I don't understand this. Choose one of the buttons, or type /help.")
    await reply(update, text, menu_keyboard(viewer, tr))


@private_only
async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button from an old message, or forged data: say so and show the current menu."""
    viewer = await current_viewer(update, context)
    if viewer is not None:
        await say_stale(update, context, viewer)


HANDLERS: Handlers = [
    CommandHandler("help", help_menu),
    CommandHandler("overzicht", overview),
    CommandHandler("annuleren", cancel),
    CallbackQueryHandler(help_menu, pattern=r"^menu:help$"),
    CallbackQueryHandler(overview, pattern=r"^menu:overview$"),
    CallbackQueryHandler(overview_group, pattern=GroupTap.pattern()),
    CallbackQueryHandler(my_children, pattern=r"^menu:children$"),
    CallbackQueryHandler(my_class, pattern=r"^menu:class$"),
]

# Registered after every flow, so they only catch what nothing else handled.
FALLBACKS: Handlers = [
    CallbackQueryHandler(stale_button),
    MessageHandler(filters.ALL, not_understood),
]

"""`/start CODE`: linking a Telegram account to a person in the roster, and the welcome."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.models import Role, Viewer
from bot.services.invitations import Redeemed, redeem
from conversations.common import Handlers, current_viewer, services, tr_for
from conversations.guards import private_only
from conversations.keyboards import language_only_keyboard, menu_keyboard, publish_commands
from conversations.replies import reply

# A code as `samen invites` makes it (22 characters); shorter text is a chat message.
TYPED_CODE = re.compile(r"[A-Za-z0-9_-]{20,64}")


@private_only
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # A code copied from a letter may come in groups ("qR4g TlBE …"): the parts are one code.
    code = "".join(context.args or [])
    if not code:
        await _start_without_code(update, context)
        return
    await link_with_code(update, context, code)


async def link_with_code(update: Update, context: ContextTypes.DEFAULT_TYPE, code: str) -> None:
    """Redeem an invitation code: by deep link, by `/start CODE`, or typed in from a letter."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    svc = services(context)
    result = await redeem(svc.db, user.id, chat.id, code, svc.clock.now())
    viewer = await current_viewer(update, context)
    if viewer is None:
        return
    tr = tr_for(context, viewer)
    if result.outcome is Redeemed.LINKED:
        await publish_commands(context, viewer)
        await reply(update, await welcome_text(context, viewer, tr), menu_keyboard(viewer, tr))
        return
    if result.outcome is Redeemed.ALREADY_LINKED:
        text = tr._(
            "You are already connected to Samen as {name}. What would you like to do?",
            name=viewer.first_name,
        )
        await reply(update, text, menu_keyboard(viewer, tr))
        return
    await reply(
        update, _refusal_text(tr, result.outcome, result.retry_at), language_only_keyboard(tr)
    )


def typed_code(text: str | None) -> str | None:
    """The invitation code in a message typed from a letter, if the message is one."""
    if not text:
        return None
    candidate = "".join(text.split())
    return candidate if TYPED_CODE.fullmatch(candidate) else None


async def _start_without_code(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    viewer = await current_viewer(update, context)
    if viewer is None:
        return
    tr = tr_for(context, viewer)
    if viewer.linked:
        text = tr._("Hello {name}! What would you like to do?", name=viewer.first_name)
        await reply(update, text, menu_keyboard(viewer, tr))
        return
    school = services(context).settings.school_name
    if school:
        text = tr._(
            "Hello! This is Samen, the chat between {school} and families.\n"
            "To start, you need your own invitation from school: a letter with a QR code,"
            " or a link. Scan the code or tap the link.\n"
            "No invitation? Please ask your child's teacher.",
            school=school,
        )
    else:
        # No name configured: a whole sentence, so no English word lands in a translation.
        text = tr._(
            "Hello! This is Samen, the chat between school and families.\n"
            "To start, you need your own invitation from school: a letter with a QR code,"
            " or a link. Scan the code or tap the link.\n"
            "No invitation? Please ask your child's teacher."
        )
    await reply(update, text, language_only_keyboard(tr))


def _refusal_text(tr: Translator, outcome: Redeemed, retry_at: datetime | None) -> str:
    if outcome is Redeemed.THROTTLED and retry_at is not None:
        return tr._(
            "Too many wrong codes were tried. For your safety you can try again at {time}.",
            time=tr.time(retry_at),
        )
    if outcome is Redeemed.USED:
        return tr._(
            "This invitation has already been used. Each invitation works only once.\n"
            "Do you need a new one? Please ask the school."
        )
    if outcome is Redeemed.EXPIRED:
        return tr._("This invitation has expired. Please ask the school for a new one.")
    if outcome is Redeemed.REPLACED:
        return tr._(
            "There is a newer invitation for you, so this one no longer works.\n"
            "Please use the newest letter or link from school."
        )
    return tr._(
        "This code is not known. Please tap the link in your invitation again, or scan the QR code."
    )


async def welcome_text(context: ContextTypes.DEFAULT_TYPE, viewer: Viewer, tr: Translator) -> str:
    """Greet by name and say in two short sentences what Samen will do for this person."""
    svc = services(context)
    school = svc.settings.school_name
    if viewer.role is Role.GUARDIAN and viewer.person_id:
        async with svc.db.reading() as tx:
            children = await tx.children_of_guardian(viewer.person_id, at_school=True)
        return _guardian_welcome(tr, viewer.first_name, school, [c.first_name for c in children])
    if viewer.role is Role.PUPIL:
        return _pupil_welcome(tr, viewer.first_name, school)
    return _staff_welcome(tr, viewer.first_name, school)


def _guardian_welcome(tr: Translator, name: str, school: str, children: list[str]) -> str:
    """A parent's welcome, naming their children at the school (`school`: "" when unnamed)."""
    names = tr.list_of(children)
    if school:
        return tr.n_(
            "Welcome, {name}! 👋 You are now connected to Samen of {school}.\n"
            "Here you get invitations, questions and good news about your child {children}."
            " You answer with one tap.",
            "Welcome, {name}! 👋 You are now connected to Samen of {school}.\n"
            "Here you get invitations, questions and good news about your children {children}."
            " You answer with one tap.",
            len(children),
            name=name,
            school=school,
            children=names,
        )
    # Without a configured name each reader gets a whole sentence of their own (a phrase
    # filled into {school} would not decline in Turkish, Arabic or Ukrainian).
    return tr.n_(
        "Welcome, {name}! 👋 You are now connected to Samen of your child's school.\n"
        "Here you get invitations, questions and good news about {children}."
        " You answer with one tap.",
        "Welcome, {name}! 👋 You are now connected to Samen of your children's school.\n"
        "Here you get invitations, questions and good news about {children}."
        " You answer with one tap.",
        len(children),
        name=name,
        children=names,
    )


def _pupil_welcome(tr: Translator, name: str, school: str) -> str:
    if school:
        return tr._(
            "Hi {name}! 👋 You are now connected to Samen of {school}.\n"
            "Here the school asks you about things that concern you, such as permission."
            " You answer with a button.",
            name=name,
            school=school,
        )
    return tr._(
        "Hi {name}! 👋 You are now connected to Samen of your school.\n"
        "Here the school asks you about things that concern you, such as permission."
        " You answer with a button.",
        name=name,
    )


def _staff_welcome(tr: Translator, name: str, school: str) -> str:
    if school:
        # staff:
        return tr._(
            "Welcome, {name}. Your account is now connected to Samen of {school}.\n"
            "Here you keep in touch with families: plan and prepare parent talks,"
            " and share good news.",
            name=name,
            school=school,
        )
    # staff:
    return tr._(
        "Welcome, {name}. Your account is now connected to the school's Samen.\n"
        "Here you keep in touch with families: plan and prepare parent talks,"
        " and share good news.",
        name=name,
    )


HANDLERS: Handlers = [CommandHandler("start", start)]

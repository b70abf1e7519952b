"""Multi-step chat flows whose state lives in the database, so a restart loses nothing.

Each flow has a name and steps. Its buttons carry `f:<nonce>:<value>`; every step gets a
new nonce, so a button from an earlier step (or another flow, or a forged one) is refused
instead of moving the flow. Typed text goes to the active flow's current step. A flow left
alone for a day has expired; `/annuleren` ends one at any step and nothing is left half-made.

A flow begun `in_place` keeps one message: every step, tapped or typed, edits that message
instead of leaving a trail of bot messages under the teacher's typing.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import Any, Protocol, TypeVar, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot.i18n.translator import Translator
from bot.rules.models import FlowState, StaffMember, Viewer
from bot.rules.permissions import Action, may
from bot.services.context import Services
from bot.services.family_messages import Media
from bot.services.work import Work
from conversations.common import Handlers, current_viewer, media_of, services, tr_for
from conversations.guards import private_only
from conversations.keyboards import button
from conversations.replies import done, reply, say_stale

FLOW_TTL = timedelta(hours=24)
Draft = TypeVar("Draft")
# Where an in-place flow keeps the id of its one message (None until it has shown one).
IN_PLACE = "_message"


@dataclass
class Step:
    """Everything a flow step needs; `state` is the flow as stored."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    viewer: Viewer
    svc: Services
    tr: Translator
    state: FlowState
    # False when the tapped message must stay as it is (a card): the step comes as a new one.
    edits_tapped: bool = True

    @property
    def tapped(self) -> bool:
        return self.edits_tapped and self.update.callback_query is not None

    def button(self, label: str, value: str) -> InlineKeyboardButton:
        """A button of this step; its label in the reader's direction (see `Translator.lines`)."""
        return button(self.tr.lines(label), f"f:{self.state.nonce}:{value}")

    def back_row(
        self, value: str = "back", *more: InlineKeyboardButton
    ) -> list[InlineKeyboardButton]:
        """A Back button (tapping sends `value`), then any `more` buttons on the same row.
        Built after each step change: buttons carry the nonce of the step they belong to."""
        return [self.button(self.tr.label("⬅️ Back"), value), *more]

    def next_button(self) -> InlineKeyboardButton:
        return self.button(self.tr.label("Next ➡️"), "next")

    async def staff(self) -> StaffMember | None:
        async with self.svc.db.transaction() as tx:
            return await tx.staff_member(self.viewer.person_id or "")

    def draft(self, kind: type[Draft]) -> Draft:
        """What the flow knows so far, as its own typed record (a dataclass whose fields all
        have defaults): the stored state's values under the record's field names."""
        names = {f.name for f in fields(cast(Any, kind))}
        return kind(**{k: v for k, v in self.state.data.items() if k in names})

    async def go(self, step: str, **data: object) -> FlowState:
        """Move to `step` with a fresh nonce, merging `data` into what the flow knows."""
        self.state = replace(
            self.state,
            step=step,
            data={**self.state.data, **data},
            nonce=secrets.token_urlsafe(6),
            updated_at=self.svc.clock.now(),
        )
        async with self.svc.db.transaction() as tx:
            await tx.save_flow(self.state)
        return self.state

    async def end(self) -> None:
        async with self.svc.db.transaction() as tx:
            await tx.clear_flow(self.viewer.user_id)

    @asynccontextmanager
    async def finishing(self) -> AsyncIterator[Work]:
        """The flow's last step: what it does and the end of the flow are one unit of work, so
        a crash in between neither loses the work nor leaves the flow waiting for input."""
        async with self.svc.work() as w:
            yield w
            await w.tx.clear_flow(self.viewer.user_id)

    async def show(self, text: str, rows: list[list[InlineKeyboardButton]] | None = None) -> None:
        """Show a step: edit the tapped message in place, or answer typed text with a new one;
        an in-place flow edits its own message for typed text too."""
        markup = InlineKeyboardMarkup(rows) if rows else None
        in_place = IN_PLACE in self.state.data
        query = self.update.callback_query
        if in_place and query is not None and query.message is not None:
            await self._remember(query.message.message_id)
        elif in_place and not self.tapped and await self._edit_own(text, markup):
            return
        sent = await reply(self.update, text, markup, edit=self.tapped)
        if in_place and sent is not None:
            await self._remember(sent.message_id)

    async def _edit_own(self, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        message_id = self.state.data.get(IN_PLACE)
        if not isinstance(message_id, int):
            return False
        try:
            await self.context.bot.edit_message_text(
                text,
                chat_id=self.viewer.chat_id,
                message_id=message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        except BadRequest as exc:
            # Deleted or too old to edit: the step comes as a new message instead.
            return "not modified" in exc.message
        return True

    async def _remember(self, message_id: int) -> None:
        if self.state.data.get(IN_PLACE) == message_id:
            return
        self.state = replace(self.state, data={**self.state.data, IN_PLACE: message_id})
        async with self.svc.db.transaction() as tx:
            await tx.save_flow(self.state)


TextHandler = Callable[[Step, str], Awaitable[None]]
ButtonHandler = Callable[[Step, str], Awaitable[None]]
MediaHandler = Callable[[Step, Media], Awaitable[None]]


class SharedStep(Protocol):
    """A step many flows share (the pupil picker): it gets that step's answers, tapped or typed,
    instead of the flow's own handlers."""

    @property
    def name(self) -> str: ...

    async def answer(self, step: Step, answer: str, *, typed: bool) -> None: ...


@dataclass(frozen=True)
class Flow:
    name: str
    action: Action  # checked again at every step: roles can change mid-flow
    on_text: TextHandler
    on_button: ButtonHandler
    shared: SharedStep | None = None
    # A voice note, photo or document sent during the flow; without this it is not the flow's.
    on_media: MediaHandler | None = None

    async def answer(self, step: Step, answer: str, *, typed: bool) -> None:
        if self.shared is not None and step.state.step == self.shared.name:
            await self.shared.answer(step, answer, typed=typed)
        elif typed:
            await self.on_text(step, answer)
        else:
            await self.on_button(step, answer)


REGISTRY: dict[str, Flow] = {}


def register(flow: Flow) -> Flow:
    REGISTRY[flow.name] = flow
    return flow


async def begin(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    viewer: Viewer,
    name: str,
    first_step: str,
    *,
    in_place: bool = False,
    **data: object,
) -> Step:
    """Start a flow (replacing any unfinished one) and return its first step. An `in_place`
    flow shows every step in one message."""
    svc = services(context)
    state = FlowState(
        user_id=viewer.user_id,
        name=name,
        step=first_step,
        data={**data, IN_PLACE: None} if in_place else dict(data),
        nonce=secrets.token_urlsafe(6),
        updated_at=svc.clock.now(),
    )
    async with svc.db.transaction() as tx:
        await tx.save_flow(state)
    return Step(update, context, viewer, svc, tr_for(context, viewer), state)


async def _active_step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Step | None:
    viewer = await current_viewer(update, context)
    if viewer is None:
        return None
    svc = services(context)
    async with svc.db.transaction() as tx:
        state = await tx.flow(viewer.user_id)
        if state is not None and svc.clock.now() - state.updated_at > FLOW_TTL:
            await tx.clear_flow(viewer.user_id)
            state = None
    if state is None or state.name not in REGISTRY:
        return None
    return Step(update, context, viewer, svc, tr_for(context, viewer), state)


@private_only
async def flow_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, nonce, value = ([*query.data.split(":", 2), "", ""])[:3]
    step = await _active_step(update, context)
    if step is None or step.state.nonce != nonce:
        await stale(update, context)
        return
    flow = REGISTRY[step.state.name]
    if not may(step.viewer.role, flow.action):
        await step.end()
        await stale(update, context)
        return
    await flow.answer(step, value, typed=False)
    await done(update)


async def flow_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Give typed text (or a voice note, photo or document, to a flow that takes them) to the
    active flow; False when there is none."""
    message = update.effective_message
    if message is None or (message.text or "").startswith("/"):
        return False  # an unknown command is not an answer to the step
    media = media_of(message)
    if message.text is None and media is None:
        return False
    step = await _active_step(update, context)
    if step is None:
        return False
    flow = REGISTRY[step.state.name]
    if not may(step.viewer.role, flow.action):
        await step.end()
        return False
    if message.text is not None:
        await flow.answer(step, message.text.strip(), typed=True)
        return True
    if flow.on_media is None or media is None:
        return False
    await flow.on_media(step, media)
    return True


async def cancel_flow(viewer: Viewer, svc: Services) -> bool:
    async with svc.db.transaction() as tx:
        return await tx.clear_flow(viewer.user_id)


async def stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    viewer = await current_viewer(update, context)
    if viewer is not None:
        await say_stale(update, context, viewer)


def progress(tr: Translator, number: int, total: int) -> str:
    # staff:
    return tr._("<i>Step {number} of {total}</i>", number=number, total=total)


# --- choosing a pupil, shared by the staff flows --------------------------------------


# --- a typed weekday that contradicts the date ------------------------------------------


HANDLERS: Handlers = [CallbackQueryHandler(flow_button, pattern=r"^f:")]


# --- a day and time, tapped or typed ----------------------------------------------------

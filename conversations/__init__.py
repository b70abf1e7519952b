"""Chat flows: one module per flow; handlers parse, authorise and call into `bot/`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, BaseHandler

from conversations import (
    absences,
    access_requests,
    admission,
    away,
    care_answers,
    care_overview,
    discussions,
    errors,
    family_messages,
    flow,
    language,
    meeting_answers,
    meeting_card,
    meetings,
    membership,
    menu,
    news,
    onboarding,
    positive,
    preparation,
    pupil_card,
    roster_upload,
    rounds,
    route,
    summaries,
)
from conversations.routing import with_buttons_routed


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Before every other handler: the flood limit's verdict, and quiet for unlinked chats.
    application.add_handlers(admission.HANDLERS, group=-1)
    # A tap goes straight to the handlers of its button's prefix (conversations/routing.py).
    application.add_handlers(with_buttons_routed(handlers_in_order()))
    application.add_error_handler(errors.on_error)


def handlers_in_order() -> list[BaseHandler[Any, Any, Any]]:
    """Every flow's handlers, in the order they are tried: the first that accepts an update
    answers it."""
    handlers: list[BaseHandler[Any, Any, Any]] = []
    for module in (
        onboarding,
        language,
        membership,
        flow,
        discussions,
        pupil_card,
        meetings,
        meeting_card,
        summaries,
        meeting_answers,
        rounds,
        preparation,
        route,
        positive,
        news,
        care_answers,
        care_overview,
        access_requests,
        family_messages,
        absences,
        away,
        roster_upload,
        menu,
    ):
        handlers.extend(module.HANDLERS)
    handlers.extend(menu.FALLBACKS)
    return handlers

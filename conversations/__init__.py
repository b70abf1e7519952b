"""Chat flows: one module per flow; handlers parse, authorise and call into `bot/`."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

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


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Before every other handler: the flood limit's verdict, and quiet for unlinked chats.
    application.add_handlers(admission.HANDLERS, group=-1)
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
        application.add_handlers(module.HANDLERS)
    application.add_handlers(menu.FALLBACKS)
    application.add_error_handler(errors.on_error)

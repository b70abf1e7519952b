"""Chat flows: one module per flow; handlers parse, authorise and call into `bot/`."""

from __future__ import annotations

from telegram.ext import Application

from conversations import errors, language, membership, menu, onboarding


def register(application: Application) -> None:  # type: ignore[type-arg]
    for module in (onboarding, language, membership, menu):
        application.add_handlers(module.HANDLERS)
    application.add_handlers(menu.FALLBACKS)
    application.add_error_handler(errors.on_error)

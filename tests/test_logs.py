"""The log holds no personal data: a full flow leaves no names, codes or message texts in it."""

from __future__ import annotations

import logging

from bot.rules.models import PersonKind
from tests.harness import Harness
from tests.test_care import agree, delivered, people, request


async def test_a_full_flow_logs_no_personal_data(harness: Harness, caplog) -> None:
    caplog.set_level(logging.INFO)
    users = await people(
        harness,
        (PersonKind.STAFF, "S004", "Ingrid"),
        (PersonKind.GUARDIAN, "G023", "Ruud"),
        (PersonKind.GUARDIAN, "G024", "Mark"),
    )
    harness.server.block(users["G024"].chat_id)  # a failure path that logs too
    delivery = await request(harness, "P014")
    await delivered(harness, users["G023"], 2)
    await agree(harness, users["G023"], delivery.discussion_id)
    await harness.say(users["G023"], "Mijn zoon Milan heeft ADHD")  # free text that must not leak
    # The send to the blocked parent fails in the background; wait for its trace.
    await harness.server.wait_for(
        lambda: any("outbox message" in record.getMessage() for record in caplog.records)
    )
    log = "\n".join(record.getMessage() for record in caplog.records)
    assert "outbox message" in log  # the blocked user left a trace, without who it was
    secrets = [
        "Milan",
        "Smit",
        "Ruud",
        "Mark",
        "de Wit",
        "Ingrid",
        "Postma",
        "ADHD",
        "Samen kijken welke hulp nodig is",
        harness.code(PersonKind.GUARDIAN, "G023"),
    ]
    leaked = [s for s in secrets if s in log]
    assert leaked == []

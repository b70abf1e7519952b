"""A small school for the storage contract tests: two staff members, two pupils (siblings in
different groups) and two parents, written straight through the roster queries."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import psycopg

from bot.rules.models import Guardian, GuardianLink, PersonKind, Pupil, Role, StaffMember
from bot.storage import Tx

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)

TEACHER = StaffMember("T1", "Tess", "Visser", Role.TEACHER, ("5A",))
COORDINATOR = StaffMember("C1", "Cor", "Bakker", Role.COORDINATOR, ())
PIM = Pupil("P1", "Pim", "Jansen", date(2015, 3, 1), "5A", "nl")
SARA = Pupil("P2", "Sara", "Jansen", date(2010, 5, 1), "8B", "ar")
MOTHER = Guardian("G1", "Mia", "Jansen", "nl")
FATHER = Guardian("G2", "Fred", "Jansen", "ar")
LINKS = (
    GuardianLink("G1", "P1", "mother", authority=True),
    GuardianLink("G2", "P1", "father", authority=False),
    GuardianLink("G1", "P2", "mother", authority=True),
)

MOTHER_KEY = (PersonKind.GUARDIAN, "G1")
FATHER_KEY = (PersonKind.GUARDIAN, "G2")


async def seed(tx: Tx) -> None:
    """The roster above."""
    for member in (TEACHER, COORDINATOR):
        await tx.upsert_staff(member, NOW)
    for pupil in (PIM, SARA):
        await tx.upsert_pupil(pupil, NOW)
    for guardian in (MOTHER, FATHER):
        await tx.upsert_guardian(guardian, NOW)
    for link in LINKS:
        await tx.upsert_guardian_link(link)


async def link(tx: Tx, kind: PersonKind, person_id: str, user_id: int) -> None:
    """A Telegram user (chat id = user id) linked to a person."""
    await tx.touch_telegram_user(user_id, user_id, NOW)
    await tx.link_account(kind, person_id, user_id, NOW)


# What either database raises when a constraint or an append-only trigger refuses a change.
REFUSED: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)

"""All SQL of Samen: the database handle, migrations and named queries.

Every read and write goes through `Database.transaction()` (or `Database.reading()`), which
hands out a `Tx` holding the named queries. The queries are grouped by aggregate, one mixin
class per module (roster.py, accounts.py, outbox.py, …); each stands on `Executor` and runs
its SQL through `_all`, `_one`, `_run`, `_run_many` and `_insert`. The driver (sqlite3),
the connection, the migrations in `migrations/` and the transactions live in executor.py
alone; records.py turns rows into records. `Tx` below puts the mixins on the SQLite executor.
"""

from __future__ import annotations

from bot.storage.absences import AbsenceQueries
from bot.storage.access_requests import AccessRequestQueries
from bot.storage.accounts import AccountQueries
from bot.storage.audit import AuditQueries
from bot.storage.discussions import DiscussionQueries
from bot.storage.executor import (
    FOUNDATION_TABLES,
    STORAGE_ERRORS,
    DatabaseFileFacts,
    DatabaseUnusable,
    Migration,
    NotADatabase,
    SqliteDatabase,
    SqliteExecutor,
    copy_database_file,
    database_problem,
    inspect_database_file,
    load_migrations,
    locked_by_another_program,
    readable_by_others,
    settle_database_file,
)
from bot.storage.family_messages import FamilyMessageQueries
from bot.storage.flows import FlowQueries
from bot.storage.meetings import MeetingQueries
from bot.storage.meta import MetaQueries
from bot.storage.news import NewsQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.preparation import PreparationQueries
from bot.storage.pupil_file import PupilFileQueries
from bot.storage.records import from_iso, iso
from bot.storage.retention import RetentionQueries
from bot.storage.roster import RosterQueries
from bot.storage.rounds import RoundQueries
from bot.storage.route import RouteQueries
from bot.storage.safety import SafetyQueries
from bot.storage.staff_away import StaffAwayQueries

__all__ = [
    "FOUNDATION_TABLES",
    "STORAGE_ERRORS",
    "Database",
    "DatabaseFileFacts",
    "DatabaseUnusable",
    "Migration",
    "NotADatabase",
    "Tx",
    "copy_database_file",
    "database_problem",
    "from_iso",
    "inspect_database_file",
    "iso",
    "load_migrations",
    "locked_by_another_program",
    "readable_by_others",
    "settle_database_file",
]


class Tx(
    # AccountQueries and RetentionQueries stand on RosterQueries, so they come before it.
    AccountQueries,
    RetentionQueries,
    RosterQueries,
    OutboxQueries,
    DiscussionQueries,
    SafetyQueries,
    MeetingQueries,
    RoundQueries,
    NewsQueries,
    PreparationQueries,
    RouteQueries,
    AccessRequestQueries,
    AbsenceQueries,
    FamilyMessageQueries,
    StaffAwayQueries,
    PupilFileQueries,
    FlowQueries,
    AuditQueries,
    MetaQueries,
    SqliteExecutor,
):
    """Named queries, valid inside one transaction (or one `reading()`)."""


class Database(SqliteDatabase[Tx]):
    """The Samen database: its transactions hand out a `Tx`."""

    tx_type = Tx

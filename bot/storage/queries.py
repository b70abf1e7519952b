"""The named queries of every aggregate, in one class that stands on `Executor`: each backend
puts them on its own executor (`Tx` for SQLite in bot.storage, `PostgresTx` in
bot.storage.postgres), so that the queries are written once."""

from __future__ import annotations

from bot.storage.absences import AbsenceQueries
from bot.storage.access_requests import AccessRequestQueries
from bot.storage.accounts import AccountQueries
from bot.storage.audit import AuditQueries
from bot.storage.discussions import DiscussionQueries
from bot.storage.family_messages import FamilyMessageQueries
from bot.storage.flows import FlowQueries
from bot.storage.meetings import MeetingQueries
from bot.storage.meta import MetaQueries
from bot.storage.news import NewsQueries
from bot.storage.outbox import OutboxQueries
from bot.storage.preparation import PreparationQueries
from bot.storage.pupil_file import PupilFileQueries
from bot.storage.retention import RetentionQueries
from bot.storage.roster import RosterQueries
from bot.storage.rounds import RoundQueries
from bot.storage.route import RouteQueries
from bot.storage.safety import SafetyQueries
from bot.storage.staff_away import StaffAwayQueries


class Queries(
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
):
    """Named queries, valid inside one transaction (or one `reading()`)."""

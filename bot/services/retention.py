"""Retention: what of a pupil who left school is deleted when, and `samen purge`.

The rule is a pure function of today, the day the pupil left and the settings. Purging runs
every kind in one transaction: all of it happens or none. The audit trail is never deleted;
its rows about the pupil are pseudonymised, so they stay linkable to each other but not to
the person.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from bot.platform.config import RETENTION_KINDS, RetentionSettings, Settings
from bot.services.pseudonym_key import key_for_pseudonyms, prepare_key
from bot.storage import Database, Tx

PSEUDONYM_PREFIX = "anon:"
# The kinds whose rows refer to the pupil's roster row (or are found through it).
ANCHORED = frozenset({"chat", "meetings", "care", "news", "route"})
# Detail keys an audit row keeps after redaction: ids of records, kinds, counts, hashes and
# steps, nothing a person wrote (reasons, how parents were told) and no Telegram account.
# Person keys in `recipients` ("guardian:G1") become pseudonyms; unknown keys are dropped.
SAFE_DETAIL_KEYS = frozenset(
    {
        "allowed",
        "capable",
        "count",
        "created",
        "discussion_id",
        "exception_id",
        "from",
        "information_request",
        "invited",
        "item",
        "kind",
        "language",
        "left_on",
        "meeting_id",
        "news_id",
        "not_linked",
        "paused",
        "question_id",
        "readers",
        "recipients",
        "recognised",
        "restriction",
        "round_id",
        "slot_id",
        "slots",
        "source",
        "step",
        "text_hash",
        "text_version",
        "to",
        "unchanged",
        "updated",
        "version",
    }
)


def cutoff(today: date, years: int) -> date:
    """The first leaving day still kept: who left before it is past retention."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February: a whole number of years ends after 28 February
        return date(today.year - years, 3, 1)


def expired_kinds(
    today: date, left_on: date | None, retention: RetentionSettings
) -> frozenset[str]:
    """The kinds of a pupil's data whose retention has passed; none while at school."""
    if left_on is None:
        return frozenset()
    return frozenset(
        kind for kind in RETENTION_KINDS if left_on < cutoff(today, retention.years_for(kind))
    )


def pseudonym(secret: bytes, kind: str, person_id: str) -> str:
    """Stable for one person, not reversible without the secret: a pupil's audit rows stay
    linkable to each other but not to the pupil."""
    message = person_id if kind == "pupil" else f"{kind}:{person_id}"
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:12]


def redact_details(details: str, pseudonymise: Callable[[str, str], str]) -> str:
    """The redacted form the audit trigger accepts: safe keys only, people as pseudonyms."""
    try:
        data = json.loads(details)
    except ValueError:
        data = {}
    out: dict[str, object] = {"redacted": True}
    if not isinstance(data, dict):
        return json.dumps(out, sort_keys=True)
    for key, value in data.items():
        if key not in SAFE_DETAIL_KEYS:
            continue
        if key == "recipients":
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                out[key] = [_person_key(v, pseudonymise) for v in value]
            continue
        out[key] = value
    return json.dumps(out, ensure_ascii=False, sort_keys=True)


def _person_key(key: str, pseudonymise: Callable[[str, str], str]) -> str:
    kind, _, person_id = key.partition(":")
    if not person_id:
        return pseudonymise("unknown", key)
    return pseudonymise(kind, person_id)


@dataclass(frozen=True)
class KindReport:
    kind: str
    years: int
    cutoff: date  # pupils who left before this day are purged for this kind
    pupils: int
    counts: tuple[tuple[str, int], ...]  # (table, or "table pseudonymised", …; rows)

    @property
    def rows(self) -> int:
        return sum(n for _, n in self.counts)


@dataclass(frozen=True)
class PurgeReport:
    today: date
    applied: bool
    kinds: tuple[KindReport, ...]

    @property
    def rows(self) -> int:
        return sum(k.rows for k in self.kinds)

    def kind(self, name: str) -> KindReport:
        return next(k for k in self.kinds if k.kind == name)

    def summary(self) -> dict[str, object]:
        """Counts only, for the audit entry: no ids, no names."""
        return {
            "today": self.today.isoformat(),
            "kinds": {
                k.kind: {"pupils": k.pupils, **{name: n for name, n in k.counts if n}}
                for k in self.kinds
            },
        }


async def plan_purge(db: Database, settings: Settings, today: date) -> PurgeReport:
    """What `apply_purge` would delete and pseudonymise today; nothing is changed."""
    async with db.reading() as tx:
        return await _purge(tx, settings.retention, today, key=None)


async def apply_purge(db: Database, settings: Settings, today: date, now: datetime) -> PurgeReport:
    """Delete and pseudonymise in one transaction, recorded as one audit entry of counts.
    PseudonymKeyProblem, with nothing changed, when the pseudonymisation key is missing or
    another one than the pseudonyms were made with."""
    # A database from before gives up its key first, and a missing or another key stops the
    # purge before it starts, also when today's purge makes no pseudonym.
    await prepare_key(db, settings.pseudonym_key_file)
    async with db.transaction() as tx:
        report = await _purge(
            tx, settings.retention, today, key=(settings.pseudonym_key_file, db.name)
        )
        await tx.audit(
            now=now, actor=("admin", None), action="retention_purge", details=report.summary()
        )
    return report


@dataclass(frozen=True)
class _Due:
    """Whose data of each kind is due today, and what the roster step must remember."""

    pupils: dict[str, list[str]]  # kind -> pupil ids
    left_on: dict[str, date]
    off_roster: frozenset[str]  # left earlier; only their audit rows remain


def _due(leavers: list[tuple[str, date, bool]], today: date, retention: RetentionSettings) -> _Due:
    """Which kinds of each leaver's data are past retention today."""
    due: dict[str, list[str]] = {kind: [] for kind in RETENTION_KINDS}
    left_on: dict[str, date] = {}
    off_roster: set[str] = set()
    for pupil_id, left, on_roster in leavers:
        left_on[pupil_id] = left
        if not on_roster:
            off_roster.add(pupil_id)
        expired = expired_kinds(today, left, retention)
        for kind in expired:
            if kind == "roster" and not ANCHORED.issubset(expired):
                continue  # the roster row goes last: the other kinds refer to it
            if on_roster or kind == "audit":  # off the roster only audit rows are left
                due[kind].append(pupil_id)
    return _Due(due, left_on, frozenset(off_roster))


async def _purge(
    tx: Tx, retention: RetentionSettings, today: date, *, key: tuple[Path, str] | None
) -> PurgeReport:
    """Count what is due today, or apply it with `key`: (the key file, the database)."""
    apply = key is not None
    due = _due(await tx.leavers(), today, retention)
    secret = None
    # Only care answers and the audit trail are pseudonymised: only they need the key.
    if key is not None and (due.pupils["care"] or due.pupils["audit"]):
        secret = await key_for_pseudonyms(tx, *key)

    def pseudonymise(kind: str, person_id: str) -> str:
        assert secret is not None
        return pseudonym(secret, kind, person_id)

    counts: dict[str, dict[str, int]] = {}
    # Order matters only for foreign keys: everything referring to a pupil row goes before
    # the roster, and the roster last, after its links told whose family is whose.
    chat = due.pupils["chat"]
    chat_guardians = sorted(await tx.exclusive_guardians(chat))
    names = await _needles(tx, chat, chat_guardians)
    counts["chat"] = await purge_chat(tx, chat, chat_guardians, names, apply=apply)
    counts["meetings"] = await tx.purge_meetings(due.pupils["meetings"], apply=apply)
    counts["care"] = await tx.purge_care(due.pupils["care"], apply=apply, pseudonym=pseudonymise)
    counts["news"] = await tx.purge_news(due.pupils["news"], apply=apply)
    counts["route"] = await tx.purge_route(due.pupils["route"], apply=apply)
    counts["audit"] = await _purge_audit(tx, due, pseudonymise, apply=apply)
    counts["roster"] = await _purge_roster(tx, due, apply=apply)
    return PurgeReport(
        today=today,
        applied=apply,
        kinds=tuple(
            KindReport(
                kind=kind,
                years=retention.years_for(kind),
                cutoff=cutoff(today, retention.years_for(kind)),
                pupils=len(due.pupils[kind]),
                counts=tuple(counts[kind].items()),
            )
            for kind in RETENTION_KINDS
        ),
    )


async def purge_chat(
    tx: Tx,
    pupil_ids: Sequence[str],
    guardian_ids: Sequence[str],
    needles: Sequence[str],
    *,
    apply: bool,
) -> dict[str, int]:
    """Messages to or about the pupils (and to guardians of no one else), their edits,
    messages naming them (`needles`: full names as they appear in texts), and chat flows
    of their accounts or holding their ids."""
    if not pupil_ids:
        return {}
    users = await tx.account_users(pupil_ids, guardian_ids)
    messages = (
        await tx.outbox_about_pupils(pupil_ids)
        | await tx.outbox_to_guardians(guardian_ids)
        | await tx.outbox_in_chats_of(users)
        # Messages the pupil's records point at, such as the teacher's meeting card.
        | await tx.outbox_of_records(pupil_ids)
        | await tx.outbox_naming(needles)
    )
    # An edit points at the message it changes (a foreign key), so it goes with it.
    messages |= await tx.outbox_edits(messages)
    return {
        **await tx.purge_outbox(messages, apply=apply),
        **await tx.purge_flows(users, pupil_ids, apply=apply),
        **await tx.purge_family_messages(pupil_ids, apply=apply),
    }


async def _purge_audit(
    tx: Tx, due: _Due, pseudonymise: Callable[[str, str], str], *, apply: bool
) -> dict[str, int]:
    """Pseudonymise the audit rows of the pupils due, with those of their guardians of no one
    else; a pupil off the roster brings the guardians recorded when the roster row went."""
    audit = due.pupils["audit"]
    on_roster_audit = [p for p in audit if p not in due.off_roster]
    pending = [p for p in audit if p in due.off_roster]
    audit_guardians = await tx.exclusive_guardians(on_roster_audit)
    if pending:
        audit_guardians |= await tx.pending_guardians(pending)

    def redact(details: str) -> str:
        return redact_details(details, pseudonymise)

    return await tx.purge_audit(
        audit,
        sorted(audit_guardians),
        apply=apply,
        pseudonym=pseudonymise,
        redact=redact,
        pending_done=pending,
    )


async def _purge_roster(tx: Tx, due: _Due, *, apply: bool) -> dict[str, int]:
    """The roster rows of the pupils due, with their guardians of no one else; a pupil whose
    audit rows stay identifiable longer is remembered, with their family, until those go."""
    roster = due.pupils["roster"]
    audit_due = set(due.pupils["audit"])
    roster_guardians = sorted(await tx.exclusive_guardians(roster))
    keep: list[tuple[str, date, list[str]]] = []
    for pupil_id in roster:
        if pupil_id not in audit_due:
            family = {g.guardian_id for g, _ in await tx.guardians_of_pupil(pupil_id)}
            keep.append(
                (pupil_id, due.left_on[pupil_id], [g for g in roster_guardians if g in family])
            )
    return await tx.purge_roster(roster, roster_guardians, apply=apply, keep_for_audit=keep)


async def _needles(tx: Tx, pupil_ids: list[str], guardian_ids: list[str]) -> list[str]:
    """Full names as messages show them (plain and HTML-escaped), to find staff notices."""
    names: set[str] = set()
    for pupil in [await tx.pupil(p) for p in pupil_ids]:
        if pupil is not None:
            names.add(f"{pupil.first_name} {pupil.last_name}")
    for guardian in [await tx.guardian(g) for g in guardian_ids]:
        if guardian is not None:
            names.add(f"{guardian.first_name} {guardian.last_name}")
    return sorted(names | {html.escape(n, quote=False) for n in names})

"""Invitation codes: issuing them for the roster and redeeming `/start CODE`.

Codes are 20 characters from Crockford's base-32 alphabet: 100 random bits, well under
Telegram's 64-character start parameter, and easy to copy from a paper letter: capitals and
digits only, no I, L, O or U to mistake for 1 or 0. A code typed in lower case, or with an
O for a 0, still works. Only their SHA-256 is stored: with that much randomness a salt adds
nothing. (Codes made before this alphabet were URL-safe base64; they are still accepted.)
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.platform.config import Settings
from bot.rules.models import Invitation, InviteRow, PersonKind, age_on
from bot.storage import Database, Tx

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 20
_TYPING_SLIPS = str.maketrans("OIL", "011")
FAILURE_LIMIT = 5
FAILURE_WINDOW = timedelta(hours=1)
BLOCK_DURATION = timedelta(hours=1)
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def as_typed(code: str) -> str:
    """A code as a person may have copied it by hand, in the form it was made."""
    return code.upper().translate(_TYPING_SLIPS)


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def blocked_until(failures: list[datetime], now: datetime) -> datetime | None:
    """When FAILURE_LIMIT failures fall within FAILURE_WINDOW, attempts stop for BLOCK_DURATION
    from the last of them. Returns the end of a block still running at `now`, else None."""
    ordered = sorted(failures)
    until: datetime | None = None
    for i in range(len(ordered) - FAILURE_LIMIT + 1):
        last = ordered[i + FAILURE_LIMIT - 1]
        if last - ordered[i] <= FAILURE_WINDOW:
            until = max(until, last + BLOCK_DURATION) if until else last + BLOCK_DURATION
    return until if until is not None and now < until else None


@dataclass(frozen=True)
class Selection:
    """Whom to invite: everyone not yet linked, or only one group or one person.
    Only the selected people get new codes, so nobody else's letter stops working."""

    group: str | None = None
    person_id: str | None = None

    def admits(self, person_id: str, groups: set[str]) -> bool:
        if self.person_id is not None and person_id != self.person_id:
            return False
        return self.group is None or self.group in groups


@dataclass(frozen=True)
class _Pending:
    kind: PersonKind
    person_id: str
    name: str
    pupil_ids: tuple[str, ...]
    language: str
    children: tuple[str, ...]


async def issue_invitations(
    db: Database,
    settings: Settings,
    now: datetime,
    bot_username: str,
    selection: Selection = Selection(),
) -> list[InviteRow]:
    """A fresh code for everyone selected and not yet linked; their older unused codes stop
    working."""
    expires = now + timedelta(days=settings.invite_valid_days)
    today = now.astimezone(settings.timezone).date()
    rows: list[InviteRow] = []
    async with db.transaction() as tx:
        pending = [
            *await _pending_staff(tx, selection),
            *await _pending_guardians(tx, selection),
            *await _pending_pupils(tx, selection, today, settings.pupil_invite_min_age),
        ]
        for person in pending:
            rows.append(await _issue(tx, person, now, expires, bot_username))
        await tx.audit(
            now=now,
            actor=("admin", None),
            action="invitations_issued",
            details={"count": len(rows)},
        )
    return rows


async def _pending_staff(tx: Tx, selection: Selection) -> list[_Pending]:
    """Selected staff members without a linked account."""
    pending: list[_Pending] = []
    for member in await tx.unlinked_staff():
        if selection.admits(member.staff_id, set(member.groups)):
            name = f"{member.first_name} {member.last_name}"
            pending.append(_Pending(PersonKind.STAFF, member.staff_id, name, (), "nl", ()))
    return pending


async def _pending_guardians(tx: Tx, selection: Selection) -> list[_Pending]:
    """Selected guardians without a linked account, with the children their letter names."""
    pending: list[_Pending] = []
    for guardian, pupil_ids in await tx.unlinked_guardians():
        children = [p for p in [await tx.pupil(pid) for pid in pupil_ids] if p is not None]
        if selection.admits(guardian.guardian_id, {c.group for c in children}):
            pending.append(
                _Pending(
                    PersonKind.GUARDIAN,
                    guardian.guardian_id,
                    f"{guardian.first_name} {guardian.last_name}",
                    tuple(pupil_ids),
                    guardian.language,
                    tuple(f"{c.first_name} {c.last_name}" for c in children),
                )
            )
    return pending


async def _pending_pupils(
    tx: Tx, selection: Selection, today: date, min_age: int
) -> list[_Pending]:
    """Selected pupils without a linked account who are old enough for one of their own."""
    pending: list[_Pending] = []
    for pupil in await tx.unlinked_pupils():
        if age_on(pupil.birth_date, today) >= min_age and selection.admits(
            pupil.pupil_id, {pupil.group}
        ):
            name = f"{pupil.first_name} {pupil.last_name}"
            pending.append(
                _Pending(
                    PersonKind.PUPIL,
                    pupil.pupil_id,
                    name,
                    (pupil.pupil_id,),
                    pupil.language,
                    (),
                )
            )
    return pending


async def _issue(
    tx: Tx, person: _Pending, now: datetime, expires: datetime, bot_username: str
) -> InviteRow:
    """A new code for one person, replacing their open ones: the row for their letter."""
    await tx.revoke_open_invitations(person.kind, person.person_id, now)
    code = new_code()
    await tx.add_invitation(hash_code(code), person.kind, person.person_id, now, expires)
    return InviteRow(
        person.kind,
        person.person_id,
        person.name,
        "|".join(person.pupil_ids),
        person.language,
        code,
        deep_link(bot_username, code),
        person.children,
        expires,
    )


class Redeemed(StrEnum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    USED = "used"
    EXPIRED = "expired"
    REPLACED = "replaced"
    UNKNOWN = "unknown"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class Redemption:
    outcome: Redeemed
    kind: PersonKind | None = None
    person_id: str | None = None
    retry_at: datetime | None = None


async def guessing_blocked(db: Database, user_id: int, now: datetime) -> bool:
    """Whether this account may not try codes now: too many wrong ones lately."""
    async with db.reading() as tx:
        failures = await tx.start_failures_since(user_id, now - FAILURE_WINDOW - BLOCK_DURATION)
    return blocked_until(failures, now) is not None


async def redeem(db: Database, user_id: int, chat_id: int, code: str, now: datetime) -> Redemption:
    """Link the Telegram account to the person the code was made for, if it is valid."""
    async with db.transaction() as tx:
        await tx.touch_telegram_user(user_id, chat_id, now)
        failures = await tx.start_failures_since(user_id, now - FAILURE_WINDOW - BLOCK_DURATION)
        until = blocked_until(failures, now)
        if until is not None:
            return Redemption(Redeemed.THROTTLED, retry_at=until)
        current = await tx.account_of_user(user_id)
        record = await tx.invitation(hash_code(code)) if _CODE_SHAPE.match(code) else None
        if record is None and _CODE_SHAPE.match(code) and as_typed(code) != code:
            record = await tx.invitation(hash_code(as_typed(code)))
        if current is not None:
            if record is not None and (record.kind, record.person_id) == current:
                return Redemption(Redeemed.ALREADY_LINKED, current[0], current[1])
            if record is None:
                await tx.record_start_failure(user_id, now)
                return Redemption(Redeemed.UNKNOWN)
            return Redemption(Redeemed.ALREADY_LINKED, current[0], current[1])
        outcome = _judge(record, now)
        if outcome is not Redeemed.LINKED or record is None:
            await tx.record_start_failure(user_id, now)
            return Redemption(outcome)
        kind, person_id = record.kind, record.person_id
        if await tx.person_is_linked(kind, person_id):
            await tx.record_start_failure(user_id, now)
            return Redemption(Redeemed.USED)
        await tx.use_invitation(record.code_hash, user_id, now)
        await tx.link_account(kind, person_id, user_id, now)
        await tx.audit(
            now=now,
            actor=(kind.value, person_id),
            action="account_linked",
            subject=(kind.value, person_id),
            pupil_id=person_id if kind is PersonKind.PUPIL else None,
        )
        return Redemption(Redeemed.LINKED, kind, person_id)


def _judge(record: Invitation | None, now: datetime) -> Redeemed:
    if record is None:
        return Redeemed.UNKNOWN
    if record.used_at is not None:
        return Redeemed.USED
    if record.revoked_at is not None:
        return Redeemed.REPLACED
    if record.expires_at <= now:
        return Redeemed.EXPIRED
    return Redeemed.LINKED

"""The audit trail: an append-only log of who did what, about which pupil or person."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.rules.models import AuditEntry
from bot.storage.executor import Executor
from bot.storage.records import _audit_entry, iso


class AuditQueries(Executor):
    """Writing and reading the audit trail. The schema refuses deletes and any update but
    the one-time pseudonymisation of retention (RetentionQueries.purge_audit)."""

    async def audit(
        self,
        *,
        now: datetime,
        actor: tuple[str, str | None],
        action: str,
        pupil_id: str | None = None,
        subject: tuple[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append one entry to the audit trail."""
        await self._run(
            "INSERT INTO audit_log (at, actor_kind, actor_id, action, pupil_id,"
            " subject_kind, subject_id, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                iso(now),
                actor[0],
                actor[1],
                action,
                pupil_id,
                subject[0] if subject else None,
                subject[1] if subject else None,
                json.dumps(details or {}, ensure_ascii=False, sort_keys=True),
            ),
        )

    async def audit_entries(self, pupil_id: str | None = None) -> list[AuditEntry]:
        """The audit trail in order: one pupil's entries, or (no `pupil_id`) all."""
        if pupil_id is None:
            rows = await self._all("SELECT * FROM audit_log ORDER BY id")
        else:
            rows = await self._all(
                "SELECT * FROM audit_log WHERE pupil_id = ? ORDER BY id", (pupil_id,)
            )
        return [_audit_entry(r) for r in rows]

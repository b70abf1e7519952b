"""The coordinators hear once when the recommended school holidays Samen knows are about to run
out: after that, school days would count holidays as school days (reminders, nudges, digests)."""

from __future__ import annotations

from bot.rules.models import PersonKind
from bot.rules.school_calendar import holidays_run_out
from bot.services.notify import notify, reader
from bot.services.work import Work


async def warn_when_holidays_run_out(w: Work) -> int:
    """Tell each linked coordinator, once per end date; returns how many were told."""
    last = holidays_run_out(w.settings.region, w.today)
    if last is None:
        return 0
    key = f"holidays_run_out:{last.isoformat()}"
    if await w.tx.get_meta(key) is not None:
        return 0
    await w.tx.set_meta(key, w.now.isoformat())
    told = 0
    for member, _ in await w.tx.linked_coordinators():
        to = await reader(w, PersonKind.STAFF, member.staff_id)
        # staff:
        text = to.tr._(
            "📅 Samen knows the school holidays of region {region} until {date}. After that it"
            " counts every weekday as a school day. Please add the next school year's holidays"
            " to samen.toml ([calendar] holidays), or ask for a newer version of Samen.",
            region=w.settings.region,
            date=to.tr.date_with_year(last),
        )
        await notify(w, to, text, purpose="holidays_run_out")
        told += 1
    return told

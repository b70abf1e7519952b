"""What samen.toml may hold: every table and key, with the type and the values each accepts.

Strict on purpose: a misspelt key would otherwise be ignored and its default used without a
word, so an unknown key or table is an error, and no value is converted from another type (no
"30" for 30, no true for 1). A key left out is None here; `config.load_settings` then keeps the
default of `Settings`, the one place the defaults are written.

A validator's message is the end of a sentence that starts with the key's name ("must be
between 1 and 60"); `config` adds the file, the line and the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from datetime import date, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bot.i18n.translator import SUPPORTED_LANGUAGES
from bot.platform.backup_crypto import recipient_problem
from bot.rules.school_calendar import REGIONS

TEAM_ROLE_KEYS = (
    "care_coordinator",
    "school_psychologist",
    "director",
    "mentor",
    "school_social_worker",
    "school_doctor",
    "youth_care_worker",
    "attendance_officer",
    "youth_nurse",
    "police_officer",
)
# Kinds of a pupil's data that `samen purge` removes once the pupil left long enough ago.
RETENTION_KINDS = ("chat", "meetings", "care", "news", "route", "roster", "audit")
TRANSLATION_PROVIDERS = ("libretranslate", "deepl")
PURGE_SCHEDULES = ("off", "weekly", "monthly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
# The type of a validator's own problems, which carry their whole message.
PROBLEM = "samen"


def _problem(message: str, key: str | None = None) -> PydanticCustomError:
    """A mistake with a message of our own; `key`: the key of the table it is about, when the
    check is of the whole table (the line and name shown are then that key's)."""
    return PydanticCustomError(PROBLEM, "{message}", {"message": message, "key": key})


def _one_of(value: object, choices: Sequence[str], *, lower: bool = False) -> str:
    """`value` if it is one of `choices`; else a problem listing them, with the nearest."""
    if not isinstance(value, str):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise _problem(f"must be one of {', '.join(choices)} in quotes, not {shown}")
    text = value.lower() if lower else value
    if text in choices:
        return text
    nearest = difflib.get_close_matches(text, choices, n=1)
    hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
    raise _problem(f"must be one of {', '.join(choices)}, not {value!r}{hint}")


def _between(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if not low <= value <= high:
            raise _problem(f"must be between {low} and {high}")
        return value

    return AfterValidator(check)


def _choice(choices: Sequence[str], *, lower: bool = False) -> PlainValidator:
    return PlainValidator(lambda value: _one_of(value, choices, lower=lower))


def _clock_time(value: object) -> time:
    """Text like "21:00"; a TOML local time such as 21:00:00 is taken too."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise _problem("must be a time like 21:00 (hours:minutes, in quotes)")
    return time(int(match[1]), int(match[2]))


def _working_hours(value: object) -> tuple[time, time]:
    """Text like "07:30-17:00"."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise _problem("must be like 07:30-17:00")
    start, end = value.split("-")
    try:
        hours = (_clock_time(start.strip()), _clock_time(end.strip()))
    except PydanticCustomError:
        raise _problem("must be like 07:30-17:00") from None
    if not hours[0] < hours[1]:
        raise _problem("must start before it ends")
    return hours


def _time_zone(value: object) -> ZoneInfo:
    if not isinstance(value, str):
        raise _problem("must be the name of a time zone in quotes, like Europe/Amsterdam")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _problem(f"{value!r} is not a known time zone (like Europe/Amsterdam)") from None


def _languages(codes: list[str]) -> list[str]:
    unknown = [code for code in codes if code not in SUPPORTED_LANGUAGES]
    if unknown:
        raise _problem(
            f"has unsupported {', '.join(unknown)}; supported: {', '.join(SUPPORTED_LANGUAGES)}"
        )
    if "nl" not in codes:
        raise _problem("must include nl")
    return codes


def _roles(roles: list[str]) -> list[str]:
    unknown = [role for role in roles if role not in TEAM_ROLE_KEYS]
    if unknown:
        nearest = difflib.get_close_matches(unknown[0], TEAM_ROLE_KEYS, n=1)
        hint = f"; did you mean {nearest[0]!r}?" if nearest else ""
        raise _problem(f"has unknown role {unknown[0]!r}; use {', '.join(TEAM_ROLE_KEYS)}{hint}")
    return roles


def _period(value: object) -> tuple[date, date]:
    """One free day (a date), or a period [first, last]."""
    if isinstance(value, date):
        return (value, value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(day, date) for day in value)
        and value[0] <= value[1]
    ):
        return (value[0], value[1])
    raise _problem("must be a date or a [first, last] pair of dates, first not after last")


def _not_blank(value: str) -> str:
    if not value.strip():
        raise _problem("must not be empty")
    return value


def _recipient(value: object) -> str:
    """A public key (age1…) backups are encrypted to."""
    if not isinstance(value, str):
        raise _problem('must be an age public key in quotes, like "age1qyqszqgpqyqszqgp…"')
    problem = recipient_problem(value)
    if problem is not None:
        raise _problem(problem)
    return value.strip()


def _a_list(value: object) -> object:
    # Its own message: the usual one would show the value, which may be a private key.
    if not isinstance(value, list):
        raise _problem('must be a list of age public keys, like ["age1qyqszqgp…"]')
    if not value:
        raise _problem("must name at least one public key (age1…)")
    return value


ClockTime = Annotated[time, PlainValidator(_clock_time)]
Recipients = Annotated[list[Annotated[str, PlainValidator(_recipient)]], BeforeValidator(_a_list)]
Role = Annotated[str, _choice(TEAM_ROLE_KEYS)]
Provider = Annotated[str, _choice(TRANSLATION_PROVIDERS)]
RetentionYears = Annotated[int, _between(1, 30)]


class Table(BaseModel):
    """A table of samen.toml: its keys and no others, each of its own type."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SchoolTable(Table):
    name: str | None = None  # a blank name is no name
    timezone: Annotated[ZoneInfo, PlainValidator(_time_zone)] | None = None
    bot_username: str | None = None
    languages: Annotated[list[str], AfterValidator(_languages)] | None = Field(
        default=None, description='a list of language codes, like ["nl", "en", "tr"]'
    )


class InvitationsTable(Table):
    valid_days: Annotated[int, _between(1, 365)] | None = None


class MeetingsTable(Table):
    separate_slots: bool | None = None
    prepare_days: Annotated[int, _between(0, 10)] | None = None


class PositiveNewsTable(Table):
    weeks: Annotated[int, _between(1, 26)] | None = None
    reminder_day: Annotated[str, _choice(WEEKDAYS, lower=True)] | None = None
    reminder_time: ClockTime | None = None


class CalendarTable(Table):
    region: Annotated[str, _choice(REGIONS, lower=True)] | None = None
    holidays: list[Annotated[tuple[date, date], PlainValidator(_period)]] | None = Field(
        default=None, description="a list of dates or [first, last] pairs of dates"
    )
    study_days: list[date] | None = Field(
        default=None, description="a list of dates like 2027-01-27"
    )


class TeamMemberTable(Table):
    name: str = ""
    role: Role
    organisation: str = ""


class CareTable(Table):
    cvb_members: Annotated[list[str], AfterValidator(_roles)] | None = Field(
        default=None, description="a list of roles"
    )
    team: list[TeamMemberTable] | None = Field(
        default=None, description="a list of tables ([[care.team]])"
    )
    notice_days: Annotated[int, _between(1, 60)] | None = None
    reminder_days: list[Annotated[int, _between(1, 60)]] | None = Field(
        default=None, description="a list of whole days, like [3, 7]"
    )
    quiet_hours_start: ClockTime | None = None
    quiet_hours_end: ClockTime | None = None
    holidays: list[date] | None = Field(default=None, description="a list of dates like 2026-12-25")


class StaffTable(Table):
    working_hours: Annotated[tuple[time, time], PlainValidator(_working_hours)] | None = None


class AbsenceTable(Table):
    notify: list[str] | None = Field(default=None, description="a list of staff ids or roles")
    cutoff: ClockTime | None = None


def _needs_what_it_uses(provider: str | None, url: str | None, api_key: str | None) -> None:
    if provider == "libretranslate" and not url:
        raise _problem("is missing; libretranslate needs a url (its address)", key="url")
    if provider == "deepl" and not api_key:
        raise _problem("is missing; deepl needs an api_key", key="api_key")


class TranslationServiceTable(Table):
    """One entry of [[translation.providers]]."""

    provider: Provider
    url: str | None = None
    api_key: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> TranslationServiceTable:
        _needs_what_it_uses(self.provider, self.url, self.api_key)
        return self


class TranslationTable(Table):
    """One service right under [translation], or several in order under
    [[translation.providers]]."""

    provider: Provider | None = None
    url: str | None = None
    api_key: str | None = None
    providers: list[TranslationServiceTable] | None = Field(
        default=None, description="a list of tables ([[translation.providers]])"
    )

    @model_validator(mode="after")
    def _one_way(self) -> TranslationTable:
        given = [key for key in ("provider", "url", "api_key") if getattr(self, key) is not None]
        if self.providers is not None and given:
            raise _problem(
                "belongs in a [[translation.providers]] table once there are several", given[0]
            )
        if given and self.provider is None:
            raise _problem(f"is missing; use {' or '.join(TRANSLATION_PROVIDERS)}", "provider")
        _needs_what_it_uses(self.provider, self.url, self.api_key)
        return self


class RetentionTable(Table):
    years: RetentionYears | None = None
    chat: RetentionYears | None = None
    meetings: RetentionYears | None = None
    care: RetentionYears | None = None
    news: RetentionYears | None = None
    route: RetentionYears | None = None
    roster: RetentionYears | None = None
    audit: RetentionYears | None = None
    purge: Annotated[str, _choice(PURGE_SCHEDULES)] | None = None


class PaperTable(Table):
    fonts: Annotated[str, AfterValidator(_not_blank)] | None = None


class BackupTable(Table):
    folder: Annotated[str, AfterValidator(_not_blank)] | None = None
    keep: Annotated[int, _between(1, 365)] | None = None
    # `time` would hide the type of that name in the class body.
    at: ClockTime | None = Field(default=None, alias="time")
    recipients: Recipients | None = None

    @model_validator(mode="after")
    def _encrypted(self) -> BackupTable:
        # The daily backups are copied off the machine: never without encryption.
        if self.folder is not None and self.recipients is None:
            raise _problem(
                "is missing; backups are encrypted to the school's public key: make a key pair"
                ' with `samen backup-key FILE` and put recipients = ["age1…"] under [backup]',
                key="recipients",
            )
        return self


class SamenToml(Table):
    """The whole file; every table may be left out."""

    school: SchoolTable = SchoolTable()
    invitations: InvitationsTable = InvitationsTable()
    meetings: MeetingsTable = MeetingsTable()
    positive_news: PositiveNewsTable = PositiveNewsTable()
    calendar: CalendarTable = CalendarTable()
    care: CareTable = CareTable()
    staff: StaffTable = StaffTable()
    absence: AbsenceTable = AbsenceTable()
    translation: TranslationTable = TranslationTable()
    retention: RetentionTable = RetentionTable()
    paper: PaperTable = PaperTable()
    backup: BackupTable = BackupTable()


def keys_of(table: type[BaseModel]) -> tuple[str, ...]:
    """The keys a table accepts, as written in samen.toml."""
    return tuple(info.alias or name for name, info in table.model_fields.items())


def all_keys() -> list[str]:
    """Every key of samen.toml as `table.key` (`care.team.role` for an array's tables)."""
    found: list[str] = []

    def walk(table: type[BaseModel], prefix: str) -> None:
        for key in keys_of(table):
            inner = _table_inside(table.model_fields[_field_name(table, key)].annotation)
            if inner is None:
                found.append(f"{prefix}{key}")
            else:
                walk(inner, f"{prefix}{key}.")

    walk(SamenToml, "")
    return found


def table_at(path: Sequence[str | int]) -> type[BaseModel] | None:
    """The table model at a place in the document (indexes of arrays skipped), if any."""
    table: type[BaseModel] | None = SamenToml
    for part in path:
        if isinstance(part, int):
            continue
        info = field_at(table, part) if table is not None else None
        table = _table_inside(info.annotation) if info is not None else None
    return table


def field_at(table: type[BaseModel], key: str) -> FieldInfo | None:
    """The pydantic FieldInfo of `key` in `table`, or None when the table has no such key."""
    name = _field_name(table, key)
    return table.model_fields.get(name) if name else None


def _field_name(table: type[BaseModel], key: str) -> str:
    for name, info in table.model_fields.items():
        if (info.alias or name) == key:
            return name
    return ""


def _table_inside(annotation: Any) -> type[BaseModel] | None:
    """The table model a field holds, itself or in a list or an optional, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _table_inside(argument)
        if found is not None:
            return found
    return None

"""Settings from the environment (fixed contract) and the optional samen.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n.translator import SUPPORTED_LANGUAGES, Translator
from bot.rules.models import Participant
from bot.rules.school_calendar import REGIONS, school_free_days

DEFAULT_API_URL = "https://api.telegram.org/bot"
T = TypeVar("T")


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


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


@dataclass(frozen=True)
class CareSettings:
    # Who sits in the CvB, by role; named in every CvB notice.
    cvb_members: tuple[str, ...] = ("care_coordinator", "school_psychologist", "director")
    # The ZAT / ondersteuningsteam: who attends and receives information (guideline 5).
    team: tuple[Participant, ...] = (
        Participant("", "care_coordinator", ""),
        Participant("", "school_doctor", "GGD"),
        Participant("", "youth_care_worker", ""),
        Participant("", "attendance_officer", ""),
    )
    notice_days: int = 10  # school days before silence counts as "no objection"
    reminder_days: tuple[int, ...] = (3, 7)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 30)
    holidays: frozenset[date] = frozenset()


# Kinds of a pupil's data that `samen purge` removes once the pupil left long enough ago.
RETENTION_KINDS = ("chat", "meetings", "care", "news", "route", "roster", "audit")


@dataclass(frozen=True)
class TranslationService:
    """One machine translation service from `[translation]`, in the school's order."""

    provider: str  # "libretranslate" or "deepl"
    url: str | None = None  # LibreTranslate's address; for DeepL only to use another server
    api_key: str | None = None


TRANSLATION_PROVIDERS = ("libretranslate", "deepl")


@dataclass(frozen=True)
class RetentionSettings:
    """Whole years after leaving school that each kind of a pupil's data is kept."""

    years: int = 2  # every kind without its own value
    chat: int | None = None
    meetings: int | None = None
    care: int | None = None
    news: int | None = None
    route: int | None = None
    roster: int | None = None
    audit: int | None = None

    def years_for(self, kind: str) -> int:
        if kind not in RETENTION_KINDS:
            raise ValueError(f"unknown retention kind {kind!r}")
        value: int | None = getattr(self, kind)
        return self.years if value is None else value


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("samen.db")
    config_path: Path | None = None
    # "" when samen.toml names no school: texts then use `school_name_for` (never a bare
    # English word inside another language), and `samen check` warns.
    school_name: str = ""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    invite_valid_days: int = 30
    pupil_invite_min_age: int = 12
    bot_username: str | None = None
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES
    care: CareSettings = field(default_factory=CareSettings)
    # Slot rounds: may separated parents each book their own slot (else one per child)?
    separate_slots: bool = False
    # Teachers are asked to prepare a talk this many school days before it.
    prepare_days: int = 2
    # A family should hear good news from school at least every this many weeks.
    positive_news_weeks: int = 6
    # The school calendar: region for the recommended holidays, and the school's own dates.
    region: str | None = None
    own_holidays: tuple[tuple[date, date], ...] = ()
    study_days: frozenset[date] = frozenset()
    # Positive-news reminders to mentors: weekday (0 = Monday) and local time.
    news_reminder_weekday: int = 4
    news_reminder_time: time = time(13, 0)
    # Where the fonts for letters and PDF files are; None: the fonts shipped inside Samen.
    font_dir: Path | None = None
    # When staff read messages from families: school days, from the first to the second time.
    # Outside these hours a family's message waits for the start of the next working period.
    staff_working_hours: tuple[time, time] = (time(7, 30), time(17, 0))
    # Absence reports: who hears of them besides the mentors (staff ids or roles), and the time
    # after which a report for today counts from the next school day.
    absence_notify: tuple[str, ...] = ()
    absence_cutoff: time = time(8, 30)
    # Machine translation of what families and school write to each other; none: untranslated.
    translation: tuple[TranslationService, ...] = ()
    # How long a pupil's data is kept after they left school (`samen purge`).
    retention: RetentionSettings = field(default_factory=RetentionSettings)

    @cached_property
    def holidays(self) -> frozenset[date]:
        """Every day without school apart from weekends (public, regional, own, study days)."""
        return school_free_days(
            self.region, self.own_holidays, self.study_days | self.care.holidays
        )

    @property
    def file_url(self) -> str:
        """The Bot API file URL derived from the base URL (…/bot → …/file/bot)."""
        base = self.api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}"


def school_name_for(
    tr: Translator, settings: Settings, reader: Literal["parent", "pupil", "staff"] = "parent"
) -> str:
    """The school's name, or, when none is configured, a translated phrase for this reader,
    to go in the middle of a sentence. Plain text: `tr._` escapes it when filling it in."""
    if settings.school_name:
        return settings.school_name
    if reader == "pupil":
        return tr.label("your school")
    if reader == "staff":
        # staff:
        return tr.label("the school")
    return tr.label("your child's school")


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)
    config_path = Path(env["SAMEN_CONFIG"]) if env.get("SAMEN_CONFIG") else None
    if config_path is not None and not config_path.exists():
        raise ConfigError(f"SAMEN_CONFIG points to {config_path}, which does not exist.")
    if config_path is None and Path("samen.toml").exists():
        config_path = Path("samen.toml")
    school: dict[str, object] = {}
    if config_path is not None:
        try:
            school = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{config_path}: {exc}") from exc
        except OSError as exc:
            raise ConfigError(f"{config_path}: cannot read ({exc.strerror}).") from exc
    return Settings(
        token=env.get("TELEGRAM_BOT_TOKEN") or None,
        api_url=env.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
        db_path=Path(env.get("SAMEN_DB") or "samen.db"),
        config_path=config_path,
        **_school_settings(school, config_path),
    )


def _school_settings(school: dict[str, object], path: Path | None) -> dict[str, object]:
    """Validate the tables of samen.toml into keyword arguments for Settings."""
    where = str(path)
    out: dict[str, object] = {}
    # One table after the other, in the order the errors have always been reported.
    out.update(_school_section(_table(school, "school", where), where))
    out.update(_invitation_settings(_table(school, "invitations", where), where))
    out.update(_meeting_settings(_table(school, "meetings", where), where))
    out.update(_calendar_settings(_table(school, "calendar", where), where))
    out.update(_positive_news_settings(_table(school, "positive_news", where), where))
    out.update(_staff_settings(_table(school, "staff", where), where))
    out.update(_translation_settings(_table(school, "translation", where), where))
    out.update(_absence_settings(_table(school, "absence", where), where))
    paper = _table(school, "paper", where)
    if "fonts" in paper:
        out["font_dir"] = Path(_expect(paper["fonts"], str, where, "paper.fonts"))
    out.update(_care_and_retention(school, where))
    return out


def _table(school: dict[str, object], key: str, where: str) -> dict[str, object]:
    """The table `[key]` of samen.toml; empty when it is left out."""
    section = school.get(key, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [{key}] must be a table.")
    return section


def _school_section(section: dict[str, object], where: str) -> dict[str, object]:
    """The school's name, time zone, bot and languages."""
    out: dict[str, object] = {}
    if "name" in section:
        # A blank name is no name: the texts fall back as if it were left out.
        out["school_name"] = _expect(section["name"], str, where, "school.name").strip()
    if "timezone" in section:
        name = _expect(section["timezone"], str, where, "school.timezone")
        try:
            out["timezone"] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                f"{where}: school.timezone {name!r} is not a known time zone."
            ) from exc
    if "bot_username" in section:
        out["bot_username"] = _expect(section["bot_username"], str, where, "school.bot_username")
    if "languages" in section:
        out["languages"] = _languages(section["languages"], where)
    return out


def _languages(langs: object, where: str) -> tuple[str, ...]:
    """school.languages: supported codes only, and Dutch always among them."""
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        raise ConfigError(f"{where}: school.languages must be a list of language codes.")
    unknown = [x for x in langs if x not in SUPPORTED_LANGUAGES]
    if unknown:
        raise ConfigError(
            f"{where}: school.languages has unsupported {', '.join(unknown)};"
            f" supported: {', '.join(SUPPORTED_LANGUAGES)}."
        )
    if "nl" not in langs:
        raise ConfigError(f"{where}: school.languages must include nl.")
    return tuple(langs)


def _invitation_settings(invitations: dict[str, object], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    if "valid_days" in invitations:
        days = _expect(invitations["valid_days"], int, where, "invitations.valid_days")
        if not 1 <= days <= 365:
            raise ConfigError(f"{where}: invitations.valid_days must be between 1 and 365.")
        out["invite_valid_days"] = days
    return out


def _meeting_settings(meetings: dict[str, object], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    if "separate_slots" in meetings:
        value = meetings["separate_slots"]
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: meetings.separate_slots must be true or false.")
        out["separate_slots"] = value
    if "prepare_days" in meetings:
        days = _expect(meetings["prepare_days"], int, where, "meetings.prepare_days")
        if not 0 <= days <= 10:
            raise ConfigError(f"{where}: meetings.prepare_days must be between 0 and 10.")
        out["prepare_days"] = days
    return out


def _positive_news_settings(positive: dict[str, object], where: str) -> dict[str, object]:
    """How often families should hear good news, and when mentors are reminded."""
    out: dict[str, object] = {}
    if "weeks" in positive:
        weeks = _expect(positive["weeks"], int, where, "positive_news.weeks")
        if not 1 <= weeks <= 26:
            raise ConfigError(f"{where}: positive_news.weeks must be between 1 and 26.")
        out["positive_news_weeks"] = weeks
    if "reminder_day" in positive:
        day = _expect(positive["reminder_day"], str, where, "positive_news.reminder_day").lower()
        days = ("monday", "tuesday", "wednesday", "thursday", "friday")
        if day not in days:
            raise ConfigError(
                f"{where}: positive_news.reminder_day must be one of {', '.join(days)}."
            )
        out["news_reminder_weekday"] = days.index(day)
    if "reminder_time" in positive:
        text = _expect(positive["reminder_time"], str, where, "positive_news.reminder_time")
        try:
            out["news_reminder_time"] = time.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"{where}: positive_news.reminder_time must be like 13:00.") from exc
    return out


def _staff_settings(staff: dict[str, object], where: str) -> dict[str, object]:
    """[staff] working_hours = "07:30-17:00": when staff read messages from families."""
    if "working_hours" not in staff:
        return {}
    text = _expect(staff["working_hours"], str, where, "staff.working_hours")
    start, _, end = text.partition("-")
    try:
        hours = (time.fromisoformat(start.strip()), time.fromisoformat(end.strip()))
    except ValueError as exc:
        raise ConfigError(f"{where}: staff.working_hours must be like 07:30-17:00.") from exc
    if not hours[0] < hours[1]:
        raise ConfigError(f"{where}: staff.working_hours must start before it ends.")
    return {"staff_working_hours": hours}


def _absence_settings(section: dict[str, object], where: str) -> dict[str, object]:
    """[absence] notify = ["S004", "coordinator"], cutoff = "08:30"."""
    out: dict[str, object] = {}
    if "notify" in section:
        notify = section["notify"]
        if not isinstance(notify, list) or not all(isinstance(x, str) for x in notify):
            raise ConfigError(f"{where}: absence.notify must be a list of staff ids or roles.")
        out["absence_notify"] = tuple(notify)
    if "cutoff" in section:
        text = _expect(section["cutoff"], str, where, "absence.cutoff")
        try:
            out["absence_cutoff"] = time.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"{where}: absence.cutoff must be like 08:30.") from exc
    return out


def _translation_settings(section: dict[str, object], where: str) -> dict[str, object]:
    """[translation]: one service (`provider = …`), or several in order under
    [[translation.providers]]."""
    listed = section.get("providers")
    if listed is None:
        entries: list[object] = [section] if section else []
    elif isinstance(listed, list):
        entries = listed
    else:
        raise ConfigError(f"{where}: translation.providers must be a list of tables.")
    return (
        {"translation": tuple(_translation_service(e, where) for e in entries)} if entries else {}
    )


def _translation_service(entry: object, where: str) -> TranslationService:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each translation provider must be a table.")
    provider = _expect(entry.get("provider"), str, where, "translation.provider")
    if provider not in TRANSLATION_PROVIDERS:
        raise ConfigError(
            f"{where}: translation.provider must be one of {', '.join(TRANSLATION_PROVIDERS)}."
        )
    url = entry.get("url")
    api_key = entry.get("api_key")
    if url is not None:
        url = _expect(url, str, where, "translation.url")
    if api_key is not None:
        api_key = _expect(api_key, str, where, "translation.api_key")
    if provider == "libretranslate" and not url:
        raise ConfigError(f"{where}: translation with libretranslate needs a url.")
    if provider == "deepl" and not api_key:
        raise ConfigError(f"{where}: translation with deepl needs an api_key.")
    return TranslationService(provider, url, api_key)


def _care_and_retention(school: dict[str, object], where: str) -> dict[str, object]:
    """The [care] and [retention] tables; left out, the defaults stand."""
    out: dict[str, object] = {}
    care = school.get("care")
    if care is not None:
        if not isinstance(care, dict):
            raise ConfigError(f"{where}: [care] must be a table.")
        out["care"] = _care_settings(care, where)
    retention = school.get("retention")
    if retention is not None:
        if not isinstance(retention, dict):
            raise ConfigError(f"{where}: [retention] must be a table.")
        out["retention"] = _retention_settings(retention, where)
    return out


def _retention_settings(retention: dict[str, object], where: str) -> RetentionSettings:
    values: dict[str, int] = {}
    for key, raw in retention.items():
        if key != "years" and key not in RETENTION_KINDS:
            raise ConfigError(
                f"{where}: retention.{key} is not known; use years or one of"
                f" {', '.join(RETENTION_KINDS)}."
            )
        years = _expect(raw, int, where, f"retention.{key}")
        if not 1 <= years <= 30:
            raise ConfigError(f"{where}: retention.{key} must be between 1 and 30 years.")
        values[key] = years
    settings = RetentionSettings(**values)
    # The pupil's roster row is what the other kinds refer to (and how their family is
    # found), so it cannot go first; only the pseudonymised audit trail may outlive it.
    roster = settings.years_for("roster")
    for kind in RETENTION_KINDS:
        if kind not in ("roster", "audit") and settings.years_for(kind) > roster:
            raise ConfigError(
                f"{where}: retention.{kind} ({settings.years_for(kind)} years) is longer than"
                f" retention.roster ({roster}); the roster must be kept at least as long as the"
                f" data that refers to it: set roster = {settings.years_for(kind)} or more."
            )
    return settings


def _calendar_settings(calendar: dict[str, object], where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    if "region" in calendar:
        region = _expect(calendar["region"], str, where, "calendar.region").lower()
        if region not in REGIONS:
            raise ConfigError(f"{where}: calendar.region must be one of {', '.join(REGIONS)}.")
        out["region"] = region
    if "holidays" in calendar:
        raw = calendar["holidays"]
        periods = []
        if not isinstance(raw, list):
            raise ConfigError(f"{where}: calendar.holidays must be a list of [first, last] dates.")
        for item in raw:
            if isinstance(item, date):
                periods.append((item, item))
            elif (
                isinstance(item, list)
                and len(item) == 2
                and all(isinstance(d, date) for d in item)
                and item[0] <= item[1]
            ):
                periods.append((item[0], item[1]))
            else:
                raise ConfigError(
                    f"{where}: calendar.holidays needs dates or [first, last] pairs, not {item!r}."
                )
        out["own_holidays"] = tuple(periods)
    if "study_days" in calendar:
        raw = calendar["study_days"]
        if not isinstance(raw, list) or not all(isinstance(d, date) for d in raw):
            raise ConfigError(f"{where}: calendar.study_days must be a list of dates.")
        out["study_days"] = frozenset(raw)
    return out


def _care_settings(care: dict[str, object], where: str) -> CareSettings:
    defaults = CareSettings()
    values: dict[str, object] = {}
    if "cvb_members" in care:
        values["cvb_members"] = tuple(_roles(care["cvb_members"], where, "care.cvb_members"))
    if "team" in care:
        team = care["team"]
        if not isinstance(team, list) or not all(isinstance(m, dict) for m in team):
            raise ConfigError(f"{where}: care.team must be a list of [[care.team]] tables.")
        members = []
        for index, member in enumerate(team, start=1):
            key = f"care.team[{index}]"
            role = _roles([member.get("role")], where, f"{key}.role")[0]
            members.append(
                Participant(
                    name=_expect(member.get("name", ""), str, where, f"{key}.name"),
                    role=role,
                    organisation=_expect(
                        member.get("organisation", ""), str, where, f"{key}.organisation"
                    ),
                )
            )
        values["team"] = tuple(members)
    if "notice_days" in care:
        days = _expect(care["notice_days"], int, where, "care.notice_days")
        if not 1 <= days <= 60:
            raise ConfigError(f"{where}: care.notice_days must be between 1 and 60.")
        values["notice_days"] = days
    if "reminder_days" in care:
        raw = care["reminder_days"]
        if not isinstance(raw, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in raw
        ):
            raise ConfigError(f"{where}: care.reminder_days must be a list of whole days.")
        values["reminder_days"] = tuple(sorted(raw))
    for key, attr in (("quiet_hours_start", "quiet_start"), ("quiet_hours_end", "quiet_end")):
        if key in care:
            text = _expect(care[key], str, where, f"care.{key}")
            try:
                values[attr] = time.fromisoformat(text)
            except ValueError as exc:
                raise ConfigError(f"{where}: care.{key} must be a time like 21:00.") from exc
    if "holidays" in care:
        raw = care["holidays"]
        if not isinstance(raw, list) or not all(isinstance(d, date) for d in raw):
            raise ConfigError(f"{where}: care.holidays must be a list of dates (2026-12-25).")
        values["holidays"] = frozenset(raw)
    return CareSettings(**{**defaults.__dict__, **values})


def _roles(raw: object, where: str, key: str) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise ConfigError(f"{where}: {key} must be a list of roles.")
    unknown = [r for r in raw if r not in TEAM_ROLE_KEYS]
    if unknown:
        raise ConfigError(
            f"{where}: {key} has unknown role {unknown[0]!r}; use {', '.join(TEAM_ROLE_KEYS)}."
        )
    return list(raw)


def _expect(value: object, kind: type[T], where: str, key: str) -> T:
    if not isinstance(value, kind) or isinstance(value, bool):
        wanted = {int: "a whole number", str: "text in quotes"}.get(kind, kind.__name__)
        raise ConfigError(f"{where}: {key} must be {wanted}.")
    return value

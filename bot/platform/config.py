"""Settings from the environment (fixed contract) and the optional samen.toml.

samen.toml is checked against its schema (`samen_toml`): every mistake in it is named with the
file, the line and the key, all of them at once.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bot.i18n.translator import SUPPORTED_LANGUAGES, Translator
from bot.platform.samen_toml import PROBLEM, WEEKDAYS, SamenToml, field_at, keys_of, table_at
from bot.platform.samen_toml import RETENTION_KINDS as RETENTION_KINDS
from bot.platform.samen_toml import TEAM_ROLE_KEYS as TEAM_ROLE_KEYS
from bot.platform.samen_toml import TRANSLATION_PROVIDERS as TRANSLATION_PROVIDERS
from bot.platform.toml_lines import KeyPath, key_lines, line_of
from bot.rules.models import Participant
from bot.rules.school_calendar import school_free_days
from bot.storage.locations import SCHOOL_ID, ServerDatabase, is_server_url

DEFAULT_API_URL = "https://api.telegram.org/bot"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change, one mistake a line
    (`problems` holds them one by one)."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


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


@dataclass(frozen=True)
class TranslationService:
    """One machine translation service from `[translation]`, in the school's order."""

    provider: str  # "libretranslate" or "deepl"
    url: str | None = None  # LibreTranslate's address; for DeepL only to use another server
    api_key: str | None = None


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
    # SAMEN_DB as a PostgreSQL URL (postgresql://…): the board's database server; None: the
    # SQLite file at `db_path`.
    db_url: str | None = None
    # With several schools in one deployment: this school's id (its schema on a database
    # server, its file in a folder of them); None: the one school.
    school_id: str | None = None
    config_path: Path | None = None
    # The pseudonymisation key's file (SAMEN_KEY_FILE); None: `samen.key` beside the database.
    key_file: Path | None = None
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
    # How often `samen run` purges on its own: "off", "weekly" or "monthly" ([retention] purge).
    purge_schedule: str = "off"
    # Backups made by the bot itself ([backup]): where, how many kept, and at what local time.
    backup_folder: Path | None = None
    backup_keep: int = 14
    backup_time: time = time(2, 0)
    # The public keys (age1…) backups are encrypted to; the private keys stay off the machine.
    backup_recipients: tuple[str, ...] = ()

    @property
    def database(self) -> Path | ServerDatabase:
        """Where the school's database is, for `open_database`: the file, or its schema on
        the server."""
        return self.db_path if self.db_url is None else ServerDatabase(self.db_url, self.school_id)

    @property
    def database_name(self) -> str:
        """How messages name the database: the file, or the server's database (no password)."""
        database = self.database
        return str(database) if isinstance(database, Path) else database.name

    @property
    def pseudonym_key_file(self) -> Path:
        """Where the key of the pseudonymised audit trail is kept: never in the database."""
        if self.key_file is not None:
            return self.key_file
        return self.db_path.with_name(f"{self.db_path.stem}.key")

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
    """The settings of the one school (SAMEN_CONFIG a file); ConfigError when SAMEN_CONFIG
    is a folder of several schools (then `load_schools`)."""
    return choose_schools(load_schools(environ), None)[0]


def choose_schools(
    schools: list[Settings], school: str | None, *, every: bool = False
) -> list[Settings]:
    """The school `--school` names; without it the one school, or with `every` all of them.
    ConfigError for an unknown id, or for several schools and no choice."""
    ids = [s.school_id or "" for s in schools]
    if school is not None:
        chosen = [s for s in schools if s.school_id == school]
        if not chosen:
            known = ", ".join(ids) if schools[0].school_id else "none"
            raise ConfigError(f"--school {school}: no such school (the schools: {known}).")
        return chosen
    if len(schools) > 1 and not every:
        raise ConfigError(
            f"SAMEN_CONFIG holds {len(schools)} schools ({', '.join(ids)}):"
            " say which with --school ID."
        )
    return schools


def load_schools(environ: dict[str, str] | None = None) -> list[Settings]:
    """Every school this deployment serves. SAMEN_CONFIG a file (or samen.toml here, or
    nothing): the one school, as always. SAMEN_CONFIG a folder: one school per `ID.toml` in
    it, each with its own bot (TELEGRAM_BOT_TOKEN_ID), settings and data: its own schema on a
    database server, or its own file `ID.db` in the folder SAMEN_DB names."""
    env = dict(os.environ if environ is None else environ)
    config_path = Path(env["SAMEN_CONFIG"]) if env.get("SAMEN_CONFIG") else None
    if config_path is not None and not config_path.exists():
        raise ConfigError(f"SAMEN_CONFIG points to {config_path}, which does not exist.")
    if config_path is None and Path("samen.toml").exists():
        config_path = Path("samen.toml")
    database = env.get("SAMEN_DB") or "samen.db"
    db_url = database if is_server_url(database) else None
    key_file = _key_file(env)
    shared: dict[str, Any] = {
        "api_url": env.get("TELEGRAM_API_URL") or DEFAULT_API_URL,
        "db_url": db_url,
    }
    if config_path is None or not config_path.is_dir():
        if db_url is not None and key_file is None:
            # Beside a file is a place of its own; a database server has no "beside".
            raise ConfigError(
                "SAMEN_DB is a PostgreSQL database: set SAMEN_KEY_FILE to the file that keeps"
                " the pseudonymisation key (on this machine, not in the database), for"
                " example /etc/samen/samen.key."
            )
        school = _read_samen_toml(config_path) if config_path is not None else {}
        return [
            Settings(
                token=env.get("TELEGRAM_BOT_TOKEN") or None,
                db_path=Path(database if db_url is None else "samen.db"),
                config_path=config_path,
                key_file=key_file,
                **shared,
                **school,
            )
        ]
    return _several_schools(config_path, env, database, key_file, shared)


def _several_schools(
    folder: Path,
    env: dict[str, str],
    database: str,
    key_file: Path | None,
    shared: dict[str, Any],
) -> list[Settings]:
    files = sorted(folder.glob("*.toml"))
    problems = [
        f"{file}: the file's name is the school's id: lower-case letters, digits and _,"
        " starting with a letter (e.g. debrug.toml)"
        for file in files
        if not SCHOOL_ID.fullmatch(file.stem)
    ]
    if not files:
        problems.append(f"SAMEN_CONFIG is the folder {folder}, which holds no school (ID.toml).")
    on_server = shared["db_url"] is not None
    if not on_server and not Path(database).is_dir():
        problems.append(
            f"SAMEN_CONFIG holds several schools: SAMEN_DB must be a PostgreSQL URL or a folder"
            f" for their files (ID.db), and {database} is no folder."
        )
    if (on_server or key_file is not None) and (key_file is None or not key_file.is_dir()):
        # Each school its own key: one school's key undoes no other's pseudonyms.
        problems.append(
            "SAMEN_CONFIG holds several schools: set SAMEN_KEY_FILE to a folder on this machine"
            " for their pseudonymisation keys (ID.key), for example /etc/samen/keys"
            + ("." if on_server else ", or leave it unset to keep each beside its database.")
        )
    if problems:
        raise ConfigError(*problems)
    schools: list[Settings] = []
    for file in files:
        school_id = file.stem
        own_keys = (
            key_file / f"{school_id}.key" if key_file is not None and key_file.is_dir() else None
        )
        schools.append(
            Settings(
                token=env.get(token_variable(school_id)) or None,
                db_path=Path(database) / f"{school_id}.db" if not on_server else Path("samen.db"),
                school_id=school_id,
                config_path=file,
                key_file=own_keys,
                **shared,
                **_read_samen_toml(file),
            )
        )
    return schools


def token_variable(school_id: str) -> str:
    """Where a school's bot token is, among several schools: TELEGRAM_BOT_TOKEN_DEBRUG."""
    return f"TELEGRAM_BOT_TOKEN_{school_id.upper()}"


# The name of the pseudonymisation key among systemd's credentials (LoadCredential=samen.key:…).
KEY_CREDENTIAL = "samen.key"


def _key_file(env: dict[str, str]) -> Path | None:
    """SAMEN_KEY_FILE; else the credential systemd hands the service, when there is one."""
    if env.get("SAMEN_KEY_FILE"):
        return Path(env["SAMEN_KEY_FILE"])
    credentials = env.get("CREDENTIALS_DIRECTORY")
    if credentials and (Path(credentials) / KEY_CREDENTIAL).is_file():
        return Path(credentials) / KEY_CREDENTIAL
    return None


def _read_samen_toml(path: Path) -> dict[str, Any]:
    """samen.toml as keyword arguments for Settings: only what it sets, the rest keeps its
    default. Every mistake raises ConfigError, all of them at once where the schema finds them."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: is not UTF-8 text; save it as UTF-8.") from exc
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read ({exc.strerror}).") from exc
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(_syntax_problem(where, exc)) from exc
    lines = key_lines(text)
    try:
        toml = SamenToml.model_validate(document)
    except ValidationError as exc:
        raise ConfigError(*_problems(exc, where, lines)) from None
    out = _settings_from(toml)
    retention = _retention_settings(toml, where, lines)
    if retention is not None:
        out["retention"] = retention
    return out


# samen.toml's keys → the Settings field each sets, and how its value becomes the setting.
_TO_SETTINGS: tuple[tuple[str, str, str, Any], ...] = (
    # A blank name is no name: the texts fall back as if it were left out.
    ("school", "name", "school_name", str.strip),
    ("school", "timezone", "timezone", None),
    ("school", "bot_username", "bot_username", None),
    ("school", "languages", "languages", tuple),
    ("invitations", "valid_days", "invite_valid_days", None),
    ("meetings", "separate_slots", "separate_slots", None),
    ("meetings", "prepare_days", "prepare_days", None),
    ("positive_news", "weeks", "positive_news_weeks", None),
    ("positive_news", "reminder_day", "news_reminder_weekday", WEEKDAYS.index),
    ("positive_news", "reminder_time", "news_reminder_time", None),
    ("calendar", "region", "region", None),
    ("calendar", "holidays", "own_holidays", tuple),
    ("calendar", "study_days", "study_days", frozenset),
    ("staff", "working_hours", "staff_working_hours", None),
    ("absence", "notify", "absence_notify", tuple),
    ("absence", "cutoff", "absence_cutoff", None),
    ("paper", "fonts", "font_dir", Path),
    ("retention", "purge", "purge_schedule", None),
    ("backup", "folder", "backup_folder", Path),
    ("backup", "keep", "backup_keep", None),
    ("backup", "at", "backup_time", None),
    ("backup", "recipients", "backup_recipients", tuple),
)
# [care] → CareSettings, likewise.
_TO_CARE_SETTINGS: tuple[tuple[str, str, Any], ...] = (
    ("cvb_members", "cvb_members", tuple),
    ("team", "team", lambda team: tuple(Participant(m.name, m.role, m.organisation) for m in team)),
    ("notice_days", "notice_days", None),
    ("reminder_days", "reminder_days", lambda days: tuple(sorted(days))),
    ("quiet_hours_start", "quiet_start", None),
    ("quiet_hours_end", "quiet_end", None),
    ("holidays", "holidays", frozenset),
)


def _settings_from(toml: SamenToml) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table, key, setting, convert in _TO_SETTINGS:
        value = getattr(getattr(toml, table), key)
        if value is not None:
            out[setting] = value if convert is None else convert(value)
    care = {
        setting: value if convert is None else convert(value)
        for key, setting, convert in _TO_CARE_SETTINGS
        if (value := getattr(toml.care, key)) is not None
    }
    if care:
        out["care"] = CareSettings(**care)
    translation = toml.translation
    if translation.providers is not None:
        services = [(s.provider, s.url, s.api_key) for s in translation.providers]
    elif translation.provider is not None:
        services = [(translation.provider, translation.url, translation.api_key)]
    else:
        services = []
    if services:
        out["translation"] = tuple(TranslationService(*service) for service in services)
    return out


def _retention_settings(
    toml: SamenToml, where: str, lines: dict[KeyPath, int]
) -> RetentionSettings | None:
    given = {
        key: years
        for key in ("years", *RETENTION_KINDS)
        if (years := getattr(toml.retention, key)) is not None
    }
    if not given:
        return None
    settings = RetentionSettings(**given)
    # The pupil's roster row is what the other kinds refer to (and how their family is
    # found), so it cannot go first; only the pseudonymised audit trail may outlive it.
    roster = settings.years_for("roster")
    for kind in RETENTION_KINDS:
        years = settings.years_for(kind)
        if kind not in ("roster", "audit") and years > roster:
            raise ConfigError(
                _located(
                    where,
                    line_of(lines, ("retention", kind if kind in given else "years")),
                    f"retention.{kind} ({years} years) is longer than retention.roster"
                    f" ({roster}); the roster must be kept at least as long as the data that"
                    f" refers to it: set roster = {years} or more.",
                )
            )
    return settings


def _syntax_problem(where: str, error: tomllib.TOMLDecodeError) -> str:
    """tomllib's message with its place in front, as `file:line:column:`."""
    message = str(error)
    place = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", message)
    if place is None:
        return f"{where}: {message}; this is not valid TOML."
    return f"{where}:{place[2]}:{place[3]}: {place[1]}; this is not valid TOML."


def _located(where: str, line: int | None, text: str) -> str:
    if text[-1] not in ".?":
        text += "."
    return f"{where}:{line}: {text}" if line else f"{where}: {text}"


def _problems(error: ValidationError, where: str, lines: dict[KeyPath, int]) -> list[str]:
    """Each mistake the schema found as one line, `file:line: what to change`, in the order
    of the file."""
    found: list[tuple[int, str]] = []
    for details in error.errors():
        path: KeyPath = tuple(details["loc"])
        context = details.get("ctx") or {}
        if context.get("key"):  # a check of a whole table, about one of its keys
            path = (*path, context["key"])
        line = line_of(lines, path)
        found.append((line or 0, _located(where, line, _describe(details, path))))
    found.sort(key=lambda problem: problem[0])
    return [text for _, text in found]


# What a value of each type looks like, for a key whose field has no description of its own.
_EXPECTED = {
    "int_type": "a whole number",
    "string_type": "text in quotes",
    "bool_type": "true or false",
    "list_type": "a list",
    "date_type": "a date like 2026-12-25",
}


def _describe(details: ErrorDetails, path: KeyPath) -> str:
    kind = details["type"]
    name = _dotted(path)
    if kind == "extra_forbidden":
        return _unknown_key(path, details["input"])
    if kind == PROBLEM:
        return f"{name} {details.get('ctx', {})['message']}"
    if kind == "missing":
        return f"{name} is missing"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        written = _header(path) if isinstance(path[-1], str) else name
        return f"{written} must be a table, not {_shown(details['input'])}"
    expected = None
    table = table_at(path[:-1])
    if isinstance(path[-1], str) and table is not None:
        expected = getattr(field_at(table, path[-1]), "description", None)
    expected = expected or _EXPECTED.get(kind) or details["msg"].lower()
    return f"{name} must be {expected}, not {_shown(details['input'])}"


def _unknown_key(path: KeyPath, value: object) -> str:
    """An unknown table or key, with the nearest known one (a misspelling, most likely)."""
    key, parent = str(path[-1]), path[:-1]
    table = table_at(parent)
    valid = keys_of(table) if table is not None else ()
    nearest = difflib.get_close_matches(key, valid, n=1)
    if parent:
        hint = f"did you mean `{nearest[0]}`?" if nearest else f"known keys: {', '.join(valid)}"
        return f"unknown key `{key}` in {_header(parent)}; {hint}"
    if isinstance(value, dict):
        hint = f"did you mean [{nearest[0]}]?" if nearest else f"known: {', '.join(valid)}"
        return f"unknown section [{key}]; {hint}"
    # A key above the first [section]: most often one that belongs under [school].
    homes = [
        section
        for section in valid
        if (inner := table_at((section,))) is not None and key in keys_of(inner)
    ]
    hint = f"it belongs under [{homes[0]}]" if homes else "keys belong under a [section]"
    return f"`{key}` is outside any [section]; {hint}"


def _header(path: KeyPath) -> str:
    """How a table is written: [school], or [[care.team]] for an entry of an array."""
    if isinstance(path[-1], int):
        return f"[[{_dotted(path[:-1])}]]"
    return f"[{_dotted(path)}]"


def _dotted(path: KeyPath) -> str:
    """("care", "team", 0, "role") → care.team[1].role (entries counted from 1)."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else part
    return text


def _shown(value: object) -> str:
    """A value as it is written in TOML, briefly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):  # in single quotes, as the messages quote every value
        return repr(value) if len(value) <= 40 else repr(f"{value[:37]}...")
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)

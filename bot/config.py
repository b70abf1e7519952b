"""Settings from the environment (fixed contract) and the optional samen.toml."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.i18n import SUPPORTED_LANGUAGES

DEFAULT_API_URL = "https://api.telegram.org/bot"
T = TypeVar("T")


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_url: str = DEFAULT_API_URL
    db_path: Path = Path("samen.db")
    config_path: Path | None = None
    school_name: str = "school"
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Amsterdam"))
    invite_valid_days: int = 30
    pupil_invite_min_age: int = 12
    bot_username: str | None = None
    languages: tuple[str, ...] = SUPPORTED_LANGUAGES

    @property
    def file_url(self) -> str:
        """The Bot API file URL derived from the base URL (…/bot → …/file/bot)."""
        base = self.api_url.rstrip("/")
        head, _, tail = base.rpartition("/")
        return f"{head}/file/{tail}"


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
    """Validate the [school] and [invitations] tables of samen.toml."""
    where = str(path)
    out: dict[str, object] = {}
    section = school.get("school", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [school] must be a table.")
    if "name" in section:
        out["school_name"] = _expect(section["name"], str, where, "school.name")
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
        langs = section["languages"]
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
        out["languages"] = tuple(langs)
    invitations = school.get("invitations", {})
    if not isinstance(invitations, dict):
        raise ConfigError(f"{where}: [invitations] must be a table.")
    if "valid_days" in invitations:
        days = _expect(invitations["valid_days"], int, where, "invitations.valid_days")
        if not 1 <= days <= 365:
            raise ConfigError(f"{where}: invitations.valid_days must be between 1 and 365.")
        out["invite_valid_days"] = days
    return out


def _expect(value: object, kind: type[T], where: str, key: str) -> T:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be a {kind.__name__}.")
    return value

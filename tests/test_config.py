from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.translator import Catalogues
from bot.platform.config import ConfigError, load_settings, school_name_for

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_toml() -> str:
    """The samen.toml example of the README, so the documentation cannot drift."""
    match = re.search(
        r"`samen.toml` \(every key optional\):\n\n```toml\n(.*?)```", README.read_text(), re.S
    )
    assert match
    return match.group(1)


def test_the_readme_example_loads(tmp_path: Path) -> None:
    config = tmp_path / "samen.toml"
    config.write_text(readme_toml(), encoding="utf-8")
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert settings.school_name == "SO/VSO De Brug"
    assert settings.care.reminder_days == (3, 7)
    assert settings.care.quiet_start == time(21, 0)
    assert date(2026, 12, 21) in settings.care.holidays
    assert settings.care.team[0].role == "school_doctor"
    assert settings.separate_slots is False
    assert settings.region == "midden" and settings.news_reminder_weekday == 4
    assert date(2027, 1, 27) in settings.holidays  # a study day
    assert date(2027, 3, 12) in settings.holidays  # an own free day
    assert date(2026, 12, 25) in settings.holidays  # Christmas (a public holiday)
    assert date(2027, 2, 22) in settings.holidays  # spring holiday of region midden
    assert settings.file_url == "https://api.telegram.org/file/bot"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[care]\ncvb_members = ["wizard"]', "unknown role 'wizard'"),
        ("[care]\nnotice_days = 0", "between 1 and 60"),
        ('[care]\nquiet_hours_start = "late"', "a time like 21:00"),
        ('[school]\nlanguages = ["nl", "xx"]', "unsupported xx"),
        ('[school]\nlanguages = ["en"]', "must include nl"),
        ('[school]\ntimezone = "Mars/Olympus"', "not a known time zone"),
        ("[invitations]\nvalid_days = true", "must be a whole number"),
        ('[translation]\nprovider = "google"', "must be one of"),
        ('[translation]\nprovider = "libretranslate"', "libretranslate needs a url"),
        ('[translation]\nprovider = "deepl"', "deepl needs an api_key"),
        ('[translation]\nproviders = "deepl"', "must be a list of tables"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "samen.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings({"SAMEN_CONFIG": str(config)})


def test_a_missing_config_file_is_named() -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings({"SAMEN_CONFIG": "/nowhere/samen.toml"})


def test_an_unset_school_name_falls_back_to_a_translated_phrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no samen.toml here
    assert load_settings({}).school_name == ""
    config = tmp_path / "samen.toml"
    config.write_text('[school]\nname = "  "\n', encoding="utf-8")
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert settings.school_name == ""  # a blank name is no name
    catalogues = Catalogues(("nl", "tr", "uk"), ZoneInfo("Europe/Amsterdam"))
    for language in ("tr", "uk"):
        tr = catalogues(language)
        assert school_name_for(tr, settings) == tr.label("your child's school")
        assert school_name_for(tr, settings, "pupil") == tr.label("your school")
        assert school_name_for(tr, settings, "staff") == tr.label("the school")
        assert school_name_for(tr, replace(settings, school_name="De Brug")) == "De Brug"


def test_translation_services_are_kept_in_the_schools_order(tmp_path: Path) -> None:
    config = tmp_path / "samen.toml"
    config.write_text(
        "[[translation.providers]]\n"
        'provider = "libretranslate"\nurl = "http://translate.school.local:5000"\n'
        "[[translation.providers]]\n"
        'provider = "deepl"\napi_key = "key:fx"\n',
        encoding="utf-8",
    )
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert [(s.provider, s.url, s.api_key) for s in settings.translation] == [
        ("libretranslate", "http://translate.school.local:5000", None),
        ("deepl", None, "key:fx"),
    ]

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from bot.i18n.translator import Catalogues
from bot.platform.config import ConfigError, load_schools, load_settings, school_name_for
from bot.platform.samen_toml import all_keys
from bot.platform.toml_lines import key_lines
from bot.storage import ServerDatabase

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_toml() -> str:
    """The samen.toml example of the README, so the documentation cannot drift."""
    match = re.search(
        r"`samen.toml` \(every key optional\):\n\n```toml\n(.*?)```", README.read_text(), re.S
    )
    assert match
    return match.group(1)


def readme_toml_blocks() -> list[str]:
    """Every TOML block of the README: each is a samen.toml (or part of one)."""
    return re.findall(r"```toml\n(.*?)```", README.read_text(), re.S)


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


def test_every_toml_block_of_the_readme_loads(tmp_path: Path) -> None:
    blocks = readme_toml_blocks()
    assert blocks
    config = tmp_path / "samen.toml"
    for block in blocks:
        config.write_text(block, encoding="utf-8")
        load_settings({"SAMEN_CONFIG": str(config)})


def test_the_readme_documents_every_key() -> None:
    """The other way round: every key of samen.toml is in the README's example, written out or
    commented out, or at least named in a comment under its table."""
    block = readme_toml()
    text = "\n".join(re.sub(r"^# ?(?=\[|\w+ *=)", "", line) for line in block.splitlines())
    written = {".".join(part for part in path if isinstance(part, str)) for path in key_lines(text)}
    missing = [
        key
        for key in all_keys()
        if key not in written
        and not (
            key.rpartition(".")[0] in written and re.search(rf"\b{key.rpartition('.')[2]}\b", block)
        )
    ]
    assert missing == []


def _load(tmp_path: Path, text: str) -> tuple[str, list[str]]:
    """The file's name as messages give it, and the mistakes found in it."""
    config = tmp_path / "samen.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings({"SAMEN_CONFIG": str(config)})
    assert str(error.value).splitlines() == list(error.value.problems)
    return str(config), list(error.value.problems)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[school]\nname = "De Brug"\n\n[calender]\nregion = "midden"\n',
            ":4: unknown section [calender]; did you mean [calendar]?",
        ),
        (
            '[school]\nname = "De Brug"\ntimezon = "Europe/Amsterdam"\n',
            ":3: unknown key `timezon` in [school]; did you mean `timezone`?",
        ),
        (
            '[positive_news]\nweeks = 6\nreminder_tme = "13:00"\n',
            ":3: unknown key `reminder_tme` in [positive_news]; did you mean `reminder_time`?",
        ),
        (
            '[care]\nquiet_hours_strat = "21:00"\n',
            ":2: unknown key `quiet_hours_strat` in [care]; did you mean `quiet_hours_start`?",
        ),
        (
            '[[care.team]]\nrole = "mentor"\n\n'
            '[[care.team]]\nrole = "director"\norganization = "X"',
            ":6: unknown key `organization` in [[care.team]]; did you mean `organisation`?",
        ),
        (
            "[backup]\nkeep = 7\nkepe = 7\n",
            ":3: unknown key `kepe` in [backup]; did you mean `keep`?",
        ),
        ("[backup]\nflavour = 1\n", ":2: unknown key `flavour` in [backup]; known keys: folder,"),
        (
            'timezone = "Europe/Amsterdam"\n[school]\nname = "De Brug"\n',
            ":1: `timezone` is outside any [section]; it belongs under [school].",
        ),
    ],
)
def test_a_misspelt_table_or_key_is_named_with_its_line_and_the_nearest_key(
    tmp_path: Path, text: str, problem: str
) -> None:
    where, problems = _load(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(where + problem)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[invitations]\nvalid_days = "30"',
            ":2: invitations.valid_days must be a whole number, not '30'.",
        ),
        ("# care\n\n[care]\nnotice_days = 0", ":4: care.notice_days must be between 1 and 60."),
        ('[absence]\ncutoff = "8.30"', ":2: absence.cutoff must be a time like 21:00"),
        (
            '[positive_news]\nreminder_time = "25:00"',
            ":2: positive_news.reminder_time must be a time",
        ),
        ('[school]\nlanguages = ["nl", "xx"]', ":2: school.languages has unsupported xx;"),
        (
            '[school]\nlanguages = ["nl", 3]',
            ":2: school.languages[2] must be text in quotes, not 3.",
        ),
        (
            "[meetings]\nseparate_slots = 1",
            ":2: meetings.separate_slots must be true or false, not 1.",
        ),
        ('[[care.team]]\nname = "A"\nrole = "wizard"', ":3: care.team[1].role must be one of"),
        ('[[care.team]]\nname = "A"', ":1: care.team[1].role is missing."),
        ("[care]\nteam = 3", ":2: care.team must be a list of tables ([[care.team]]), not 3."),
        ('[calendar]\nregion = "midde"', ":2: calendar.region must be one of noord, midden, zuid,"),
        ('[staff]\nworking_hours = "17:00-07:30"', ":2: staff.working_hours must start before"),
        ('[translation]\nurl = "http://x"', ":1: translation.provider is missing;"),
        ("[backup]\nkeep = 0", ":2: backup.keep must be between 1 and 365."),
        ('[backup]\ntime = "2am"', ":2: backup.time must be a time like 21:00"),
        ("[backup]\nfolder = 3", ":2: backup.folder must be text in quotes, not 3."),
        (
            '[backup]\nfolder = "/srv/backups"',
            ":1: backup.recipients is missing; backups are encrypted to the school's public key",
        ),
        ("[backup]\nrecipients = []", ":2: backup.recipients must name at least one public key"),
        (
            '[backup]\nrecipients = ["age1nope"]',
            ":2: backup.recipients[1] must be an age public key like age1",
        ),
        (
            # The private key by mistake: said so, and never shown in the message.
            '[backup]\nrecipients = "AGE-SECRET-KEY-1QQQQQQQQQQ"',
            ":2: backup.recipients must be a list of age public keys, like",
        ),
        (
            '[backup]\nrecipients = ["AGE-SECRET-KEY-1QQQQQQQQQQ"]',
            ":2: backup.recipients[1] is a private key (AGE-SECRET-KEY-1…); put its public key",
        ),
        (
            '[retention]\npurge = "daily"',
            ":2: retention.purge must be one of off, weekly, monthly,",
        ),
        ("school = 1", ":1: [school] must be a table, not 1."),
        ("[school\nname = 1", ":1:8: Expected ']'"),
    ],
)
def test_a_wrong_value_is_named_with_its_file_line_and_key(
    tmp_path: Path, text: str, problem: str
) -> None:
    where, problems = _load(tmp_path, text)
    assert len(problems) == 1
    assert problems[0].startswith(where + problem)


def test_several_mistakes_are_all_listed_in_the_order_of_the_file(tmp_path: Path) -> None:
    where, problems = _load(
        tmp_path,
        "[care]\n"
        "notice_days = 0\n"
        "reminder_days = [\n"
        "  3,\n"
        '  "7",\n'
        "]\n"
        '[school]\nname = """De\n[Brug]\ntimezon = 1"""\n'
        'timezon = "Europe/Amsterdam"\n'
        "[calender]\n",
    )
    assert problems == [
        f"{where}:2: care.notice_days must be between 1 and 60.",
        f"{where}:3: care.reminder_days[2] must be a whole number, not '7'.",
        f"{where}:11: unknown key `timezon` in [school]; did you mean `timezone`?",
        f"{where}:12: unknown section [calender]; did you mean [calendar]?",
    ]


# A public key whose private key was thrown away: good for settings, opens nothing.
RECIPIENT = "age1skwkuv35rjushqkpf98almu3hyrs6nx5q6vcv9yu05me64u7nvvsu69gw9"


def test_the_backup_and_purge_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no samen.toml here
    defaults = load_settings({})
    assert (defaults.backup_folder, defaults.backup_keep) == (None, 14)
    assert (defaults.backup_time, defaults.purge_schedule) == (time(2, 0), "off")
    config = tmp_path / "samen.toml"
    config.write_text(
        '[backup]\nfolder = "/srv/backups"\nkeep = 30\ntime = "03:15"\n'
        f'recipients = ["{RECIPIENT}"]\n'
        '[retention]\npurge = "weekly"\n',
        encoding="utf-8",
    )
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert settings.backup_folder == Path("/srv/backups") and settings.backup_keep == 30
    assert settings.backup_recipients == (RECIPIENT,)
    assert settings.backup_time == time(3, 15) and settings.purge_schedule == "weekly"
    assert settings.retention.years_for("chat") == 2  # purge alone changes no period


def test_samen_check_names_the_file_and_line_of_each_mistake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SAMEN_CONFIG", raising=False)
    (tmp_path / "samen.toml").write_text(
        '[school]\nname = "De Brug"\ntimezon = "Europe/Amsterdam"\n[care]\nnotice_days = 0\n'
    )
    assert main(["check"]) != 0
    assert capsys.readouterr().err.splitlines() == [
        "samen: 2 configuration errors:",
        "samen.toml:3: unknown key `timezon` in [school]; did you mean `timezone`?",
        "samen.toml:5: care.notice_days must be between 1 and 60.",
    ]


def test_where_each_key_is_written() -> None:
    text = (
        "# a comment = 1\n"
        "top = 1\n"
        "[a]\n"
        'b.c = "x = 1"  # d = 2\n'
        "list = [\n"
        '  "[not.a.table]",\n'
        "  { e = 1 },\n"
        "]\n"
        "[[t.items]]\n"
        "f = 1\n"
        "[[t.items]]\n"
        "f = '''\n"
        "g = 2\n"
        "'''\n"
        '[[t.items.sub]]\n"quoted.key" = 3\n'
    )
    assert key_lines(text) == {
        ("top",): 2,
        ("a",): 3,
        ("a", "b"): 4,
        ("a", "b", "c"): 4,
        ("a", "list"): 5,
        ("t", "items"): 9,
        ("t", "items", 0): 9,
        ("t", "items", 0, "f"): 10,
        ("t", "items", 1): 11,
        ("t", "items", 1, "f"): 12,
        ("t", "items", 1, "sub"): 15,
        ("t", "items", 1, "sub", 0): 15,
        ("t", "items", 1, "sub", 0, "quoted.key"): 16,
    }


def test_a_school_switches_on_the_newer_languages(tmp_path: Path) -> None:
    config = tmp_path / "samen.toml"
    config.write_text(
        '[school]\nlanguages = ["nl", "prs", "ro", "bg", "es", "pt"]\n', encoding="utf-8"
    )
    settings = load_settings({"SAMEN_CONFIG": str(config)})
    assert settings.languages == ("nl", "prs", "ro", "bg", "es", "pt")


def test_samen_db_names_a_database_server_by_its_url(tmp_path: Path) -> None:
    url = "postgresql://samen:geheim@db.bestuur.nl:5432/debrug"
    settings = load_settings({"SAMEN_DB": url, "SAMEN_KEY_FILE": str(tmp_path / "samen.key")})
    assert settings.database == ServerDatabase(url) and settings.db_url == url
    assert settings.database_name == "postgresql database debrug on db.bestuur.nl"
    assert settings.school_id is None and settings.database.schema == "public"
    assert settings.pseudonym_key_file == tmp_path / "samen.key"
    # A file stays a file, its key beside it.
    settings = load_settings({"SAMEN_DB": str(tmp_path / "school.db")})
    assert settings.database == tmp_path / "school.db" and settings.db_url is None
    assert settings.pseudonym_key_file == tmp_path / "school.key"
    with pytest.raises(ConfigError, match="set SAMEN_KEY_FILE"):
        load_settings({"SAMEN_DB": url})


def test_a_folder_of_schools_gives_each_its_own_bot_data_and_key(tmp_path: Path) -> None:
    schools = tmp_path / "schools"
    schools.mkdir()
    (schools / "debrug.toml").write_text('[school]\nname = "De Brug"\n')
    (schools / "horizon.toml").write_text(
        '[school]\nname = "Het Horizon"\ntimezone = "Europe/Brussels"\n'
    )
    keys = tmp_path / "keys"
    keys.mkdir()
    url = "postgresql://samen@db.bestuur.nl/bestuur"
    env = {
        "SAMEN_CONFIG": str(schools),
        "SAMEN_DB": url,
        "SAMEN_KEY_FILE": str(keys),
        "TELEGRAM_BOT_TOKEN_DEBRUG": "1:brug",
        "TELEGRAM_BOT_TOKEN_HORIZON": "2:horizon",
    }
    brug, horizon = load_schools(env)
    assert (brug.school_id, brug.school_name, brug.token) == ("debrug", "De Brug", "1:brug")
    assert (horizon.school_id, horizon.token) == ("horizon", "2:horizon")
    assert horizon.timezone.key == "Europe/Brussels" and brug.timezone.key == "Europe/Amsterdam"
    assert brug.database == ServerDatabase(url, "debrug")
    assert horizon.database.schema == "school_horizon"
    assert horizon.database_name == "postgresql database bestuur on db.bestuur.nl, school horizon"
    assert (brug.pseudonym_key_file, horizon.pseudonym_key_file) == (
        keys / "debrug.key",
        keys / "horizon.key",
    )
    with pytest.raises(ConfigError, match="say which with --school ID"):
        load_settings(env)
    # SQLite: a file each in the folder SAMEN_DB names, each key beside its file.
    data = tmp_path / "data"
    data.mkdir()
    files = {"SAMEN_CONFIG": str(schools), "SAMEN_DB": str(data)}
    brug, horizon = load_schools(files)
    assert (brug.database, horizon.database) == (data / "debrug.db", data / "horizon.db")
    assert horizon.pseudonym_key_file == data / "horizon.key"
    # What cannot work is said, all of it at once.
    (schools / "Het-Anker.toml").write_text("")
    with pytest.raises(ConfigError) as refused:
        load_schools({"SAMEN_CONFIG": str(schools), "SAMEN_DB": url})
    assert len(refused.value.problems) == 2
    assert "Het-Anker.toml: the file's name is the school's id" in refused.value.problems[0]
    assert "SAMEN_KEY_FILE to a folder" in refused.value.problems[1]

"""Every string in every language, with matching placeholders; and the check itself fails
when a catalogue is broken."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.catalogues import check_catalogs, extract, read_catalog
from bot.i18n.translator import (
    FSI,
    PDI,
    RLI,
    RLM,
    SUPPORTED_LANGUAGES,
    CatalogueMissing,
    Catalogues,
    locales_dir,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_shipped_catalogues_are_complete_and_consistent() -> None:
    assert check_catalogs(locales_dir()) == []


def test_messages_pot_matches_the_code(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    extract(locales_dir().parent, fresh)
    current = {m.id for m in read_catalog(locales_dir() / "messages.pot") if m.id}
    extracted = {m.id for m in read_catalog(fresh) if m.id}
    assert extracted == current, "run: python -m bot.catalogues extract && … update"


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(locales_dir(), target)
    return target


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_fails_on_a_missing_translation(broken_copy: Path) -> None:
    po = broken_copy / "tr" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('msgid "🌐 Language"')
    end = text.index("\n\n", start)
    po.write_text(text[:start] + 'msgid "🌐 Language"\nmsgstr ""' + text[end:], encoding="utf-8")
    problems = check_catalogs(broken_copy)
    assert [str(p) for p in problems] == ["tr: '🌐 Language': not translated"]


def test_check_fails_on_a_mismatched_placeholder(broken_copy: Path) -> None:
    po = broken_copy / "nl" / "LC_MESSAGES" / "messages.po"
    _replace(po, "Hallo {name}!", "Hallo {naam}!")
    problems = [str(p) for p in check_catalogs(broken_copy)]
    assert len(problems) == 1 and "placeholders ['naam'] should be ['name']" in problems[0]


def test_check_fails_on_a_missing_catalogue(broken_copy: Path) -> None:
    shutil.rmtree(broken_copy / "pl")
    problems = [str(p) for p in check_catalogs(broken_copy)]
    assert len(problems) == 1 and problems[0].startswith("pl: '*': catalogue missing")
    with pytest.raises(CatalogueMissing):
        Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM, broken_copy)


def test_check_fails_on_broken_html_and_plural_forms(broken_copy: Path) -> None:
    po = broken_copy / "nl" / "LC_MESSAGES" / "messages.po"
    _replace(po, "<b>Groep {group}</b>", "<b>Groep {group}")
    problems = [str(p) for p in check_catalogs(broken_copy)]
    assert problems == ["nl: '<b>Group {group}</b>': HTML tags differ from the source"]


def test_values_are_escaped_and_isolated_in_right_to_left_text() -> None:
    texts = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    hostile = "<b>Ali</b>\u202e"
    dutch = texts("nl")._("Hello {name}! What would you like to do?", name=hostile)
    assert dutch == "Hallo &lt;b&gt;Ali&lt;/b&gt;! Wat wilt u doen?"
    arabic = texts("ar")._("Hello {name}! What would you like to do?", name="Ali")
    assert f"{FSI}Ali{PDI}" in arabic and arabic.startswith(RLM)
    # A list is isolated as a whole from right to left, each name in it on its own.
    names = texts("ar")._(
        "Hello {name}! What would you like to do?", name=texts("ar").list_of(["Ali", "Sem"])
    )
    assert f"{RLI}{FSI}Ali{PDI} و{FSI}Sem{PDI}{PDI}" in names
    # An Arabic name inside a Dutch text is isolated too.
    mixed = texts("nl")._("Hello {name}! What would you like to do?", name="علي")
    assert f"{FSI}علي{PDI}" in mixed


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "dinsdag 1 december, 15:30"),
        ("en", "Tuesday, December 1, 15:30"),
        ("tr", "1 Aralık Salı 15:30"),
        ("pl", "wtorek, 1 grudnia, 15:30"),
        ("uk", "вівторок, 1 грудня, 15:30"),
        ("ti", "ታሕሳስ 1, ሰሉስ 15:30"),
        ("so", "Talaado, Diseembar 1 15:30"),
        ("fa", "سه\u200cشنبه ۱ دسامبر، ۱۵:۳۰"),
    ],
)
def test_dates_are_written_out_in_the_readers_language(language: str, expected: str) -> None:
    texts = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    moment = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # 15:30 in Amsterdam
    assert texts(language).datetime(moment) == expected


def test_arabic_dates_use_arabic_month_names() -> None:
    texts = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    text = texts("ar").datetime(datetime(2026, 12, 1, 14, 30, tzinfo=UTC))
    assert "ديسمبر" in text and "،" in text


def test_plural_forms_follow_each_language() -> None:
    texts = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
    singular, plural = "… and {n} more line", "… and {n} more lines"
    assert texts("nl").n_(singular, plural, 1) == "… en nog 1 regel"
    assert texts("nl").n_(singular, plural, 3) == "… en nog 3 regels"
    polish = {n: texts("pl").n_(singular, plural, n) for n in (1, 3, 5)}
    assert len(set(polish.values())) == 3


def test_parent_facing_dutch_is_plain(broken_copy: Path) -> None:
    from bot.i18n.catalogues import plain_language_problems

    assert plain_language_problems(broken_copy) == []
    po = broken_copy / "nl" / "LC_MESSAGES" / "messages.po"
    _replace(
        po,
        'msgstr "Deze uitnodiging is verlopen. Vraag de school om een nieuwe."',
        'msgstr "Deze uitnodiging is helaas verlopen, waardoor u deze niet meer kunt gebruiken'
        ' en daarom de school moet vragen om een nieuwe uitnodiging te sturen via de post."',
    )
    problems = [str(p) for p in plain_language_problems(broken_copy)]
    assert len(problems) == 1 and "sentences average 27.0 words" in problems[0]


def test_jargon_must_be_explained_where_it_first_appears(broken_copy: Path) -> None:
    from bot.i18n.catalogues import plain_language_problems

    po = broken_copy / "nl" / "LC_MESSAGES" / "messages.po"
    _replace(
        po,
        'msgstr "Deze uitnodiging is verlopen. Vraag de school om een nieuwe."',
        'msgstr "Deze uitnodiging is verlopen. Vraag de IB-er om een nieuwe."',
    )
    problems = [str(p) for p in plain_language_problems(broken_copy)]
    assert len(problems) == 1 and "IB-er is not explained" in problems[0]


def test_staff_texts_are_not_held_to_the_parent_rules() -> None:
    from bot.i18n.catalogues import is_staff_only

    template = read_catalog(locales_dir() / "messages.pot")
    by_id = {m.id: m for m in template if m.id}
    assert is_staff_only(by_id["Stopped. Nothing was sent or saved."])
    assert not is_staff_only(by_id["👍 Understood"])


def test_dutch_staff_texts_say_u_as_to_parents() -> None:
    """One register a reader: staff read "u", as parents do (pupils read "je")."""
    from bot.i18n.catalogues import is_staff_only

    template = read_catalog(locales_dir() / "messages.pot")
    staff = {
        m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id and is_staff_only(m)
    }
    informal = re.compile(r"\b(je|jij|jou|jouw)\b", re.IGNORECASE)
    dutch = read_catalog(locales_dir() / "nl" / "LC_MESSAGES" / "messages.po", "nl")
    said_je = [
        m.id
        for m in dutch
        if m.id
        and (m.id if isinstance(m.id, str) else m.id[0]) in staff
        and informal.search(m.string if isinstance(m.string, str) else " ".join(m.string))
    ]
    assert said_je == []


def test_no_text_hides_from_extraction_inside_an_f_string() -> None:
    root = locales_dir().parent
    hidden = []
    for folder in ("bot", "conversations", "scheduler"):
        for path in (root / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"""f["'][^"']*\{tr\.(_|label|n_)\(["']""", line):
                    hidden.append(f"{path.relative_to(root)}:{number}")
    assert hidden == []


def test_check_fails_on_an_out_of_date_messages_pot(tmp_path: Path) -> None:
    from bot.i18n.catalogues import pot_problems

    root = locales_dir().parent
    for folder in ("bot", "conversations", "scheduler", "locales"):
        shutil.copytree(root / folder, tmp_path / folder)
    assert pot_problems(tmp_path, tmp_path / "locales") == []
    module = tmp_path / "conversations" / "menu.py"
    module.write_text(
        module.read_text(encoding="utf-8")
        + '\n\ndef _new(tr):\n    return tr._("A brand new text")\n',
        encoding="utf-8",
    )
    problems = [str(p) for p in pot_problems(tmp_path, tmp_path / "locales")]
    assert problems == ["pot: 'A brand new text': in the code but not in messages.pot (extract)"]


def test_catalogues_compile_without_warnings() -> None:
    from bot.i18n.catalogues import compile_problems

    assert compile_problems(locales_dir()) == []


def test_parent_dutch_is_plain_as_read_with_the_longest_values(broken_copy: Path) -> None:
    """The rendered check: a sentence that is short as a template but long once a kind of
    talk, names and a date are filled in is reported, with the sentence as a parent reads it."""
    from bot.catalogues import read_plain_problems

    assert read_plain_problems(broken_copy) == []
    po = broken_copy / "nl" / "LC_MESSAGES" / "messages.po"
    # Eleven words as a template; {name} is filled with a long name (four words).
    _replace(
        po,
        "de school start extra hulp voor {child}.",
        "de school start vanaf volgende week extra hulp voor {child}.",
    )
    problems = [str(p) for p in read_plain_problems(broken_copy)]
    assert problems == [
        "nl: 'ℹ️ {name}, the school starts extra support for {child}. {sen': a sentence of 14"
        " words as read (max 12): Anne-Marie van den Berg, de school start vanaf volgende"
        " week extra hulp voor Jan-Willem."
    ]


def test_own_words_in_quotes_count_as_one_word() -> None:
    """A parent's or teacher's own words are not the school's sentence: quoted, they count
    as one word, whatever their length."""
    from bot.catalogues import MAX_READ_SENTENCE_WORDS, read_sentences

    long_quote = "“" + " ".join(["woord"] * 30) + ". En nog een zin.”"
    [sentence] = read_sentences(f"Marieke schreef: {long_quote}")[1:]
    assert len(sentence) == 1 < MAX_READ_SENTENCE_WORDS
    assert [len(s) for s in read_sentences("Een <b>twee</b> drie. Vier vijf!\nZes")] == [3, 2, 1]

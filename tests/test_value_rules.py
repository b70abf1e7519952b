"""The rules behind roster values that cannot hurt, one table each: what a cell keeps at the
import, what a CSV cell becomes, and where a word joiner keeps Telegram from making a link."""

from __future__ import annotations

import pytest

from bot.cli.files import spreadsheet_safe
from bot.i18n.translator import unlinked
from bot.rules.roster_values import clean_cell
from bot.services.invitations import deep_link, new_code
from tests.autolinks import links, visible

RLO, ZWSP, WJ, BOM, LRM, ZWNJ = "\u202e", "\u200b", "\u2060", "\ufeff", "\u200e", "\u200c"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (f"Ja{RLO}n", "Jan"),
        (f"{BOM}Jan{ZWSP}{WJ}nie{LRM}", "Jannie"),
        ("  O'Neill-de  Wit\t", "O'Neill-de Wit"),
        ("van\u00a0den\u2003Berg", "van den Berg"),
        ("Zoe\u0301", "Zoé"),  # NFC: one character, as typed on Windows
        ("Jan\x00\x1b[31m\x85Piet", "Jan[31m Piet"),
        ("Олена Шевченко", "Олена Шевченко"),
        ("ፀጋይ ተስፋይ", "ፀጋይ ተስፋይ"),
        ("محمد", "محمد"),
        (f"علی{ZWNJ}رضا", f"علی{ZWNJ}رضا"),  # Persian spelling keeps its non-joiner …
        (f"An{ZWNJ}na", "Anna"),  # … a Latin name does not need one
    ],
)
def test_a_cell_keeps_what_can_be_seen(written: str, kept: str) -> None:
    assert clean_cell(written) == kept


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil.nl";"klik")', '\'=HYPERLINK("http://evil.nl";"klik")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\t=1", "'\t'=1"),
        ("\r=1", "'=1"),
        (' "=1', "' \"=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # a full-width equals sign
        # A Dutch Excel also splits a comma-separated file at ";" and at line breaks.
        ("Jan;=1+1", "Jan;'=1+1"),
        ("Jan\n@x", "Jan\n'@x"),
        ("Mary-Jane O'Neill", "Mary-Jane O'Neill"),
        ("2026-11-30T09:00:00+00:00", "2026-11-30T09:00:00+00:00"),
        ('{"reason": "-"}', '{"reason": "-"}'),
        (f"Ja{RLO}n", "Jan"),
    ],
)
def test_a_csv_cell_never_runs_as_a_formula(cell: str, written: str) -> None:
    assert spreadsheet_safe(cell) == written


def test_codes_and_links_are_written_as_they_are() -> None:
    for _ in range(200):
        code = new_code()
        assert spreadsheet_safe(code) == code
        assert spreadsheet_safe(deep_link("debrug_samen_bot", code)) == deep_link(
            "debrug_samen_bot", code
        )


HOSTILE_NAMES = [
    "www.evil.nl",
    "https://evil.example/login",
    "Bo (bo@evil.nl)",
    "@evil_admin",
    "Piet #winactie",
    "$USD",
    "/start",
    "tg://resolve?domain=evil",
    "10.0.0.1",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_nothing_in_a_value_is_a_link_but_it_reads_the_same(name: str) -> None:
    assert links(name), "the model of Telegram must see the link in the name itself"
    assert links(unlinked(name)) == []
    assert visible(unlinked(name)) == name


@pytest.mark.parametrize("name", ["SO/VSO", "groep 1/2", "J.P. de Vries", "Dr. A. Jansen", "1.234"])
def test_ordinary_names_are_left_as_they_are(name: str) -> None:
    assert unlinked(name) == name

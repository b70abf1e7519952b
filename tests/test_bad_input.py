"""Bad input never crashes: any bytes as a roster file give a list of clear errors or a valid
import; any text as a date gives a moment in the future or None."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rules.dates import parse_days, parse_when, parse_window
from bot.rules.edexml import parse_edexml
from bot.rules.roster_sheet import detect_roster, parse_guardians, parse_pupils, parse_staff

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=AMS)
HEADER = "pupil_id,first_name,last_name,birth_date,group\n"

cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
rows = st.lists(st.lists(cells, min_size=0, max_size=7), max_size=8)


def as_csv(header: str, table: list[list[str]], delimiter: str) -> bytes:
    body = "\n".join(delimiter.join(row) for row in table)
    return (header.replace(",", delimiter) + body).encode("utf-8", "surrogatepass")


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_errors_or_records(data: bytes) -> None:
    for parsed in (
        parse_staff(data, "s.csv"),
        parse_pupils(data, "p.csv", NOW.date()),
        parse_guardians(data, "g.csv", {"P1"}),
    ):
        assert parsed.errors or parsed.records is not None
        for error in parsed.errors:
            assert str(error).split(":")[0].endswith(".csv") and error.line >= 1


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_as_edexml_give_errors_or_records(data: bytes) -> None:
    assert detect_roster(data) in (None, "staff", "pupils", "guardians", "edexml")
    roster = parse_edexml(b"<?xml version='1.0'?>\n<EDEX>" + data, "e.xml", NOW.date())
    for error in roster.errors:
        assert error.file == "e.xml" and error.line >= 1 and error.problem
    for pupil in roster.pupils:
        assert pupil.pupil_id and pupil.first_name and pupil.birth_date < NOW.date()


@settings(max_examples=150, deadline=None)
@given(rows, st.sampled_from([",", ";"]))
def test_any_table_gives_errors_with_places_or_valid_pupils(table, delimiter) -> None:
    parsed = parse_pupils(as_csv(HEADER, table, delimiter), "p.csv", NOW.date())
    for error in parsed.errors:
        assert error.line >= 1 and error.column >= 1 and error.problem
    for pupil in parsed.records:
        assert pupil.pupil_id and pupil.first_name and pupil.birth_date < NOW.date()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_future_moment_or_nothing(text: str) -> None:
    moment = parse_when(text, NOW, AMS)
    assert moment is None or moment > NOW
    days = parse_days(text, NOW, AMS)
    assert days is None or all(d >= NOW.date() for d in days)
    window = parse_window(text)
    assert window is None or window[0] < window[1]


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["ma", "di", "wo", "do", "vr", "morgen", "3-12", "3 dec", "14 januari"]),
    st.integers(min_value=-5, max_value=30),
    st.integers(min_value=-5, max_value=75),
)
def test_dutch_shapes_with_any_numbers(day: str, hour: int, minute: int) -> None:
    moment = parse_when(f"{day} {hour}:{minute:02d}", NOW, AMS)
    if moment is not None:
        assert moment > NOW and moment.minute == minute

"""Right to left that reads right: every message a parent or pupil may read, in every
right-to-left language, rendered with realistic values (`bot/texts/samples.py`) and laid out
with the Unicode bidirectional algorithm (python-bidi), line by line as Telegram does. Each
line starts with one right-to-left mark and reads from the right, is worded to begin with a
word of the language, shows every name whole and the names (list items among them) from right
to left in the order they are written, and shows a command as "/help". Each language writes
one kind of digits."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from bidi import get_base_level, get_display

from bot.i18n.catalogues import parent_messages, read_catalog
from bot.i18n.translator import (
    FSI,
    LRI,
    PDI,
    PERSIAN_DIGITS,
    RIGHT_TO_LEFT,
    RLI,
    RLM,
    SUPPORTED_LANGUAGES,
    Catalogues,
    locales_dir,
    right_to_left_lines,
)
from bot.texts import care_messages, samples

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TEXTS = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
LANGUAGES = sorted(RIGHT_TO_LEFT)

# The Latin values the samples fill in, longest first (a child's name is part of a list).
NAMES = sorted(
    {
        samples.ADDRESSEE,
        samples.TEACHER,
        samples.COORDINATOR,
        samples.SCHOOL,
        samples.GROUP,
        samples.ROOM,
        samples.OWN_WORDS,
        *samples.CHILDREN,
        *samples.TEACHERS,
        *(p.name for p in samples.PARTICIPANTS if p.name),
        *(p.organisation for p in samples.PARTICIPANTS if p.organisation),
    },
    key=len,
    reverse=True,
)
_NAME = re.compile("|".join(re.escape(name) for name in NAMES))
# Values shown as they were written, digits and all.
AS_WRITTEN = re.compile("|".join(re.escape(v) for v in [*NAMES, "v2-zat", "@SamenRegenboogBot"]))
_CONTROLS = re.compile("[\u200e\u200f\u2066-\u2069]")
_COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z_]*")
_OTHER_DIGITS = {True: re.compile("[0-9٠-٩]"), False: re.compile("[٠-٩۰-۹]")}


def visible(text: str) -> str:
    return _CONTROLS.sub("", text)


def line_problems(line: str, language: str) -> list[str]:
    """What is wrong with one line of a right-to-left message, as a reader would see it."""
    problems = []
    if not line.startswith(RLM) or line.count(RLM) != 1:
        problems.append("does not start with exactly one right-to-left mark")
    if get_base_level(line) != 1:
        problems.append("reads from the left")
    # The first letter outside the values is one of the language (or there is none): a
    # trailing mark makes the second case read from the right too.
    if get_base_level(line.replace(RLM, "") + RLM) != 1:
        problems.append("begins with a Latin word")
    shown = visible(get_display(line))
    written = _NAME.findall(visible(line))
    seen = _NAME.findall(shown)
    if seen != written[::-1]:
        problems.append(f"names out of order: {seen} for {written}")
    for command in _COMMAND.findall(visible(line)):
        if command not in shown:
            problems.append(f"{command} shows as {command[1:]}/")
    if _OTHER_DIGITS[language in PERSIAN_DIGITS].search(AS_WRITTEN.sub("", visible(line))):
        problems.append("digits of another kind")
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_parent_message_reads_right_to_left(language: str) -> None:
    tr = TEXTS(language)
    values = samples.values(tr)
    problems = []
    checked = 0
    for msgid in parent_messages(locales_dir()):
        for rendered in samples.render(tr, msgid, values):
            for line in samples.plain(rendered.text).split("\n"):
                if line:
                    checked += 1
                    problems += [f"{p}: {line!r}" for p in line_problems(line, language)]
    assert checked > 400
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_list_that_starts_with_a_latin_name_reads_from_the_right(language: str) -> None:
    tr = TEXTS(language)
    names = tr.list_of(["Jan", "Ayla", "Sem"])
    assert names.plain.startswith(RLI) and names.plain.endswith(PDI)
    assert f"{FSI}Jan{PDI}، {FSI}Ayla{PDI}" in names.plain  # the Arabic comma between items
    line = tr._("Hello {name}! What would you like to do?", name=names)
    shown = visible(get_display(samples.plain(line)))
    assert shown.index("Sem") < shown.index("Ayla") < shown.index("Jan")
    assert not line_problems(samples.plain(line), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_participants_and_shared_items_are_isolated_each(language: str) -> None:
    tr = TEXTS(language)
    participants = care_messages.participants_text(tr, samples.PARTICIPANTS)
    assert participants.plain.startswith(RLI)
    for value in ("Said El Amrani", "Jeugdteam Noord", "GGD", "Lisa de Jong"):
        assert f"{FSI}{value}{PDI}" in participants.plain
    shared = care_messages.shared_text(tr, ["learning", "absence"], "Jan-Willem")
    # Each item is a translated piece of its own, the child's name isolated inside it.
    assert shared.plain.count(RLI) == 3 and shared.plain.count(f"{FSI}Jan-Willem{PDI}") == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_line_and_button_starts_with_one_mark(language: str) -> None:
    tr = TEXTS(language)
    composed = tr._("✅ Read") + "\n\n" + "• " + tr._("✅ Read")
    lines = tr.lines(composed).split("\n")
    assert [line.count(RLM) for line in lines] == [1, 0, 1]
    assert lines[2].startswith(f"{RLM}• ")
    assert tr.lines(tr.lines(composed)) == tr.lines(composed)
    assert tr.label("✅ Read").startswith(RLM) and tr.label("✅ Read").count(RLM) == 1
    assert right_to_left_lines("a\n\nb") == f"{RLM}a\n\n{RLM}b"
    # Values and lists carry none: they are inside a line.
    assert RLM not in tr.list_of([tr.label("✅ Read"), "Jan"]).plain
    assert RLM not in tr.phrase("how often {child} is absent", child="Jan").plain


@pytest.mark.parametrize("language", LANGUAGES)
def test_commands_show_with_their_slash(language: str) -> None:
    tr = TEXTS(language)
    text = tr._("I don't understand this. Choose one of the buttons, or type /help.")
    assert f"{LRI}/help{PDI}" in text
    last = samples.plain(text).split("\n")[-1]
    assert visible(last).rstrip(".").endswith("/help")  # at the end of its own line
    assert "/help" in visible(get_display(last))


def test_each_language_writes_one_kind_of_digits() -> None:
    moment = datetime(2026, 12, 1, 15, 30, tzinfo=AMSTERDAM)
    farsi, arabic, dutch = TEXTS("fa"), TEXTS("ar"), TEXTS("nl")
    assert farsi.datetime(moment) == "سه\u200cشنبه ۱ دسامبر، ۱۵:۳۰"
    assert (
        farsi.number(1234) == "۱٬۲۳۴"
        and farsi._("{n} min", n=farsi.number(45)) == f"{RLM}{FSI}۴۵{PDI} دقیقه"
    )
    assert farsi.label("{n} min", n=45) == f"{RLM}{FSI}۴۵{PDI} دقیقه"  # a number as it is
    assert arabic.datetime(moment) == "الثلاثاء، 1 ديسمبر، 15:30"
    assert arabic.number(1234) == "1,234" and dutch.number(1234) == "1.234"
    for language in LANGUAGES:
        other = _OTHER_DIGITS[language in PERSIAN_DIGITS]
        catalog = read_catalog(locales_dir() / language / "LC_MESSAGES" / "messages.po", language)
        for message in (m for m in catalog if m.id):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                # Names of things keep their digits: UTF-8, Windows-1252.
                kept = re.sub(r"[A-Za-z]-?\d+", "", text)
                assert not other.search(kept), (language, text)


def test_an_empty_list_is_false() -> None:
    tr = TEXTS("ar")
    assert not tr.list_of([]) and (tr.list_of([]) or "–") == "–"
    assert tr.list_of(["Jan"])


def test_a_message_sent_in_parts_keeps_every_line_right_to_left() -> None:
    from bot.platform.outbox import _split

    tr = TEXTS("ar")
    text = tr.lines("\n".join(["• " + "س" * 30] * 5 + ["س" * 100]))
    parts = _split(text, 64)

    def letters(text: str) -> str:
        return text.replace(RLM, "").replace("\n", "")

    assert "".join(letters(part) for part in parts) == letters(text)  # nothing lost
    assert all(max(len(line) for line in p.split("\n")) <= 64 for p in parts)
    assert all(line.startswith(RLM) for part in parts for line in part.split("\n"))

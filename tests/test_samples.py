"""Every message a parent or pupil may read renders with realistic values in every language:
the rendered checks (plain Dutch, right to left, the reviewer's sheet) read what a reader gets."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.i18n.catalogues import parent_messages
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues, locales_dir
from bot.texts import samples

TEXTS = Catalogues(SUPPORTED_LANGUAGES, ZoneInfo("Europe/Amsterdam"))


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_parent_message_renders_with_realistic_values(language: str) -> None:
    tr = TEXTS(language)
    rendered = [r for msgid in parent_messages(locales_dir()) for r in samples.render(tr, msgid)]
    assert len(rendered) > 400
    assert not [r.msgid for r in rendered if "{" in samples.plain(r.text).replace("{}", "")]


def test_the_longest_values_are_filled_in() -> None:
    tr = TEXTS("nl")
    [reminder] = samples.render(
        tr, "⏰ {name}, a reminder: the {kind} about {child} is on {date}. Where: {place}."
    )
    text = samples.plain(reminder.text)
    assert samples.ADDRESSEE in text and samples.CHILD in text
    assert tr.label(samples.meeting_messages.KINDS["zat"]) in text  # the longest kind in Dutch
    assert "woensdag 30 september" in text and "15:30" in text


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
@pytest.mark.parametrize("kind", sorted(samples.meeting_messages.PLACE_KINDS))
def test_where_a_talk_is_reads_as_one_sentence(language: str, kind: str) -> None:
    """ "Where: at school, room 2.14." — the kind of place adds no colon of its own after
    "Where:" (it read "Waar: op school: lokaal 2.14.")."""
    tr = TEXTS(language)
    place = tr.label(samples.meeting_messages.PLACE_KINDS[kind], place="lokaal 2.14")
    where = tr._("Where: {place}.", place=place)
    assert "lokaal 2.14" in where and where.count(":") <= 1, where

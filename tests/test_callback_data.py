"""Button data is written and read in one place: every tap round-trips, and anything else —
another kind, a word that is not an action, a number that is not one — reads as nothing."""

from __future__ import annotations

import re

import pytest

from bot.rules.callback_data import (
    AnswerQuestionTap,
    ConsentTap,
    DiscussionTap,
    GoodNewsTap,
    GroupTap,
    InvitationTap,
    LanguageTap,
    MeetingCardTap,
    NoticeTap,
    PrepareTap,
    RoundBlocksTap,
    RoundDaysTap,
    RoundDayTap,
    RoundSlotTap,
    SlotBlockTap,
    Tap,
    ViewSummaryTap,
    WriteSummaryTap,
)


@pytest.mark.parametrize(
    "tap",
    [
        ConsentTap(7, "agree"),
        ConsentTap(123456789, "withdrawyes"),
        NoticeTap(3, "understood"),
        InvitationTap(12, 3, "alt2"),
        DiscussionTap(4),
        GroupTap("0a1b2c3d4e"),
        MeetingCardTap(9, "move"),
        WriteSummaryTap(9),
        ViewSummaryTap(9),
        AnswerQuestionTap(5),
        PrepareTap(9),
        GoodNewsTap("P005"),
        LanguageTap("set", "tr"),
        RoundBlocksTap(2),
        SlotBlockTap(2, 17),
        RoundDaysTap(2, "P005"),
        RoundDayTap(2, "P005", "20261208"),
        RoundSlotTap(2, "P005", 17),
    ],
)
def test_a_tap_round_trips_and_its_pattern_matches_it(tap: Tap) -> None:
    data = str(tap)
    assert type(tap).parse(data) == tap
    assert re.fullmatch(type(tap).pattern(), data)
    assert len(data.encode()) <= 64


@pytest.mark.parametrize(
    "data",
    ["c:7", "c:7:agree:x", "c:x:agree", "c:7:delete", "c:-1:agree", "n:7:agree", "", None],
)
def test_anything_else_reads_as_no_consent_tap(data: str | None) -> None:
    assert ConsentTap.parse(data) is None


def test_each_action_has_its_own_pattern() -> None:
    agree = ConsentTap.pattern(action="agree")
    assert re.fullmatch(agree, "c:7:agree") and not re.fullmatch(agree, "c:7:yes")


def test_data_over_telegrams_limit_is_refused_when_written() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        str(ConsentTap(10**70, "agree"))


def test_an_invitation_tap_names_its_talk_and_version() -> None:
    assert InvitationTap.parse("m:12:3:come") == InvitationTap(12, 3, "come")
    assert InvitationTap.parse("m:12:come") is None  # the version is part of it
    assert InvitationTap.parse("m:12:3:alt99") is None  # never more than ten other times


def test_kinds_that_share_a_prefix_tell_each_other_apart_by_their_fields() -> None:
    assert RoundBlocksTap.parse("rbk:2") == RoundBlocksTap(2)
    assert SlotBlockTap.parse("rbk:2") is None
    assert SlotBlockTap.parse("rbk:2:17") == SlotBlockTap(2, 17)
    assert RoundBlocksTap.parse("rbk:2:17") is None
    assert not re.fullmatch(RoundBlocksTap.pattern(), "rbk:2:17")


@pytest.mark.parametrize(
    "kind, data",
    [
        (MeetingCardTap, "mt:9:delete"),
        (RoundSlotTap, "rs:2:P005:x"),
        (LanguageTap, "lang:menu"),
        (GoodNewsTap, "pos:"),
        (DiscussionTap, "d:abc"),
    ],
)
def test_a_forged_or_cut_off_button_reads_as_nothing(kind: type[Tap], data: str) -> None:
    assert kind.parse(data) is None

"""The flood limit per chat and the quiet for unlinked chats, on a clock the test moves."""

from __future__ import annotations

import pytest

from bot.platform.admission import BURST, REFILL_PER_SECOND, ChatGate, Verdict

H, W, D = Verdict.HANDLE, Verdict.WARN, Verdict.DROP


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Seconds:
    return Seconds()


def test_the_numbers_suit_people_not_programs() -> None:
    # Three albums of ten photos at once; a tap a second, for ever.
    assert BURST == 30 and REFILL_PER_SECOND == 1.0


def test_a_burst_is_handled_then_one_warning_then_nothing(clock: Seconds) -> None:
    gate = ChatGate(burst=3, clock=clock)
    assert [gate.judge(1) for _ in range(7)] == [H, H, H, W, D, D, D]
    assert gate.judge(2) is H  # another chat has its own allowance


def test_past_the_limit_one_update_a_second_gets_through_and_no_second_warning(
    clock: Seconds,
) -> None:
    gate = ChatGate(burst=3, clock=clock)
    assert [gate.judge(1) for _ in range(4)] == [H, H, H, W]
    verdicts = []
    for _ in range(10):  # the flood goes on, ten a second
        clock.now += 0.1
        verdicts.append(gate.judge(1))
    assert verdicts.count(H) == 1 and W not in verdicts


def test_a_person_at_a_tap_a_second_never_hits_the_limit(clock: Seconds) -> None:
    gate = ChatGate(clock=clock)
    for _ in range(BURST):  # a quick start: a whole burst at once
        assert gate.judge(1) is H
    for _ in range(1000):
        clock.now += 1.0
        assert gate.judge(1) is H


def test_who_calmed_down_is_warned_again_at_the_next_flood(clock: Seconds) -> None:
    gate = ChatGate(burst=2, clock=clock)
    assert [gate.judge(1) for _ in range(4)] == [H, H, W, D]
    clock.now += 2.0  # full again
    assert [gate.judge(1) for _ in range(4)] == [H, H, W, D]


def test_a_clock_that_goes_back_refills_nothing(clock: Seconds) -> None:
    gate = ChatGate(burst=2, clock=clock)
    assert [gate.judge(1) for _ in range(3)] == [H, H, W]
    clock.now -= 3600
    assert gate.judge(1) is D


def test_an_unlinked_chat_is_quiet_for_a_minute_after_an_answer(clock: Seconds) -> None:
    gate = ChatGate(clock=clock)
    assert not gate.quiet(5)
    gate.answering_unlinked(5)
    clock.now += 59
    assert gate.quiet(5) and gate.quiet_for_certain(5)
    clock.now += 1
    assert not gate.quiet(5)


def test_after_a_code_whether_the_chat_is_linked_is_looked_up(clock: Seconds) -> None:
    gate = ChatGate(clock=clock)
    gate.answering_unlinked(5)
    gate.onboarding(5)
    assert gate.quiet(5) and not gate.quiet_for_certain(5)
    gate.not_linked(5)  # the database says: still not linked
    assert gate.quiet_for_certain(5)
    gate.onboarding(5)
    gate.linked(5)
    assert gate.known_linked(5) and not gate.quiet(5)


def test_chats_that_went_quiet_are_forgotten(clock: Seconds) -> None:
    gate = ChatGate(clock=clock)
    for chat in range(1000):
        gate.judge(chat)
        gate.answering_unlinked(chat)
    clock.now += 600
    gate.judge(-1)
    assert len(gate._buckets) == 1 and not gate._unlinked_answered

"""Nobody can stall Samen: a flood from one chat is answered once ("slow down") and costs the
other families nothing; someone who is not linked is answered once a minute at most, while a
parent who mistyped the code still gets in."""

from __future__ import annotations

from datetime import timedelta

from bot.demo.fake_telegram import FakeUser
from bot.rules.models import PersonKind
from tests.harness import Harness

# A chat's allowance at once (bot.platform.admission.BURST): 30 updates.
BURST = 30
SLOW_DOWN = (
    "⏳ That is a lot at once. Samen skips some of what you send for a moment:"
    " please wait a little, then send anything important again."
)


def slow_down_in(harness: Harness, user: FakeUser, language: str = "nl") -> list[str]:
    assert harness.runtime is not None
    said = harness.runtime.texts(language)._(SLOW_DOWN)
    return [m.text for m in user.messages if m.text == said]


async def all_done(harness: Harness, update_ids: list[int]) -> None:
    for update_id in update_ids:
        await harness.tracker.wait(update_id, timeout=300)


async def test_a_flood_from_one_parent_leaves_another_familys_help_answered(
    harness: Harness,
) -> None:
    flooder = harness.server.user(7001, "Linda")
    await harness.link(flooder, PersonKind.GUARDIAN, "G002")
    other = harness.server.user(7002, "Jeroen")
    await harness.link(other, PersonKind.GUARDIAN, "G001")
    before = len(flooder.messages)
    sends_before = len(harness.server.sends)
    # 2,000 texts as fast as they can be sent; another family asks for help in the middle.
    flood = [flooder.send(f"bericht {n}") for n in range(1000)]
    help_update = other.send("/help")
    flood += [flooder.send(f"bericht {n}") for n in range(1000, 2000)]
    await all_done(harness, [*flood, help_update])
    await harness.server.wait_for(lambda: bool(slow_down_in(harness, flooder)))

    assert len(slow_down_in(harness, flooder)) == 1
    answers = flooder.messages[before:]
    print(f"\nflood: {len(flood)} texts, {len(answers)} answers in the flooding chat")
    assert len(answers) <= BURST + 1  # at most its allowance handled, and the one warning
    assert "Samen" in other.last.text and len(other.messages) == 2  # the welcome, the help
    # The other family's answer did not wait for the flood: of the messages sent after the
    # flood began, at most the flooding chat's allowance came before it.
    order = [chat for _, chat in harness.server.sends[sends_before:]]
    ahead = order.index(other.chat_id)
    print(f"flood: {ahead} messages to the flooding chat went out before the other's /help")
    assert ahead <= BURST


async def test_someone_not_linked_is_answered_once_a_minute(harness: Harness) -> None:
    stranger = harness.server.user(8001, "Kim", "pl")
    await all_done(harness, [stranger.send(f"hallo {n}") for n in range(50)])
    assert len(stranger.messages) == 1
    harness.clock.advance(timedelta(seconds=61))
    await all_done(harness, [stranger.send(f"hallo {n}") for n in range(50)])
    assert len(stranger.messages) == 2


async def test_a_parent_who_mistypes_the_code_still_gets_in(harness: Harness) -> None:
    await harness.issue_invites()
    code = harness.code(PersonKind.GUARDIAN, "G002")
    mother = harness.server.user(7001, "Linda")
    assert await harness.say(mother, "hallo")  # answered: how to start
    assert await harness.say(mother, "/start") == []  # within the minute: not again
    mistyped = code[:-1] + ("Y" if code[-1] == "X" else "X")  # never the code itself
    wrong = await harness.say(mother, f"/start {mistyped}")
    assert len(wrong) == 1 and "kennen we niet" in wrong[0].text
    welcome = await harness.say(mother, code.lower())  # typed from the letter
    assert len(welcome) == 1 and "Welkom, Linda" in welcome[0].text
    # Linked now: every message is answered again.
    assert await harness.say(mother, "/help") and await harness.say(mother, "/help")


async def test_wrong_codes_still_block_guessing_and_the_block_is_told_once_a_minute(
    harness: Harness,
) -> None:
    stranger = harness.server.user(8002, "Kim")
    for n in range(5):
        wrong = await harness.say(stranger, f"/start WRONGCODE{n:011d}")
        assert len(wrong) == 1 and "kennen we niet" in wrong[0].text
    blocked = await harness.say(stranger, "/start WRONGCODE99999999999")
    assert len(blocked) == 1 and "te veel verkeerde codes" in blocked[0].text
    for n in range(5):
        assert await harness.say(stranger, f"/start WRONGCODE{n:011d}") == []
    harness.pause(60)
    again = await harness.say(stranger, "/start WRONGCODE99999999999")
    assert len(again) == 1 and "te veel verkeerde codes" in again[0].text

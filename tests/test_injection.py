"""Names and free text from users never turn into markup, links or reordered text in what
others see: every value is escaped, bidi controls are removed, RTL text isolated."""

from __future__ import annotations

from dataclasses import replace

from bot.rules.models import PersonKind
from tests.autolinks import links, visible
from tests.harness import Harness
from tests.test_care import flow, people, request

HOSTILE_PUPIL = "<b>Bo</b>"
HOSTILE_GUARDIAN = "*_[klik](https://evil.example)"
RLO = "\u202e"


async def test_hostile_names_and_text_stay_plain_text(harness: Harness) -> None:
    assert harness.db is not None
    now = harness.clock.now()
    async with harness.db.transaction() as tx:
        pupil = await tx.pupil("P005")
        guardian = await tx.guardian("G009")
        assert pupil is not None and guardian is not None
        await tx.upsert_pupil(replace(pupil, first_name=HOSTILE_PUPIL), now)
        await tx.upsert_guardian(replace(guardian, last_name=HOSTILE_GUARDIAN + RLO), now)
        staff = await tx.staff_member("S004")
        assert staff is not None
        await tx.upsert_staff(replace(staff, last_name="@admin </i>"), now)
    users = await people(
        harness, (PersonKind.STAFF, "S004", "Ingrid"), (PersonKind.GUARDIAN, "G009", "M")
    )
    coordinator, mother = users["S004"], users["G009"]

    # The mother's welcome names her child literally.
    assert HOSTILE_PUPIL in mother.messages[0].text
    assert "&lt;b&gt;" in mother.messages[0].html

    # A CvB notice with a hostile purpose, from a coordinator with a hostile name.
    await harness.say(coordinator, "/cvb")
    await harness.say(coordinator, "Bakker")
    await harness.say(coordinator, "di 8 dec 15:00")
    await harness.say(coordinator, "<script>alert(1)</script> en <a href='x'>klik</a>")
    await flow(harness, coordinator, "why:help")
    await flow(harness, coordinator, "send")
    await harness.server.wait_for(lambda: len(mother.messages) >= 2)
    notice = mother.messages[-1]
    assert "<script>alert(1)</script>" in notice.text  # shown, not interpreted
    assert "<script>" not in notice.html and "<a " not in notice.html
    assert "@admin </i>" in visible(notice.text)  # as written, but no mention of @admin
    assert links(notice.text) == []

    # The coordinator's overview shows the guardian's name without its bidi override.
    delivery = await request(harness, "P005")
    await harness.say(coordinator, "/overzicht")
    await harness.tap_data(coordinator, f"d:{delivery.discussion_id}", coordinator.last)
    shown = coordinator.last
    assert "Marloes" in shown.text
    assert RLO not in shown.text and RLO not in shown.html
    everything = " ".join(m.html for u in (coordinator, mother) for m in u.messages)
    assert RLO not in everything
    assert "<b>Bo</b>" not in everything  # never live markup

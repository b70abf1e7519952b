"""The roster from the chat: the administrator sends the school's export as a file, sees what
would change (or what is wrong, line by line) and imports it with "✅ Import"; "❌ Cancel"
imports nothing. Anyone else's file is never imported."""

from __future__ import annotations

import json
from pathlib import Path

from bot.demo.fake_telegram import FakeUser
from bot.rules.models import PersonKind
from tests.autolinks import visible
from tests.harness import EXAMPLES, Harness
from tests.test_care import delivered, people

S, G = PersonKind.STAFF, PersonKind.GUARDIAN
EDEX = (Path(__file__).resolve().parent / "data" / "edex.xml").read_bytes()


def parnassys_export(*, extra: str = "", leave_out: str = "P025", date_of_p002: str = "") -> bytes:
    """The example school as ParnasSys exports it: title rows, Dutch headers, `;`, the
    prefix in its own column, Dutch dates; in UTF-8 with a BOM (Excel's "CSV UTF-8")."""
    lines = [
        "Leerlingen SO/VSO De Brug;;;;;;",
        ";;;;;;",
        "Leerlingnummer;Roepnaam;Tussenvoegsel;Achternaam;Geboortedatum;Groep;Geslacht",
    ]
    for row in (EXAMPLES / "pupils.csv").read_text(encoding="utf-8").splitlines()[1:]:
        pupil_id, first, last, birth, group, _ = row.split(",")
        if pupil_id == leave_out:
            continue
        words = last.split()
        prefix = " ".join(w for w in words if w.islower())
        surname = " ".join(w for w in words if not w.islower())
        year, month, day = birth.split("-")
        born = date_of_p002 if pupil_id == "P002" and date_of_p002 else f"{day}-{month}-{year}"
        lines.append(f"{pupil_id};{first};{prefix};{surname};{born};{group};")
    lines.append(extra) if extra else None
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


NEW_PUPIL = "P026;Zoë;van der;Meer;3-2-2019;SO-Zon;V"


async def admin_of(harness: Harness) -> FakeUser:
    return (await people(harness, (S, "S005", "Peter")))["S005"]


async def send(harness: Harness, user: FakeUser, data: bytes, name: str) -> None:
    await harness.tracker.wait(user.send_document(data, name))


async def pupil_ids(harness: Harness) -> set[str]:
    assert harness.db is not None
    async with harness.db.reading() as tx:
        return await tx.pupil_ids()


async def left(harness: Harness) -> set[str]:
    assert harness.db is not None
    async with harness.db.reading() as tx:
        return {p for p, day in (await tx.left_on_by_pupil()).items() if day}


async def import_audits(harness: Harness) -> list[tuple[str, str | None, str]]:
    assert harness.db is not None
    async with harness.db.reading() as tx:
        found = await tx._all(
            "SELECT actor_kind, actor_id, details FROM audit_log WHERE action LIKE 'import_%'"
            " ORDER BY id"
        )
    return [(r["actor_kind"], r["actor_id"], r["details"]) for r in found]


async def test_the_admin_sees_what_would_change_and_imports_on_confirm(harness: Harness) -> None:
    admin = await admin_of(harness)
    audits_before = await import_audits(harness)
    await send(harness, admin, parnassys_export(extra=NEW_PUPIL), "leerlingen.csv")
    preview = admin.last
    assert "📥 Leerlingenlijst: leerlingen.csv" in visible(preview.text)
    assert "• Leerlingen: 1 nieuw, 0 gewijzigd, 24 hetzelfde" in preview.text
    assert "• 1 leerling gemarkeerd als vertrokken" in preview.text
    assert "Niet gelezen (Samen heeft ze niet nodig): Geslacht" in preview.text
    assert preview.labels == ["✅ Importeren", "❌ Annuleren"]
    # Only shown: nothing is written until the administrator confirms.
    assert "P026" not in await pupil_ids(harness)
    assert await left(harness) == set()
    assert await import_audits(harness) == audits_before
    await harness.tap(admin, "✅ Importeren")
    done = admin.last
    assert "✅ Geïmporteerd: leerlingen.csv" in visible(done.text)
    assert "• Leerlingen: 1 nieuw, 0 gewijzigd, 24 hetzelfde" in done.text
    assert "P026" in await pupil_ids(harness)
    assert await left(harness) == {"P025"}
    assert harness.db is not None
    async with harness.db.reading() as tx:
        zoe = await tx.pupil("P026")
    assert zoe is not None and (zoe.first_name, zoe.last_name) == ("Zoë", "van der Meer")
    # The file was fetched for the preview and again to import; it is kept nowhere.
    assert len(harness.server.downloads) == 2
    # Audited: who and how many, not the file's name or anyone in it.
    kind, actor, details = (await import_audits(harness))[-1]
    assert (kind, actor) == ("staff", "S005")
    assert json.loads(details) == {
        "file": "chat",
        "created": 1,
        "updated": 0,
        "unchanged": 24,
        "left": 1,
        "returned": 0,
    }


async def test_cancel_imports_nothing(harness: Harness) -> None:
    admin = await admin_of(harness)
    await send(harness, admin, parnassys_export(extra=NEW_PUPIL), "leerlingen.csv")
    preview = admin.last
    old_import = preview.button("✅ Importeren").data
    await harness.tap(admin, "❌ Annuleren")
    assert "❌ Geannuleerd. Er is niets geïmporteerd." in admin.last.text
    assert "P026" not in await pupil_ids(harness)
    assert await left(harness) == set()
    # The "✅ Import" of the cancelled preview, tapped after all, imports nothing either.
    assert old_import is not None
    await harness.tap_data(admin, old_import, preview)
    assert "P026" not in await pupil_ids(harness)
    assert len(harness.server.downloads) == 1


async def test_a_broken_file_lists_its_problems_at_their_lines(harness: Harness) -> None:
    admin = await admin_of(harness)
    data = parnassys_export(date_of_p002="31-02-2020", extra="P001;Dubbel;;Kind;1-1-2019;SO-Zon;")
    await send(harness, admin, data, "leerlingen.csv")
    text = admin.last.text
    assert "⚠️ Dit bestand kan niet worden geïmporteerd; er is niets veranderd. 2 problemen:" in text
    # Line 5: two title rows and the header come first.
    assert "Regel 5, Geboortedatum: ongeldige datum '31-02-2020'" in text
    assert "Regel 28, Leerlingnummer: dubbel nummer 'P001'; het staat ook op regel 4" in text
    assert not any("Importeren" in label for label in admin.last.labels)
    assert await left(harness) == set()


async def test_an_edex_file_from_the_chat_shows_groups_pupils_and_teachers(
    harness: Harness,
) -> None:
    admin = await admin_of(harness)
    await send(harness, admin, EDEX, "EDEX_De_Linde.xml")
    text = admin.last.text
    assert "EDEX-bestand (groepen, leerlingen en leerkrachten)" in text
    assert "• Groepen: SO-Maan, VSO-2 en VSO-Arbeid" in text
    assert "• Personeel: 3 nieuw, 0 gewijzigd, 0 hetzelfde" in text
    assert "• Leerlingen: 4 nieuw, 0 gewijzigd, 0 hetzelfde" in text
    # Another school's file would mark the whole example school as left: said plainly.
    assert "⚠️ 25 van de 25 leerlingen op school staan niet in dit bestand" in text
    await harness.tap(admin, "✅ Importeren")
    assert "40211" in await pupil_ids(harness)
    assert len(await left(harness)) == 25


async def test_an_xml_problem_is_shown_safely(harness: Harness) -> None:
    admin = await admin_of(harness)
    broken = EDEX.replace(b'<groep key="1502"/>', b'<groep key="1599"/>')
    await send(harness, admin, broken, "edex.xml")
    assert "onbekende groep-key '1599'; geen <groep> heeft die" in admin.last.text


async def test_a_file_that_is_no_roster_is_named_so(harness: Harness) -> None:
    admin = await admin_of(harness)
    await send(harness, admin, b"Naam;Adres\nJansen;Dorpsstraat 1\n", "adressen.csv")
    assert "Samen herkent dit bestand niet." in admin.last.text


async def test_a_teachers_file_is_answered_and_not_read(harness: Harness) -> None:
    teacher = (await people(harness, (S, "S001", "Marieke")))["S001"]
    await send(harness, teacher, parnassys_export(extra=NEW_PUPIL), "leerlingen.csv")
    assert "Alleen de Samen-beheerder van de school stuurt hier bestanden" in teacher.last.text
    assert harness.server.calls_of("getFile") == []
    assert "P026" not in await pupil_ids(harness)


async def test_a_parents_file_goes_to_school_as_a_message_and_is_not_imported(
    harness: Harness,
) -> None:
    users = await people(harness, (G, "G009", "Marloes"), (S, "S001", "Marieke"))
    marloes, marieke = users["G009"], users["S001"]
    before = len(marieke.messages)
    await send(harness, marloes, parnassys_export(extra=NEW_PUPIL), "leerlingen.csv")
    await delivered(harness, marieke, before + 1)
    assert marieke.last.copy_of is not None and marieke.last.copy_of[0] == marloes.chat_id
    assert harness.server.calls_of("getFile") == []
    assert "P026" not in await pupil_ids(harness)

"""The pupil file of one pupil from the database: the rows recorded about the pupil and the
names of everyone in them. The file itself is made in `bot/rules/pupil_file_events.py`
(which event comes from which table), its words are in `bot/texts/pupil_file_words.py` and
its A4 document in `bot/paper/pupil_file.py`."""

from __future__ import annotations

from bot.rules.pupil_file import GuardianOnFile, PersonKey, PupilFile
from bot.rules.pupil_file_events import build_file
from bot.rules.pupil_file_sources import guardian_ids
from bot.storage import Tx


async def collect(tx: Tx, pupil_id: str, *, school: str = "") -> PupilFile:
    """Everything recorded about a pupil. Raises LookupError for an unknown pupil."""
    pupil = await tx.pupil(pupil_id)
    if pupil is None:
        raise LookupError(pupil_id)
    family = await tx.guardians_of_pupil(pupil_id)
    rows = await tx.pupil_file_rows(pupil_id)
    names: dict[PersonKey, str] = {
        ("pupil", pupil.pupil_id): f"{pupil.first_name} {pupil.last_name}"
    }
    for member in await tx.all_staff():
        names[("staff", member.staff_id)] = f"{member.first_name} {member.last_name}"
    for guardian, _ in family:
        names[("guardian", guardian.guardian_id)] = f"{guardian.first_name} {guardian.last_name}"
    # A guardian no longer linked to the pupil still answered what they answered.
    for guardian_id in guardian_ids(rows) - {g.guardian_id for g, _ in family}:
        former = await tx.guardian(guardian_id)
        if former is not None:
            names[("guardian", guardian_id)] = f"{former.first_name} {former.last_name}"
    guardians = tuple(
        GuardianOnFile(
            g.guardian_id, g.first_name, g.last_name, link.relation, link.authority, g.language
        )
        for g, link in family
    )
    return build_file(pupil, guardians, rows, names, school=school)

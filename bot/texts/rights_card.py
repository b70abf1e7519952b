"""What a coordinator reads on a pupil's information-rights card (/leerling): who decides,
what each guardian receives and why, and their restrictions."""

from __future__ import annotations

from datetime import date

from bot.i18n.translator import N_, Translator
from bot.rules.models import (
    Guardian,
    Pupil,
    age_on,
)
from bot.rules.rights import (
    AgeBand,
    Deciders,
    LinkFacts,
    RestrictionKind,
    Why,
)
from bot.texts import staff_labels

WHY_LABELS = {
    Why.AUTHORITY: N_("holds authority: receives everything and decides"),
    Why.INFORMATION_REQUEST: N_("no authority; asked for information: receives important facts"),
    Why.FAMILY_GUARDIAN: N_("family guardian: informed, does not decide"),
    Why.FOSTER_PARENT: N_("foster parent: meetings and good news"),
    Why.NOT_DAY_TO_DAY: N_("foster parent: meetings and good news"),
    Why.DAY_TO_DAY_ALLOWED: N_(
        "foster parent: meetings, good news, agreements and advice for home"
    ),
    Why.COURT_ARRANGEMENT: N_("court arrangement: receives what it allows"),
    Why.ADULT_PUPIL_CONSENT: N_("the pupil (18+) agreed that this parent is informed"),
    Why.STUDY_PROGRESS_STAYS: N_("the pupil refused; study progress only"),
    Why.NO_AUTHORITY: N_("no authority: receives nothing"),
    Why.NO_REQUEST: N_("no authority, no request recorded: receives nothing"),
    Why.NEVER_RECOGNISED: N_("never recognised the child: no right to information"),
    Why.WITHHELD: N_("information withheld in the child's interest"),
    Why.REFUSED_BY_PUPIL: N_("the pupil (16+) refused information to this parent"),
    Why.ADULT_PUPIL: N_("the pupil is 18+: only with the pupil's consent"),
    Why.NOT_A_DECIDER: N_("does not decide"),
}


RESTRICTION_LABELS = {
    RestrictionKind.COURT_ARRANGEMENT: N_("⚖️ Court arrangement"),
    RestrictionKind.WITHHELD: N_("🚫 Withhold in the child's interest"),
    RestrictionKind.REFUSED_BY_PUPIL: N_("🙅 The pupil (16–17) refuses"),
}


def who_decides(
    tr: Translator,
    pupil: Pupil,
    decide: Deciders,
    guardians: dict[str, Guardian],
    today: date,
) -> list[str]:
    names = [f"{guardians[g].first_name} {guardians[g].last_name}" for g in decide.guardians]
    if decide.pupil:
        names.append(pupil.first_name)
    lines = [
        # staff:
        tr._(
            "<b>{pupil}</b>, {age} years, group {group}",
            pupil=f"{pupil.first_name} {pupil.last_name}",
            age=age_on(pupil.birth_date, today),
            group=pupil.group,
        ),
        # staff:
        tr._("Consent is given by: {names}", names=tr.list_of(names) or "–"),
    ]
    if decide.pupil_not_capable_reason is not None:
        # staff:
        lines.append(
            tr._(
                "{pupil} was judged not capable of deciding: {reason}",
                pupil=pupil.first_name,
                reason=decide.pupil_not_capable_reason,
            )
        )
    return lines


def guardian_lines(
    tr: Translator, link: LinkFacts, guardian: Guardian, reason: Why, band: AgeBand
) -> list[str]:
    """One guardian: who, and what they receive and why; a restriction below it."""
    name = f"{guardian.first_name} {guardian.last_name}"
    relation = tr.label(staff_labels.RELATION_LABELS[link.relation])
    if reason is Why.AUTHORITY and band is AgeBand.OLDER_TEEN:
        why = tr.label(N_("holds authority: informed; the pupil decides"))
    elif reason is Why.NOT_DAY_TO_DAY and link.day_to_day_allowed_by:
        why = tr.label(
            N_("{what} (allowed by {who})"),
            what=tr.label(WHY_LABELS[Why.DAY_TO_DAY_ALLOWED]),
            who=link.day_to_day_allowed_by,
        )
    else:
        why = tr.label(WHY_LABELS[reason])
    lines = [tr._("• {name}, {relation}: {why}", name=name, relation=relation, why=why)]
    if link.restriction is not None:
        lines.append(
            tr._(
                "  ↳ {kind}: {reason}",
                kind=tr.label(RESTRICTION_LABELS[link.restriction.kind]),
                reason=link.restriction.reason,
            )
        )
    return lines

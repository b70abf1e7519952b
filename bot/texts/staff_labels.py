"""Labels only staff read (the catalogue check treats this module as staff-only)."""

from __future__ import annotations

from bot.i18n.translator import N_

RELATION_LABELS = {
    "mother": N_("mother"),
    "father": N_("father"),
    "parent": N_("parent"),
    "guardian": N_("guardian"),
    "foster_parent": N_("foster parent"),
    "family_guardian": N_("family guardian"),
    "other": N_("family member"),
}

STATUS_LABELS = {
    "pending": N_("⏳ waiting for answers"),
    "full": N_("✅ consent given"),
    "conflict": N_("⚠️ parents disagree: talk with them"),
    "anonymous": N_("❌ no consent: discuss anonymously only"),
    "outside_info_only": N_("📄 no answer in time: outside information only"),
    "safety_exception": N_("🛡 safety exception (meldcode)"),
}

MAY_DISCUSS_LABELS = {
    "nothing_yet": N_("nothing yet"),
    "as_requested": N_("what the request names"),
    "anonymous_only": N_("only anonymously, without name"),
    "outside_info": N_("only name, date of birth, known to care services and since when"),
    "safety_rules": N_("the meldcode applies; consent rules are lifted"),
}

# What a message held by a safety exception is, by its outbox purpose.
HELD_PURPOSE_LABELS = {
    "meeting_invitation": N_("invitation to a talk"),
    "meeting_ics": N_("calendar file of a talk"),
    "meeting_reminder": N_("reminder of a talk"),
    "meeting_cancelled": N_("a talk was cancelled"),
    "summary": N_("summary of a talk"),
    "summary_answer": N_("answer to a question about a summary"),
    "positive_news": N_("good news"),
    "cvb_notice": N_("CvB notice"),
    "zat_request": N_("consent request (ZAT)"),
    "assessment_request": N_("consent request (assessment)"),
    "zat_notice": N_("notice of a ZAT discussion"),
    "assessment_notice": N_("notice of an assessment"),
    "consent_reminder": N_("reminder of a consent request"),
    "care_update": N_("change to a CvB or ZAT discussion"),
    "support_route_notice": N_("notice about support"),
    "round_invitation": N_("invitation to short talks"),
    "round_reminder": N_("reminder of a short talk"),
    "round_booking_notice": N_("a short talk was booked"),
}

# A message to a family that did not go out, as the teacher's card and the overview say it.
HELD_LABELS = {
    "held": N_("⏸ held: safety exception, the coordinator decides"),
    "withdrawn": N_("🗑 withdrawn by the coordinator: not told"),
}

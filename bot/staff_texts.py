"""Labels only staff read (the catalogue check treats this module as staff-only)."""

from __future__ import annotations

from bot.i18n import N_

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

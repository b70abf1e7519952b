"""The themes of good news: what a pupil did really well at, as the teacher chooses it and as
the family and the pupil file read it."""

from __future__ import annotations

from bot.i18n.translator import N_

THEMES = {
    "effort": N_("working hard"),
    "helping": N_("helping others"),
    "perseverance": N_("not giving up"),
    "reading": N_("progress in reading"),
    "maths": N_("progress in maths"),
    "subject": N_("progress in a subject"),
    "kindness": N_("being kind"),
    "creativity": N_("being creative"),
    "sports": N_("sports and games"),
    "independence": N_("doing things on their own"),
    "together": N_("working well together"),
    "good_day": N_("a good day"),
}

"""The heading of each kind of event in a pupil's file, in the reader's language."""

from __future__ import annotations

from bot.i18n.translator import N_

HEADINGS = {
    "meeting_planned": N_("Talk planned"),
    "meeting_moved": N_("Talk moved to another time"),
    "meeting_cancelled": N_("Talk cancelled"),
    "meeting_answer": N_("Answer to an invitation for a talk"),
    "slot_booked": N_("Time chosen for a short talk"),
    "summary_written": N_("Summary of a talk sent"),
    "summary_read": N_("Summary read"),
    "summary_question": N_("Question about a summary"),
    "summary_answered": N_("Answer to a question about a summary"),
    # staff:
    "preparation": N_("Talk prepared by the teacher"),
    "notice_sent": N_("Message about a talk in the school's care team (CvB)"),
    "notice_answer": N_("Answer to the message about the care team"),
    "consent_requested": N_("Question for consent"),
    "consent_answer": N_("Answer about consent"),
    "consent_withdrawn": N_("Consent withdrawn"),
    "consent_reminder": N_("Reminder about the question for consent"),
    "discussion_cancelled": N_("Talk in a team cancelled"),
    "positive_news": N_("Good news sent"),
    "news_reaction": N_("Reaction to good news"),
    "family_message": N_("Message between family and school"),
    "absence_reported": N_("Reported sick or absent"),
    "route_moved": N_("New step in the school's support"),
    "route_step_ticked": N_("Done in the school's support"),
    "route_step_unticked": N_("No longer done in the school's support"),
    "support_route_notice": N_("Message: extra support starts"),
    "sdq_reminder": N_("Asked to fill in a list of questions (the SDQ)"),
    # staff:
    "restriction": N_("Information limited for a parent"),
    # staff:
    "restriction_lifted": N_("Limit on information lifted"),
    # staff:
    "safety_decision": N_("Safety decision (meldcode)"),
    # staff:
    "safety_parents_told": N_("Parents told about the safety decision"),
    # staff:
    "safety_lifted": N_("Safety decision ended"),
    "invitation_made": N_("Invitation to Samen made"),
    "account_linked": N_("Joined Samen"),
    "unreachable": N_("Samen could not reach someone"),
    "reachable_again": N_("Samen can reach someone again"),
    "information_request": N_("A parent asked to be informed"),
    "adult_consent_given": N_("The pupil allows a parent to be informed"),
    "adult_consent_withdrawn": N_("The pupil no longer allows a parent to be informed"),
    "capability_recorded": N_("Can the pupil decide about consent?"),
    "roster_facts_changed": N_("Family details changed"),
    # staff:
    "audit_entry": N_("Other record"),
}

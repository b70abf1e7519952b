"""`/positief`: good news to a family in a minute — themes, an optional own sentence, a
preview exactly as each reader will see it, then now or at a chosen time. And the
coordinator's coverage: is good news reaching every family?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from bot.i18n.translator import language_name
from bot.rules.callback_data import GoodNewsTap
from bot.rules.models import PersonKind, Viewer
from bot.rules.permissions import Action, may_see_pupil, visible_groups
from bot.rules.rights import MessageKind, audience
from bot.rules.schooltime import in_quiet_hours, next_allowed
from bot.services import good_news, pupil_discussions
from bot.services.notify import language_read
from conversations.common import Handlers, services, tap_of, tr_for
from conversations.flow import Flow, Step, begin, progress, register
from conversations.guards import requires
from conversations.moments import future_moment, typed_time
from conversations.pupils import PupilStep, ask_pupil, still_visible
from conversations.replies import clip, done, not_in_samen, reply

STEPS = ["pupil", "themes", "words", "preview"]
MAX_WORDS = 400


def _heading(step: Step) -> str:
    number = STEPS.index(step.state.step) + 1 if step.state.step in STEPS else len(STEPS)
    # staff:
    title = step.tr._("🌟 <b>Good news for a family</b>")
    return f"{title}\n{progress(step.tr, number, len(STEPS))}"


@requires(Action.POSITIVE_NEWS)
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    tap = tap_of(update, GoodNewsTap)
    step = await begin(update, context, viewer, "news", "pupil", themes=[])
    if tap is not None:
        svc = services(context)
        async with svc.db.reading() as tx:
            member = await tx.staff_member(viewer.person_id or "")
            pupil = await tx.pupil(tap.pupil_id)
        if member and pupil and may_see_pupil(member, pupil.group):
            await step.go("pupil", pupil_id=pupil.pupil_id, child=pupil.first_name)
            await _ask(step, "themes")
            await done(update)
            return
    await ask_pupil(step, _heading(step))
    await done(update)


@dataclass
class NewsDraft:
    """What the good-news flow knows so far."""

    pupil_id: str = ""
    child: str = ""
    themes: list[str] = field(default_factory=list)  # keys of good_news.THEMES
    words: str = ""


@dataclass
class ReactionDraft:
    """A parent's few words in reaction to good news: which news."""

    news_id: int = 0


async def _ask(step: Step, name: str, note: str = "") -> None:
    await step.go(name)
    tr = step.tr
    heading = _heading(step) + (f"\n{note}" if note else "")
    child = step.draft(NewsDraft).child
    if name == "pupil":
        await ask_pupil(step, heading)
    elif name == "themes":
        chosen = set(step.draft(NewsDraft).themes)
        buttons = [
            step.button(("✅ " if key in chosen else "") + tr.label(label), f"t:{key}")
            for key, label in good_news.THEMES.items()
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append(step.back_row("back", step.next_button()))
        # staff:
        question = tr._("What did {child} do well? Choose one or more.", child=child)
        await step.show(f"{heading}\n{question}", rows)
    elif name == "words":
        # staff:
        skip = step.button(tr.label("⏭ Skip"), "skip")
        rows = [step.back_row("back", skip)]
        # staff:
        question = tr._(
            "Add a sentence of your own? Type it, or skip. Parents see it as you"
            " write it, in Dutch."
        )
        await step.show(f"{heading}\n{question}", rows)
    else:
        await _preview(step, note)


async def _readers(step: Step) -> list[tuple[str, str, bool]]:
    """(first name, language, linked) of everyone the rules name for good news."""
    pupil_id = step.draft(NewsDraft).pupil_id
    now = step.svc.clock.now()
    async with step.svc.db.transaction() as tx:
        pupil = await tx.pupil(pupil_id)
        facts = await tx.rights_facts(pupil_id)
        assert pupil is not None and facts is not None
        chosen = audience(
            MessageKind.POSITIVE_NEWS,
            facts[0],
            facts[1],
            now.astimezone(step.svc.settings.timezone).date(),
        )
        targets = [(PersonKind.GUARDIAN, g) for g in chosen.guardians]
        if chosen.pupil:
            targets.append((PersonKind.PUPIL, pupil_id))
        people = await pupil_discussions.people_of_pupil(tx, pupil)
        out = []
        for kind, person_id in targets:
            person = people[pupil_discussions.person_key(kind, person_id)]
            out.append(
                (
                    person.first_name,
                    await language_read(tx, kind, person_id),
                    await tx.chat_of_person(kind, person_id) is not None,
                )
            )
    return out


async def _preview(step: Step, note: str = "") -> None:
    tr = step.tr
    member = await step.staff()
    data = step.draft(NewsDraft)
    lines = [_heading(step)]
    if note:
        lines.append(note)
    # staff:
    lines.append(tr._("This is what each reader will see:"))
    readers = await _readers(step)
    for name, language, linked in readers:
        reader_tr = step.svc.texts(language)
        lines.append("")
        # staff:
        lines.append(
            tr.lines(
                tr._("<b>{name}</b> ({language}):", name=name, language=language_name(language))
                # staff:
                + ("" if linked else " ⚠️ " + tr._("not in Samen"))
            )
        )
        lines.append(
            good_news.news_text(
                reader_tr,
                name=name,
                child=data.child,
                teacher=f"{member.first_name} {member.last_name}" if member else "",
                words=data.words,
                themes=data.themes,
            )
        )
    if not readers:
        # staff:
        lines.append(tr._("⚠️ Nobody in the roster can receive this. Check the guardians first."))
    rows = [
        [
            # staff:
            step.button(tr.label("📤 Send now"), "now"),
            # staff:
            step.button(tr.label("🕒 Send later"), "later"),
        ],
        step.back_row(),
    ]
    await step.show(clip(lines, tr), rows)


async def _ask_themes(step: Step) -> None:
    await _ask(step, "themes")


async def on_button(step: Step, value: str) -> None:
    current = step.state.step
    if value == "back":
        previous = STEPS[max(STEPS.index(current) - 1, 0)] if current in STEPS else "preview"
        await _ask(step, previous)
        return
    if current == "themes":
        chosen = list(step.draft(NewsDraft).themes)
        if value == "next":
            await _ask(step, "words")  # themes are optional: a sentence alone is fine too
            return
        key = value.removeprefix("t:")
        if key in good_news.THEMES:
            chosen = [k for k in good_news.THEMES if (k in chosen) != (k == key)]
            await step.go("themes", themes=chosen)
        await _ask(step, "themes")
        return
    if current == "words" and value == "skip":
        await step.go("words", words="")
        await _ask(step, "preview")
        return
    if current in ("preview", "later") and value == "now":
        await _send(step, None)
        return
    if current == "preview" and value == "later":
        await _ask_when(step)
        return
    if current == "later" and value.startswith("at:"):
        # A quiet-hours suggestion or one reading of a contradicting weekday and date: the
        # same checks as a typed time, since the reading tapped may be a Saturday.
        moment = future_moment(step, value.removeprefix("at:"))
        if moment is None:
            await _ask_when(step)
            return
        await _schedule(step, moment)
        return
    await _ask(step, current if current in STEPS else "preview")


async def on_text(step: Step, text: str) -> None:
    current = step.state.step
    tr = step.tr
    if current == "words":
        if len(text) > MAX_WORDS:
            # staff:
            await step.show(tr._("Please keep it shorter (at most {n} characters).", n=MAX_WORDS))
            return
        await step.go("words", words=text)
        await _ask(step, "preview")
        return
    if current == "later":
        moment = await typed_time(step, text, "back")
        if moment is not None:
            await _schedule(step, moment)
        return
    # staff:
    await step.show(tr._("Please use the buttons above, or type /annuleren to stop."))


async def _ask_when(step: Step) -> None:
    await step.go("later")
    await step.show(
        # staff:
        step.tr._("When should it go out? For example <i>vrijdag 15:00</i> or <i>4 dec 15:00</i>."),
        [step.back_row()],
    )


async def _schedule(step: Step, moment: datetime) -> None:
    """Send at `moment`, unless it is in the quiet hours: then suggest the next allowed time."""
    tr = step.tr
    settings = step.svc.settings
    quiet = pupil_discussions.quiet_hours(settings)
    if in_quiet_hours(moment, settings.timezone, quiet, settings.holidays):
        suggestion = next_allowed(moment, settings.timezone, quiet, settings.holidays)
        await step.go("later")  # a fresh nonce: an earlier question's buttons no longer work
        # staff:
        note = tr._(
            "{date} is in the quiet hours for families (evenings, nights, weekends and"
            " holidays). What about {suggestion}?",
            date=tr.datetime(moment),
            suggestion=tr.datetime(suggestion),
        )
        rows: list[list[InlineKeyboardButton]] = [
            [step.button("🕒 " + tr.datetime(suggestion), f"at:{suggestion.isoformat()}")],
            step.back_row(),
        ]
        await step.show(note, rows)
        return
    await _send(step, moment)


async def _send(step: Step, when: datetime | None) -> None:
    tr = step.tr
    data = step.draft(NewsDraft)
    member = await step.staff()
    if member is None:
        await step.end()
        return
    now = step.svc.clock.now()
    if when is not None and when <= now:
        when = None
    async with step.finishing() as w:
        pupil = await still_visible(step, w, member, data.pupil_id)
        if pupil is None:
            return
        sent = await good_news.send_positive_news(
            w,
            staff=member,
            pupil_id=pupil.pupil_id,
            words=data.words,
            themes=data.themes,
            send_at=when,
        )
    names = tr.list_of(list(sent.reached)) or "–"
    if sent.held:
        # Staff must not believe the family was told: nothing went out.
        # staff:
        text = tr._(
            "⏸ Not sent: a safety exception applies to {child}."
            " The coordinator decides whether it goes out.",
            child=pupil.first_name,
        )
    elif when is None:
        # staff:
        text = tr._("✅ Good news sent to {names}. You will see their reactions here.", names=names)
    else:
        # staff:
        text = tr._(
            "✅ Good news for {names} goes out on {date}.", names=names, date=tr.datetime(when)
        )
    text = "\n".join([text, *not_in_samen(tr, sent.not_linked)])
    await step.show(text)


register(
    Flow(
        "news", Action.POSITIVE_NEWS, on_text, on_button, PupilStep(_heading, "pupil", _ask_themes)
    )
)


# --- coverage for coordinators ---------------------------------------------------------


@requires(Action.FAMILY_OVERVIEW)
async def coverage(update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Viewer) -> None:
    svc = services(context)
    tr = tr_for(context, viewer)
    async with svc.work() as w:
        member = await w.tx.staff_member(viewer.person_id or "")
        groups = visible_groups(member, await w.tx.groups()) if member else []
        rows = await good_news.coverage(w, groups)
    # staff:
    lines = [
        tr._(
            "🌟 <b>Good news per group</b> (last {weeks} school weeks)",
            weeks=svc.settings.positive_news_weeks,
        )
    ]
    for row in rows:
        share = round(100 * row.reached / row.families) if row.families else 0
        # staff:
        lines.append(
            tr._(
                "<b>Group {group}</b>: {reached} of {total} families ({share}%)",
                group=row.group,
                reached=row.reached,
                total=row.families,
                share=share,
            )
        )
        if row.overdue:
            # staff:
            lines.append(
                tr._("Waiting for good news: {names}", names=tr.list_of(list(row.overdue)))
            )
        if row.unreachable:
            # staff:
            lines.append(
                tr._("Not reachable in Samen: {names}", names=tr.list_of(list(row.unreachable)))
            )
    await reply(update, clip(lines, tr), None, edit=update.callback_query is not None)
    await done(update)


# --- a parent's few words in reaction ---------------------------------------------------


async def words_text(step: Step, text: str) -> None:
    tr = step.tr
    news_id = step.draft(ReactionDraft).news_id
    viewer = step.viewer
    assert viewer.kind is not None and viewer.person_id is not None
    async with step.finishing() as w:
        await good_news.record_reaction(
            w,
            news_id=news_id,
            person=(viewer.kind, viewer.person_id),
            reaction="words",
            words=text[:MAX_WORDS],
        )
    await step.show(tr._("Thank you! The teacher will see your reaction."))


async def words_button(step: Step, value: str) -> None:
    await step.end()
    await step.show(step.tr._("I don't understand this. Choose one of the buttons, or type /help."))


register(Flow("news_words", Action.ANSWER_CARE, words_text, words_button))

HANDLERS: Handlers = [
    CommandHandler("positief", start),
    CallbackQueryHandler(start, pattern=GoodNewsTap.pattern()),
    CallbackQueryHandler(start, pattern=r"^menu:news$"),
    CallbackQueryHandler(coverage, pattern=r"^menu:coverage$"),
]

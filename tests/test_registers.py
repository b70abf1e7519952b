"""Each language addresses its reader the way a school would, and writes sentences rather than
forms: Polish says "Państwo" to parents and "ty" to pupils, Ukrainian "Ви" and "ти"; a child's
name stands where the sentence can carry it; one child is one child; one word for consent.

Who a message is written to is read from the Dutch catalogue, which says "u" to parents and
"je" to pupils throughout."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog

from bot.i18n.catalogues import parent_messages, read_catalog
from bot.i18n.translator import SUPPORTED_LANGUAGES, Catalogues, locales_dir

TEXTS = Catalogues(SUPPORTED_LANGUAGES, ZoneInfo("Europe/Amsterdam"))
TO_A_PARENT = re.compile(r"\b[Uu]w?\b")
TO_A_PUPIL = re.compile(r"\b(?:[Jj]e|[Jj]ij|[Jj]ou|[Jj]ouw)\b")
# Second person: informal, and formal.
INFORMAL = {
    "pl": re.compile(
        r"\b(?:[Tt]y|[Cc]ię|[Cc]iebie|[Tt]obie|[Tt]obą|[Tt]w(?:ój|oja|oje|oi|ojej|oim|oich|ojego|oją)"
        r"|możesz|masz|jesteś|chcesz|dostajesz|odpowiadasz|zgodzisz)\b"
    ),
    "uk": re.compile(
        r"\b(?:[Тт]и|[Тт]ебе|[Тт]обі|[Тт]обою|[Тт]в(?:ій|оя|оє|ої|ого|оєї|оїх|оїм|оїй|ою))\b"
    ),
}
FORMAL = {"pl": re.compile(r"\bPaństw"), "uk": re.compile(r"\b(?:Ви|Вас|Вам|Вами|Ваш)")}


def _catalog(language: str) -> Catalog:
    return read_catalog(locales_dir() / language / "LC_MESSAGES" / "messages.po", language)


def _parent_texts_matching(catalog: Catalog, pattern: re.Pattern[str]) -> list[str]:
    return [
        text
        for msgid in parent_messages(locales_dir())
        for text in _texts(catalog, msgid)
        if pattern.search(text)
    ]


def _entries_containing(catalog: Catalog, word: str) -> list[object]:
    """Every entry, parent or staff, whose translation has this word."""
    return [m.id for m in catalog if m.id and word in " ".join(_texts(catalog, m.id))]


def _texts(catalog: Catalog, msgid: str | tuple[str, str]) -> list[str]:
    message = catalog.get(msgid)
    assert message is not None, msgid
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _read_by(reader: re.Pattern[str]) -> list[str | tuple[str, str]]:
    dutch = _catalog("nl")
    return [
        msgid
        for msgid in parent_messages(locales_dir())
        if any(reader.search(text) for text in _texts(dutch, msgid))
    ]


@pytest.mark.parametrize("language", ["pl", "uk"])
def test_parents_are_addressed_formally_and_pupils_informally(language: str) -> None:
    catalog = _catalog(language)
    to_parents = _read_by(TO_A_PARENT)
    to_pupils = _read_by(TO_A_PUPIL)
    assert len(to_parents) > 80 and len(to_pupils) > 15
    assert not set(to_parents) & set(to_pupils)
    informal_to_parents = [
        text
        for msgid in to_parents
        for text in _texts(catalog, msgid)
        if INFORMAL[language].search(text)
    ]
    formal_to_pupils = [
        text
        for msgid in to_pupils
        for text in _texts(catalog, msgid)
        if FORMAL[language].search(text)
    ]
    assert informal_to_parents == []
    assert formal_to_pupils == []
    # … and pupils are spoken to, not only spoken of.
    assert (
        sum(
            bool(INFORMAL[language].search(text))
            for msgid in to_pupils
            for text in _texts(catalog, msgid)
        )
        >= 15
    )


@pytest.mark.parametrize(("language", "label"), [("pl", "Dotyczy:"), ("uk", "Про кого:")])
def test_a_sentence_about_a_child_is_a_sentence_not_a_form(language: str, label: str) -> None:
    """Where the English says "the talk about {child}", the translation says so too; a label
    stays only where the English is a label ("About: {team}.")."""
    catalog = _catalog(language)
    forms = [
        text
        for msgid in parent_messages(locales_dir())
        for text in _texts(catalog, msgid)
        if (label in text or "Тема:" in text)
        and not (msgid if isinstance(msgid, str) else msgid[0]).startswith("About:")
    ]
    assert forms == []


def test_polish_keeps_a_name_where_it_needs_no_case_ending() -> None:
    """A Dutch name takes no Polish ending, so no preposition stands right before one: the
    sentence makes the child its subject ("… jak radzi sobie {child}") instead."""
    catalog = _catalog("pl")
    names = "child|children|teacher|teachers|name|names|sender|booker|who"
    before_a_name = re.compile(rf"\b(?:o|z|ze|dla|do|od|u|przez|w|we|na)\s+\{{(?:{names})\}}")
    assert _parent_texts_matching(catalog, before_a_name) == []


@pytest.mark.parametrize(("language", "several"), [("pl", "dzieci"), ("uk", "діт")])
def test_one_child_is_one_child(language: str, several: str) -> None:
    tr = TEXTS(language)
    singular = (
        "Welcome, {name}! 👋 You are now connected to Samen of {school}.\n"
        "Here you get invitations, questions and good news about your child {children}."
        " You answer with one tap."
    )
    plural = singular.replace("your child", "your children")
    one = tr.n_(singular, plural, 1, name="Ewa", school="De Brug", children="Emre")
    three = tr.n_(
        singular, plural, 3, name="Ewa", school="De Brug", children=tr.list_of(["A", "B", "C"])
    )
    assert several not in one and "Emre" in one
    assert several in three
    letter = tr.n_label(
        "{school} uses Samen to stay in touch with you about your child {children}.",
        "{school} uses Samen to stay in touch with you about your children {children}.",
        1,
        school="De Brug",
        children="Emre",
    )
    assert several not in letter and "Emre" in letter


def test_polish_consent_is_said_in_a_sentence() -> None:
    tr = TEXTS("pl")
    agreed = tr._(
        "✅ You agreed. Thank you. You can withdraw this at any time under “📝 My permissions”"
        " in the menu."
    )
    assert not agreed.startswith("✅ Jest zgoda") and "Zgoda została udzielona" in agreed


def test_ukrainian_has_one_word_for_consent() -> None:
    """ "Згода" throughout: the menu button, its screen and the messages that name it."""
    catalog = _catalog("uk")
    permission = re.compile(r"\bдозв(?:іл|ол[иуів]\w*)\b")
    assert _parent_texts_matching(catalog, permission) == []
    assert TEXTS("uk").label("📝 My permissions") == "📝 Мої згоди"


def test_turkish_calls_the_care_team_a_pupil_support_team() -> None:
    """ "Bakım ekibi" is a maintenance or nursing crew; the CvB supports pupils."""
    catalog = _catalog("tr")
    assert _entries_containing(catalog, "bakım") == []
    assert "öğrenci destek ekibi" in TEXTS("tr").label("the school's care team (CvB)")


def test_farsi_and_dari_have_one_word_for_consent() -> None:
    """ "اجازه" throughout, as the parent texts said it; never also "رضایت"."""
    for language in ("fa", "prs"):
        catalog = _catalog(language)
        assert _entries_containing(catalog, "رضایت") == []
    assert "اجازه" in TEXTS("fa").label("📝 My permissions")


def test_arabic_speaks_to_one_parent() -> None:
    """A parent is one reader: "أخبر" (tell, to one), not the plural "أبلغوا"."""
    catalog = _catalog("ar")
    assert _entries_containing(catalog, "أبلغوا") == []

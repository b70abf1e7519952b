"""The one rule for the language a person reads."""

from __future__ import annotations

import pytest

from bot.rules.language import phone_language, reading_language


@pytest.mark.parametrize(
    ("chosen", "roster", "loaded", "reads"),
    [
        ("ar", "tr", ("nl", "ar", "tr"), "ar"),  # their own choice first
        (None, "tr", ("nl", "tr"), "tr"),  # else the roster's
        (None, None, ("nl", "tr"), "nl"),  # else Dutch
        ("so", "tr", ("nl", "tr"), "tr"),  # a choice the school switched off: the roster's
        (None, "so", ("nl", "tr"), "nl"),  # never a language the school has not loaded
        ("", "", ("nl",), "nl"),
    ],
)
def test_the_language_a_person_reads(
    chosen: str | None, roster: str | None, loaded: tuple[str, ...], reads: str
) -> None:
    assert reading_language(chosen, roster, loaded) == reads


@pytest.mark.parametrize(
    ("tag", "code"),
    [("pt-br", "pt"), ("es", "es"), ("fa", "fa"), ("fa-AF", "prs"), ("RO", "ro"), (None, "")],
)
def test_a_phones_language_tag_names_samens_language(tag: str | None, code: str) -> None:
    assert phone_language(tag) == code

"""Binding Dutch legal texts, versioned: an answer records the version and the hash of the
exact text that was shown, so a changed text never rewrites what someone agreed to."""

from __future__ import annotations

import hashlib
from importlib import resources

# Version 2 names the purpose, how long consent and the shared information last, what
# withdrawing means, that saying no has no other consequence, and whom to ask; it has one
# text per kind of discussion. Answers given under version 1 keep their version and hash.
CONSENT_VERSION = "consent-v2"


def template(version: str, kind: str | None = None) -> str:
    """The Dutch template of `version`; from version 2 there is one per kind of discussion."""
    folder = resources.files("bot.i18n.legal")
    specific = folder / f"{version}-{kind}.nl.txt"
    if kind is not None and specific.is_file():
        return specific.read_text("utf-8")
    return (folder / f"{version}.nl.txt").read_text("utf-8")


def templates() -> dict[str, str]:
    """Every legal text by file name, for the plain-language check."""
    folder = resources.files("bot.i18n.legal")
    return {
        entry.name: entry.read_text("utf-8")
        for entry in folder.iterdir()
        if entry.name.endswith(".nl.txt")
    }


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

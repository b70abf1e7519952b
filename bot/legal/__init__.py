"""Binding Dutch legal texts, versioned: an answer records the version and the hash of the
exact text that was shown, so a changed text never rewrites what someone agreed to."""

from __future__ import annotations

import hashlib
from importlib import resources

CONSENT_VERSION = "consent-v1"


def template(version: str) -> str:
    return (resources.files("bot.legal") / f"{version}.nl.txt").read_text("utf-8")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

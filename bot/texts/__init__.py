"""Translator in, text out: what parents, pupils and staff read, built from a Translator and
plain values. No storage and no Telegram here."""

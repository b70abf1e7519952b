"""Samen: parent–school partnership for Dutch special education, on Telegram."""

import os

# python-telegram-bot 22 warns unless `retry_after` is a timedelta; opt in once, early.
os.environ.setdefault("PTB_TIMEDELTA", "true")

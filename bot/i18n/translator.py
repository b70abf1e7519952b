"""Translations and locale-aware formatting.

Catalogues are the `.po` files in `locales/`; they are compiled in memory when
Samen starts, so a stale `.mo` can never be served. A missing catalogue stops
the start instead of silently falling back to the source text.

Message texts are Telegram HTML: interpolated values are escaped, stripped of
bidi control characters and, in right-to-left languages, wrapped in Unicode
isolation marks so names, dates and numbers keep their order. Nothing in a value
becomes a link, a mention, a hashtag or a command (see `unlinked`).
"""

from __future__ import annotations

import html
import io
import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "nl", "en", "tr", "ar", "pl", "uk", "ti", "so", "fa", "prs", "ro", "bg", "es", "pt"
)  # fmt: skip
RIGHT_TO_LEFT = frozenset({"ar", "fa", "prs"})
# Samen's language codes are what a school writes in its roster; Babel (CLDR) knows Dari,
# the Persian of Afghanistan, as Persian in Afghanistan: its month names and its own name.
_BABEL_LOCALES = {"prs": "fa_AF"}
DOMAIN = "messages"

FSI = "\u2068"  # first strong isolate
PDI = "\u2069"  # pop directional isolate
# Bidi marks, embeddings, overrides and isolates; the invisible zero-width space, word joiner
# and byte order mark; control characters but tab and line feed. The zero-width (non-)joiners
# stay: Persian spelling and emoji sequences need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
WORD_JOINER = "\u2060"
# Where Telegram starts a link, mention, hashtag, cashtag or command in a text: a dot before a
# label of two or more characters (a top-level domain has two at least) or the next number of
# an IP address, `://`, an `@`, `#` or `$` before a name, a `/` before a command word. A word
# joiner there keeps the text as it reads and breaks the pattern: Telegram does not count it
# as part of a domain or a name.
_LINK_STARTS = re.compile(
    r"(?<=\.)(?=[^\W\d_][^\W_]|\d+\.\d)"  # evil.nl, 10.0.0.1 (not J.P. or 1.234)
    r"|(?<=:)(?=//)"  # tg://, https://
    r"|(?<=@)(?=\w)|(?<=#)(?=\w)|(?<=\$)(?=[A-Z1])"  # @name, #tag, $USD
    r"|(?<![\w/<>]/)(?<=/)(?=\w)"  # /start, but not 1/2 or SO/VSO
)
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


class CatalogueMissing(RuntimeError):
    pass


def N_(message: str) -> str:
    """Mark a text for translation where it is defined; it is translated where it is shown."""
    return message


def locales_dir() -> Path:
    """Where the catalogues are: inside the installed package, or in the source tree."""
    package = Path(__file__).resolve().parent.parent  # bot/
    for candidate in (package / "locales", package.parent / "locales"):
        if (candidate / "messages.pot").exists():
            return candidate
    raise CatalogueMissing(f"no locales folder with messages.pot near {package}")


def babel_locale(code: str) -> str:
    """The Babel locale that formats dates, numbers and plural forms for a Samen language."""
    return _BABEL_LOCALES.get(code, code)


def language_name(code: str, reader: str | None = None) -> str:
    """A language's name in its own script ('Türkçe'), or in the reader's language
    (`language_name("ar", "nl")` is 'Arabisch', `language_name("prs")` is 'دری')."""
    locale = Locale.parse(babel_locale(reader or code))
    name = locale.languages.get(babel_locale(code)) or locale.languages.get(code) or code
    return name[:1].upper() + name[1:]


def clean_value(value: object) -> str:
    """A user-supplied value as safe text: bidi controls, invisible and control characters
    removed."""
    return _INVISIBLE.sub("", str(value))


def unlinked(text: str) -> str:
    """Text that Telegram shows as written but never turns into a link, mention, hashtag or
    command: a word joiner (invisible) after each place where one would start. Telegram finds
    these in every text message, whatever its parse mode; a name or a parent's words must not
    become a link in a message from the school."""
    return _LINK_STARTS.sub(WORD_JOINER, text)


@dataclass(frozen=True)
class Translator:
    language: str
    translations: Translations
    timezone: ZoneInfo

    @property
    def locale(self) -> str:
        """The Babel locale for dates, numbers and lists ('fa_AF' for Dari)."""
        return babel_locale(self.language)

    @property
    def rtl(self) -> bool:
        return self.language in RIGHT_TO_LEFT

    def _isolate(self, text: str) -> str:
        if self.rtl or _RTL_CHARS.search(text):
            return f"{FSI}{text}{PDI}"
        return text

    def _fill(self, template: str, values: dict[str, object], *, markup: bool) -> str:
        if not values:
            return template
        prepared: dict[str, str] = {}
        for key, value in values.items():
            if isinstance(value, Markup):
                prepared[key] = value.html if markup else value.plain
                continue
            text = clean_value(value)
            if markup:
                text = html.escape(unlinked(text), quote=False)
            prepared[key] = self._isolate(text)
        return template.format(**prepared)

    def _(self, message: str, **values: object) -> str:
        """Translate a message text (Telegram HTML) and fill in escaped values."""
        return self._fill(self.translations.gettext(message), values, markup=True)

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        """Plural-aware `_`; `{n}` in the text is the count."""
        values.setdefault("n", self.number(count))
        template = self.translations.ngettext(singular, plural, count)
        return self._fill(template, values, markup=True)

    def fill(self, template: str, **values: object) -> str:
        """Fill a text that is not in the catalogue (a versioned legal text) like `_` does."""
        return self._fill(template, values, markup=True)

    def label(self, message: str, **values: object) -> str:
        """Translate plain text (a button label or command description)."""
        return self._fill(self.translations.gettext(message), values, markup=False)

    def n_label(self, singular: str, plural: str, count: int, **values: object) -> str:
        """Plural-aware `label` (plain text: a letter, a button); `{n}` is the count."""
        values.setdefault("n", self.number(count))
        template = self.translations.ngettext(singular, plural, count)
        return self._fill(template, values, markup=False)

    def list_of(self, items: list[str]) -> str:
        """E.g. 'Ayla en Sem' / 'Ayla ve Sem'."""
        return format_list([clean_value(i) for i in items], locale=self.locale) if items else ""

    def date(self, day: date) -> str:
        """E.g. 'dinsdag 3 december': weekday and month written out, no year."""
        return format_date(day, _weekday_date_pattern(self.locale), locale=self.locale)

    def date_with_year(self, day: date) -> str:
        """E.g. '3 december 2014' (a birth date)."""
        return format_date(day, "long", locale=self.locale)

    def datetime(self, moment: datetime) -> str:
        """E.g. 'dinsdag 3 december 15:30', in the school's time zone."""
        local = moment.astimezone(self.timezone)
        # The locale's own glue between date and time (Arabic uses its own comma).
        glue = str(Locale.parse(self.locale).datetime_formats["medium"])
        return glue.replace("{1}", self.date(local.date())).replace("{0}", self.time(local))

    def time(self, moment: datetime) -> str:
        local = moment.astimezone(self.timezone) if moment.tzinfo else moment
        return format_time(local, "HH:mm", locale=self.locale)

    def number(self, value: int) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.locale)


@dataclass(frozen=True)
class Markup:
    """A value that is already safe HTML (built by a Translator), with its plain form."""

    html: str
    plain: str


class Catalogues:
    """All translators, loaded once at start."""

    def __init__(
        self, languages: tuple[str, ...], timezone: ZoneInfo, folder: Path | None = None
    ) -> None:
        folder = folder or locales_dir()
        self.languages = languages
        self._translators = {
            lang: Translator(lang, load_translations(folder, lang), timezone) for lang in languages
        }

    def __call__(self, language: str | None) -> Translator:
        return self._translators.get(language or "nl") or self._translators["nl"]

    def supports(self, language: str | None) -> bool:
        return language in self._translators


def load_translations(folder: Path, language: str) -> Translations:
    po_path = folder / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        raise CatalogueMissing(f"catalogue for {language!r} missing: {po_path}")
    return _compile(po_path, po_path.stat().st_mtime_ns)


@cache
def _compile(po_path: Path, _mtime: int) -> Translations:
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=babel_locale(po_path.parent.parent.name), domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def _weekday_date_pattern(language: str) -> str:
    """The locale's own order for day, month and weekday, with the weekday in full.
    (Babel's skeleton matching would keep the abbreviated weekday of 'MMMMEd'.)"""
    pattern = Locale.parse(language).datetime_skeletons["MMMMEd"]
    text = getattr(pattern, "pattern", str(pattern))
    return re.sub(r"(?<!E)E{1,3}(?!E)", "EEEE", text)


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a format string."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}

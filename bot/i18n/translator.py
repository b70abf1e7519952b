"""Translations and locale-aware formatting.

Catalogues are the `.po` files in `locales/`; they are compiled in memory when
Samen starts, so a stale `.mo` can never be served. A missing catalogue stops
the start instead of silently falling back to the source text.

Message texts are Telegram HTML: interpolated values are escaped, stripped of
bidi control characters and, in right-to-left languages, wrapped in Unicode
isolation marks so names, dates and numbers keep their order. Nothing in a value
becomes a link, a mention, a hashtag or a command (see `unlinked`).

Right to left (`RIGHT_TO_LEFT`): every line of a text the Translator returns starts with one
right-to-left mark, so a line that opens with a name, "Samen" or an emoji still reads from
the right (Telegram takes a line's direction from its first letter). A value is isolated
on its own (FSI, its own direction: a Latin name stays whole); a piece the Translator builds
from several parts (`list_of`, `phrase`) is isolated as a whole in the reader's direction
(RLI) with each value inside it isolated on its own, so the items of a list that starts with
a Latin name still read from the right. A command in a text ("/help") is isolated left to
right, or it would show as "help/". Each language writes one kind of digits everywhere:
Persian digits in Farsi and Dari, Latin digits in every other language (Arabic too).
"""

from __future__ import annotations

import html
import io
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

SUPPORTED_LANGUAGES: tuple[str, ...] = (
    "nl", "en", "tr", "ar", "pl", "uk", "ti", "so", "fa", "prs", "ro", "bg", "es", "pt"
)  # fmt: skip
RIGHT_TO_LEFT = frozenset({"ar", "fa", "prs"})
# Languages that write Persian digits (۰–۹) in dates, times, numbers and their catalogue texts;
# every other language writes Latin digits (0–9), Arabic too.
PERSIAN_DIGITS = frozenset({"fa", "prs"})
# Languages that separate the items of a list with the Arabic comma "، ".
ARABIC_COMMA = frozenset({"ar", "fa", "prs"})
# The Babel locale of a language Babel does not know by its own code: Samen's codes are what a
# school writes in its roster; Babel (CLDR) knows Dari, the Persian of Afghanistan, as Persian
# in Afghanistan, with its month names and its own name.
BABEL_LOCALES = {"prs": "fa_AF"}
DOMAIN = "messages"

FSI = "\u2068"  # first strong isolate: a value, in its own direction
LRI = "\u2066"  # left-to-right isolate: a command in a right-to-left text
RLI = "\u2067"  # right-to-left isolate: a composite (a list) in a right-to-left text
PDI = "\u2069"  # pop directional isolate: ends any of the three
RLM = "\u200f"  # right-to-left mark: starts every line of a right-to-left text
_LATIN_DIGITS = "0123456789"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_PERSIAN = str.maketrans(_LATIN_DIGITS + _ARABIC_INDIC_DIGITS, _PERSIAN_DIGITS * 2)
_TO_LATIN = str.maketrans(_PERSIAN_DIGITS + _ARABIC_INDIC_DIGITS, _LATIN_DIGITS * 2)
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
# A bot command in a text ("/help"), not a closing tag, a path, a date or a link.
_COMMAND = re.compile(r"(?<![\w/<:.])/[a-z][a-z_]*\b")


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


def babel_locale(language: str) -> str:
    """The Babel locale that formats dates, numbers and plural forms for a Samen language."""
    return BABEL_LOCALES.get(language, language)


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


def right_to_left_lines(text: str) -> str:
    """`text` with one right-to-left mark at the start of every line that has any text, and
    none elsewhere (the Translator puts them at line starts only, so a text made of several
    translated pieces keeps one a line)."""
    return "\n".join(f"{RLM}{line}" if line else line for line in text.replace(RLM, "").split("\n"))


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
    def rtl(self) -> bool:
        return self.language in RIGHT_TO_LEFT

    @property
    def locale(self) -> str:
        """The Babel locale for this language."""
        return babel_locale(self.language)

    @cached_property
    def _babel(self) -> Locale:
        """Babel's locale, parsed once per translator rather than in every message."""
        return Locale.parse(self.locale)

    def warm(self) -> None:
        """Load Babel's data for this language now, at start: the first number, date and
        list it formats would otherwise take milliseconds of the first message's time."""
        moment = datetime(2026, 1, 5, 9, 0, tzinfo=self.timezone)
        self.number(0)
        self.datetime(moment)
        self.list_of(["a", "b", "c"])

    @property
    def comma(self) -> str:
        """What separates the parts of an enumeration: ", " or the Arabic "، "."""
        return "، " if self.language in ARABIC_COMMA else ", "

    def _isolate(self, text: str) -> str:
        """A value on its own, each line apart (a paragraph ends an isolate)."""
        if not (self.rtl or _RTL_CHARS.search(text)):
            return text
        return "\n".join(f"{FSI}{line}{PDI}" if line else line for line in text.split("\n"))

    def _composite(self, text: str) -> str:
        """A piece built of translated text and values, isolated as a whole in the reader's
        direction (its values isolated each already)."""
        return f"{RLI}{text}{PDI}" if self.rtl and text else text

    def _value(self, value: object, *, markup: bool) -> str:
        if isinstance(value, Markup):
            return value.html if markup else value.plain
        if isinstance(value, int) and not isinstance(value, bool):
            value = self.digits(str(value))  # a count or a number of minutes, as written
        text = clean_value(value)
        if markup:
            text = html.escape(unlinked(text), quote=False)
        return self._isolate(text)

    def _fill(self, template: str, values: dict[str, object], *, markup: bool) -> str:
        if self.rtl:
            template = _COMMAND.sub(lambda found: f"{LRI}{found.group()}{PDI}", template)
        if values:
            prepared = {key: self._value(value, markup=markup) for key, value in values.items()}
            template = template.format(**prepared)
        return template

    def lines(self, text: str) -> str:
        """A text composed of translated pieces and parts made in code ("• ", an icon), with
        every line starting in the reader's direction: in a right-to-left language one
        right-to-left mark a line."""
        return right_to_left_lines(text) if self.rtl else text

    def _(self, message: str, **values: object) -> str:
        """Translate a message text (Telegram HTML) and fill in escaped values."""
        return self.lines(self._fill(self.translations.gettext(message), values, markup=True))

    def n_(self, singular: str, plural: str, count: int, **values: object) -> str:
        """Plural-aware `_`; `{n}` in the text is the count."""
        values.setdefault("n", self.number(count))
        template = self.translations.ngettext(singular, plural, count)
        return self.lines(self._fill(template, values, markup=True))

    def fill(self, template: str, **values: object) -> str:
        """Fill a text that is not in the catalogue (a versioned legal text) like `_` does."""
        return self.lines(self._fill(template, values, markup=True))

    def label(self, message: str, **values: object) -> str:
        """Translate plain text (a button label or command description)."""
        return self.lines(self._fill(self.translations.gettext(message), values, markup=False))

    def n_label(self, singular: str, plural: str, count: int, **values: object) -> str:
        """Plural-aware `label` (plain text: a letter, a button); `{n}` is the count."""
        values.setdefault("n", self.number(count))
        template = self.translations.ngettext(singular, plural, count)
        return self.lines(self._fill(template, values, markup=False))

    def phrase(self, message: str, **values: object) -> Markup:
        """A translated piece of a larger message (a value for another one, an item of a
        list): its values isolated each, the whole isolated in the reader's direction."""
        return self.compose(self.translations.gettext(message), **values)

    def compose(self, pattern: str, **values: object) -> Markup:
        """Like `phrase`, for a pattern made in code ("{name} ({role})")."""
        html_text = self._fill(pattern, values, markup=True).replace(RLM, "")
        plain_text = self._fill(pattern, values, markup=False).replace(RLM, "")
        return Markup(self._composite(html_text), self._composite(plain_text))

    def list_of(self, items: Sequence[str | Markup]) -> Markup:
        """E.g. 'Ayla en Sem' / 'Ayla ve Sem': each item isolated on its own (a name) or kept
        whole (a `phrase`), the list isolated in the reader's direction; empty (false) for
        no items."""
        if not items:
            return Markup("", "")
        html_items = [self._value(item, markup=True).replace(RLM, "") for item in items]
        plain_items = [self._value(item, markup=False).replace(RLM, "") for item in items]
        return Markup(
            self._composite(self._join(html_items)), self._composite(self._join(plain_items))
        )

    def _join(self, items: list[str]) -> str:
        """The items joined as the language joins a list (Babel's patterns), with the Arabic
        comma between items in the languages that write it."""
        if len(items) == 1:
            return items[0]
        patterns = self._babel.list_patterns["standard"]
        pair, start, middle, end = (patterns[k] for k in ("2", "start", "middle", "end"))
        if self.language in ARABIC_COMMA:
            start = middle = "{0}، {1}"
        pair, start, middle, end = (p.replace(RLM, "") for p in (pair, start, middle, end))
        if len(items) == 2:
            return pair.format(*items)
        text = start.format(items[0], items[1])
        for item in items[2:-1]:
            text = middle.format(text, item)
        return end.format(text, items[-1])

    def digits(self, text: str) -> str:
        """`text` with the language's own digits (Persian or Latin)."""
        return text.translate(_TO_PERSIAN if self.language in PERSIAN_DIGITS else _TO_LATIN)

    def date(self, day: date) -> str:
        """E.g. 'dinsdag 3 december': weekday and month written out, no year."""
        return self.digits(format_date(day, _weekday_date_pattern(self.locale), locale=self._babel))

    def date_with_year(self, day: date) -> str:
        """E.g. '3 december 2014' (a birth date)."""
        return self.digits(format_date(day, "long", locale=self._babel))

    def datetime(self, moment: datetime) -> str:
        """E.g. 'dinsdag 3 december 15:30', in the school's time zone."""
        local = moment.astimezone(self.timezone)
        # The locale's own glue between date and time (Arabic uses its own comma), without
        # Farsi's right-to-left mark: the marks start lines only (see `lines`).
        glue = str(self._babel.datetime_formats["medium"]).replace(RLM, "")
        return glue.replace("{1}", self.date(local.date())).replace("{0}", self.time(local))

    def time(self, moment: datetime) -> str:
        local = moment.astimezone(self.timezone) if moment.tzinfo else moment
        return self.digits(format_time(local, "HH:mm", locale=self._babel))

    def number(self, value: int) -> str:
        return self.digits(format_decimal(value, locale=self._babel, numbering_system="default"))


@dataclass(frozen=True)
class Markup:
    """A value that is already safe HTML (built by a Translator), with its plain form; false
    when empty (`tr.list_of(names) or "–"`)."""

    html: str
    plain: str

    def __bool__(self) -> bool:
        return bool(self.plain)


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
        for translator in self._translators.values():
            translator.warm()

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
        catalog = read_po(handle, locale=po_path.parent.parent.name, domain=DOMAIN)
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

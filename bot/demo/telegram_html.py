"""Telegram's HTML, made safe for the demo page: what Samen sends is shown as Telegram shows
it, and nothing in it can become script or style on the page.

An allowlist: the tags Telegram formats with keep their meaning (a link keeps only an http,
https, mailto or tg address), a spoiler becomes `<span class="spoiler">`, every other tag and
every attribute is dropped or shown as text, and line breaks become `<br>`.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Telegram's formatting tags, kept as they are (without attributes, except a link's address).
KEPT = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "blockquote", "a"}
)
SPOILERS = frozenset({"tg-spoiler"})
# Telegram's own tags that only wrap text: their text stays, the tag goes.
UNWRAPPED = frozenset({"tg-emoji", "span"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tg"})


def safe_html(telegram_html: str) -> str:
    """HTML for the page from the HTML a message was sent with."""
    cleaner = _Cleaner()
    cleaner.feed(telegram_html)
    cleaner.close()
    return cleaner.result()


def _safe_href(href: str | None) -> str | None:
    if not href:
        return None
    scheme = urlsplit(href.strip()).scheme.lower()
    return href.strip() if scheme in SAFE_SCHEMES else None


class _Cleaner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        # The tags opened and not yet closed, as written to the page ("" for an unwrapped one).
        self._open: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in KEPT:
            if tag == "a":
                href = _safe_href(dict(attrs).get("href"))
                if href is None:
                    self._open.append((tag, ""))
                    return
                self._out.append(
                    f'<a href="{html.escape(href, quote=True)}" rel="noopener noreferrer"'
                    ' target="_blank">'
                )
            else:
                self._out.append(f"<{tag}>")
            self._open.append((tag, f"</{tag}>"))
        elif tag in SPOILERS or (tag == "span" and ("class", "tg-spoiler") in attrs):
            self._out.append('<span class="spoiler">')
            self._open.append((tag, "</span>"))
        elif tag in UNWRAPPED:
            self._open.append((tag, ""))
        else:
            self._out.append(html.escape(self.get_starttag_text() or f"<{tag}>"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._out.append(html.escape(self.get_starttag_text() or f"<{tag}/>"))

    def handle_endtag(self, tag: str) -> None:
        if not any(name == tag for name, _ in self._open):
            if tag not in KEPT | SPOILERS | UNWRAPPED:
                self._out.append(html.escape(f"</{tag}>"))
            return
        # Close what was opened inside it too, so the page's tags always nest.
        while self._open:
            name, closing = self._open.pop()
            self._out.append(closing)
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self._out.append(html.escape(data, quote=False).replace("\n", "<br>"))

    def handle_comment(self, data: str) -> None:
        self._out.append(html.escape(f"<!--{data}-->", quote=False))

    def handle_decl(self, decl: str) -> None:
        self._out.append(html.escape(f"<!{decl}>", quote=False))

    def handle_pi(self, data: str) -> None:
        self._out.append(html.escape(f"<?{data}>", quote=False))

    def unknown_decl(self, data: str) -> None:
        self._out.append(html.escape(f"<![{data}]>", quote=False))

    def result(self) -> str:
        while self._open:
            self._out.append(self._open.pop()[1])
        return "".join(self._out)

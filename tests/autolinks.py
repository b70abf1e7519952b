"""What Telegram itself turns into links in a text message, whatever its parse mode: web
addresses and e-mail addresses, `@mentions`, `#hashtags`, `$cashtags` and `/commands`.

The fake Bot API does not do this, so tests ask this model: it follows the rules of Telegram's
own client library (TDLib, td/telegram/MessageEntity.cpp) closely enough for names and short
texts. The part that matters for Samen is exact: a domain, a mention or a command is made of
certain characters only, and an invisible word joiner (U+2060) is none of them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WORD_JOINER = "\u2060"

# Enough top-level domains for the tests; Telegram knows them all. With http:// or https://
# in front any top-level domain makes a link.
COMMON_TLDS = frozenset(
    {"com", "net", "org", "nl", "be", "de", "eu", "info", "io", "me", "ru", "ua", "tr", "pl"}
    | {"so", "ir", "ly", "co", "app", "dev", "xyz", "online", "site", "shop", "click", "link"}
)


@dataclass(frozen=True)
class Entity:
    kind: str  # url, email, mention, hashtag, cashtag, bot_command
    text: str


def visible(text: str) -> str:
    """Text as a person reads it: the word joiners Samen puts in are invisible."""
    return text.replace(WORD_JOINER, "")


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _domain_char(char: str) -> bool:
    """A character that may be part of a domain name (internationalised ones included)."""
    if char < "\u00c0":
        return char.isascii() and (char.isalnum() or char in "-_~.")
    if "\u2000" <= char <= "\u206f":  # general punctuation: only (non-)joiners and dashes
        return char in "\u200c\u200d" or "\u2010" <= char <= "\u2015"
    return not unicodedata.category(char).startswith("Z")


def _path_char(char: str) -> bool:
    if char in '\n<>"«»':
        return False
    if "\u2000" <= char <= "\u206f":
        return char in "\u200c\u200d" or "\u2010" <= char <= "\u2015"
    return not unicodedata.category(char).startswith("Z") and not char.isspace()


def links(text: str) -> list[Entity]:
    """Every entity Telegram would find in `text`, in order of kind."""
    return [
        *_mentions(text),
        *_commands(text),
        *_hashtags(text),
        *_cashtags(text),
        *_urls(text),
    ]


def _mentions(text: str) -> list[Entity]:
    found = []
    for match in re.finditer(r"@([A-Za-z0-9_]+)", text):
        start, name = match.start(), match[1]
        if start and _word(text[start - 1]):
            continue
        after = text[match.end() : match.end() + 1]
        if after and _word(after):
            continue
        if 4 <= len(name) <= 32 or name.lower() in {"gif", "vid", "pic"}:
            found.append(Entity("mention", match[0]))
    return found


def _commands(text: str) -> list[Entity]:
    found = []
    for match in re.finditer(r"/([A-Za-z0-9_]{1,64})(@[A-Za-z0-9_]{3,32})?", text):
        start = match.start()
        if start and (_word(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        after = text[match.end() : match.end() + 1]
        if after and (_word(after) or after in "/<>"):
            continue
        found.append(Entity("bot_command", match[0]))
    return found


def _hashtag_char(char: str) -> bool:
    return _word(char) or char in "\u200c\u00b7"


def _hashtags(text: str) -> list[Entity]:
    found = []
    for start, char in enumerate(text):
        if char != "#" or (start and _hashtag_char(text[start - 1])):
            continue
        end = start + 1
        while end < len(text) and _hashtag_char(text[end]):
            end += 1
        tag = text[start + 1 : end]
        if tag and text[end : end + 1] != "#" and any(c.isalpha() for c in tag):
            found.append(Entity("hashtag", text[start:end]))
    return found


def _cashtags(text: str) -> list[Entity]:
    found = []
    for match in re.finditer(r"\$(1INCH|[A-Z]{1,8})", text):
        start, end = match.start(), match.end()
        if start and (_hashtag_char(text[start - 1]) or text[start - 1] == "$"):
            continue
        if end < len(text) and (_hashtag_char(text[end]) or text[end] == "$"):
            continue
        found.append(Entity("cashtag", match[0]))
    return found


def _tg_urls(text: str) -> list[Entity]:
    found = []
    for match in re.finditer(r"(?i)(?:tg|ton)://[a-z0-9_-]{1,253}", text):
        end = match.end()
        if text[end : end + 1] in ("/", "?", "#") and text[end : end + 1]:
            path_end = end + 1
            while path_end < len(text) and _path_char(text[path_end]):
                path_end += 1
            while path_end > end + 1 and text[path_end - 1] in ".:;,('?!`":
                path_end -= 1
            end = path_end
        found.append(Entity("url", text[match.start() : end]))
    return found


def _urls(text: str) -> list[Entity]:
    """From each dot: the domain around it (and the user before an @), a port, a path; then
    the scheme, or what stands before, decides whether it is a link or an e-mail address."""
    found: list[Entity] = _tg_urls(text)
    position = 0
    while (dot := text.find(".", position)) != -1 and dot + 1 < len(text):
        position = dot + 1
        if text[dot + 1] == " ":
            continue
        begin = dot
        while begin > 0 and _domain_char(text[begin - 1]):
            begin -= 1
        end, last_at = dot, -1
        while end < len(text) and (_domain_char(text[end]) or text[end] == "@"):
            last_at = end if text[end] == "@" else last_at
            end += 1
        if last_at != -1:
            begin = _user_start(text, begin)
        port = re.match(r":0*(\d{1,5})(?!\d)", text[end:])
        if port and int(port[1]) <= 65535:
            end += len(port[0])
        if end < len(text) and text[end] in "/?#":
            path_end = end + 1
            while path_end < len(text) and _path_char(text[path_end]):
                path_end += 1
            while path_end > end + 1 and text[path_end - 1] in ".:;,('?!`":
                path_end -= 1
            if text[end] == "/" or path_end > end + 1:
                end = path_end
        while end > dot + 1 and text[end - 1] == ".":
            end -= 1
        bad = False
        if begin > 0 and text[begin - 1] == "@":
            user = _user_start(text, begin - 1)
            bad = last_at != -1 or user == begin - 1
            begin = user
        scheme = re.search(r"(?i)(https?|ftp)://$", text[:begin])
        if scheme:
            begin = scheme.start()
        elif text[:begin].endswith("://") or _glued(text, begin):
            bad = True
        if bad or end <= dot + 1:
            continue
        candidate = text[begin:end]
        if not scheme and _email(candidate):
            found.append(Entity("email", candidate))
        elif _valid_url(candidate, has_scheme=bool(scheme)):
            found.append(Entity("url", candidate))
        position = max(position, end)
    return found


def _glued(text: str, begin: int) -> bool:
    """Whether an address without a scheme is glued to a word, a `/`, `#` or `@` before it."""
    return begin > 0 and (_word(text[begin - 1]) or text[begin - 1] in "/#@")


def _user_char(char: str) -> bool:
    if char in "\n/[]{}()'`<>\"@«»":
        return False
    if "\u2000" <= char <= "\u206f":
        return char in "\u200c\u200d" or "\u2010" <= char <= "\u2015"
    return not unicodedata.category(char).startswith("Z")


def _user_start(text: str, begin: int) -> int:
    while begin > 0 and _user_char(text[begin - 1]):
        begin -= 1
    return begin


def _email(candidate: str) -> bool:
    """A plain address: ASCII user name, two to seven domain labels, a TLD of letters."""
    user, at, domain = candidate.removeprefix("mailto:").partition("@")
    labels = domain.split(".")
    return (
        bool(at and user)
        and re.fullmatch(r"[A-Za-z0-9_+.-]+", user) is not None
        and 2 <= len(labels) <= 7
        and all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?", p) for p in labels)
        and re.fullmatch(r"[A-Za-z]{2,8}", labels[-1]) is not None
    )


def _valid_url(url: str, *, has_scheme: bool) -> bool:
    rest = re.sub(r"(?i)^(https?|ftp)://", "", url)
    domain = re.split(r"[/?#]", rest, maxsplit=1)[0]
    domain = domain.rsplit("@", 1)[-1].split(":", 1)[0]
    parts = domain.split(".")
    if len(parts) < 2 or any(not p or len(p) >= 64 or p.endswith("-") for p in parts):
        return False
    if all(p.isdigit() for p in parts):
        return len(parts) == 4 and all(len(p) <= 3 and int(p) <= 255 for p in parts)
    tld = parts[-1]
    if tld.startswith("xn--"):
        return len(tld) > 5 and tld[4:].isascii() and tld[4:].isalnum()
    if len(tld) <= 1 or "_" in tld or "-" in tld:
        return False
    return has_scheme or tld.lower() in COMMON_TLDS

"""Where a database is: an SQLite file, or a database on a PostgreSQL server named by a URL
(SAMEN_DB=postgresql://…). Pure: no driver is needed to name one."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# SAMEN_DB values that name a PostgreSQL database rather than an SQLite file.
SERVER_URL_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(location: str) -> bool:
    return location.startswith(SERVER_URL_SCHEMES)


def server_name(url: str) -> str:
    """How messages and logs name a database on a server: the database and the host, never
    the password. Takes a URL or libpq's `key=value` form."""
    if is_server_url(url):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        database = parts.path.lstrip("/") or query.get("dbname", ["(default)"])[0]
        host = parts.hostname or query.get("host", ["localhost"])[0]
    else:
        facts = dict(item.partition("=")[::2] for item in shlex.split(url) if "=" in item)
        database = facts.get("dbname", "(default)")
        host = facts.get("host", "localhost")
    return f"postgresql database {database} on {host}"


# A school's id: a schema name's part and a file name, in every shell and URL as it is.
SCHOOL_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class ServerDatabase:
    """A database on a PostgreSQL server (`url`), and in it, with several schools, one
    school's own schema: everything of that school is there and nowhere else, and its
    connections see no other schema."""

    url: str
    school: str | None = None  # None: the one school, in the database's public schema

    def __post_init__(self) -> None:
        if self.school is not None and not SCHOOL_ID.fullmatch(self.school):
            raise ValueError(f"not a school id: {self.school!r}")

    @property
    def schema(self) -> str:
        return "public" if self.school is None else f"school_{self.school}"

    @property
    def name(self) -> str:
        """How messages and logs name it, without the password."""
        where = server_name(self.url)
        return where if self.school is None else f"{where}, school {self.school}"

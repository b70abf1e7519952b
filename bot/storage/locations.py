"""Where a database is: an SQLite file, or a database on a PostgreSQL server named by a URL
(SAMEN_DB=postgresql://…). Pure: no driver is needed to name one."""

from __future__ import annotations

import shlex
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

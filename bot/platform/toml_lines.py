"""On which line of a TOML file a key is written: tomllib gives the values but no line numbers,
and a mistake in samen.toml should be named where the school can find it.

Handles what people write in a settings file: `[table]` and `[[array.of.tables]]` headers,
`key = value` and dotted keys, values that span lines (arrays, multi-line strings) and comments.
Anything rarer (keys inside inline tables) is found at the line of the nearest known key above
it in the tree, at worst its table's header.
"""

from __future__ import annotations

# A place in the parsed document: table and key names, and the index of an entry in an
# array of tables (0 for the first `[[care.team]]`), as pydantic reports a location.
KeyPath = tuple[str | int, ...]


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every table, array entry and key of the document, with the line (from 1) it starts on."""
    lines: dict[KeyPath, int] = {}
    entries: dict[KeyPath, int] = {}  # each array of tables: how many entries so far
    table: KeyPath = ()
    value = _ValueScanner()
    for number, line in enumerate(text.splitlines(), start=1):
        if value.is_open:  # the rest of an array or a string begun on an earlier line
            value.feed(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            names = _dotted(stripped[2:].split("]]", 1)[0])
            array = (*_resolve(names[:-1], entries), names[-1])
            index = entries.get(array, 0)
            entries[array] = index + 1
            table = (*array, index)
            lines.setdefault(array, number)
            lines[table] = number
        elif stripped.startswith("["):
            table = _resolve(_dotted(stripped[1:].split("]", 1)[0]), entries)
            lines.setdefault(table, number)
        else:
            key, found, rest = _split_outside_quotes(stripped, "=")
            if not found:
                continue
            names = _dotted(key)
            for depth in range(1, len(names) + 1):  # `a.b = 1` also defines the table `a`
                lines.setdefault((*table, *names[:depth]), number)
            value.feed(rest)
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of `path`, else of the nearest enclosing table or key that is known."""
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _resolve(names: tuple[str, ...], entries: dict[KeyPath, int]) -> KeyPath:
    """A header's names as a path: an array of tables on the way means its latest entry."""
    path: KeyPath = ()
    for name in names:
        path = (*path, name)
        if path in entries:
            path = (*path, entries[path] - 1)
    return path


def _dotted(key: str) -> tuple[str, ...]:
    """`a."b.c" . d` → ("a", "b.c", "d")."""
    names = []
    rest = key
    while True:
        name, found, rest = _split_outside_quotes(rest, ".")
        names.append(name.strip().strip("\"'"))
        if not found:
            return tuple(names)


def _split_outside_quotes(text: str, separator: str) -> tuple[str, bool, str]:
    """Like str.partition, but a separator inside quotes does not count."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == separator:
            return text[:index], True, text[index + 1 :]
    return text, False, ""


class _ValueScanner:
    """Follows a value across lines: open brackets and multi-line strings, skipping comments
    and whatever is quoted, so that no line inside a value is taken for a key."""

    def __init__(self) -> None:
        self.depth = 0  # open [ and {
        self.long_string = ""  # the delimiter of the open multi-line string, if any

    @property
    def is_open(self) -> bool:
        return self.depth > 0 or bool(self.long_string)

    def feed(self, line: str) -> None:
        index = 0
        while index < len(line):
            if self.long_string:
                index = self._close_long_string(line, index)
                continue
            char = line[index]
            if char == "#":
                return
            if line.startswith(('"""', "'''"), index):
                self.long_string = line[index : index + 3]
                index += 3
            elif char in "\"'":
                index = self._skip_string(line, index)
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth = max(0, self.depth - 1)
                index += 1

    def _close_long_string(self, line: str, index: int) -> int:
        """From `index` in an open multi-line string: where scanning goes on."""
        while index < len(line):
            if self.long_string == '"""' and line[index] == "\\":
                index += 2
            elif line.startswith(self.long_string, index):
                self.long_string = ""
                # Up to two more quotes may belong to the string ("""a"""" is a + ").
                index += 3
                while index < len(line) and line[index] == line[index - 1]:
                    index += 1
                return index
            else:
                index += 1
        return index

    @staticmethod
    def _skip_string(line: str, index: int) -> int:
        """Past the one-line string that starts at `index`."""
        quote = line[index]
        index += 1
        while index < len(line):
            if quote == '"' and line[index] == "\\":
                index += 2
                continue
            if line[index] == quote:
                return index + 1
            index += 1
        return index

"""An EDEXML 2.1 file (the EDEX export of ParnasSys, ESIS and other pupil administrations),
read: its groups, pupils (with the day they left) and teachers (with their groups), and every
problem with file and line. Pure: bytes in, records and problems out.

The XML is read safely: no DTD, no entities, nothing fetched from outside (defusedxml).
Only what Samen needs is read; addresses, citizen service numbers and the like are skipped.
Every text is cleaned of invisible characters and refused when longer than Samen keeps
(bot/rules/roster_values.py).
"""

from __future__ import annotations

import re
import xml.sax
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from xml.sax.xmlreader import AttributesImpl, Locator

import defusedxml.sax
from defusedxml.common import DefusedXmlException

from bot.i18n.translator import N_
from bot.rules.models import Pupil, Role, StaffMember
from bot.rules.roster_sheet import NOT_AFTER_BIRTH, NOT_IN_THE_PAST, RosterError
from bot.rules.roster_values import GROUP_LIMIT, ID_LIMIT, NAME_LIMIT, PREFIX_LIMIT, clean_cell


@dataclass
class Element:
    """One element of the file with the line (and column, from 1) its start tag is on."""

    tag: str
    line: int
    column: int
    attributes: dict[str, str]
    children: list[Element] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return clean_cell("".join(self.parts))

    def child(self, tag: str) -> Element | None:
        return next((c for c in self.children if c.tag == tag), None)

    def all(self, tag: str) -> Iterator[Element]:
        return (c for c in self.children if c.tag == tag)


class _TreeBuilder(xml.sax.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator: Locator | None = None
        self.root: Element | None = None
        self._open: list[Element] = []

    def setDocumentLocator(self, locator: Locator) -> None:
        self.locator = locator

    @property
    def line(self) -> int:
        found = self.locator.getLineNumber() if self.locator else None
        return max(1, found or 1)

    def startElement(self, name: str, attrs: AttributesImpl) -> None:
        found = self.locator.getColumnNumber() if self.locator else None
        column = (found or 0) + 1
        element = Element(name, self.line, column, {k: attrs[k] for k in attrs.getNames()})
        if self._open:
            self._open[-1].children.append(element)
        else:
            self.root = element
        self._open.append(element)

    def endElement(self, name: str) -> None:
        self._open.pop()

    def characters(self, content: str) -> None:
        if self._open:
            self._open[-1].parts.append(content)


@dataclass
class EdexRoster:
    """What an EDEXML file says. A pupil's `group` is "" when a pupil who left is in no
    group any more; `left_on` has every pupil, None for one at school."""

    groups: dict[str, str] = field(default_factory=dict)  # key → name
    pupils: list[Pupil] = field(default_factory=list)
    left_on: dict[str, date | None] = field(default_factory=dict)
    teachers: list[StaffMember] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)


def read_xml(data: bytes, file: str) -> tuple[Element | None, list[RosterError]]:
    """The file's elements, or why it cannot be read (with the line the reader stopped on)."""
    builder = _TreeBuilder()
    try:
        defusedxml.sax.parseString(data, builder, forbid_dtd=True)
    except xml.sax.SAXParseException as exc:
        line = max(1, exc.getLineNumber() or 1)
        column = max(1, (exc.getColumnNumber() or 0) + 1)
        # staff: {reason} is the XML reader's own (English) words
        problem = N_("this is not readable XML: {reason}")
        return None, [RosterError(file, line, column, None, problem, {"reason": exc.getMessage()})]
    except DefusedXmlException:
        # staff:
        problem = N_("the file declares a DTD or entities; Samen does not read those")
        return None, [RosterError(file, builder.line, 1, None, problem)]
    return builder.root, []


# staff: <{parent}> and <{element}> are names of XML elements
NEEDS = N_("a <{parent}> needs a <{element}>")
# staff: <{element}> is the name of an XML element; {length} and {limit} numbers of characters
TEXT_TOO_LONG = N_("<{element}> is too long: {length} characters, at most {limit}")
# staff: <{element}> is the name of an XML element; {length} and {limit} numbers of characters
KEY_TOO_LONG = N_("the key of a <{element}> is too long: {length} characters, at most {limit}")


class _Reader:
    def __init__(self, file: str, today: date) -> None:
        self.file = file
        self.today = today
        self.errors: list[RosterError] = []

    def error(self, at: Element, template: str, **values: object) -> None:
        self.errors.append(RosterError(self.file, at.line, at.column, None, template, values))

    def key(self, element: Element, seen: dict[str, int] | None = None) -> str:
        key = clean_cell(element.attributes.get("key", ""))
        if len(key) > ID_LIMIT:
            self.error(element, KEY_TOO_LONG, element=element.tag, length=len(key), limit=ID_LIMIT)
        elif not key:
            # staff: <{element}> is the name of an XML element; keep key as it is
            self.error(element, N_("<{element}> needs a key"), element=element.tag)
        elif seen is not None and key in seen:
            self.error(
                element,
                # staff: <{element}> is the name of an XML element
                N_("duplicate key '{value}' of a <{element}>; also on line {line}"),
                value=key,
                element=element.tag,
                line=seen[key],
            )
        elif seen is not None:
            seen[key] = element.line
        return key

    def needed(self, parent: Element, tag: str) -> Element | None:
        found = parent.child(tag)
        if found is None or not (found.text or found.children):
            self.error(parent, NEEDS, parent=parent.tag, element=tag)
            return None
        return found

    def date(self, parent: Element, tag: str) -> date | None:
        found = parent.child(tag)
        if found is None:
            return None
        day = parse_xml_date(found.text)
        if day is None:
            self.error(
                found,
                # staff: <{element}> is the name of an XML element
                N_("bad date '{value}' in <{element}>; use YYYY-MM-DD"),
                value=found.text,
                element=tag,
            )
        return day

    def limited(self, element: Element, text: str, limit: int) -> str:
        """The text of an element, or an error when it is longer than `limit`."""
        if len(text) > limit:
            self.error(element, TEXT_TOO_LONG, element=element.tag, length=len(text), limit=limit)
        return text

    def names(self, person: Element) -> tuple[str, str]:
        """The name used (roepnaam, else the first given name, else the initials) and the last
        name with its prefix: `van 't` and `Hof` are `van 't Hof`."""
        first, source = _first_name(person)
        if source is None:
            self.error(person, NEEDS, parent=person.tag, element="roepnaam")
        else:
            self.limited(source, first, NAME_LIMIT)
        last_element = self.needed(person, "achternaam")
        last = self.limited(last_element, last_element.text, NAME_LIMIT) if last_element else ""
        prefix = person.child("voorvoegsel")
        if prefix is not None and prefix.text and last:
            last = f"{self.limited(prefix, prefix.text, PREFIX_LIMIT)} {last}"
        return first, last

    def group_of(self, reference: Element | None, groups: dict[str, str]) -> str:
        """The name of the group a `<groep key=…/>` points to."""
        if reference is None:
            return ""
        key = self.key(reference)
        if key and key not in groups:
            # staff: keep <groep> as it is: the name of an XML element
            self.error(reference, N_("unknown group key '{value}'; no <groep> has it"), value=key)
            return ""
        return groups.get(key, "")


_XML_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(Z|[+-]\d{2}:\d{2})?")


def parse_xml_date(text: str) -> date | None:
    """An xs:date (2014-07-18, perhaps with a time zone); None when it is not a real date."""
    found = _XML_DATE.fullmatch(text.strip())
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _first_name(person: Element) -> tuple[str, Element | None]:
    """The first name and the element it is from (None when there is none)."""
    for tag in ("roepnaam", "voornamen"):
        found = person.child(tag)
        if found is not None and found.text:
            return (found.text.split()[0] if tag == "voornamen" else found.text), found
    initials = person.child("voorletters-1")
    if initials is not None:
        letters = "".join(f"{c}." for c in initials.text if c.isalpha())
        if letters:
            return letters, initials
    return "", None


def parse_edexml(data: bytes, file: str, today: date) -> EdexRoster:
    root, errors = read_xml(data, file)
    roster = EdexRoster(errors=errors)
    if root is None:
        return roster
    reader = _Reader(file, today)
    roster.errors = reader.errors
    if root.tag != "EDEX":
        # staff: <{element}> is the name of an XML element; keep <EDEX> as it is
        reader.error(root, N_("the file starts with <{element}>, not <EDEX>"), element=root.tag)
        return roster
    reader.needed(root, "school")
    roster.groups = _groups(reader, root)
    pupils = reader.needed(root, "leerlingen")
    if pupils is not None:
        _pupils(reader, pupils, roster)
    teachers = root.child("leerkrachten")
    if teachers is not None:
        _teachers(reader, teachers, roster)
    return roster


def _groups(reader: _Reader, root: Element) -> dict[str, str]:
    groups: dict[str, str] = {}
    seen: dict[str, int] = {}
    element = root.child("groepen")
    for group in element.all("groep") if element else ():
        key = reader.key(group, seen)
        name = reader.needed(group, "naam")
        if key and name is not None:
            groups[key] = reader.limited(name, name.text, GROUP_LIMIT)
    return groups


def _pupils(reader: _Reader, pupils: Element, roster: EdexRoster) -> None:
    seen: dict[str, int] = {}
    for pupil in pupils.all("leerling"):
        before = len(reader.errors)
        pupil_id = reader.key(pupil, seen)
        first, last = reader.names(pupil)
        birth = reader.date(pupil, "geboortedatum")
        if pupil.child("geboortedatum") is None:
            reader.needed(pupil, "geboortedatum")
        elif birth is not None and birth >= reader.today:
            reader.error(pupil, NOT_IN_THE_PAST, value=birth.isoformat())
        left = reader.date(pupil, "uitstroomdatum")
        if left is not None and birth is not None and left <= birth:
            reader.error(pupil, NOT_AFTER_BIRTH, value=left.isoformat())
        # A leaving day still to come: the pupil is at school until then.
        left_on = left if left is not None and left <= reader.today else None
        group = reader.group_of(pupil.child("groep"), roster.groups)
        if pupil.child("groep") is None and left_on is None:
            reader.needed(pupil, "groep")
        if len(reader.errors) == before and birth is not None:
            roster.pupils.append(Pupil(pupil_id, first, last, birth, group))
            roster.left_on[pupil_id] = left_on


# EDEX roles (<rol>) of people who do not teach a group: an intern, an assistant, a parent,
# the caretaker, test leader, social worker, ICT or administration. In a group in that role
# they do not get its families in Samen.
NOT_TEACHING = frozenset({"STA", "OWA", "KLA", "OUD", "CON", "TAL", "SMW", "ICT", "ADM"})


def _teaches(roles: list[str]) -> bool:
    return not roles or any(r not in NOT_TEACHING for r in roles)


def _teachers(reader: _Reader, teachers: Element, roster: EdexRoster) -> None:
    """Teachers with the groups they teach, by their role in the group (else their role at
    school). Composed groups (samengestelde_groep) are not Samen's groups and are passed over."""
    seen: dict[str, int] = {}
    for teacher in teachers.all("leerkracht"):
        before = len(reader.errors)
        staff_id = reader.key(teacher, seen)
        first, last = reader.names(teacher)
        own_roles = [r.text.upper() for r in teacher.all("rol")]
        listed = teacher.child("groepen")
        names = []
        for reference in listed.all("groep") if listed else ():
            name = reader.group_of(reference, roster.groups)
            roles = [r.text.upper() for r in reference.all("rol")] or own_roles
            if _teaches(roles):
                names.append(name)
        if len(reader.errors) == before:
            groups = tuple(sorted({n for n in names if n}))
            roster.teachers.append(StaffMember(staff_id, first, last, Role.TEACHER, groups))

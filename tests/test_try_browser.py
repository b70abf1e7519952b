"""The page of `samen try` in a real browser: Debian's headless Chromium, driven by Selenium
through Debian's chromedriver (never a downloaded one), against `samen try` itself.

Every story is played on the page to its end, the talk in full (planned in the teacher's
phone, answered in Turkish, reminded and summarised as the clock jumps); phones are added,
switched to Arabic with /taal and removed; the Arabic phone is read as a reader sees it; and
the page is checked for keyboard use, names and contrast. Screenshots of each story's end go
to build/screenshots (or $SAMEN_SCREENSHOTS). Run with `pytest -m browser`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.demo.stories import typed_day
from bot.i18n.translator import FSI, PDI, SUPPORTED_LANGUAGES, Catalogues
from tests.harness import AMSTERDAM

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Headless, as root in CI, and none of Chromium's own background traffic (updates, sync, field
# trials): it would only try to reach Google's hosts. Each run gets a new empty profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1920,1080",
)
# Generous: two cores shared with other work, and the bot runs its real flows.
WAIT = 40
TEXTS = Catalogues(SUPPORTED_LANGUAGES, AMSTERDAM)
# A Monday in term time: the same screenshots every run.
START = datetime(2026, 11, 30, 8, 0, tzinfo=AMSTERDAM)
T = TypeVar("T")
# What a keyboard or a screen reader can reach, and a name that says something: a letter or a
# digit, not a pictogram alone.
CONTROLS = "button, input, select, textarea, a[href], summary, [role=button], [tabindex]"
LETTER = re.compile(r"[^\W_]")


# --- the demo server and the browser ------------------------------------------------------


@dataclass
class Demo:
    url: str
    output: list[str]

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url.rstrip("/") + path, timeout=WAIT) as answer:
            return json.loads(answer.read())


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    """`samen try` as a user starts it, in a process of its own: the address it prints."""
    environment = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environment["PYTHONUNBUFFERED"] = "1"
    # The `bot` of this checkout, as the test imports it, whatever the working folder.
    paths = [str(ROOT), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(paths)
    command = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())"]
    command += ["try", "--no-browser", "--db", str(tmp_path / "demo.db")]
    command += ["--start", START.date().isoformat()]
    process = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    output: list[str] = []
    addresses: list[str] = []
    listening = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            found = re.search(r"http://127\.0\.0\.1:\d+/", line)
            if found:
                addresses.append(found.group(0))
                listening.set()
        listening.set()  # the process ended: the test reports its output

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert listening.wait(WAIT) and addresses and process.poll() is None, "".join(output)
        yield Demo(addresses[0], output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=WAIT)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


# --- the page, as a person uses it --------------------------------------------------------

MESSAGES_JS = """
const phone = document.querySelector(`.phone[data-person="${arguments[0]}"]`);
if (!phone) return null;
return Array.from(phone.querySelectorAll('.message')).map((item) => ({
  id: Number(item.dataset.messageId),
  from_bot: item.classList.contains('from-bot'),
  text: item.querySelector('.body').textContent,
  edits: Number(item.dataset.edits),
  deleted: item.dataset.deleted === 'true',
  protected: item.classList.contains('protected'),
  document: item.querySelector('.document') ? item.querySelector('.document').href : null,
  reactions: Array.from(item.querySelectorAll('.reaction'), (chip) => chip.textContent),
  buttons: Array.from(item.querySelectorAll('.inline-keyboard [data-callback]')).map(
    (button) => [button.dataset.callback, button.textContent]),
}));
"""


@dataclass
class Message:
    id: int
    from_bot: bool
    text: str
    edits: int
    deleted: bool
    protected: bool
    document: str | None
    reactions: list[str]
    buttons: list[tuple[str, str]]

    def data(self, pattern: str) -> str | None:
        return next((d for d, _ in self.buttons if re.fullmatch(pattern, d)), None)

    def label(self, pattern: str) -> str:
        return next(label for d, label in self.buttons if re.fullmatch(pattern, d))


class Page:
    def __init__(self, driver: Any, demo: Demo) -> None:
        self.driver = driver
        self.demo = demo
        driver.get(demo.url)
        self.wait(lambda: self.script("return document.body.dataset.ready") == "true", "the page")

    def script(self, code: str, *arguments: Any) -> Any:
        return self.driver.execute_script(code, *arguments)

    def wait(self, condition: Callable[[], T], what: str, timeout: float = WAIT) -> T:
        try:
            return WebDriverWait(self.driver, timeout).until(lambda _: condition())
        except TimeoutException:
            raise AssertionError(
                f"waited {timeout} s for {what}\n--- demo output:\n"
                + "".join(self.demo.output[-40:])
                + "\n--- browser console:\n"
                + "\n".join(str(e) for e in self.driver.get_log("browser"))
            ) from None

    def idle(self) -> None:
        self.wait(lambda: self.script("return document.body.dataset.pending") == "0", "quiet")

    def phone(self, person: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, f'.phone[data-person="{person}"]')

    def messages(self, person: str) -> list[Message]:
        rows = self.script(MESSAGES_JS, person) or []
        return [Message(**{**row, "buttons": [tuple(b) for b in row["buttons"]]}) for row in rows]

    def message_with(self, person: str, pattern: str, what: str) -> Message:
        """The newest message of this phone with a button whose data matches."""

        def found() -> Message | None:
            return next((m for m in reversed(self.messages(person)) if m.data(pattern)), None)

        return self.wait(found, f"{what} in {person}'s phone")

    def say(self, person: str, text: str) -> None:
        """Types into the phone's text box and sends it with Enter, as a person would."""
        box = self.phone(person).find_element(By.CSS_SELECTOR, ".composer .text")
        box.send_keys(text, Keys.ENTER)
        self.idle()

    def tap(self, person: str, data: str) -> None:
        button = self.phone(person).find_elements(
            By.CSS_SELECTOR, f'.inline-keyboard [data-callback="{data}"]'
        )[-1]
        button.click()
        self.idle()

    def tap_button(self, person: str, pattern: str, what: str) -> Message:
        """Waits for the newest button whose data matches, taps it; its message before."""
        message = self.message_with(person, pattern, what)
        self.tap(person, message.data(pattern) or "")
        return message

    def typed(self, person: str) -> list[str]:
        """What this person typed, oldest first."""
        return [m.text for m in self.messages(person) if not m.from_bot]

    def clock(self) -> datetime:
        iso = self.script("return document.getElementById('clock').getAttribute('datetime')")
        return datetime.fromisoformat(iso).astimezone(AMSTERDAM)

    def start_story(self, story: dict[str, Any]) -> None:
        """From the stories menu, as a visitor starts one."""
        self.driver.find_element(By.CSS_SELECTOR, "#stories summary").click()
        start = self.driver.find_element(
            By.CSS_SELECTOR, f'#story-list [data-story="{story["id"]}"] button'
        )
        assert (
            story["hint"]
            in self.driver.find_element(
                By.CSS_SELECTOR, f'#story-list [data-story="{story["id"]}"]'
            ).text
        )
        start.click()
        hint = self.driver.find_element(By.ID, "story-now")
        self.wait(lambda: hint.is_displayed() and story["title"] in hint.text, "the story's hint")
        self.idle()

    def jump(self, how: str) -> None:
        before = int(self.script("return document.body.dataset.jumps"))
        self.driver.find_element(By.CSS_SELECTOR, f'[data-jump="{how}"]').click()
        self.wait(lambda: int(self.script("return document.body.dataset.jumps")) > before, how)

    def go_to(self, when: datetime) -> None:
        """The date-time picker: a school time typed in, then Go."""
        before = int(self.script("return document.body.dataset.jumps"))
        picker = self.driver.find_element(By.ID, "clock-to-input")
        self.script("arguments[0].value = arguments[1]", picker, when.strftime("%Y-%m-%dT%H:%M"))
        self.driver.find_element(By.CSS_SELECTOR, "#clock-to button[type=submit]").click()
        self.wait(lambda: int(self.script("return document.body.dataset.jumps")) > before, "go")

    def screenshot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), path
        return path


def person_with(demo: Demo, **wanted: Any) -> dict[str, Any]:
    state = demo.get("/api/state")
    on_page = [p for p in state["people"] if p["id"] in state["phones"]]
    return next(p for p in on_page if all(p.get(k) == v for k, v in wanted.items()))


def story_of(demo: Demo, story_id: str) -> dict[str, Any]:
    return next(s for s in demo.get("/api/state")["stories"] if s["id"] == story_id)


def school_day_from(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# --- a whole story ---------------------------------------------------------------------------


def test_a_talk_planned_answered_in_turkish_reminded_and_summarised(
    browser: Any, demo: Demo, screenshots: Path
) -> None:
    page = Page(browser, demo)
    page.start_story(story_of(demo, "talk"))  # the teacher has typed /gesprek
    teacher, mother = "S002", "G020"
    turkish = TEXTS("tr")
    assert page.phone(mother).get_attribute("lang") == "tr"

    # The teacher plans a talk about Emre by typing and tapping in his own phone.
    page.say(teacher, "Emre")
    page.tap_button(teacher, r"f:[^:]+:kind:progress", "the kinds of talk")
    picks = page.message_with(teacher, r"f:[^:]+:at:.+", "the times to pick")
    pick = picks.data(r"f:[^:]+:at:.+") or ""
    talk = datetime.fromisoformat(pick.split(":at:", 1)[1]).astimezone(AMSTERDAM)
    page.tap(teacher, pick)
    page.tap_button(teacher, r"f:[^:]+:send", "the card to send")
    card = page.message_with(teacher, r"mt:\d+:move", "the teacher's card")

    # The mother's phone shows the invitation in Turkish; she taps "I'll come" in Turkish.
    invitation = page.message_with(mother, r"m:\d+:1:come", "the invitation")
    assert turkish.datetime(talk) in invitation.text
    come = invitation.data(r"m:\d+:1:come") or ""
    assert invitation.label(re.escape(come)) == turkish.label("✅ Yes, I'll come")
    page.tap(mother, come)
    page.wait(
        lambda: any(
            m.id == invitation.id and m.edits > invitation.edits for m in page.messages(mother)
        ),
        "her answer on the invitation",
    )

    # The teacher's card changes in place.
    page.wait(
        lambda: any(
            m.id == card.id and m.edits > card.edits and m.text != card.text
            for m in page.messages(teacher)
        ),
        "the teacher's card to show her answer",
    )

    # The day before the talk: the reminder.
    seen = len(page.messages(mother))
    page.jump("day_before_talk")
    page.wait(
        lambda: any(m.text.startswith("⏰") for m in page.messages(mother)[seen:]),
        "the reminder in the mother's phone",
    )

    # Past the talk: the teacher is asked for the summary.
    page.go_to(talk + timedelta(hours=1))
    page.message_with(teacher, r"sum:\d+", "the summary prompt")
    assert_named(page)
    page.screenshot(screenshots, "story-talk")


# --- the other stories, each from the stories menu to its end ------------------------------


def consent_for_a_zat_discussion(page: Page) -> None:
    ingrid = "S004"  # has typed /toestemming and Emre
    page.tap_button(ingrid, r"f:[^:]+:kind:zat", "the kinds of discussion")
    day = school_day_from(page.clock().date() + timedelta(days=7))
    page.say(ingrid, f"{typed_day(day)} 14:00")
    page.tap_button(ingrid, r"f:[^:]+:why:help", "the reasons")
    page.tap_button(ingrid, r"f:[^:]+:skip", "her own words, skipped")
    page.tap_button(ingrid, r"f:[^:]+:next", "the team")
    page.tap_button(ingrid, r"f:[^:]+:info:learning", "what is shared")
    page.tap_button(ingrid, r"f:[^:]+:next", "what is shared, chosen")
    page.tap_button(ingrid, r"f:[^:]+:send", "the request to send")
    # Serkan and Hatice (Turkish) and Emre himself each agree, in their own phones.
    for person in ("G019", "G020", "P012"):
        request = page.tap_button(person, r"c:\d+:agree", "the consent request")
        assert request.protected
        page.tap_button(person, r"c:\d+:yes", "the confirmation")
    page.say(ingrid, "/overzicht")
    given = TEXTS("nl")._("✅ consent given")
    page.wait(lambda: given in page.messages(ingrid)[-1].text, "consent given in the overview")


def the_friday_good_news_round(page: Page) -> None:
    hakan, agnieszka = "S002", "G022"  # Friday 13:00: Hakan has the families due
    page.tap_button(hakan, r"pos:P013", "Julia among the families due")
    page.tap_button(hakan, r"f:[^:]+:t:helping", "what went well")
    page.tap_button(hakan, r"f:[^:]+:next", "what went well, chosen")
    page.tap_button(hakan, r"f:[^:]+:skip", "his own words, skipped")
    page.tap_button(hakan, r"f:[^:]+:now", "send now")
    news = page.message_with(agnieszka, r"pn:\d+:heart", "the good news, in Polish")
    assert page.phone(agnieszka).get_attribute("lang") == "pl"
    heart = news.data(r"pn:\d+:heart") or ""
    button = page.phone(agnieszka).find_element(By.CSS_SELECTOR, f'[data-callback="{heart}"]')
    assert LETTER.search(button.accessible_name), "a pictogram alone is given a name"
    # A reaction as Telegram has them, from the message's own picker.
    item = page.phone(agnieszka).find_element(
        By.CSS_SELECTOR, f'.message[data-message-id="{news.id}"]'
    )
    item.find_element(By.CSS_SELECTOR, ".react").click()
    item.find_element(
        By.CSS_SELECTOR, '.reaction-choice[aria-label="React with thumbs up"]'
    ).click()
    page.wait(
        lambda: any(m.id == news.id and m.reactions == ["👍"] for m in page.messages(agnieszka)),
        "her reaction under the message",
    )
    page.tap(agnieszka, heart)
    page.wait(
        lambda: (
            "Agnieszka" in page.messages(hakan)[-1].text and "❤" in page.messages(hakan)[-1].text
        ),
        "her reaction told to Hakan",
    )


def short_talks_with_siblings(page: Page) -> None:
    hakan, marieke, fatima = "S002", "S001", "G006"  # Marieke's round is open
    typed = page.typed(marieke)
    day = next(t for t in typed if re.fullmatch(r"\w\w \d+ \w+", t))
    deadline = next(t for t in typed if re.fullmatch(r"\w\w \d+ \w+ \d\d:\d\d", t))
    # Hakan opens his round for VSO-1 on the same day.
    page.tap_button(hakan, r"f:[^:]+:g:\d+", "the groups")
    page.say(hakan, day)
    page.say(hakan, "15:00-16:00")
    page.tap_button(hakan, r"f:[^:]+:min:10", "the length of a talk")
    page.say(hakan, "lokaal 12")
    page.say(hakan, deadline)
    page.tap_button(hakan, r"f:[^:]+:open", "open the round")
    # Fatima books Adam's time with Marieke; Yasmina's times then star the ones beside it.
    page.tap_button(fatima, r"rb:\d+:P003", "Adam's invitation")
    page.tap_button(fatima, r"rs:\d+:P003:\d+", "Adam's times")
    page.tap_button(fatima, r"rb:\d+:P010", "Yasmina's invitation")
    times = page.message_with(fatima, r"rs:\d+:P010:\d+", "Yasmina's times")
    starred = [data for data, label in times.buttons if label.startswith("⭐")]
    assert starred, times.buttons
    page.tap(fatima, starred[0])
    page.wait(
        lambda: any(m.id == times.id and not m.buttons[1:] for m in page.messages(fatima)),
        "Yasmina's time booked",
    )


def a_parent_asks_for_her_data(page: Page) -> None:
    layla, ingrid = "G030", "S004"  # Layla has asked what Samen keeps about her
    page.tap_button(layla, r"ar:ask", "her request to confirm")
    page.tap_button(ingrid, r"ar:\d+:send", "the request at school")
    copy = page.wait(
        lambda: next((m for m in reversed(page.messages(layla)) if m.document), None),
        "the copy in her phone",
    )
    assert copy.protected and copy.document
    with urllib.request.urlopen(copy.document, timeout=WAIT) as answer:
        assert answer.headers["Content-Type"].startswith("application/pdf")
        assert answer.read(5) == b"%PDF-"


STORIES: dict[str, Callable[[Page], None]] = {
    "consent": consent_for_a_zat_discussion,
    "good_news": the_friday_good_news_round,
    "round": short_talks_with_siblings,
    "access": a_parent_asks_for_her_data,
}


@pytest.mark.parametrize("story_id", list(STORIES))
def test_each_story_plays_to_its_end_from_the_menu(
    browser: Any, demo: Demo, screenshots: Path, story_id: str
) -> None:
    page = Page(browser, demo)
    story = story_of(demo, story_id)
    page.start_story(story)
    STORIES[story_id](page)
    assert_named(page)
    page.screenshot(screenshots, f"story-{story_id}")


# --- phones: added, removed, and a language chosen by typing ---------------------------------


def phones_on_page(page: Page) -> list[str]:
    return page.script(
        "return Array.from(document.querySelectorAll('.phone'), p => p.dataset.person)"
    )


def offered(page: Page) -> list[str]:
    """The people the picker offers to add."""
    return page.script(
        "return Array.from(document.querySelectorAll('#add-phone-person option'), o => o.value)"
    )


def test_a_phone_is_added_switched_to_arabic_with_taal_and_removed(
    browser: Any, demo: Demo, screenshots: Path
) -> None:
    page = Page(browser, demo)
    before = phones_on_page(page)
    marieke = "S001"
    assert marieke not in before

    # Added from the picker of the school's people: her phone, her own command menu.
    picker = browser.find_element(By.ID, "add-phone-person")
    page.script("arguments[0].value = arguments[1]", picker, marieke)
    browser.find_element(By.CSS_SELECTOR, "#add-phone button[type=submit]").click()
    page.wait(lambda: phones_on_page(page) == [*before, marieke], "her phone beside the others")
    page.idle()
    phone = page.phone(marieke)
    assert phone.get_attribute("lang") == "nl" and phone.get_attribute("dir") == "ltr"
    commands = [
        c.get_attribute("data-command") for c in phone.find_elements(By.CSS_SELECTOR, ".command")
    ]
    assert "gesprek" in commands and "taal" in commands
    assert marieke not in offered(page)

    # /taal typed, Arabic tapped: the phone turns right to left, its menu in Arabic.
    page.say(marieke, "/taal")
    page.tap_button(marieke, r"lang:set:ar", "the languages")
    page.wait(lambda: phone.get_attribute("lang") == "ar", "her phone in Arabic")
    assert phone.get_attribute("dir") == "rtl"
    assert phone.value_of_css_property("direction") == "rtl"
    help_command = phone.find_element(By.CSS_SELECTOR, '.command[data-command="help"]')
    described = help_command.find_element(By.CSS_SELECTOR, ".command-description")
    assert described.get_attribute("textContent") == TEXTS("ar").label("Help and menu")
    page.screenshot(screenshots, "phone-added-in-arabic")

    # Removed with its ✕: gone from the page, back in the picker.
    phone.find_element(By.CSS_SELECTOR, ".remove").click()
    page.wait(lambda: phones_on_page(page) == before, "her phone removed")
    page.wait(lambda: marieke in offered(page), "her name back in the picker")
    assert demo.get("/api/state")["phones"] == before


# --- right to left ---------------------------------------------------------------------------

# For each character of the name: its box on screen; for every other character of the message
# on the same line: its box too, to see that nothing sits inside the name.
LAYOUT_JS = """
const [body, name] = arguments;
const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
const boxes = [];
let found = null;
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  const start = found === null ? node.data.indexOf(name) : -1;
  for (let i = 0; i < node.data.length; i++) {
    const high = node.data.charCodeAt(i) >= 0xd800 && node.data.charCodeAt(i) <= 0xdbff;
    const size = high ? 2 : 1;  // an emoji is two code units: one character
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + size);
    const box = range.getBoundingClientRect();
    const inName = start >= 0 && i >= start && i < start + name.length;
    const char = node.data.slice(i, i + size);
    i += size - 1;
    if (box.width === 0) continue;  // the invisible marks
    boxes.push({inName, char, left: box.left, right: box.right, top: box.top});
  }
  if (start >= 0) found = {before: node.data[start - 1], after: node.data[start + name.length]};
}
return {found, boxes};
"""


def test_the_arabic_phone_reads_right_to_left_with_latin_names_whole(
    browser: Any, demo: Demo, screenshots: Path
) -> None:
    page = Page(browser, demo)
    father = person_with(demo, language="ar")
    school = demo.get("/api/state")["school"]["name"]
    phone = page.phone(father["id"])
    assert phone.get_attribute("lang") == "ar" and phone.get_attribute("dir") == "rtl"
    assert phone.value_of_css_property("direction") == "rtl"

    # His welcome names him and his school: Latin names inside an Arabic sentence.
    first_name = father["name"].split()[0]
    welcome = page.wait(
        lambda: next(
            (
                body
                for body in phone.find_elements(By.CSS_SELECTOR, ".from-bot .body")
                if f"{FSI}{first_name}{PDI}" in (body.get_attribute("textContent") or "")
            ),
            None,
        ),
        "his welcome, his name isolated in it",
    )
    assert welcome.value_of_css_property("direction") == "rtl"
    for name in (first_name, school):
        layout = page.script(LAYOUT_JS, welcome, name)
        # In the text: set apart by the isolation marks around it.
        assert layout["found"] == {"before": FSI, "after": PDI}, name
        boxes = [box for box in layout["boxes"] if box["inName"]]
        shown = "".join(box["char"] for box in boxes)
        # A space where the line breaks takes no room on screen: only that may be missing
        # (where the lines break depends on the text around the name).
        assert shown.replace(" ", "") == name.replace(" ", ""), name
        assert shown == name or len({round(box["top"]) for box in boxes}) > 1, name
        # On screen: on each line it takes, the name reads left to right, in one piece.
        for top in {round(box["top"]) for box in boxes}:
            part = [box for box in boxes if round(box["top"]) == top]
            lefts = [box["left"] for box in part]
            assert lefts == sorted(lefts), (name, part)
            start, end = part[0]["left"], part[-1]["right"]
            inside = [
                box
                for box in layout["boxes"]
                if not box["inName"]
                and round(box["top"]) == top
                and start < (box["left"] + box["right"]) / 2 < end
            ]
            assert not inside, (name, inside)
    # The Arabic around the names runs from the right: each line's first Arabic letter is
    # its rightmost one.
    layout = page.script(LAYOUT_JS, welcome, first_name)
    arabic = [box for box in layout["boxes"] if "\u0600" <= box["char"] <= "\u06ff"]
    assert arabic
    for top in {round(box["top"]) for box in arabic}:
        line = [box for box in arabic if round(box["top"]) == top]
        assert line[0]["right"] >= max(box["right"] for box in line) - 1, line
    page.screenshot(screenshots, "arabic-right-to-left")


# --- accessibility ---------------------------------------------------------------------------

# Each element with text of its own: its text colour and the background behind it (the
# nearest ancestor's, blended when translucent), as the browser computed them.
COLOURS_JS = """
const parse = (value) => {
  const m = value.match(/rgba?\\(([^)]+)\\)/);
  if (!m) return null;
  const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
  return {r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1};
};
const over = (top, below) => ({
  r: top.r * top.a + below.r * (1 - top.a),
  g: top.g * top.a + below.g * (1 - top.a),
  b: top.b * top.a + below.b * (1 - top.a),
  a: 1,
});
const background = (element) => {
  const layers = [];
  for (let e = element; e; e = e.parentElement) {
    const colour = parse(getComputedStyle(e).backgroundColor);
    if (colour && colour.a > 0) {
      layers.push(colour);
      if (colour.a === 1) break;
    }
  }
  let result = {r: 255, g: 255, b: 255, a: 1};
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
};
const out = [];
for (const element of document.body.querySelectorAll('*')) {
  const own = Array.from(element.childNodes).some(
    (n) => n.nodeType === Node.TEXT_NODE && n.data.trim());
  if (!own || element.closest('[hidden], template, .spoiler:not(.revealed)')) continue;
  if (element.getClientRects().length === 0) continue;
  const style = getComputedStyle(element);
  if (style.visibility === 'hidden' || Number(style.opacity) < 1) continue;
  if (element.matches(':disabled')) continue;  // WCAG asks no contrast of what cannot be used
  out.push({
    what: element.tagName.toLowerCase() + '.' + element.className + ': '
      + element.textContent.trim().slice(0, 30),
    text: over(parse(style.color), background(element)),
    background: background(element),
  });
}
return out;
"""


def assert_named(page: Page) -> None:
    """Every control has a name that says something (a pictogram alone does not), every
    image its alt text."""
    unnamed = [
        (control.tag_name, control.get_attribute("class"), control.accessible_name)
        for control in page.driver.find_elements(By.CSS_SELECTOR, CONTROLS)
        if control.is_displayed() and not LETTER.search(control.accessible_name or "")
    ]
    assert not unnamed, unnamed
    assert page.script("return document.querySelectorAll('img:not([alt])').length") == 0


def luminance(colour: dict[str, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour["r"])
        + 0.7152 * channel(colour["g"])
        + 0.0722 * channel(colour["b"])
    )


def contrast(one: dict[str, float], two: dict[str, float]) -> float:
    light, dark = sorted((luminance(one), luminance(two)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def focused(page: Page) -> dict[str, Any]:
    return page.script(
        """const e = document.activeElement;
        const phone = e.closest('.phone');
        const style = getComputedStyle(e);
        return {
          person: phone ? phone.dataset.person : null,
          classes: Array.from(e.classList),
          callback: e.dataset.callback || null,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        };"""
    )


def test_the_page_is_usable_by_keyboard_named_and_readable(
    browser: Any, demo: Demo, screenshots: Path
) -> None:
    page = Page(browser, demo)
    teacher = "S002"
    note = browser.find_element(By.CSS_SELECTOR, ".demo-note").text
    assert "demonstration" in note.lower() and "invented" in note

    # Keyboard only: from the phone's first control, Tab reaches its text box; she types.
    phone = page.phone(teacher)
    page.script("arguments[0].focus()", phone.find_element(By.CSS_SELECTOR, ".remove"))
    keys = ActionChains(browser)
    for _ in range(40):
        if "text" in focused(page)["classes"]:
            break
        keys.send_keys(Keys.TAB).perform()
    now = focused(page)
    assert now["person"] == teacher and "text" in now["classes"], now
    assert now["outline"], "the focus is visible"
    keys.send_keys("/help", Keys.ENTER).perform()
    page.idle()
    menu = page.message_with(teacher, r"menu:.+", "the help menu with its buttons")

    # Tab walks through the phone: the help menu's buttons, the command menu, the text box.
    page.script("arguments[0].focus()", phone.find_element(By.CSS_SELECTOR, ".remove"))
    reached: list[dict[str, Any]] = []
    for _ in range(200):
        keys.send_keys(Keys.TAB).perform()
        now = focused(page)
        if now["person"] != teacher:
            break
        reached.append(now)
    callbacks = {r["callback"] for r in reached if r["callback"]}
    assert {data for data, _ in menu.buttons} <= callbacks, reached
    for control in ("menu-button", "text", "send"):
        assert any(control in r["classes"] for r in reached), control
    assert all(r["outline"] for r in reached), [r for r in reached if not r["outline"]]

    # Enter taps a button: Shift+Tab from the text box back to the menu's language button.
    page.script("arguments[0].focus()", phone.find_element(By.CSS_SELECTOR, ".composer .text"))
    for _ in range(10):
        if focused(page)["callback"] == "lang:menu":
            break
        keys.key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
    assert focused(page)["callback"] == "lang:menu", focused(page)
    shown = [(m.id, m.edits) for m in page.messages(teacher)]
    keys.send_keys(Keys.ENTER).perform()
    page.wait(
        lambda: [(m.id, m.edits) for m in page.messages(teacher)] != shown,
        "the phone to answer the button pressed with Enter",
    )
    page.message_with(teacher, r"lang:set:en", "the languages to choose from")

    # The command menu opens and is used by keyboard; Escape closes it where it was opened.
    page.script("arguments[0].focus()", phone.find_element(By.CSS_SELECTOR, ".menu-button"))
    keys.send_keys(Keys.ENTER).perform()
    assert "command" in focused(page)["classes"]
    assert (
        phone.find_element(By.CSS_SELECTOR, ".menu-button").get_attribute("aria-expanded") == "true"
    )
    keys.send_keys(Keys.ESCAPE).perform()
    assert "menu-button" in focused(page)["classes"]
    assert not phone.find_element(By.CSS_SELECTOR, ".command-menu").is_displayed()

    assert_named(page)
    # Each phone says its language, and its chat is a live region.
    for person in demo.get("/api/state")["people"]:
        if person["id"] in demo.get("/api/state")["phones"]:
            phone = page.phone(person["id"])
            assert phone.get_attribute("lang") == person["language"]
            assert phone.find_element(By.CSS_SELECTOR, ".chat").get_attribute("role") == "log"

    # Text meets 4.5:1 against what is behind it.
    colours = page.script(COLOURS_JS)
    assert len(colours) > 20
    poor = [
        (c["what"], round(contrast(c["text"], c["background"]), 2))
        for c in colours
        if contrast(c["text"], c["background"]) < 4.5
    ]
    assert not poor, poor
    page.screenshot(screenshots, "keyboard-and-contrast")

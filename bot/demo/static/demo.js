// The page of `samen try`: phones side by side, each showing what Telegram would show that
// person, kept live by the server's events. No build step and no libraries: plain DOM.
"use strict";

const REACTIONS = [
  ["👍", "thumbs up"],
  ["❤", "heart"],
  ["🙏", "thank you"],
  ["👏", "applause"],
  ["😁", "smile"],
];

// A button whose label is only a pictogram gets a name a screen reader can say.
const EMOJI_NAMES = new Map([
  ["❤", "heart"],
  ["👍", "thumbs up"],
  ["👎", "thumbs down"],
  ["🙏", "thank you"],
  ["👏", "applause"],
  ["😁", "smile"],
  ["⭐", "star"],
  ["✅", "yes"],
  ["❌", "no"],
  ["⬅", "back"],
  ["➡", "next"],
]);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

function pictogramName(label) {
  if (LETTER_OR_DIGIT.test(label)) return null;
  const bare = label.replace(/[\uFE0F\u200E\u200F\s]/gu, "");
  return EMOJI_NAMES.get(bare) || `pictogram ${bare}`;
}

// What a message may contain, as Telegram's HTML allows it. The server sends sanitised HTML
// already; the page checks again so that a mistake there cannot become script here.
const ALLOWED_TAGS = new Set([
  "B", "STRONG", "I", "EM", "U", "INS", "S", "STRIKE", "DEL", "CODE", "PRE", "A",
  "BLOCKQUOTE", "SPAN", "BR",
]);

const demo = {
  people: new Map(), // person id → Person
  phones: new Map(), // person id → phone (person, commands, messages, elements)
  order: [], // person ids of the phones, left to right
  stories: [],
  pending: 0,
  jumps: 0,
  events: null,
  connected: false,
};

// --- talking to the server ------------------------------------------------------------------

async function api(method, path, body) {
  demo.pending += 1;
  document.body.dataset.pending = String(demo.pending);
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    if (!response.ok) {
      const reason = data && data.error ? data.error : `${response.status} ${response.statusText}`;
      throw new Error(reason);
    }
    return data;
  } finally {
    demo.pending -= 1;
    document.body.dataset.pending = String(demo.pending);
  }
}

function say(text) {
  const status = document.getElementById("status");
  // Re-setting the same text would not be announced again.
  status.textContent = "";
  window.setTimeout(() => {
    status.textContent = text;
  }, 30);
}

async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    say(`Something went wrong: ${error.message}`);
    return null;
  }
}

// --- building elements ----------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function safeUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return ["http:", "https:", "tg:", "mailto:", "tel:"].includes(parsed.protocol) ? url : null;
  } catch (_) {
    return null;
  }
}

function cleanHtml(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const walk = (parent) => {
    for (const node of Array.from(parent.childNodes)) {
      if (node.nodeType === Node.TEXT_NODE) continue;
      if (node.nodeType !== Node.ELEMENT_NODE || !ALLOWED_TAGS.has(node.tagName)) {
        // Unknown markup keeps its text, never its behaviour.
        parent.replaceChild(document.createTextNode(node.textContent || ""), node);
        continue;
      }
      for (const attribute of Array.from(node.attributes)) {
        const keep =
          (node.tagName === "A" && attribute.name === "href" && safeUrl(attribute.value)) ||
          (node.tagName === "SPAN" && attribute.name === "class" && attribute.value === "spoiler") ||
          (node.tagName === "CODE" && attribute.name === "class");
        if (!keep) node.removeAttribute(attribute.name);
      }
      if (node.tagName === "A") {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
      if (node.tagName === "SPAN" && node.classList.contains("spoiler")) {
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", "Hidden text: press to show");
      }
      walk(node);
    }
  };
  walk(template.content);
  return template.content;
}

function timeOf(date) {
  const match = /T(\d\d:\d\d)/.exec(date || "");
  return match ? match[1] : date || "";
}

// --- the clock and the stories --------------------------------------------------------------

function renderClock(clock) {
  const node = document.getElementById("clock");
  node.textContent = clock.text;
  node.setAttribute("datetime", clock.iso);
  const picker = document.getElementById("clock-to-input");
  if (document.activeElement !== picker && clock.iso) picker.value = clock.iso.slice(0, 16);
}

function renderStories(stories) {
  demo.stories = stories;
  const list = document.getElementById("story-list");
  list.replaceChildren(
    ...stories.map((story) =>
      element(
        "li",
        { class: "story", "data-story": story.id },
        element("h3", { text: story.title }),
        element("p", { text: story.hint }),
        element("button", {
          type: "button",
          text: "Start",
          "aria-label": `Start the story: ${story.title}`,
          onclick: () => startStory(story),
        })
      )
    )
  );
}

async function startStory(story) {
  const result = await attempt(() => api("POST", `/api/stories/${encodeURIComponent(story.id)}`));
  if (!result) return;
  document.getElementById("stories").open = false;
  const now = document.getElementById("story-now");
  now.replaceChildren(
    element("strong", { text: `${story.title}: ` }),
    document.createTextNode(result.hint || story.hint)
  );
  now.hidden = false;
  if (result.clock) renderClock(result.clock);
  await syncPhones(result.phones || demo.order, { reload: true });
  say(`Story started: ${story.title}`);
}

async function moveClock(body, label) {
  const bar = document.querySelector(".bar");
  if (bar.getAttribute("aria-busy") === "true") return;
  bar.setAttribute("aria-busy", "true");
  try {
    const result = await attempt(() => api("POST", "/api/clock", body));
    if (!result) return;
    renderClock(result.clock);
    const ran = Object.entries(result.ran || {})
      .filter(([, count]) => count > 0)
      .map(([job, count]) => `${job.replaceAll("_", " ")} ${count}`);
    say(`${label}: ${result.clock.text}.${ran.length ? ` Ran: ${ran.join(", ")}.` : ""}`);
  } finally {
    demo.jumps += 1;
    document.body.dataset.jumps = String(demo.jumps);
    bar.setAttribute("aria-busy", "false");
  }
}

// --- people and phones ----------------------------------------------------------------------

const KIND_GROUPS = [
  ["staff", "Staff"],
  ["guardian", "Parents and carers"],
  ["pupil", "Pupils"],
];

function renderPicker() {
  const select = document.getElementById("add-phone-person");
  const groups = KIND_GROUPS.map(([kind, label]) => {
    const group = element("optgroup", { label });
    for (const person of demo.people.values()) {
      if (person.kind !== kind || demo.phones.has(person.id)) continue;
      group.append(
        element("option", {
          value: person.id,
          text: `${person.name}, ${person.role} (${person.language_name})`,
        })
      );
    }
    return group;
  }).filter((group) => group.children.length > 0);
  select.replaceChildren(...groups);
  const none = groups.length === 0;
  select.disabled = none;
  document.querySelector("#add-phone button").disabled = none;
}

function createPhone(person) {
  const fragment = document.getElementById("phone-template").content.cloneNode(true);
  const root = fragment.querySelector(".phone");
  const phone = {
    person,
    commands: [],
    messages: new Map(),
    fresh: new Set(), // messages that came by event while the phone was loading
    loading: false,
    root,
    list: root.querySelector(".messages"),
    chat: root.querySelector(".chat"),
    input: root.querySelector(".text"),
    menu: root.querySelector(".command-menu"),
    menuButton: root.querySelector(".menu-button"),
    replyKeyboard: root.querySelector(".reply-keyboard"),
  };
  root.dataset.person = person.id;
  const nameId = `phone-${person.id}-name`;
  root.querySelector(".name").id = nameId;
  root.setAttribute("aria-labelledby", nameId);
  root.querySelector(".remove").addEventListener("click", () => removePhone(phone.person.id));
  root.querySelector(".composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = phone.input.value.trim();
    if (!text) return;
    phone.input.value = "";
    sendText(phone, text);
  });
  phone.menuButton.addEventListener("click", () => toggleMenu(phone));
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !phone.menu.hidden) {
      toggleMenu(phone, false);
      phone.menuButton.focus();
    }
  });
  phone.chat.addEventListener("click", (event) => {
    const spoiler = event.target.closest(".spoiler");
    if (spoiler) spoiler.classList.toggle("revealed");
  });
  phone.chat.addEventListener("keydown", (event) => {
    const spoiler = event.target.closest(".spoiler");
    if (spoiler && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      spoiler.classList.toggle("revealed");
    }
  });
  renderHead(phone);
  followNewest(phone);
  return phone;
}

function renderHead(phone) {
  const { person, root } = phone;
  // The chat and the typing follow the person's language; the page's own words stay English.
  root.lang = person.language;
  root.dir = person.rtl ? "rtl" : "ltr";
  root.dataset.rtl = String(Boolean(person.rtl));
  const head = root.querySelector(".phone-head");
  head.lang = "en";
  head.dir = "ltr";
  root.querySelector(".name").textContent = person.name;
  root.querySelector(".role").textContent = person.role;
  const language = root.querySelector(".language");
  language.replaceChildren(
    element("span", { lang: person.language, dir: "auto", text: person.language_name })
  );
  if (person.rtl) language.append(element("span", { class: "badge", text: "right to left" }));
  root.querySelector(".remove").setAttribute("aria-label", `Remove the phone of ${person.name}`);
  phone.chat.setAttribute("aria-label", `Chat of ${person.name} with Samen`);
  phone.input.setAttribute("aria-label", `Message from ${person.name}`);
  phone.input.setAttribute("placeholder", "Message");
  phone.input.lang = person.language;
  root.querySelector(".send").setAttribute("aria-label", `Send as ${person.name}`);
  phone.menuButton.setAttribute("aria-label", `Commands of ${person.name}`);
  phone.replyKeyboard.setAttribute("aria-label", `Keyboard of ${person.name}`);
  phone.menu.setAttribute("aria-label", `Commands of ${person.name}`);
}

function renderCommands(phone) {
  const items = phone.commands.map((command) =>
    element(
      "li",
      {},
      element(
        "button",
        {
          type: "button",
          class: "command",
          "data-command": command.command,
          onclick: () => {
            toggleMenu(phone, false);
            phone.input.focus();
            sendText(phone, `/${command.command}`);
          },
        },
        element("span", { class: "command-name", dir: "ltr", text: `/${command.command}` }),
        element("span", { class: "command-description", dir: "auto", text: command.description })
      )
    )
  );
  phone.menu.querySelector(".commands").replaceChildren(...items);
  phone.menuButton.hidden = items.length === 0;
  if (items.length === 0) toggleMenu(phone, false);
}

function toggleMenu(phone, open = phone.menu.hidden) {
  phone.menu.hidden = !open;
  phone.menuButton.setAttribute("aria-expanded", String(open));
  if (open) {
    const first = phone.menu.querySelector("button");
    if (first) first.focus();
  }
}

function renderReplyKeyboard(phone) {
  // Telegram keeps the last keyboard a bot sent below the chat until another replaces it.
  let rows = null;
  const ids = Array.from(phone.messages.keys()).sort((a, b) => a - b);
  for (const id of ids) {
    const message = phone.messages.get(id);
    if (message.from_bot && message.reply_keyboard !== null && message.reply_keyboard !== undefined) {
      rows = message.reply_keyboard;
    }
  }
  const keyboard = phone.replyKeyboard;
  if (!rows || rows.length === 0) {
    keyboard.hidden = true;
    keyboard.replaceChildren();
    return;
  }
  keyboard.replaceChildren(
    ...rows.map((row) =>
      element(
        "div",
        { class: "row" },
        ...row.map((label) =>
          element("button", {
            type: "button",
            class: "key",
            dir: "auto",
            "aria-label": pictogramName(label),
            text: label,
            onclick: () => sendText(phone, label),
          })
        )
      )
    )
  );
  keyboard.hidden = false;
}

function renderMessage(phone, message) {
  const id = `message-${phone.person.id}-${message.id}`;
  const classes = ["message", message.from_bot ? "from-bot" : "from-person"];
  if (message.deleted) classes.push("deleted");
  if (message.protected) classes.push("protected");
  const item = element("li", {
    class: classes.join(" "),
    id,
    "data-message-id": message.id,
    "data-edits": message.edits,
    "data-deleted": String(Boolean(message.deleted)),
  });

  const bubble = element("div", { class: "bubble" });
  if (message.reply_to !== null && message.reply_to !== undefined) {
    const quoted = phone.messages.get(message.reply_to);
    bubble.append(
      element("a", {
        class: "reply-to",
        href: `#message-${phone.person.id}-${message.reply_to}`,
        dir: "auto",
        text: quoted ? quoted.text.slice(0, 80) : "Reply to an earlier message",
      })
    );
  }
  if (message.deleted) {
    bubble.append(element("p", { class: "deleted-note", lang: "en", dir: "ltr", text: "🗑 Deleted" }));
  }
  const body = element("div", { class: "body" });
  body.append(cleanHtml(message.html));
  bubble.append(body);
  if (message.document) {
    const url = safeUrl(message.document.url);
    bubble.append(
      element(
        "a",
        {
          class: "document",
          href: url,
          target: "_blank",
          rel: "noopener noreferrer",
          type: message.document.mime,
          "aria-label": `Open the file ${message.document.name}`,
        },
        element("span", { class: "document-icon", "aria-hidden": "true", text: "📄" }),
        element("span", { class: "document-name", dir: "auto", text: message.document.name })
      )
    );
  }
  const meta = element("div", { class: "meta", lang: "en" });
  const picker = message.from_bot && !message.deleted ? reactionPicker(phone, message) : null;
  if (picker) meta.append(picker.toggle);
  if (message.protected) {
    meta.append(
      element(
        "span",
        { class: "lock", title: "Protected: cannot be forwarded or saved" },
        element("span", { "aria-hidden": "true", text: "🔒 " }),
        "protected"
      )
    );
  }
  if (message.edits > 0) meta.append(element("span", { class: "edited", text: "edited" }));
  meta.append(element("span", { class: "time", text: timeOf(message.date) }));
  bubble.append(meta);
  item.append(bubble);

  if (message.reactions && message.reactions.length > 0) {
    item.append(
      element(
        "p",
        { class: "reactions", "aria-label": `Reactions: ${message.reactions.join(" ")}` },
        ...message.reactions.map((emoji) =>
          element("span", { class: "reaction", "aria-hidden": "true", text: emoji })
        )
      )
    );
  }

  if (!message.deleted && message.inline_keyboard && message.inline_keyboard.length > 0) {
    item.append(
      element(
        "div",
        { class: "inline-keyboard", role: "group", "aria-label": "Buttons of this message" },
        ...message.inline_keyboard.map((row) =>
          element("div", { class: "row" }, ...row.map((button) => keyboardButton(phone, message, button)))
        )
      )
    );
  }

  if (picker) item.append(picker.choices);

  const old = document.getElementById(id);
  if (old) {
    const hadFocus = old.contains(document.activeElement) ? focusPath(old) : null;
    old.replaceWith(item);
    if (hadFocus) restoreFocus(item, hadFocus);
    return false;
  }
  let before = null;
  for (const other of phone.list.children) {
    if (Number(other.dataset.messageId) > message.id) {
      before = other;
      break;
    }
  }
  phone.list.insertBefore(item, before);
  return true;
}

// When a message is redrawn (an edit) the focused button should stay where the reader is.
function focusPath(root) {
  const active = document.activeElement;
  const all = Array.from(root.querySelectorAll("button, a[href], [tabindex]"));
  return { index: all.indexOf(active), callback: active.dataset.callback };
}

function restoreFocus(root, path) {
  const all = Array.from(root.querySelectorAll("button, a[href], [tabindex]"));
  const same = path.callback
    ? all.find((node) => node.dataset.callback === path.callback)
    : all[path.index];
  const target = same || all[Math.min(path.index, all.length - 1)] || null;
  if (target) target.focus();
  else root.closest(".phone").querySelector(".text").focus();
}

function keyboardButton(phone, message, button) {
  const url = safeUrl(button.url);
  if (url) {
    return element("a", {
      class: "key",
      href: url,
      target: "_blank",
      rel: "noopener noreferrer",
      dir: "auto",
      "aria-label": pictogramName(button.text),
      text: button.text,
    });
  }
  return element("button", {
    type: "button",
    class: "key",
    dir: "auto",
    "data-callback": button.data,
    "aria-label": pictogramName(button.text),
    text: button.text,
    onclick: () => tap(phone, message, button),
  });
}

function reactionPicker(phone, message) {
  const choices = element(
    "div",
    { class: "reaction-choices", role: "group", "aria-label": "Reactions", hidden: true },
    ...REACTIONS.map(([emoji, name]) =>
      element("button", {
        type: "button",
        class: "reaction-choice",
        "aria-label": `React with ${name}`,
        text: emoji,
        onclick: async () => {
          choices.hidden = true;
          toggle.setAttribute("aria-expanded", "false");
          await attempt(() =>
            api("POST", `/api/phones/${encodeURIComponent(phone.person.id)}/react`, {
              message_id: message.id,
              emoji,
            })
          );
        },
      })
    )
  );
  const toggle = element("button", {
    type: "button",
    class: "react",
    "aria-label": "React to this message",
    "aria-expanded": "false",
    text: "☺",
    onclick: () => {
      choices.hidden = !choices.hidden;
      toggle.setAttribute("aria-expanded", String(!choices.hidden));
    },
  });
  return { toggle, choices };
}

function renderAll(phone) {
  phone.list.replaceChildren();
  const ids = Array.from(phone.messages.keys()).sort((a, b) => a - b);
  for (const id of ids) renderMessage(phone, phone.messages.get(id));
  renderReplyKeyboard(phone);
  scrollDown(phone);
}

function scrollDown(phone) {
  phone.chat.scrollTop = phone.chat.scrollHeight;
}

// Telegram keeps a chat at its newest message while the reader is there: also when a message
// grows (an edit, a font that arrives late), not when she scrolled up to read.
function followNewest(phone) {
  phone.atBottom = true;
  phone.chat.addEventListener("scroll", () => {
    const chat = phone.chat;
    phone.atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 48;
  });
  new ResizeObserver(() => {
    if (phone.atBottom) scrollDown(phone);
  }).observe(phone.list);
}

async function loadPhone(phone) {
  phone.loading = true;
  phone.fresh.clear();
  try {
    const data = await api("GET", `/api/phones/${encodeURIComponent(phone.person.id)}`);
    phone.person = data.person;
    demo.people.set(data.person.id, data.person);
    phone.commands = data.commands || [];
    const messages = new Map();
    for (const message of data.messages) messages.set(message.id, message);
    // A message that came by event while this answer was on its way is the newer one.
    for (const id of phone.fresh) messages.set(id, phone.messages.get(id));
    phone.messages = messages;
    renderHead(phone);
    renderCommands(phone);
    renderAll(phone);
  } finally {
    phone.loading = false;
    phone.root.dataset.loaded = "true";
  }
}

function receive(personId, message) {
  const phone = demo.phones.get(personId);
  if (!phone) return;
  phone.messages.set(message.id, message);
  if (phone.loading) phone.fresh.add(message.id);
  const added = renderMessage(phone, message);
  renderReplyKeyboard(phone);
  if (added && (phone.atBottom || !message.from_bot)) scrollDown(phone);
}

async function syncPhones(ids, { reload = false } = {}) {
  demo.order = ids.slice();
  for (const [id, phone] of Array.from(demo.phones)) {
    if (!ids.includes(id)) {
      phone.root.remove();
      demo.phones.delete(id);
    }
  }
  const container = document.getElementById("phones");
  const loads = [];
  for (const id of ids) {
    let phone = demo.phones.get(id);
    const person = demo.people.get(id) || {
      id, kind: "staff", name: id, role: "", language: "nl", language_name: "", rtl: false,
    };
    if (!phone) {
      phone = createPhone(person);
      demo.phones.set(id, phone);
      loads.push(loadPhone(phone));
    } else if (reload) {
      loads.push(loadPhone(phone));
    }
    container.append(phone.root); // in the order the server gives
  }
  renderPicker();
  await Promise.all(loads.map((load) => attempt(() => load)));
}

async function loadState() {
  const state = await api("GET", "/api/state");
  document.getElementById("school-name").textContent = state.school ? state.school.name : "";
  demo.people = new Map(state.people.map((person) => [person.id, person]));
  renderClock(state.clock);
  renderStories(state.stories || []);
  await syncPhones(state.phones, { reload: true });
}

// --- acting as a person ---------------------------------------------------------------------

async function sendText(phone, text) {
  const id = phone.person.id;
  phone.root.setAttribute("aria-busy", "true");
  try {
    await attempt(() => api("POST", `/api/phones/${encodeURIComponent(id)}/say`, { text }));
    // `/taal` and the like change the person's language and menu: read the phone again.
    if (demo.phones.get(id) === phone) await attempt(() => loadPhone(phone));
  } finally {
    phone.root.setAttribute("aria-busy", "false");
  }
}

async function tap(phone, message, button) {
  const id = phone.person.id;
  phone.root.setAttribute("aria-busy", "true");
  try {
    const result = await attempt(() =>
      api("POST", `/api/phones/${encodeURIComponent(id)}/tap`, {
        message_id: message.id,
        data: button.data,
      })
    );
    if (result && result.answer) say(`${phone.person.name}: ${result.answer}`);
    if (demo.phones.get(id) === phone) await attempt(() => loadPhone(phone));
  } finally {
    phone.root.setAttribute("aria-busy", "false");
  }
}

async function addPhone(personId) {
  const result = await attempt(() => api("POST", "/api/phones", { person_id: personId }));
  if (result === null) return;
  await attempt(loadState);
  const phone = demo.phones.get(personId);
  if (phone) {
    phone.input.focus();
    say(`Phone of ${phone.person.name} added`);
  }
}

async function removePhone(personId) {
  const person = demo.people.get(personId);
  const result = await attempt(() => api("DELETE", `/api/phones/${encodeURIComponent(personId)}`));
  if (result === null) return;
  await attempt(loadState);
  document.getElementById("add-phone-person").focus();
  say(`Phone of ${person ? person.name : personId} removed`);
}

// --- live updates ---------------------------------------------------------------------------

function listen() {
  const events = new EventSource("/api/events");
  demo.events = events;
  events.addEventListener("open", async () => {
    const again = document.body.dataset.connected === "lost";
    document.body.dataset.connected = "true";
    if (again) {
      say("Connected again");
      await attempt(loadState); // what happened while the page was away
    }
  });
  events.addEventListener("error", () => {
    if (document.body.dataset.connected === "true") say("Connection lost: trying again…");
    document.body.dataset.connected = "lost";
  });
  events.addEventListener("message", (event) => {
    const data = JSON.parse(event.data);
    receive(data.person_id, data.message);
  });
  events.addEventListener("clock", (event) => renderClock(JSON.parse(event.data)));
  events.addEventListener("phones", (event) => {
    attempt(() => syncPhones(JSON.parse(event.data)));
  });
}

function wire() {
  for (const button of document.querySelectorAll("[data-jump]")) {
    button.addEventListener("click", () => moveClock({ jump: button.dataset.jump }, button.textContent));
  }
  document.getElementById("clock-to").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("clock-to-input").value;
    if (value) moveClock({ to: value }, "Clock set");
  });
  document.getElementById("add-phone").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("add-phone-person").value;
    if (value) addPhone(value);
  });
}

// Between jumps the school clock runs on with real time: the bar reads it again now and then.
const CLOCK_EVERY_MS = 20000;

async function followClock() {
  try {
    const response = await fetch("/api/state");
    if (response.ok) renderClock((await response.json()).clock);
  } catch (_) {
    // The events say when the connection is lost; the next round tries again.
  }
}

async function start() {
  document.body.dataset.pending = "0";
  document.body.dataset.jumps = "0";
  wire();
  listen();
  const loaded = await attempt(loadState);
  if (loaded !== null) document.body.dataset.ready = "true";
  window.setInterval(followClock, CLOCK_EVERY_MS);
}

document.addEventListener("DOMContentLoaded", start);

// The chat page, kept live: new messages arrive on the chat's event stream and are
// appended; the form posts JSON and stays on the page. Without JavaScript the form
// posts to the server and the page reloads. Text is only ever set with textContent.

import { listed, place } from "./chat_list.js";
import { clockTime } from "./format.js";

const config = JSON.parse(document.getElementById("ds-config").textContent);
const query = config.check ? `?check=${encodeURIComponent(config.check)}` : "";
const list = document.getElementById("messages");
const form = document.getElementById("write");
const box = document.getElementById("chat-body");
const t = (key) => config.messages[key] || key;

function append(m) {
  if (listed(list, m.id)) return;
  const item = document.createElement("li");
  item.className = `msg from-${m.author}`;
  item.dataset.id = String(m.id);
  const who = document.createElement("span");
  who.className = "who";
  who.textContent = m.author === "recipient" ? t("chat_you") : m.author_name;
  const when = document.createElement("time");
  when.dateTime = m.at;
  when.textContent = clockTime(m.at);
  const body = document.createElement("p");
  body.className = "body";
  body.textContent = m.body;
  item.append(who, " ", when, body);
  place(list, item);
  document.getElementById("chat-empty").hidden = true;
  if (m.author !== "recipient") {
    fetch(`${config.api}/read${query}`, { method: "POST" }).catch(() => {});
  }
}

// The stream sends only what is written after it subscribed: on every (re)connect the
// chat is read again, so a message written since the page was drawn still shows.
async function catchUp() {
  try {
    const response = await fetch(`${config.api}${query}`);
    if (!response.ok) return;
    const chat = await response.json();
    chat.messages.forEach(append);
  } catch {
    // offline: the stream's reconnect reads again
  }
}

function listen() {
  const stream = new EventSource(`${config.api}/events${query}`);
  stream.addEventListener("message", (event) => append(JSON.parse(event.data)));
  stream.addEventListener("open", catchUp);
}

async function send(text) {
  const response = await fetch(`${config.api}${query}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ body: text }),
  });
  if (response.status === 201) {
    append(await response.json());
    return true;
  }
  return false;
}

if (form) {
  form.addEventListener("submit", async (event) => {
    const quick = event.submitter && event.submitter.name === "quick" ? event.submitter.value : null;
    event.preventDefault();
    if (quick !== null && quick !== quick.trimEnd()) {
      box.value = quick;
      box.focus();
      return;
    }
    const text = (quick ?? box.value).trim();
    if (!text) return;
    const button = document.getElementById("chat-send");
    button.disabled = true;
    try {
      if (await send(text)) {
        if (quick === null) box.value = "";
      } else {
        form.submit(); // the server says what is wrong, as without JavaScript
      }
    } finally {
      button.disabled = false;
    }
  });
}

listen();

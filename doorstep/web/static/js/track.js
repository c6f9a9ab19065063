// The tracking page, kept live. The server rendered the page from the same view this
// script receives; here the view is drawn again whenever the event stream sends a new
// one (or, when the stream breaks, every 20 s from the JSON). Forms go to the JSON API.
// Text from the view is only ever set with textContent.

import { DoorstepMap } from "./map.js";
import { clockTime, moment, otherDay, span, translator } from "./format.js";

const config = JSON.parse(document.getElementById("ds-config").textContent);
let view = JSON.parse(document.getElementById("ds-view").textContent);
const t = translator(config.messages);
const label = (english) => config.labels[english] || english;
const query = config.check ? `?check=${encodeURIComponent(config.check)}` : "";
const $ = (id) => document.getElementById(id);
const when = (iso) => moment(iso, config.today, t);
const between = (a, b) => span(a, b, config.today, t);

function setText(id, text) {
  const el = $(id);
  if (!el) return;
  el.textContent = text || "";
  el.hidden = !text;
}

function show(id, visible) {
  const el = $(id);
  if (el) el.hidden = !visible;
}

function setImage(id, url) {
  const el = $(id);
  if (!el) return;
  if (url) {
    if (el.getAttribute("src") !== url) el.setAttribute("src", url);
    el.hidden = false;
  } else {
    el.removeAttribute("src");
    el.hidden = true;
  }
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// -- drawing the view ---------------------------------------------------------------

function renderStatus(v) {
  const heading = $("status-label");
  heading.textContent = label(v.status_label);
  heading.dataset.status = v.status;
  document.title = `${v.organisation.name}: ${label(v.status_label)}`;
  const eta = v.eta;
  show("eta", !!eta);
  if (eta) {
    const day = otherDay(eta.expected, config.today, t);
    $("eta-heading").textContent = day ? t("eta_heading_on", { day }) : t("eta_heading");
    const [start, end] = [clockTime(eta.earliest), clockTime(eta.latest)];
    $("eta-window").textContent = t("eta_between", { start, end });
    $("eta-expected").textContent = t("eta_expected", { time: clockTime(eta.expected) });
  }
  if (v.late && eta) {
    setText("late", t("late_notice", { start: clockTime(eta.earliest), end: clockTime(eta.latest) }));
  } else {
    setText("late", "");
  }
  show("stale", !!(eta && eta.stale));
  const away = v.stops_away;
  setText("stops", !away ? "" : away === 1 ? t("stops_next") : t("stops_away", { n: away, before: away - 1 }));
  setText("delivery-code", v.delivery_code ? t("delivery_code", { code: v.delivery_code }) : "");
  if (v.window && v.status !== "delivered") {
    const [start, end] = between(v.window.start, v.window.end);
    setText("window", t("window_promised", { start, end }));
  } else {
    setText("window", "");
  }
  setText("driver", v.driver ? t("driver", { name: v.driver.first_name }) : "");
  setImage("driver-photo", v.driver && v.driver.photo_url);
  setText("vehicle", v.vehicle ? t("vehicle", { name: v.vehicle.name }) : "");
}

function renderTimeline(v) {
  const list = $("timeline");
  const items = [...v.timeline].reverse().map((event) => {
    const item = el("li");
    const time = el("time", null, when(event.at));
    time.setAttribute("datetime", event.at);
    item.append(time, " ", el("span", "tl-label", label(event.label)));
    if (event.reason) item.append(" ", el("span", "tl-reason", event.reason));
    return item;
  });
  list.replaceChildren(...items);
  show("timeline-empty", items.length === 0);
}

function renderProof(v) {
  const proof = v.proof;
  show("proof", !!proof);
  if (!proof) return;
  $("proof-at").textContent = t("proof_at", { time: when(proof.delivered_at) });
  setText("proof-by", proof.recipient_name ? t("proof_received_by", { name: proof.recipient_name }) : "");
  setImage("proof-photo", proof.photo_url);
}

function renderRating(v) {
  show("rating", v.can_rate || !!v.rating);
  show("rating-form", v.can_rate);
  setText("rating-done", v.rating ? t("your_rating", { n: v.rating.stars }) : "");
  setText("rating-comment", v.rating && v.rating.comment);
}

let instructionsDirty = false;

function renderInstructions(v) {
  const ins = v.instructions;
  if (!ins || !$("instructions")) return;
  show("instructions-form", ins.editable);
  show("instructions-view", !ins.editable);
  $("iv-text").textContent = ins.text || "–";
  $("iv-gate").textContent = ins.gate_code || "–";
  $("iv-dog").textContent = ins.dog_warning ? t("yes") : t("no");
  $("iv-safe").textContent = ins.safe_place || "–";
  if (!instructionsDirty) {
    $("ins-text").value = ins.text || "";
    $("ins-gate").value = ins.gate_code || "";
    $("ins-dog").checked = !!ins.dog_warning;
    $("ins-safe").value = ins.safe_place || "";
  }
}

// -- the map --------------------------------------------------------------------------

let map = null;

function renderMap(v) {
  if (!map) return;
  const delivered = v.status === "delivered";
  if (v.destination) {
    map.setMarker("destination", v.destination, {
      kind: "destination",
      label: t(delivered ? "map_delivered" : "map_destination"),
    });
  } else {
    map.removeMarker("destination");
  }
  const van = v.vehicle_position;
  if (van) {
    map.setMarker("vehicle", van, { kind: "vehicle", label: t("map_vehicle"), heading: van.heading });
  } else {
    map.removeMarker("vehicle");
  }
  if (v.path) map.setLine("path", v.path, { kind: "path" });
  else map.removeLine("path");
  map.fit([v.destination, van]);
}

function startMap() {
  const element = $("map");
  if (!element || !window.L) return;
  try {
    map = new DoorstepMap(element, {
      tileUrl: config.map.tileUrl,
      tileAttribution: config.map.tileAttribution,
      roadsUrl: config.map.roadsUrl,
      credit: t("map_credit"),
    });
  } catch {
    map = null;
  }
}

function render(v) {
  if (v.expired && !view.expired) {
    window.location.reload(); // the server draws the expired page
    return;
  }
  view = v;
  renderStatus(v);
  renderTimeline(v);
  renderProof(v);
  renderRating(v);
  renderInstructions(v);
  show("reschedule", v.can_reschedule);
  renderMap(v);
}

// -- live updates: the event stream, else polling -------------------------------------

let source = null;
let pollTimer = null;
let polls = 0;
const POLLS_BEFORE_RETRY = 3;

function connect() {
  if (!("EventSource" in window)) {
    startPolling();
    return;
  }
  source = new EventSource(`${config.api}/events${query}`);
  document.body.dataset.live = "stream";
  source.addEventListener("view", (event) => render(JSON.parse(event.data)));
  source.addEventListener("gone", () => {
    source.close();
    window.location.reload();
  });
  source.onerror = () => {
    source.close();
    source = null;
    startPolling();
  };
}

function startPolling() {
  if (pollTimer) return;
  polls = 0;
  pollTimer = window.setInterval(poll, config.pollMs);
  document.body.dataset.live = "polling"; // how the page keeps up (a test waits on it)
}

async function poll() {
  polls += 1;
  try {
    const response = await fetch(`${config.api}${query}`, {
      headers: { Accept: "application/json" },
      cache: "no-store",
    });
    if (response.ok) render(await response.json());
  } catch {
    // offline for now: the next poll tries again
  }
  if (polls % POLLS_BEFORE_RETRY === 0) {
    window.clearInterval(pollTimer);
    pollTimer = null;
    connect();
  }
}

// -- forms ----------------------------------------------------------------------------

function errorMessage(status) {
  if (status === 409) return t("error_conflict");
  if (status === 422 || status === 400) return t("error_invalid");
  if (status === 429) return t("error_limited");
  return t("error_generic");
}

async function send(method, path, body) {
  try {
    const response = await fetch(`${config.api}${path}${query}`, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { ok: response.ok, status: response.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

function formStatus(form, text) {
  const status = form.querySelector(".form-status");
  if (status) status.textContent = text;
}

function wire(id, handle) {
  const form = $(id);
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    formStatus(form, "");
    try {
      await handle(form, new FormData(form));
    } finally {
      if (button) button.disabled = false;
    }
  });
}

const optional = (value) => {
  const text = String(value || "").trim();
  return text || null;
};
const yesNo = (value) => (value === "yes" ? true : value === "no" ? false : null);

function liveNotice(text) {
  const notice = $("live-notice");
  notice.textContent = text;
  notice.hidden = !text;
}

function wireForms() {
  const instructions = $("instructions-form");
  if (instructions) instructions.addEventListener("input", () => { instructionsDirty = true; });

  wire("instructions-form", async (form, data) => {
    const result = await send("PUT", "/instructions", {
      text: optional(data.get("text")),
      gate_code: optional(data.get("gate_code")),
      dog_warning: data.get("dog_warning") !== null,
      safe_place: optional(data.get("safe_place")),
    });
    if (result.ok) {
      instructionsDirty = false;
      render(result.data);
      formStatus(form, t("done_instructions"));
    } else {
      formStatus(form, errorMessage(result.status));
    }
  });

  wire("rating-form", async (form, data) => {
    const stars = Number(data.get("stars"));
    if (!stars) {
      formStatus(form, t("error_invalid"));
      form.querySelector("input[name=stars]").focus();
      return;
    }
    const result = await send("POST", "/rating", {
      stars,
      comment: optional(data.get("comment")),
      on_time: yesNo(data.get("on_time")),
      courteous: yesNo(data.get("courteous")),
      package_ok: yesNo(data.get("package_ok")),
    });
    if (result.ok) {
      render({ ...view, rating: result.data, can_rate: false });
      liveNotice(t("done_rated"));
      const done = $("rating-done");
      done.tabIndex = -1;
      done.focus();
    } else {
      formStatus(form, errorMessage(result.status));
    }
  });

  wire("slot-form", async (form, data) => {
    const [start, end] = String(data.get("slot") || "").split("|");
    if (!start || !end) {
      formStatus(form, t("error_invalid"));
      return;
    }
    const result = await send("POST", "/reschedule", { window_start: start, window_end: end });
    if (result.ok) {
      render(result.data);
      liveNotice(t("done_rescheduled"));
      formStatus(form, t("done_rescheduled"));
    } else {
      formStatus(form, errorMessage(result.status));
    }
  });

  wire("neighbour-form", async (form, data) => {
    const neighbour = optional(data.get("neighbour"));
    if (!neighbour) {
      formStatus(form, t("error_invalid"));
      return;
    }
    const result = await send("POST", "/reschedule", { neighbour });
    if (result.ok) {
      instructionsDirty = false;
      render(result.data);
      form.reset();
      formStatus(form, t("done_neighbour"));
    } else {
      formStatus(form, errorMessage(result.status));
    }
  });

  const details = $("reschedule-details");
  if (details) details.addEventListener("toggle", () => { if (details.open) refreshSlots(); });
}

async function refreshSlots() {
  try {
    const response = await fetch(`${config.api}/slots${query}`, { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const { slots } = await response.json();
    const list = $("slot-list");
    const checked = list.querySelector("input:checked");
    const keep = checked ? checked.value : null;
    const items = slots.map((slot, index) => {
      const value = `${slot.start}|${slot.end}`;
      const [start, end] = between(slot.start, slot.end);
      const wrap = el("span", "choice");
      const input = el("input");
      input.type = "radio";
      input.name = "slot";
      input.id = `slot-${index + 1}`;
      input.value = value;
      input.required = true;
      input.checked = value === keep;
      const text = el("label", null, `${start}–${end}`);
      text.htmlFor = input.id;
      wrap.append(input, text);
      return wrap;
    });
    list.replaceChildren(...items);
    show("slots-none", items.length === 0);
  } catch {
    // keep the slots the page came with
  }
}

startMap();
render(view);
wireForms();
connect();

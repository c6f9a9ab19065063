// The driver app: sign in, today's route, stop actions with proof of delivery, and the
// phone as a tracker. Every action is queued on the device (IndexedDB) with an id of
// its own and sent in order when the network allows, so nothing taken offline is lost
// and nothing sent twice is applied twice (the server knows each action's id).
// Text from the server is only ever set with textContent.

import { listed, place } from "./chat_list.js";
import { NEAR_METRES, keep, metresBetween } from "./tracking_rate.js";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const state = { me: null, day: null, stopId: null, signed: false, pay: false };
const SEND_FIXES_MS = 10000;
const FIX_BATCH = 500; // fixes per upload (the API takes 10,000): small on a phone's network
// A stalled request must not hold the ones after it forever (see send); tests shorten it.
const REQUEST_DEADLINE_MS = globalThis.DOORSTEP_REQUEST_DEADLINE_MS ?? 30000;

// -- the device's queue ---------------------------------------------------------------

let database = null;
function db() {
  if (database) return database;
  database = new Promise((resolve, reject) => {
    const request = indexedDB.open("doorstep-driver", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      request.result.createObjectStore("fixes", { keyPath: "seq", autoIncrement: true });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function tx(store, mode, work) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const t = handle.transaction(store, mode);
    const result = work(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
const put = (store, value) => tx(store, "readwrite", (s) => s.add(value));
const all = (store) => tx(store, "readonly", (s) => s.getAll());
// A batch sent is forgotten in one transaction: one per fix took seconds for 500 on a phone.
const dropAll = (store, keys) =>
  tx(store, "readwrite", (s) => {
    for (const key of keys) s.delete(key);
  });
const drop = (store, key) => dropAll(store, [key]);

function notice(text, isError = false) {
  const el = $("notice");
  el.textContent = text;
  el.className = `notice ${isError ? "error" : "ok"}`;
  el.hidden = !text;
}

async function showPending() {
  const waiting = (await all("queue")).length;
  $("pending").textContent = waiting ? `${waiting} waiting for network` : "";
  $("pending").hidden = !waiting;
}

async function enqueue(action) {
  await put("queue", { id: crypto.randomUUID(), taken: new Date().toISOString(), ...action });
  await showPending();
  flush();
}

// Every request has a deadline. A connection that stalls (a phone between two cells)
// would otherwise hold the queue of actions, or the uploads of positions, until the
// browser gave up, minutes later; given up, the request counts as offline and is sent
// again. 30 s, and 1 s more for every 20 KB of body (a 300 KB photo: 45 s). Older
// phone browsers (before 2022) lack AbortSignal.timeout: no deadline there.
function deadline(body) {
  if (typeof AbortSignal.timeout !== "function") return undefined;
  let bytes = 0;
  if (body instanceof FormData) for (const value of body.values()) bytes += value.size ?? String(value).length;
  else if (typeof body === "string") bytes = body.length;
  return AbortSignal.timeout(REQUEST_DEADLINE_MS + bytes / 20);
}

async function send(url, options = {}) {
  try {
    return await fetch(url, { credentials: "same-origin", ...options, signal: options.signal ?? deadline(options.body) });
  } catch {
    return null; // offline, or the deadline passed
  }
}

function json(body) {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

async function why(response) {
  try {
    return (await response.json()).detail || `error ${response.status}`;
  } catch {
    return `error ${response.status}`;
  }
}

// Returns "offline", "ok", or the server's reason for refusing.
async function perform(item) {
  const done = (r) => r.ok || (r.status === 409 && /already/.test(r.detailText || ""));
  if (item.kind === "post") {
    const body = item.stamp === false ? item.body : { ...item.body, at: item.taken };
    const response = await send(item.url, json(body));
    if (!response) return "offline";
    response.detailText = response.ok ? "" : await why(response);
    return done(response) ? "ok" : response.detailText;
  }
  if (item.kind === "deliver") {
    const ids = [];
    for (const [i, file] of item.files.entries()) {
      const form = new FormData();
      form.append("kind", file.kind);
      form.append("client_id", `${item.id}-${i}`);
      form.append("captured_at", item.taken);
      if (item.position) {
        form.append("lat", item.position.lat);
        form.append("lon", item.position.lon);
      }
      form.append("file", file.blob, file.kind === "signature" ? "signature.png" : "photo.jpg");
      const response = await send(`${API}/routes/${item.route}/stops/${item.stop}/proofs`, {
        method: "POST",
        body: form,
      });
      if (!response) return "offline";
      if (!response.ok) return await why(response);
      ids.push((await response.json()).id);
    }
    const body = { ...item.body, proof_ids: ids, at: item.taken };
    if (item.position) body.location = item.position;
    const response = await send(`${API}/routes/${item.route}/stops/${item.stop}/complete`, json(body));
    if (!response) return "offline";
    response.detailText = response.ok ? "" : await why(response);
    return done(response) ? "ok" : response.detailText;
  }
  return "ok";
}

// One flush at a time, and it runs until the queue is empty (or the network is gone):
// an action queued while a flush is sending is sent by that flush, not 15 s later.
let flushing = false;
async function flush() {
  if (flushing) return;
  flushing = true;
  let changed = false;
  try {
    let offline = false;
    for (let items = await all("queue"); items.length && !offline; items = await all("queue")) {
      for (const item of items) {
        const outcome = await perform(item);
        if (outcome === "offline") {
          offline = true;
          break;
        }
        await drop("queue", item.seq);
        changed = true;
        if (outcome !== "ok") notice(`Not accepted: ${outcome}`, true);
      }
    }
  } finally {
    flushing = false;
    await showPending();
  }
  if (!(await all("queue")).length) editsSending = false;
  if (changed) await load();
}

// -- signing in and the day ------------------------------------------------------------

async function whoAmI() {
  const response = await send(`${API}/auth/me`);
  if (!response || !response.ok) return null;
  return response.json();
}

// Readings of the route overlap (a change from dispatch, a sent action, the poll) and a
// phone's network may answer them out of order: an answer older than the one shown is
// dropped, or the route shown would go back to what it was. So is one asked before the
// driver's own latest edit, shown on the phone at once and sent by the queue: it would
// undo the edit on the screen and alert the driver to a change they made themselves;
// the reading after the edit is sent shows the server's answer. A reading asked while
// the edit is still on its way may not see it either: dropped too, as the queue reads
// the route again once it has sent everything.
let readingsAsked = 0;
let readingShown = 0;
let readingsBeforeEdit = 0;
let editsSending = false;
function editedHere() {
  readingsBeforeEdit = readingsAsked;
  editsSending = true;
}
async function load() {
  const asked = ++readingsAsked;
  const beforeSent = editsSending;
  const outdated = () => asked < readingShown || asked <= readingsBeforeEdit || beforeSent;
  const response = await send(`${API}/me/route`);
  if (outdated()) return;
  if (!response) {
    notice("Offline: showing the route as last seen.");
    return;
  }
  if (!response.ok) {
    notice(await why(response), true);
    return;
  }
  const fresh = await response.json();
  if (outdated()) return;
  readingShown = asked;
  const shape = (day) => JSON.stringify(((day && day.route && day.route.stops) || []).map((s) => [s.id, s.sequence, s.status === "cancelled"]));
  // Why it changed comes with the route read (its last change), not from the event:
  // another reading of the route (after a sent action, say) may see the change first.
  const gone = state.changeReason ? ` (${state.changeReason})` : "";
  state.changeReason = null;
  if (state.day && state.day.route && !fresh.route) {
    alertDriver(`Your route was taken off you${gone}: ask the dispatcher.`);
  } else if (state.day && state.day.route && fresh.route && shape(state.day) !== shape(fresh)) {
    const reason = fresh.route.last_change ? ` (${fresh.route.last_change})` : "";
    alertDriver(`Your route changed${reason}: check the stops.`);
  }
  state.day = fresh;
  draw();
  loadHandovers();
}

function alertDriver(text) {
  notice(text, true);
  if (navigator.vibrate) navigator.vibrate([200, 100, 200]);
}

// The dispatcher's changes arrive at once (Server-Sent Events); the slow poll in wire()
// is only the fallback for a connection that dropped quietly.
let routeEvents = null;
function listenForChanges() {
  if (routeEvents || !("EventSource" in window)) return;
  routeEvents = new EventSource(`${API}/me/route/events`);
  routeEvents.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    showMessage(message);
    if (message.urgent) alertDriver(`Alert from dispatch: ${message.body}`);
    else if (navigator.vibrate) navigator.vibrate(100);
  });
  routeEvents.addEventListener("changed", (event) => {
    state.changeReason = JSON.parse(event.data).reason || null;
    load();
  });
  // After a reconnect, a change made while the stream was down is read at once.
  let opened = false;
  routeEvents.addEventListener("open", () => {
    if (opened) {
      load();
      loadMessages();
    }
    opened = true;
    document.body.dataset.live = "true"; // subscribed: what dispatch sends now arrives
  });
  routeEvents.addEventListener("error", () => {
    document.body.dataset.live = "false";
  });
}

// Messages and alerts from dispatch: unread ones stay on top until "Got it".
function showMessage(message) {
  if (document.querySelector(`[data-message="${message.id}"]`)) return;
  const item = document.createElement("li");
  item.dataset.message = message.id;
  item.className = message.urgent ? "urgent" : "";
  const text = document.createElement("span");
  text.textContent = `${message.urgent ? "Alert: " : ""}${message.body} (${message.author_name}, ${hhmm(message.at)})`;
  const done = document.createElement("button");
  done.type = "button";
  done.className = "button secondary";
  done.textContent = "Got it";
  done.addEventListener("click", async () => {
    await fetch(`${API}/me/messages/${message.id}/read`, { method: "POST" }).catch(() => null);
    item.remove();
    $("messages").hidden = !$("message-list").children.length;
  });
  item.append(text, " ", done);
  $("message-list").prepend(item);
  $("messages").hidden = false;
}

async function loadMessages() {
  const response = await fetch(`${API}/me/messages`).catch(() => null);
  if (!response || !response.ok) return;
  for (const message of (await response.json()).reverse()) if (!message.read_at) showMessage(message);
}

function hhmm(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: state.day.timezone });
}

function draw() {
  const route = state.day && state.day.route;
  $("signin").hidden = true;
  $("day").hidden = !!state.stopId || state.pay;
  $("stop").hidden = !state.stopId;
  $("pay").hidden = !state.pay;
  $("no-route").hidden = !!route;
  $("start").hidden = !route || route.status !== "planned";
  $("load").hidden = !route || route.status !== "planned" || !!state.stopId;
  if (!route || route.status !== "in_progress") stopTracking();
  if (!route) return;
  if (route.status === "planned") drawParcels();
  $("summary").hidden = route.status !== "completed";
  if (route.status === "completed") drawSummary();
  $("route-title").textContent = `${route.name || "Today"} · ${route.stops.filter((s) => s.status === "pending" || s.status === "arrived").length} to go`;
  const list = $("stops");
  list.replaceChildren();
  for (const stop of route.stops) {
    const item = document.createElement("li");
    const open = stop.status === "pending" || stop.status === "arrived";
    item.className = open ? "" : "done";
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.stop = stop.id;
    const who = stop.order ? `${stop.order.recipient_first_name || ""} · ${stop.order.address}` : stop.kind;
    const window = stop.order && stop.order.window_start ? ` · ${hhmm(stop.order.window_start)}–${hhmm(stop.order.window_end)}` : "";
    button.textContent = `${stop.sequence + 1}. ${who}${window} · ${stop.status}`;
    button.addEventListener("click", () => openStop(stop.id));
    item.append(button);
    list.append(item);
  }
  if (state.stopId) drawStop();
  if (route.status === "in_progress") startTracking();
  // The moment the route is usable, for `doorstep bench driver-app` and field measures.
  if (!performance.getEntriesByName("route-drawn").length) performance.mark("route-drawn");
}

// -- loading the van -----------------------------------------------------------------------

state.parcels = {};
async function drawParcels() {
  const route = state.day.route;
  const response = await send(`${API}/routes/${route.id}/load-status`);
  if (response && response.ok) {
    for (const p of (await response.json()).parcels) {
      if (!state.parcels[p.label] || state.parcels[p.label] === "unscanned") state.parcels[p.label] = p.state;
    }
  } else {
    for (const stop of route.stops) for (const label of (stop.order && stop.order.parcels) || []) state.parcels[label] ??= "unscanned";
  }
  renderParcels();
}

function renderParcels() {
  const list = $("parcels");
  list.replaceChildren();
  let open = 0;
  for (const [label, parcelState] of Object.entries(state.parcels)) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = label;
    const shown = document.createElement("span");
    shown.className = parcelState;
    shown.textContent = parcelState;
    item.append(name, shown);
    if (parcelState === "unscanned") {
      open += 1;
      const missing = document.createElement("button");
      missing.type = "button";
      missing.className = "button secondary";
      missing.textContent = "Missing";
      missing.addEventListener("click", () => loadParcel(label, true));
      item.append(missing);
    }
    list.append(item);
  }
  $("load-count").textContent = open ? `${open} parcel(s) still to scan or mark missing` : "Every parcel is on the van or marked missing.";
}

function loadParcel(text, missing = false) {
  const label = text.trim().toUpperCase().replace(/\s+/g, "");
  if (!label) return;
  const known = Object.keys(state.parcels).find((p) => p.replace(/-/g, "") === label.replace(/-/g, ""));
  if (!known && !Object.keys(state.parcels).length) {
    notice("The route's parcels are still loading: scan again in a moment.", true);
    return;
  }
  if (!known) {
    notice(`${label} is not a parcel of this route.`, true);
    return;
  }
  const scan = { label: known, client_id: crypto.randomUUID(), at: new Date().toISOString() };
  enqueue({ kind: "post", stamp: false, url: `${API}/routes/${state.day.route.id}/load-scans`, body: missing ? { missing: [scan] } : { scans: [scan] } });
  state.parcels[known] = missing ? "missing" : "loaded";
  notice(missing ? `${known} marked missing.` : `${known} loaded.`);
  renderParcels(); // at once; the server's word follows
  drawParcels();
}

// -- reading barcodes: the browser's BarcodeDetector, and zxing (loaded on first use) ---

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error("the barcode reader could not be loaded"));
    document.head.append(script);
  });
}

// zxing misses a few clean, sharp codes at one size that it reads at another: 10 of 400
// printed labels at 8 px a module in Chromium 156, each read at half the size or as a pure
// code. So a photo is read every way before it is called blank, and a camera's frames take
// the ways in turn. A phone's 12 MP photo is read at most MAX_SIDE px across (seconds otherwise).
const MAX_SIDE = 1600;
const ZXING_WAYS = [
  { scale: 1, pure: false },
  { scale: 0.5, pure: false },
  { scale: 1, pure: true }, // the code fills a clean picture: a screenshot, a scan
];

let readers = null;
// Functions from an image (video, bitmap) to the text of a barcode in it, or null: the
// browser's own detector first where it reads QR codes, then zxing's ways.
async function barcodeReaders() {
  if (readers) return readers;
  const found = [];
  if ("BarcodeDetector" in window) {
    const formats = await window.BarcodeDetector.getSupportedFormats().catch(() => []);
    if (formats.includes("qr_code")) {
      const detector = new window.BarcodeDetector();
      found.push(async (image) => {
        const codes = await detector.detect(image).catch(() => []);
        return codes.length ? codes[0].rawValue : null;
      });
    }
  }
  if (!window.ZXing) await loadScript(document.querySelector('meta[name="barcode-library"]').content);
  const Z = window.ZXing;
  const canvas = document.createElement("canvas");
  for (const way of ZXING_WAYS) {
    const decoder = new Z.MultiFormatReader();
    const hints = new Map([[Z.DecodeHintType.TRY_HARDER, true]]);
    if (way.pure) hints.set(Z.DecodeHintType.PURE_BARCODE, true);
    decoder.setHints(hints);
    found.push(async (image) => {
      const width = image.videoWidth || image.width;
      const height = image.videoHeight || image.height;
      if (!width || !height) return null;
      const scale = way.scale * Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.fillStyle = "#fff"; // a transparent picture is read on white, as printed
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      try {
        const bitmap = new Z.BinaryBitmap(new Z.HybridBinarizer(new Z.HTMLCanvasElementLuminanceSource(canvas)));
        return decoder.decodeWithState(bitmap).getText();
      } catch {
        return null; // no barcode read this way
      }
    });
  }
  readers = found;
  return readers;
}

async function photoScan(file) {
  const image = await createImageBitmap(file);
  for (const read of await barcodeReaders()) {
    const text = await read(image);
    if (text) return loadParcel(text);
  }
  notice("No barcode found in that photo: try again closer, or type the label.", true);
}

async function cameraScan() {
  const video = $("camera-view");
  const ways = await barcodeReaders();
  let frame = 0;
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  const stop = () => {
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
  };
  const look = async () => {
    if (video.hidden) return;
    const text = await ways[frame++ % ways.length](video);
    if (text) {
      stop();
      loadParcel(text);
      return;
    }
    requestAnimationFrame(look);
  };
  look();
}

// -- hand-overs between drivers (both sides confirm) ---------------------------------------

function scansOf(labels) {
  const at = new Date().toISOString();
  return labels.map((label) => ({ label, client_id: crypto.randomUUID(), at, ...(lastFix ? { location: lastFix } : {}) }));
}

async function loadHandovers() {
  const response = await send(`${API}/me/handoffs`);
  if (!response || !response.ok) return;
  const box = await response.json();
  state.incoming = box.incoming.map((p) => p.label);
  $("handover").hidden = !(box.incoming.length || box.holding.length);
  $("incoming-box").hidden = !box.incoming.length;
  if (box.incoming.length && !$("handover").open) {
    $("handover").open = true;
    alertDriver(`${box.incoming.length} parcel(s) handed to you: confirm you have them.`);
  }
  const incoming = $("incoming");
  incoming.replaceChildren();
  for (const parcel of box.incoming) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = `${parcel.label} · from ${parcel.from_name}${parcel.note ? ` · ${parcel.note}` : ""}`;
    const take = document.createElement("button");
    take.type = "button";
    take.className = "button secondary";
    take.textContent = "Take";
    take.addEventListener("click", () => acceptParcels([parcel.label]));
    item.append(name, take);
    incoming.append(item);
  }
  const chosen = $("colleague").value;
  const group = (label, people, prefix) => {
    const options = document.createElement("optgroup");
    options.label = label;
    for (const c of people) {
      const option = document.createElement("option");
      option.value = `${prefix}${c.id}`;
      option.textContent = c.name;
      option.selected = option.value === chosen;
      options.append(option);
    }
    return options;
  };
  $("colleague").replaceChildren(group("Drivers", box.colleagues, ""), group("Depots", box.depots, "depot:"));
  const holding = $("handover-parcels");
  holding.replaceChildren();
  for (const label of box.holding) {
    const item = document.createElement("li");
    const row = document.createElement("label");
    const check = document.createElement("input");
    check.type = "checkbox";
    check.value = label;
    check.name = "parcel";
    row.append(check, ` ${label}`);
    item.append(row);
    holding.append(item);
  }
}

function acceptParcels(labels) {
  enqueue({ kind: "post", stamp: false, url: `${API}/handoffs/accept`, body: { scans: scansOf(labels) } });
  notice(`${labels.length} parcel(s) taken over.`);
}

// -- the end of the day -----------------------------------------------------------------------

async function drawSummary() {
  const response = await send(`${API}/me/summary`);
  if (!response || !response.ok) return;
  const day = await response.json();
  const hours = day.hours === null ? "" : ` · ${day.hours} h`;
  $("summary-text").textContent = `${day.stops_done} delivered · ${day.stops_failed} not delivered · ${day.planned_km} km${hours}`;
  const list = $("returns");
  list.replaceChildren();
  $("return-title").hidden = !day.parcels_to_return.length;
  for (const parcel of day.parcels_to_return) {
    const item = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = parcel;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = "Handed in";
    button.addEventListener("click", () => {
      enqueue({ kind: "post", stamp: false, url: `${API}/routes/${state.day.route.id}/returns`, body: { scans: [{ label: parcel, client_id: crypto.randomUUID(), at: new Date().toISOString() }] } });
      item.remove();
      notice(`${parcel} handed in.`);
    });
    item.append(name, button);
    list.append(item);
  }
}

// -- chat with the recipient -------------------------------------------------------------------

let chatStream = null;
function addMessage(m) {
  const list = $("chat-messages");
  if (listed(list, m.id)) return;
  const item = document.createElement("li");
  item.className = `msg from-${m.author}`;
  item.dataset.id = String(m.id);
  item.textContent = `${m.author_name}: ${m.body}`;
  place(list, item);
}

// The stream sends only what is written after it subscribed, so the chat is read when
// it opens and again on every (re)connect: a message written in between still shows.
// Read at once too, so the history shows even where the stream cannot connect.
function openChat(orderId) {
  $("chat-messages").replaceChildren();
  $("quick-replies").replaceChildren();
  if (chatStream) chatStream.close();
  const stream = new EventSource(`${API}/orders/${orderId}/chat/events`);
  chatStream = stream;
  stream.addEventListener("message", (event) => addMessage(JSON.parse(event.data)));
  let replies = false;
  const read = async () => {
    const response = await send(`${API}/orders/${orderId}/chat`);
    if (!response || !response.ok || chatStream !== stream) return;
    const chat = await response.json();
    if (chatStream !== stream) return;
    chat.messages.forEach(addMessage);
    if (replies) return;
    replies = true;
    for (const text of chat.quick_replies) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = text;
      button.addEventListener("click", () => sendChat(orderId, text));
      $("quick-replies").append(button);
    }
    send(`${API}/orders/${orderId}/chat/read`, { method: "POST" });
  };
  stream.addEventListener("open", read);
  read();
}

function sendChat(orderId, text) {
  enqueue({ kind: "post", stamp: false, url: `${API}/orders/${orderId}/chat`, body: { body: text } });
}

// "Do later" shown at once, as the server will order it (services.route_edits.later):
// after the last stop still to reach. A pickup, or a move past a locked stop, may be
// refused there, so those wait for the server's answer.
function moveAfterOpenStops(stops, id) {
  const at = stops.findIndex((s) => s.id === id);
  let last = -1;
  stops.forEach((s, i) => {
    if (s.status === "pending") last = i;
  });
  if (at < 0 || stops[at].kind === "pickup" || stops.slice(at, last + 1).some((s) => s.locked)) return;
  const [moved] = stops.splice(at, 1);
  stops.splice(last, 0, moved);
  stops.forEach((s, i) => {
    s.sequence = i;
  });
}

function currentStop() {
  return state.day.route.stops.find((s) => s.id === state.stopId);
}

function openStop(id) {
  state.stopId = id;
  // A stop's forms start empty when it is opened, not each time the route is drawn
  // again: a dispatcher's change reloads the route while the driver is typing a note.
  clearSignature();
  $("photo").value = "";
  $("fail-note").value = "";
  $("fail-photo").value = "";
  draw();
  const stop = currentStop();
  if (stop && stop.order) openChat(stop.order.id);
}

function drawStop() {
  const stop = currentStop();
  if (!stop) {
    state.stopId = null;
    notice("The dispatcher removed this stop from your route.", true);
    draw();
    return;
  }
  const order = stop.order;
  $("stop-title").textContent = `${stop.sequence + 1}. ${order ? order.recipient_first_name || "" : stop.kind}`;
  $("stop-address").textContent = order ? order.address : "";
  $("stop-window").textContent = order && order.window_start ? `Window ${hhmm(order.window_start)}–${hhmm(order.window_end)}` : "";
  const notes = order
    ? [order.instructions, order.gate_code && `Gate code ${order.gate_code}`, order.dog_warning && "Dog on the premises", order.safe_place && `Safe place: ${order.safe_place}`].filter(Boolean)
    : [];
  $("stop-notes").textContent = notes.join(" · ");
  $("stop-notes").hidden = !notes.length;
  $("stop-parcels").textContent = order ? `Parcels: ${order.parcels.join(", ")}` : "";
  const { lat, lon } = stop.location;
  $("navigate").href = /iPhone|iPad/.test(navigator.userAgent) ? `maps://?daddr=${lat},${lon}` : `geo:${lat},${lon}?q=${lat},${lon}`;
  $("navigate-google").href = `https://www.google.com/maps/dir/?api=1&destination=${lat},${lon}`;
  const open = stop.status === "pending" || stop.status === "arrived";
  for (const id of ["arrive", "delivered", "failed"]) $(id).disabled = !open;
  $("later").disabled = stop.status !== "pending";
}

// -- pay: its own module (driver_pay.js), fetched when first opened: it needs the network --

let pay = null;
let payTries = 0;
async function openPay() {
  state.pay = true;
  draw();
  window.scrollTo(0, 0);
  try {
    // Some browsers remember a failed import: a retry asks under a new URL.
    pay ??= await import(payTries++ ? `./driver_pay.js?retry=${payTries}` : "./driver_pay.js");
  } catch {
    $("pay-home").hidden = true;
    $("pay-status").textContent = "Offline: pay needs the network. Try again when you have signal.";
    $("pay-status").className = "notice warn";
    $("pay-status").hidden = false;
    return;
  }
  pay.showPay();
}

// -- proof: the signature pad and the photo ----------------------------------------------

const pad = () => $("signature");
function clearSignature() {
  const canvas = pad();
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  state.signed = false;
  delete canvas.dataset.signed;
}

function setUpSignature() {
  const canvas = pad();
  const ctx = canvas.getContext("2d");
  let drawing = false;
  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * canvas.width) / box.width, ((event.clientY - box.top) * canvas.height) / box.height];
  };
  canvas.addEventListener("pointerdown", (event) => {
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#000";
    ctx.beginPath();
    ctx.moveTo(...point(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    ctx.lineTo(...point(event));
    ctx.stroke();
    state.signed = true;
    canvas.dataset.signed = "yes";
  });
  const stop = () => {
    drawing = false;
  };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  $("clear-signature").addEventListener("click", clearSignature);
}

function blobOf(canvas, type, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

// Photos are shrunk on the phone: a 12 MP picture becomes ~300 KB before it is queued.
async function shrink(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return blobOf(canvas, "image/jpeg", 0.8);
}

// -- the tracker ---------------------------------------------------------------------------

let watching = null;
let lastFix = null;
let lastKept = null;
let lastSent = 0;
let sendTimer = null;
async function trackerToken() {
  let token = localStorage.getItem("doorstep.tracker");
  if (token) return token;
  const response = await send(`${API}/me/tracker`, { method: "POST" });
  if (!response || !response.ok) return null;
  token = (await response.json()).token;
  localStorage.setItem("doorstep.tracker", token);
  return token;
}

function startTracking() {
  if (watching !== null || !("geolocation" in navigator)) return;
  watching = navigator.geolocation.watchPosition(
    (position) => {
      const c = position.coords;
      lastFix = { lat: c.latitude, lon: c.longitude };
      const fix = { ...lastFix, t: position.timestamp, speed: c.speed };
      const next = nextStop();
      const toNext = next ? metresBetween(lastFix, next.location) : null;
      if (!keep(fix, lastKept, toNext)) return;
      lastKept = fix;
      if (toNext !== null && toNext < NEAR_METRES && Date.now() - lastSent > 3000) setTimeout(sendFixes, 0);
      put("fixes", {
        time: new Date(position.timestamp).toISOString(),
        lat: c.latitude,
        lon: c.longitude,
        accuracy: c.accuracy,
        ...(c.speed !== null && c.speed >= 0 ? { speed: c.speed } : {}),
        ...(c.heading !== null && c.heading >= 0 ? { heading: c.heading } : {}),
      });
    },
    () => {},
    { enableHighAccuracy: true, maximumAge: 5000 },
  );
  $("tracking").hidden = false;
  sendTimer = setInterval(sendFixes, SEND_FIXES_MS);
  setTimeout(sendFixes, 1500);
}

// The route is over (or gone): the phone stops tracking, after sending what it holds.
function stopTracking() {
  if (watching === null) return;
  navigator.geolocation.clearWatch(watching);
  watching = null;
  lastKept = null;
  clearInterval(sendTimer);
  $("tracking").hidden = true;
  sendFixes();
}

function nextStop() {
  const route = state.day && state.day.route;
  return route ? route.stops.find((s) => s.status === "pending" || s.status === "arrived") : null;
}

// One upload of fixes at a time. On a slow network the timer (and every fix near the
// next stop) would otherwise start another upload of the same fixes before the first is
// answered, and another: the same data sent over and over on the worst links. A call
// while an upload runs asks for one more round after it, with the fixes kept meanwhile;
// a backlog (a day offline) goes out batch after batch, not one batch per timer tick.
let sendingFixes = false;
let fixesAgain = false;
async function sendFixes() {
  if (sendingFixes) {
    fixesAgain = true;
    return;
  }
  sendingFixes = true;
  try {
    let more = true;
    while (more || fixesAgain) {
      fixesAgain = false;
      more = await sendFixBatch();
      if (more === null) break; // offline or refused: the timer tries again
    }
  } finally {
    sendingFixes = false;
  }
}

// One batch of the kept fixes: true when more are waiting, false when none are, null when
// the batch did not go (offline, no tracker token, a server error).
async function sendFixBatch() {
  const fixes = await all("fixes");
  if (!fixes.length) return false;
  const token = await trackerToken();
  if (!token) return null;
  const batch = fixes.slice(0, FIX_BATCH);
  lastSent = Date.now();
  const response = await send(`${API}/pings`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(batch.map(({ seq, ...fix }) => fix)),
  });
  if (!response) return null;
  if (response.status === 401) localStorage.removeItem("doorstep.tracker");
  if (!response.ok && response.status !== 400) return null;
  await dropAll("fixes", batch.map((fix) => fix.seq));
  return fixes.length > batch.length;
}

// -- wiring ------------------------------------------------------------------------------------

function wire() {
  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await send(`${API}/auth/login`, json({ email: $("email").value, password: $("password").value }));
    if (!response || !response.ok) {
      notice(response ? await why(response) : "Offline: sign in needs the network.", true);
      return;
    }
    notice("");
    boot();
  });
  $("signout").addEventListener("click", async () => {
    await send(`${API}/auth/logout`, { method: "POST" });
    localStorage.removeItem("doorstep.tracker");
    location.reload();
  });
  $("start").addEventListener("click", () => enqueue({ kind: "post", url: `${API}/routes/${state.day.route.id}/start`, body: {} }));
  $("back").addEventListener("click", () => {
    state.stopId = null;
    draw();
  });
  $("open-pay").addEventListener("click", openPay);
  $("pay-back").addEventListener("click", () => {
    state.pay = false;
    draw();
  });
  $("arrive").addEventListener("click", () => {
    enqueue({ kind: "post", url: `${API}/routes/${state.day.route.id}/stops/${state.stopId}/arrive`, body: lastFix ? { location: lastFix } : {} });
    notice("Arrived.");
  });
  $("deliver-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = [];
    if (state.signed) files.push({ kind: "signature", blob: await blobOf(pad(), "image/png") });
    const photo = $("photo").files[0];
    if (photo) files.push({ kind: "photo", blob: await shrink(photo) });
    const body = { outcome: "delivered" };
    if ($("received-by").value.trim()) body.received_by = $("received-by").value.trim();
    if ($("pin").value.trim()) body.pin = $("pin").value.trim();
    if ($("age-checked").checked) body.age_checked = true;
    const stop = currentStop();
    stop.status = "completed"; // shown at once; the queue sends it
    editedHere();
    await enqueue({ kind: "deliver", route: state.day.route.id, stop: state.stopId, files, body, position: lastFix });
    state.stopId = null;
    notice("Delivered.");
    draw();
  });
  $("later").addEventListener("click", () => {
    enqueue({ kind: "post", url: `${API}/routes/${state.day.route.id}/stops/${state.stopId}/later`, body: {} });
    moveAfterOpenStops(state.day.route.stops, state.stopId);
    editedHere();
    state.stopId = null;
    notice("Moved to the end of your stops.");
    draw();
  });
  $("fail-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const stop = currentStop();
    stop.status = "failed";
    editedHere();
    const files = [];
    const photo = $("fail-photo").files[0];
    if (photo) files.push({ kind: "photo", blob: await shrink(photo) });
    const body = { outcome: "failed", reason: $("reason").value };
    if ($("fail-note").value.trim()) body.note = $("fail-note").value.trim();
    await enqueue({ kind: "deliver", route: state.day.route.id, stop: state.stopId, files, body, position: lastFix });
    state.stopId = null;
    notice("Marked not delivered.");
    draw();
  });
  $("scan-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadParcel($("scan").value);
    $("scan").value = "";
    $("scan").focus();
  });
  $("scan-photo").addEventListener("change", () => {
    const file = $("scan-photo").files[0];
    if (file) photoScan(file).catch((e) => notice(`Scan: ${e.message}`, true));
    $("scan-photo").value = "";
  });
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    $("camera").hidden = false;
    $("camera").addEventListener("click", () => cameraScan().catch((e) => notice(`Camera: ${e.message}`, true)));
  }
  $("accept-all").addEventListener("click", () => state.incoming && state.incoming.length && acceptParcels(state.incoming));
  $("handover-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const labels = [...document.querySelectorAll('#handover-parcels input[name="parcel"]:checked')].map((b) => b.value);
    const to = $("colleague").value;
    if (!labels.length || !to) {
      notice("Choose a colleague and at least one parcel.", true);
      return;
    }
    const body = { scans: scansOf(labels), ...(to.startsWith("depot:") ? { to_depot_id: to.slice(6) } : { to_driver_id: to }) };
    if ($("handover-note").value.trim()) body.note = $("handover-note").value.trim();
    enqueue({ kind: "post", stamp: false, url: `${API}/handoffs`, body });
    $("handover-note").value = "";
    notice(`${labels.length} parcel(s) handed to ${$("colleague").selectedOptions[0].textContent}: they confirm on their phone.`);
  });
  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const stop = currentStop();
    const text = $("chat-body").value.trim();
    if (stop && stop.order && text) sendChat(stop.order.id, text);
    $("chat-body").value = "";
  });
  window.addEventListener("online", flush);
  window.addEventListener("online", () => state.pay && $("pay-home").hidden && $("statement").hidden && openPay());
  setInterval(flush, 15000);
  setInterval(() => state.me && load(), 120000);
  setUpSignature();
}

async function boot() {
  state.me = await whoAmI();
  if (!state.me) {
    $("signin").hidden = false;
    $("day").hidden = true;
    return;
  }
  await load();
  loadMessages();
  listenForChanges();
  flush();
}

if ("serviceWorker" in navigator) navigator.serviceWorker.register("/driver/sw.js", { scope: "/driver" }).catch(() => {});
wire();
showPending();
boot();

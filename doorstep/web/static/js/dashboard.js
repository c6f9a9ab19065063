// The dispatcher's dashboard: the whole fleet on a map and in a list, each vehicle in
// its status colour with the reason written out. The first view comes from
// GET /api/v1/fleet/live; positions then arrive one by one over the event stream, and
// a route, stop or ETA change re-reads the view (at most once a second).
// Text from the server is only ever set with textContent.

import { DoorstepMap } from "./map.js";

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const config = JSON.parse($("ds-config").textContent);
const STATUS_WORDS = { on_time: "On time", at_risk: "At risk", late: "Late", idle: "Idle", offline: "Offline", parked: "Parked" };
const fleet = new Map();
let map = null;
let selected = null;
let zone = "UTC";
let fitted = false;

function notice(text, isError = false) {
  const el = $("notice");
  el.textContent = text;
  el.className = `notice ${isError ? "error" : "ok"}`;
  el.hidden = !text;
}

function hhmm(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
}

function startMap() {
  if (map || !window.L) return;
  map = new DoorstepMap($("map"), { ...config.map, zoom: 3 });
}

function placeMarker(v) {
  if (!map) return;
  if (!v.position) {
    map.removeMarker(v.id);
    return;
  }
  const marker = map.setMarker(v.id, v.position, { kind: "fleet", label: `${v.name} · ${STATUS_WORDS[v.status]}`, heading: v.position.heading });
  const el = marker.getElement();
  if (el) {
    el.className = el.className.replace(/\bst-\S+/g, "").trim() + ` st-${v.status}`;
    el.dataset.vehicle = v.id;
  }
  if (!marker.doorstepClick) {
    marker.doorstepClick = true;
    marker.on("click", () => select(v.id));
  }
}

function drawCounts(counts) {
  const list = $("counts");
  list.replaceChildren();
  for (const [status, count] of Object.entries(counts)) {
    if (!count) continue;
    const item = document.createElement("li");
    item.className = `st-${status}`;
    item.textContent = `${STATUS_WORDS[status]} ${count}`;
    list.append(item);
  }
}

function drawList() {
  const list = $("vehicles");
  list.replaceChildren();
  const order = ["late", "at_risk", "idle", "offline", "on_time", "parked"];
  const sorted = [...fleet.values()].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || a.name.localeCompare(b.name));
  for (const v of sorted) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = `st-${v.status}`;
    button.dataset.vehicle = v.id;
    button.setAttribute("aria-pressed", String(v.id === selected));
    const route = v.route ? ` · ${v.route.stops_done}/${v.route.stops_total} stops` : "";
    button.textContent = `${v.name} · ${STATUS_WORDS[v.status]}${route} · ${v.reason}`;
    button.addEventListener("click", () => select(v.id));
    item.append(button);
    list.append(item);
  }
}

function drawVehicle() {
  const v = selected && fleet.get(selected);
  $("vehicle").hidden = !v;
  if (!v) return;
  $("vehicle-title").textContent = v.plate ? `${v.name} (${v.plate})` : v.name;
  $("vehicle-status").textContent = `${STATUS_WORDS[v.status]}: ${v.reason}`;
  const facts = [];
  if (v.driver) facts.push(`Driver ${v.driver}`);
  if (v.position) {
    if (v.position.speed_kmh !== null && v.position.speed_kmh !== undefined) facts.push(`${Math.round(v.position.speed_kmh)} km/h`);
    facts.push(`last fix ${hhmm(v.position.at)}`);
  }
  if (v.route) facts.push(`${v.route.name || "Route"}: ${v.route.stops_done} of ${v.route.stops_total} stops done`);
  $("vehicle-facts").textContent = facts.join(" · ");
  const next = $("vehicle-next");
  next.replaceChildren();
  for (const stop of (v.route && v.route.next) || []) {
    const item = document.createElement("li");
    const late = stop.eta && stop.window_end && stop.eta > stop.window_end ? " · after its window" : "";
    item.textContent = `${stop.address || "Stop"} · ETA ${hhmm(stop.eta)} · window ends ${hhmm(stop.window_end)}${late}`;
    next.append(item);
  }
  if (map) {
    if (v.route && v.route.line) map.setLine("selected-route", v.route.line, { kind: "route" });
    else map.removeLine("selected-route");
  }
}

let stopMarkers = [];
// The selected vehicle's stops on the map: done in grey, still to do in blue.
async function drawStops(v) {
  for (const id of stopMarkers) map && map.removeMarker(id);
  stopMarkers = [];
  if (!map || !v || !v.route) return;
  const response = await fetch(`${API}/routes/${v.route.id}`, { credentials: "same-origin" }).catch(() => null);
  if (!response || !response.ok || selected !== v.id) return;
  for (const stop of (await response.json()).stops) {
    const open = stop.status === "pending" || stop.status === "arrived";
    const id = `stop-${stop.id}`;
    map.setMarker(id, stop.location, { kind: open ? "stop-open" : "stop-done", label: `Stop ${stop.sequence + 1} · ${stop.status}` });
    stopMarkers.push(id);
  }
}

// What the vehicle's detectors saw today (trips, stops, speeding, harsh events ...).
async function drawEvents(v) {
  const list = $("vehicle-events");
  list.replaceChildren();
  const midnight = new Date();
  midnight.setHours(0, 0, 0, 0);
  const query = new URLSearchParams({ vehicle_id: v.id, since: midnight.toISOString(), limit: "20" });
  const response = await fetch(`${API}/telemetry-events?${query}`, { credentials: "same-origin" }).catch(() => null);
  if (!response || !response.ok || selected !== v.id) return;
  const page = await response.json();
  $("no-vehicle-events").hidden = page.items.length > 0;
  for (const event of page.items) {
    const item = document.createElement("li");
    item.className = event.alert ? "alert" : "";
    item.dataset.kind = event.kind;
    item.textContent = `${hhmm(event.time)} ${event.summary}`;
    list.append(item);
  }
}

function select(id) {
  selected = id;
  drawList();
  drawVehicle();
  const v = fleet.get(id);
  if (map && v && v.position) map.fit([v.position], { maxZoom: 15, force: true });
  if (v) {
    drawStops(v);
    drawEvents(v);
  }
}

const KIND_WORDS = { late: "Late", at_risk: "At risk", offline: "Tracker silent", failed_delivery: "Failed delivery", unplanned: "Unplanned orders" };

function drawExceptions(data) {
  const list = $("exceptions");
  list.replaceChildren();
  $("no-exceptions").hidden = data.items.length > 0;
  for (const item of data.items) {
    const row = document.createElement("li");
    row.className = `ex-${item.kind}`;
    row.dataset.kind = item.kind;
    const what = document.createElement("span");
    what.className = "what";
    const kind = KIND_WORDS[item.kind] || item.kind.replace(/_/g, " ");
    what.textContent = `${kind} · ${item.subject} · ${hhmm(item.at)}`;
    const reason = document.createElement("span");
    reason.textContent = item.reason;
    const action = document.createElement("span");
    action.className = "action";
    action.textContent = `→ ${item.action}`;
    row.append(what, reason, action);
    if (item.vehicle_id && fleet.has(item.vehicle_id)) {
      row.tabIndex = 0;
      row.addEventListener("click", () => select(item.vehicle_id));
    }
    list.append(row);
  }
}

async function refreshExceptions() {
  const response = await fetch(`${API}/fleet/exceptions`, { credentials: "same-origin" }).catch(() => null);
  if (response && response.ok) drawExceptions(await response.json());
}

async function refresh() {
  let response;
  try {
    response = await fetch(`${API}/fleet/live`, { credentials: "same-origin" });
  } catch {
    notice("Offline: the map shows the fleet as last seen.", true);
    return;
  }
  if (!response.ok) {
    notice(`The fleet could not be read (${response.status}).`, true);
    return;
  }
  const data = await response.json();
  zone = data.timezone;
  fleet.clear();
  for (const v of data.vehicles) fleet.set(v.id, v);
  drawCounts(data.counts);
  drawList();
  drawVehicle();
  for (const v of fleet.values()) placeMarker(v);
  if (map && !fitted) {
    const points = [...fleet.values()].map((v) => v.position).filter(Boolean);
    if (points.length) {
      map.fit(points, { maxZoom: 14 });
      fitted = true;
    }
  }
  notice("");
  await refreshExceptions();
}

let refreshTimer = null;
function refreshSoon() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    refresh();
  }, 1000);
}

function listen() {
  const stream = new EventSource(`${API}/fleet/live/events`);
  stream.addEventListener("position", (event) => {
    const fix = JSON.parse(event.data);
    const v = fleet.get(fix.vehicle_id);
    if (!v) {
      refreshSoon(); // a vehicle this view has not seen yet
      return;
    }
    v.position = { lat: fix.lat, lon: fix.lon, heading: fix.heading, speed_kmh: fix.speed_kmh, at: fix.time };
    if (v.status === "offline") refreshSoon(); // back online: its status is the server's call
    placeMarker(v);
    if (v.id === selected) drawVehicle();
    // `doorstep bench dashboard` sets this array to measure fix-to-marker delays.
    if (window.__doorstepFixDelays) window.__doorstepFixDelays.push(Date.now() - Date.parse(fix.time));
  });
  stream.addEventListener("refresh", refreshSoon);
  // Read the fleet once the stream is open (and again after a reconnect), so nothing
  // published between the read and the subscription is missed.
  stream.addEventListener("open", refresh);
}

async function boot() {
  const me = await fetch(`${API}/auth/me`, { credentials: "same-origin" }).catch(() => null);
  if (!me || !me.ok) {
    $("signin").hidden = false;
    return;
  }
  $("signin").hidden = true;
  $("live").hidden = false;
  $("signout").hidden = false;
  startMap();
  listen();
  setInterval(refresh, 60000); // statuses that change with time alone (offline)
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const response = await fetch(`${API}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: $("email").value, password: $("password").value }),
  }).catch(() => null);
  if (!response || !response.ok) {
    notice(response ? "Wrong email or password." : "Offline: signing in needs the network.", true);
    return;
  }
  notice("");
  boot();
});
$("signout").addEventListener("click", async () => {
  await fetch(`${API}/auth/logout`, { method: "POST" });
  location.reload();
});
window.addEventListener("load", boot);

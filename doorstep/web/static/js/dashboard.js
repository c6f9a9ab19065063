// The dispatcher's dashboard: the whole fleet on a map and in a list, each vehicle in
// its status colour with the reason written out. The first view comes from
// GET /api/v1/fleet/live; positions then arrive one by one over the event stream, and
// a route, stop or ETA change re-reads the view (at most once a second).
// Text from the server is only ever set with textContent.

import { DoorstepMap } from "./map.js";
import { $, API, addDays, getJson, hhmm as clock, notice, send, staffPage, zoneDay, zoneMidnight } from "./staff.js";

const config = JSON.parse($("ds-config").textContent);
const STATUS_WORDS = { on_time: "On time", at_risk: "At risk", late: "Late", idle: "Idle", offline: "Offline", parked: "Parked" };
const fleet = new Map();
let map = null;
let selected = null;
let zone = "UTC";
let fitted = false;
let depotsShown = false;

let me = null;
const hhmm = (iso) => clock(iso, zone);

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

// The depots, where the fleet starts and ends its day: on the map from the start, and
// what the map shows until a vehicle has a position (an empty map says nothing).
async function showDepots() {
  if (!map || depotsShown) return;
  depotsShown = true;
  const page = await getJson("/depots?limit=100").catch(() => null);
  const depots = page ? page.items : [];
  for (const d of depots) map.setMarker(`depot-${d.id}`, d.location, { kind: "depot", label: `Depot · ${d.name}` });
  if (!fitted && depots.length) map.fit(depots.map((d) => d.location), { maxZoom: 13 });
}

// Readings overlap (the stream's open, events, the minute timer): only the newest one
// asked for is drawn, so a slow older answer cannot put old statuses back.
let readings = 0;
let fleetTrouble = false; // a notice of ours that a good reading clears
async function refresh() {
  const reading = ++readings;
  let response;
  try {
    response = await fetch(`${API}/fleet/live`, { credentials: "same-origin" });
  } catch {
    if (reading !== readings) return;
    notice("Offline: the map shows the fleet as last seen.", true);
    fleetTrouble = true;
    return;
  }
  if (reading !== readings) return;
  if (!response.ok) {
    notice(`The fleet could not be read (${response.status}).`, true);
    fleetTrouble = true;
    return;
  }
  const data = await response.json();
  if (reading !== readings) return;
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
  if (!depotsShown) showDepots();
  if (fleetTrouble) notice(""); // not a message the dispatcher has yet to read
  fleetTrouble = false;
  await refreshExceptions();
  if (me && me.canAct) loadUnplanned();
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

// -- actions (dispatchers and admins; a viewer's page has none of these controls) ------

// Urgent job: today's orders on no route, the ranked places to put one (each with the
// customers it makes later), and inserting it where the dispatcher chose.
let affected = [];
async function loadUnplanned() {
  const today = zoneDay(zone);
  let page;
  try {
    page = await getJson(`/orders?status=created&limit=100`);
  } catch (error) {
    notice(error.message, true);
    return;
  }
  const select = $("urgent-order");
  const chosen = select.value;
  select.replaceChildren();
  for (const order of page.items) {
    const option = document.createElement("option");
    option.value = order.id;
    const day = order.window_start ? zoneDay(zone, new Date(order.window_start)) : today;
    option.textContent = `${order.tracking_code} · ${order.recipient.name} · ${order.address}${day === today ? "" : ` · ${day}`}`;
    select.append(option);
  }
  if (chosen) select.value = chosen;
  $("no-urgent").hidden = page.items.length > 0;
  $("urgent-form").hidden = page.items.length === 0;
}

async function findPlaces(event) {
  event.preventDefault();
  const orderId = $("urgent-order").value;
  const list = $("options");
  list.replaceChildren();
  $("urgent-result").textContent = "";
  const today = zoneDay(zone);
  const result = await send("POST", "/dispatch/options", { order_id: orderId, date: today, limit: 5 });
  if (!result.ok) {
    notice(result.detail, true);
    return;
  }
  if (!result.body.options.length) {
    $("urgent-result").textContent = "No running route can take it: plan it for later or start a van.";
    return;
  }
  for (const option of result.body.options) {
    const item = document.createElement("li");
    item.className = option.feasible ? "feasible" : "infeasible";
    // Named by the server: the live fleet may not have loaded yet.
    const van = option.vehicle_name || "A route";
    const later = option.delays.length
      ? `${option.delays.length} customer(s) later: ${option.delays.map((d) => `${d.recipient || "a customer"} +${Math.round(d.delay_s / 60)} min${d.breaks_window ? " (misses the window)" : ""}`).join(", ")}`
      : "nobody else later";
    const text = document.createElement("span");
    text.textContent = `${van} · as stop ${option.position + 1} · +${Math.round(option.added_drive_s / 60)} min driving · arrives ${hhmm(option.arrival)} · ${later}${option.feasible ? "" : ` · ${option.problems.join("; ")}`}`;
    const insert = document.createElement("button");
    insert.type = "button";
    insert.className = "button";
    insert.textContent = "Insert here";
    insert.addEventListener("click", () => insertAt(orderId, option, van));
    item.append(text, " ", insert);
    list.append(item);
  }
}

async function insertAt(orderId, option, van) {
  const body = { order_id: orderId, route_id: option.route_id, position: option.position, allow_late: !option.feasible };
  const result = await send("POST", "/dispatch/assign", body, { "If-Match": String(option.route_revision) });
  if (!result.ok) {
    // 409: the route changed since the options were computed; they are computed again.
    notice(result.detail, true);
    if (result.status === 409) findPlaces(new Event("submit"));
    return;
  }
  $("options").replaceChildren();
  affected = [orderId, ...option.delays.map((d) => d.order_id).filter(Boolean)];
  $("urgent-result").textContent = `Inserted into ${van}'s route as stop ${option.position + 1}; ${option.delays.length} other customer(s) affected.`;
  $("notify-affected").hidden = false;
  notice("");
  loadUnplanned();
  refreshSoon();
}

async function notifyAffected() {
  const result = await send("POST", "/orders/notify", { order_ids: affected });
  if (!result.ok) {
    notice(result.detail, true);
    return;
  }
  const sent = result.body.results.filter((r) => r.messages > 0).length;
  $("urgent-result").textContent = `Told ${sent} of ${affected.length} customer(s) their new time.`;
  $("notify-affected").hidden = true;
}

async function messageDriver(event) {
  event.preventDefault();
  const v = selected && fleet.get(selected);
  if (!v || !v.driver_id) {
    notice("This vehicle has no driver today to message.", true);
    return;
  }
  const result = await send("POST", `/drivers/${v.driver_id}/messages`, { body: $("message-body").value, urgent: $("message-urgent").checked });
  if (!result.ok) {
    notice(result.detail, true);
    return;
  }
  $("message-body").value = "";
  $("message-urgent").checked = false;
  notice(`Sent to ${v.driver}.`);
}

// Replay: the vehicle's stored fixes of a day as a line, its events as markers on it.
let replayMarkers = [];
async function replay(event) {
  if (event) event.preventDefault();
  const v = selected && fleet.get(selected);
  if (!v || !map) return;
  const day = $("replay-day").value || zoneDay(zone);
  const start = zoneMidnight(day, zone);
  const end = zoneMidnight(addDays(day, 1), zone);
  const span = new URLSearchParams({ since: start.toISOString(), until: end.toISOString() });
  let fixes;
  let events;
  try {
    [fixes, events] = await Promise.all([
      getJson(`/vehicles/${v.id}/positions?${span}`),
      getJson(`/telemetry-events?${new URLSearchParams({ vehicle_id: v.id, since: start.toISOString(), until: end.toISOString(), limit: "200" })}`),
    ]);
  } catch (error) {
    notice(error.message, true);
    return;
  }
  for (const id of replayMarkers) map.removeMarker(id);
  replayMarkers = [];
  map.removeLine("replay");
  const line = fixes.map((f) => [f.lat, f.lon]);
  if (line.length > 1) {
    map.setLine("replay", line, { kind: "replay" });
    map.fit(fixes.map((f) => ({ lat: f.lat, lon: f.lon })), { maxZoom: 16, force: true });
  }
  for (const e of events.items) {
    const d = e.data || {};
    const at = d.fix || d.peak || d.start || d.entered || d.first || d.from || d.end || d.last || d.last_fix;
    if (!at || at.lat === undefined) continue;
    const id = `event-${e.id}`;
    map.setMarker(id, { lat: at.lat, lon: at.lon }, { kind: e.alert ? "event-alert" : "event", label: `${hhmm(e.time)} ${e.summary}` });
    replayMarkers.push(id);
  }
  const first = fixes[0];
  const last = fixes[fixes.length - 1];
  $("replay-facts").textContent = fixes.length
    ? `${day}: ${fixes.length} fixes, ${hhmm(first.time)} to ${hhmm(last.time)}, ${replayMarkers.length} events on the map.`
    : `${day}: no fixes.`;
}

function act() {
  $("urgent-form").addEventListener("submit", findPlaces);
  $("notify-affected").addEventListener("click", notifyAffected);
  $("message-form").addEventListener("submit", messageDriver);
  loadUnplanned();
}

staffPage((who) => {
  me = who;
  zone = who.organisation.timezone; // the organisation's day before the fleet is read
  $("live").hidden = false;
  startMap();
  listen();
  $("replay-form").addEventListener("submit", replay);
  if (me.canAct) act();
  setInterval(refresh, 60000); // statuses that change with time alone (offline)
});

// The orders board: search and filter every order, then one order's whole story (its
// timeline, proof, chat and chain of custody) and, for a dispatcher, what can be done
// about it (reschedule, move to another route, tell the customer, cancel). Everything
// comes from the API under the same role checks; text is only ever set with textContent.

import { $, API, getJson, notice, send, staffPage, zoneDay } from "./staff.js";

const PAGE = 50;
const STATUS_WORDS = {
  created: "Not planned", scheduled: "Scheduled", out_for_delivery: "Out for delivery", delivered: "Delivered",
  failed: "Failed", cancelled: "Cancelled", returned: "Returned",
};
let me = null;
let zone = "UTC";
let offset = 0;
let current = null;

const when = (iso) => (iso ? new Date(iso).toLocaleString([], { timeZone: zone, dateStyle: "short", timeStyle: "short", hour12: false }) : "–");
const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false }) : "–");

function query() {
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if ($("q").value.trim()) params.set("q", $("q").value.trim());
  if ($("status").value) params.set("status", $("status").value);
  if ($("route").value) params.set("route_id", $("route").value);
  if ($("day").value) params.set("day", $("day").value);
  if ($("at-risk").checked) params.set("at_risk", "true");
  return params;
}

// Only the newest search asked for is shown: an older one answering late (the board's
// first, unfiltered read) must not replace what the dispatcher searched for.
let searches = 0;
async function search(append = false) {
  if (!append) offset = 0;
  const asked = ++searches;
  let page;
  try {
    page = await getJson(`/orders/board?${query()}`);
  } catch (error) {
    if (asked === searches) notice(error.message, true);
    return;
  }
  if (asked !== searches) return;
  zone = page.timezone;
  const table = $("orders");
  if (!append || !table.tBodies.length) {
    const head = document.createElement("thead");
    head.innerHTML = "<tr><th scope='col'>Tracking code</th><th scope='col'>Recipient</th><th scope='col'>Address</th><th scope='col'>Status</th><th scope='col'>Window</th><th scope='col'>Route</th><th scope='col'>ETA</th><th scope='col'>Late risk</th></tr>";
    table.replaceChildren(head, document.createElement("tbody"));
  }
  const body = table.tBodies[0];
  for (const row of page.items) {
    const o = row.order;
    const tr = document.createElement("tr");
    tr.dataset.order = o.id;
    const cells = [
      o.tracking_code,
      o.recipient.name,
      o.address,
      STATUS_WORDS[o.status] || o.status,
      o.window_start ? `${when(o.window_start)}–${clock(o.window_end)}` : "–",
      row.route_name ? `${row.route_name} #${row.sequence + 1}` : "–",
      clock(row.eta),
      row.late_risk === null || row.late_risk === undefined ? "–" : `${Math.round(row.late_risk * 100)} %`,
    ];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      if (i === 0) {
        const open = document.createElement("button");
        open.type = "button";
        open.className = "link";
        open.textContent = text;
        open.addEventListener("click", () => show(row));
        td.append(open);
      } else td.textContent = text;
      tr.append(td);
    });
    if (row.at_risk) tr.className = "risk";
    body.append(tr);
  }
  offset += page.items.length;
  $("found").textContent = `${page.total} order(s)`;
  $("more").hidden = offset >= page.total;
}

async function loadRoutes() {
  const today = zoneDay(me.organisation.timezone);
  let page;
  try {
    page = await getJson(`/routes?date=${today}&limit=200`);
  } catch {
    return;
  }
  for (const select of [$("route"), $("move-route")]) {
    for (const route of page.items) {
      const option = document.createElement("option");
      option.value = route.id;
      option.textContent = `${route.name || "Route"} (${route.status})`;
      select.append(option);
    }
  }
}

function list(el, items, text) {
  el.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    li.textContent = text(item);
    el.append(li);
  }
}

async function show(row) {
  current = row;
  const o = row.order;
  $("order").hidden = false;
  $("order-title").textContent = `${o.tracking_code} · ${o.recipient.name}`;
  $("order-facts").textContent = `${STATUS_WORDS[o.status] || o.status} · ${o.address} · window ${o.window_start ? `${when(o.window_start)}–${clock(o.window_end)}` : "none"}`;
  $("order-where").textContent = row.route_name
    ? `On ${row.route_name} as stop ${row.sequence + 1} (${row.stop_status}); ETA ${clock(row.eta)}${row.eta_earliest ? ` (${clock(row.eta_earliest)}–${clock(row.eta_latest)})` : ""}`
    : "On no route.";
  const [events, proofs, chat] = await Promise.all([
    getJson(`/orders/${o.id}/events?limit=200`).catch(() => ({ items: [] })),
    getJson(`/orders/${o.id}/proofs`).catch(() => []),
    getJson(`/orders/${o.id}/chat`).catch(() => null),
  ]);
  const step = (status) => (status === "created" ? "Created" : STATUS_WORDS[status] || status);
  list($("timeline"), events.items, (e) => `${when(e.at)} · ${e.to_status ? step(e.to_status) : e.kind.replace(/_/g, " ")}${e.reason ? ` · ${e.reason}` : ""} · ${e.actor.name || e.actor.type}`);
  const box = $("proofs");
  box.replaceChildren();
  for (const proof of proofs) {
    const img = document.createElement("img");
    img.src = `${API}/proofs/${proof.id}/file`;
    img.alt = `${proof.kind} captured ${when(proof.captured_at)}`;
    img.loading = "lazy";
    box.append(img);
  }
  $("no-proof").hidden = proofs.length > 0;
  $("receipt").hidden = o.status !== "delivered";
  $("receipt").href = `/orders/${o.id}/receipt`;
  list($("chat"), chat ? chat.messages : [], (m) => `${clock(m.at)} ${m.author_name}: ${m.body}`);
  const parcels = Array.from({ length: o.items }, (_, i) => `${o.tracking_code}-${i + 1}`);
  const chains = await Promise.all(parcels.map((label) => getJson(`/parcels/${label}/custody`).catch(() => null)));
  const custody = chains.filter(Boolean).flatMap((c) => c.events.map((e) => ({ ...e, verified: c.verified })));
  custody.sort((a, b) => a.at.localeCompare(b.at));
  list($("custody"), custody, (e) => `${when(e.at)} · ${e.parcel} · ${e.kind.replace(/_/g, " ")} · ${e.actor_name}${e.counterparty ? ` → ${e.counterparty}` : ""}${e.verified ? "" : " · CHAIN BROKEN"}`);
  $("order").scrollIntoView({ block: "nearest" });
}

async function reload() {
  if (!current) return;
  const row = (await getJson(`/orders/board?q=${encodeURIComponent(current.order.tracking_code)}`)).items[0];
  if (row) show(row);
  search();
}

function toIso(local) {
  return new Date(local).toISOString();
}

function wireActions() {
  $("reschedule-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { window_start: toIso($("new-start").value), window_end: toIso($("new-end").value) };
    const result = await send("POST", `/orders/${current.order.id}/reschedule`, body);
    notice(result.ok ? "Rescheduled: the order left its route and waits to be planned in its new window." : result.detail, !result.ok);
    if (result.ok) reload();
  });
  $("move-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current.stop_id) {
      notice("This order is on no route: insert it from the live page's urgent job panel.", true);
      return;
    }
    const result = await send("POST", `/routes/${current.route_id}/stops/${current.stop_id}/move`, { route_id: $("move-route").value }, { "If-Match": String(current.route_revision) });
    notice(result.ok ? "Moved: both routes were re-timed and both drivers told." : result.detail, !result.ok);
    reload();
  });
  $("notify-one").addEventListener("click", async () => {
    const result = await send("POST", "/orders/notify", { order_ids: [current.order.id] });
    if (!result.ok) notice(result.detail, true);
    else {
      const [r] = result.body.results;
      notice(r.messages ? `Sent: the ${r.rule.replace(/_/g, " ")} message.` : `Nothing sent: ${r.why}`, !r.messages);
    }
  });
  $("cancel-order").addEventListener("click", async () => {
    const reason = window.prompt("Why is the order cancelled?");
    if (!reason) return;
    const result = await send("POST", `/orders/${current.order.id}/status`, { status: "cancelled", reason });
    notice(result.ok ? "Cancelled." : result.detail, !result.ok);
    if (result.ok) reload();
  });
  $("chat-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await send("POST", `/orders/${current.order.id}/chat`, { body: $("chat-body").value });
    if (!result.ok) notice(result.detail, true);
    else {
      $("chat-body").value = "";
      show(current);
    }
  });
}

staffPage((who) => {
  me = who;
  $("board").hidden = false;
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  $("more").addEventListener("click", () => search(true));
  if (me.canAct) wireActions();
  loadRoutes();
  const params = new URLSearchParams(location.search);
  if (params.get("q")) $("q").value = params.get("q");
  search();
});

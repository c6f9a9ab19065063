// Driver pay, for an admin (a dispatcher sees only the disputes): the pay rule versions (and a new one), settling a period for
// every driver, each statement's lines with their evidence (the stop's order and its
// proofs, the logbook day), approving, paying and correcting a statement, the drivers'
// disputes, and the payroll export. Money stays the decimal text the API wrote: it is
// shown, never parsed into a float. A refusal shows the API's own sentence; text from
// the server is only ever set with textContent.

import { dayName, translator, weekday } from "./format.js";
import { $, API, addDays, fillTable, getJson, notice, send, staffPage, zoneDay } from "./staff.js";

const STATUS_WORDS = { draft: "Draft", approved: "Approved", paid: "Paid" };
const KIND_WORDS = {
  stop: "Delivery", parcel: "Parcels", failed_attempt: "Failed attempt", km: "Kilometres", hour: "Hours",
  minimum: "Day's minimum", bonus: "Bonus", deduction: "Deduction", adjustment: "Adjustment",
};
const METRIC_WORDS = { on_time_rate: "on-time rate", rating: "rating", safety_per_100km: "safety events per 100 km", deliveries: "deliveries" };
const RATES = ["per_stop", "per_parcel", "per_failed_attempt", "per_km", "per_hour", "min_per_day"];
const t = translator({
  today: "today", tomorrow: "tomorrow", date: "{weekday} {day} {month}",
  weekdays: "Mon Tue Wed Thu Fri Sat Sun", months: "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
});

let admin = false; // an admin acts; a dispatcher only sees the disputes
const drivers = new Map(); // driver id -> name
const carriers = new Map(); // carrier id -> name: subcontractors paid for their drivers' work
let routeOrders = new Map(); // route id -> Promise of Map(order id -> tracking code)
let statements = []; // the period's, as listed
let current = null; // the statement open below the list

let zone = "UTC"; // the organisation's: pay periods are its days
const today = () => zoneDay(zone);
const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "short", timeStyle: "short", hour12: false }) : "–");
const driverName = (id) => drivers.get(id) || "Unknown driver";
// Whom a statement, a dispute or a rule is for: a driver, or a carrier for its drivers.
const payee = (x) => (x.carrier_id ? `${carriers.get(x.carrier_id) || "Unknown carrier"} (carrier)` : driverName(x.driver_id));
function day(date) {
  if (!date) return "–";
  const words = dayName(date, today(), t); // "Tue 10 Nov", or "today"
  return words.includes(" ") ? `${words} ${date.slice(0, 4)}` : `${words} (${date})`;
}

/** Monday to Sunday of the week before this one. */
function lastFullWeek(now = today()) {
  const monday = addDays(now, -weekday(now) - 7);
  return [monday, addDays(monday, 6)];
}

function period() {
  return { from: $("from").value, to: $("to").value };
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (className) el.className = className;
  return el;
}

function linkButton(text, onClick) {
  const button = element("button", text, "link");
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

function refusal(box, text) {
  box.textContent = text || "";
  box.hidden = !text;
}

// Tracking codes of a route's orders, one request per route however many lines.
function trackingCodes(routeId) {
  if (!routeOrders.has(routeId)) {
    routeOrders.set(
      routeId,
      getJson(`/orders?${new URLSearchParams({ route_id: routeId, limit: "500" })}`)
        .then((page) => new Map(page.items.map((o) => [o.id, o.tracking_code])))
        .catch(() => new Map()),
    );
  }
  return routeOrders.get(routeId);
}

function orderLink(ev) {
  const a = element("a", `Order ${ev.order_id.slice(0, 8)}`);
  a.href = "/dashboard/orders";
  a.className = "order-link";
  if (ev.route_id) {
    trackingCodes(ev.route_id).then((codes) => {
      const code = codes.get(ev.order_id);
      if (!code) return;
      a.textContent = `Order ${code}`;
      a.href = `/dashboard/orders?${new URLSearchParams({ q: code })}`;
    });
  }
  return a;
}

// What a line rests on: the stop's order and proofs, the logbook day, the period's
// figure, the adjustment and the statement it corrects.
function evidence(line) {
  const ev = line.evidence || {};
  const box = element("span", null, "evidence");
  const parts = [];
  if (ev.order_id) parts.push([orderLink(ev)]);
  if (ev.stop_id) {
    const stop = element("span", `stop ${ev.stop_id.slice(0, 8)}`);
    stop.title = ev.stop_id;
    parts.push([stop]);
  }
  if (Array.isArray(ev.proof_ids)) {
    if (!ev.proof_ids.length) parts.push([element("span", "no proof", "no-proof")]);
    else {
      const proofs = [element("span", `proof${ev.proof_ids.length > 1 ? "s" : ""} `)];
      ev.proof_ids.forEach((id, i) => {
        const a = element("a", id, "proof-id");
        a.href = `${API}/proofs/${id}/file`;
        a.target = "_blank";
        a.rel = "noopener";
        if (i) proofs.push(document.createTextNode(", "));
        proofs.push(a);
      });
      parts.push(proofs);
    }
  }
  if (ev.logbook_date) parts.push([element("span", `logbook ${ev.logbook_date}${ev.vehicle ? ` · ${ev.vehicle}` : ""}`)]);
  if (Array.isArray(ev.stop_ids)) parts.push([element("span", `${ev.stop_ids.length} stop(s)`)]);
  if (ev.metric) parts.push([element("span", `${METRIC_WORDS[ev.metric] || ev.metric} = ${ev.value}`)]);
  if (ev.earned !== undefined) parts.push([element("span", `earned ${ev.earned} that day`)]);
  if (ev.refers_to) parts.push([linkButton("the statement it corrects", () => open(ev.refers_to))]);
  if (!parts.length) parts.push([element("span", "–")]);
  parts.forEach((nodes, i) => {
    if (i) box.append(" · ");
    box.append(...nodes);
  });
  return box;
}

function lineRow(line) {
  const tr = document.createElement("tr");
  tr.dataset.position = String(line.position);
  if (line.flag) tr.className = "flagged";
  const cells = [
    [String(line.position), ""],
    [day(line.day), ""],
    [KIND_WORDS[line.kind] || line.kind, ""],
    [line.description, ""],
    [line.quantity, "money"],
    [line.rate, "money"],
    [line.amount, "money"],
  ];
  for (const [text, className] of cells) tr.append(element("td", text, className || undefined));
  const flag = element("td", line.flag ? `⚠ ${line.flag}` : "–", "flag");
  tr.append(flag);
  const td = element("td");
  td.append(evidence(line));
  tr.append(td);
  return tr;
}

function linesHead() {
  const head = document.createElement("tr");
  for (const [text, className] of [["#"], ["Day"], ["Kind"], ["Description"], ["Quantity", "money"], ["Rate", "money"], ["Amount", "money"], ["Flag"], ["Evidence"]]) {
    const th = element("th", text, className);
    th.scope = "col";
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  return thead;
}

function drawLines(s) {
  const table = $("lines");
  const tbody = document.createElement("tbody");
  for (const line of s.lines) tbody.append(lineRow(line));
  if (!s.lines.length) {
    const tr = document.createElement("tr");
    const td = element("td", "No work and no adjustments in this period.", "hint");
    td.colSpan = 9;
    tr.append(td);
    tbody.append(tr);
  }
  const foot = document.createElement("tfoot");
  const tr = document.createElement("tr");
  const label = element("th", "Total");
  label.scope = "row";
  label.colSpan = 6;
  const total = element("td", `${s.total} ${s.currency}`, "money statement-total");
  const rest = element("td");
  rest.colSpan = 2;
  tr.append(label, total, rest);
  foot.append(tr);
  table.replaceChildren(linesHead(), tbody, foot);
}

function remember() {
  const { from, to } = period();
  const params = new URLSearchParams({ from, to });
  if ($("status").value) params.set("status", $("status").value);
  if (current) params.set("statement", current.id);
  history.replaceState(null, "", `?${params}`);
}

function showStatement(s) {
  current = s;
  $("statement").hidden = false;
  $("statement-title").textContent = `${payee(s)} · ${s.period_start} to ${s.period_end}`;
  const facts = [`${STATUS_WORDS[s.status] || s.status}`, `total ${s.total} ${s.currency}`, `computed ${when(s.computed_at)}`];
  if (s.approved_at) facts.push(`approved ${when(s.approved_at)} by ${s.approved_by}`);
  if (s.paid_at) facts.push(`paid ${when(s.paid_at)} by ${s.paid_by}`);
  $("statement-facts").textContent = facts.join(" · ");
  const flagged = s.lines.filter((l) => l.flag).length;
  refusal($("statement-flags"), flagged ? `${flagged} line(s) flagged: work without proof.${s.status === "draft" ? " Check them before approving." : ""}` : "");
  $("approve").hidden = s.status !== "draft";
  $("mark-paid").hidden = s.status !== "approved";
  $("adjust-form").hidden = s.status === "draft";
  $("adjust-hint").hidden = s.status === "draft";
  refusal($("adjust-error"), "");
  $("statement-csv").href = `${API}/statements/${s.id}?format=csv`;
  $("statement-pdf").href = `/statements/${s.id}.pdf`;
  drawLines(s);
  remember();
}

async function open(id) {
  let s;
  try {
    s = await getJson(`/statements/${id}`);
  } catch (error) {
    notice(error.message, true);
    return;
  }
  showStatement(s);
  $("statement").scrollIntoView({ block: "nearest" });
}

// A little CSV reader (RFC 4180: quoted fields, doubled quotes) for the payroll export.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else if (c !== "\r") field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

function payrollUrl(from, to, drafts) {
  const params = new URLSearchParams({ from, to });
  if (drafts) params.set("include_drafts", "true");
  return `${API}/statements/payroll?${params}`;
}

// Flagged lines per statement, from the payroll export (one request for the period).
async function flaggedCounts(from, to) {
  const response = await fetch(payrollUrl(from, to, true), { credentials: "same-origin" }).catch(() => null);
  if (!response || !response.ok) return new Map();
  const [head, ...rows] = parseCsv(await response.text());
  const id = head.indexOf("statement_id");
  const flagged = head.indexOf("flagged_lines");
  return new Map(rows.filter((r) => r.length === head.length).map((r) => [r[id], r[flagged]]));
}

function updatePayrollLink() {
  const { from, to } = period();
  $("payroll").href = payrollUrl(from, to, $("payroll-drafts").checked);
}

async function show(event) {
  if (event) event.preventDefault();
  const { from, to } = period();
  updatePayrollLink();
  remember();
  if (!from || !to || to < from) {
    notice("Pick a period: its last day on or after its first.", true);
    return;
  }
  const status = $("status").value;
  let list;
  try {
    const query = new URLSearchParams({ from, to, limit: "10000" });
    if (status) query.set("status", status);
    list = await getJson(`/statements?${query}`);
  } catch (error) {
    notice(error.message, true);
    return;
  }
  statements = list.filter((s) => s.period_start >= from && s.period_end <= to);
  statements.sort((a, b) => b.period_start.localeCompare(a.period_start) || payee(a).localeCompare(payee(b)));
  const flags = await flaggedCounts(from, to);
  const table = $("statements");
  fillTable(
    table,
    ["driver", "period", "status", "total", "flagged_lines"],
    statements.map((s) => ["", `${s.period_start} to ${s.period_end}`, STATUS_WORDS[s.status] || s.status, `${s.total} ${s.currency}`, flags.get(s.id) ?? "–"]),
  );
  statements.forEach((s, i) => {
    const row = table.tBodies[0].rows[i];
    row.dataset.statement = s.id;
    row.dataset.status = s.status;
    if (flags.get(s.id) && flags.get(s.id) !== "0") row.className = "flagged";
    row.cells[0].replaceChildren(linkButton(payee(s), () => open(s.id)));
  });
  table.hidden = !statements.length;
  $("statements-found").textContent = statements.length
    ? `${statements.length} statement(s) within ${from} to ${to}${status ? `, ${STATUS_WORDS[status].toLowerCase()}` : ""}.`
    : `No statements within ${from} to ${to}${status ? `, ${STATUS_WORDS[status].toLowerCase()}` : ""}: settle the period to make them.`;
}

function lineTable(line) {
  const table = element("table", null, "data lines");
  const tbody = document.createElement("tbody");
  tbody.append(lineRow(line));
  table.append(linesHead(), tbody);
  return table;
}

function disputeItem(d) {
  const li = element("li", null, "card dispute");
  li.dataset.dispute = d.id;
  const title = element("h3", `${driverName(d.driver_id)} · disputed ${when(d.created_at)}`);
  const comment = element("p");
  comment.append("The driver says: ", element("q", d.comment, "comment"));
  const about = element("p");
  const known = statements.find((s) => s.id === d.statement_id);
  const which = known ? `the statement ${known.period_start} to ${known.period_end}` : "the statement";
  about.append(
    d.line ? `About line ${d.line.position} of ` : d.line_position !== null ? `About line ${d.line_position} of ` : "About the whole of ",
    admin ? linkButton(which, () => open(d.statement_id)) : which,
    ".",
  );
  li.append(title, comment, about);
  if (d.line) li.append(lineTable(d.line));
  if (!admin) return li;
  const form = element("form", null, "inline resolve");
  const resolution = element("textarea");
  resolution.rows = 2;
  resolution.required = true;
  resolution.maxLength = 2000;
  resolution.className = "resolution";
  const resolutionLabel = element("label", "Resolution (the driver reads it)");
  resolutionLabel.append(resolution);
  const amount = element("input");
  amount.type = "text";
  amount.inputMode = "decimal";
  amount.autocomplete = "off";
  amount.className = "amount";
  const amountLabel = element("label", "Amount owed if accepted (optional)");
  amountLabel.append(amount);
  const accept = element("button", "Accept", "button");
  accept.type = "submit";
  accept.value = "accept";
  const refuse = element("button", "Refuse", "button secondary");
  refuse.type = "submit";
  refuse.value = "refuse";
  const error = element("p", null, "notice error");
  error.setAttribute("role", "alert");
  error.hidden = true;
  form.append(resolutionLabel, amountLabel, accept, refuse);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const accepted = event.submitter ? event.submitter.value === "accept" : true;
    const body = { accepted, resolution: resolution.value };
    if (amount.value.trim()) body.amount = amount.value.trim();
    const result = await send("POST", `/disputes/${d.id}/resolve`, body);
    if (!result.ok) {
      refusal(error, result.detail);
      return;
    }
    notice(
      accepted
        ? `Accepted${body.amount ? `: an adjustment of ${body.amount} for ${driverName(d.driver_id)}, on their next statement (or this one while it is a draft)` : ""}.`
        : "Refused: the driver reads why.",
    );
    disputes();
  });
  li.append(form, error);
  return li;
}

async function disputes() {
  let list;
  try {
    list = await getJson("/disputes?status=open");
  } catch (error) {
    notice(error.message, true);
    return;
  }
  const ul = $("disputes");
  ul.replaceChildren(...list.map(disputeItem));
  $("no-disputes").hidden = list.length > 0;
}

function extrasText(extras) {
  return (extras || [])
    .map((e) => {
      const bounds = [e.at_least !== null && e.at_least !== undefined ? `≥ ${e.at_least}` : "", e.at_most !== null && e.at_most !== undefined ? `≤ ${e.at_most}` : ""].filter(Boolean).join(" and ");
      return `${e.name}: ${e.deduction ? "−" : "+"}${e.amount} when ${METRIC_WORDS[e.metric] || e.metric} ${bounds}`;
    })
    .join("; ");
}

function addExtra(extra = null) {
  const li = $("extra-row").content.firstElementChild.cloneNode(true);
  li.querySelector(".extra-remove").addEventListener("click", () => li.remove());
  if (extra) {
    li.querySelector(".extra-name").value = extra.name;
    li.querySelector(".extra-amount").value = extra.amount;
    li.querySelector(".extra-metric").value = extra.metric;
    li.querySelector(".extra-least").value = extra.at_least ?? "";
    li.querySelector(".extra-most").value = extra.at_most ?? "";
    li.querySelector(".extra-deduction").checked = Boolean(extra.deduction);
  }
  $("extras").append(li);
  return li;
}

// The form filled from a version, for a new one that changes a rate or two.
function copyRule(rule) {
  $("rule-driver").value = rule.carrier_id ? `carrier:${rule.carrier_id}` : rule.driver_id || "";
  for (const key of RATES) $(`rate-${key}`).value = rule.rates[key] ?? "";
  $("extras").replaceChildren();
  for (const extra of rule.rates.extras || []) addExtra(extra);
  $("rule-unproven").checked = Boolean(rule.rates.pay_unproven);
  $("rule-note").value = "";
  $("rule-from").focus();
  notice(`The form holds the version from ${rule.effective_from}: date the new one and change what differs.`);
}

async function rules() {
  const list = await getJson("/pay-rules");
  const whose = (r) => (r.driver_id || r.carrier_id ? payee(r) : "Organisation default");
  list.sort((a, b) => (a.driver_id || a.carrier_id ? 1 : 0) - (b.driver_id || b.carrier_id ? 1 : 0) || whose(a).localeCompare(whose(b)) || b.effective_from.localeCompare(a.effective_from));
  const table = $("rules");
  fillTable(
    table,
    ["for", "effective_from", ...RATES, "extras", "pays_unproven", "note", "added_by", ""],
    list.map((r) => [whose(r), r.effective_from, ...RATES.map((k) => r.rates[k] ?? "0"), extrasText(r.rates.extras) || "–", r.rates.pay_unproven ? "yes" : "no", r.note || "–", `${r.created_by}, ${when(r.created_at)}`, ""]),
    { per_stop: "per stop", per_parcel: "per parcel", per_failed_attempt: "per failed attempt", per_km: "per km", per_hour: "per hour", min_per_day: "minimum per day", effective_from: "from" },
  );
  list.forEach((r, i) => {
    const row = table.tBodies[0].rows[i];
    row.dataset.rule = r.id;
    const copy = element("button", "Copy", "button secondary");
    copy.type = "button";
    copy.setAttribute("aria-label", `Copy the version from ${r.effective_from} for ${whose(r)} into the form`);
    copy.addEventListener("click", () => copyRule(r));
    row.cells[row.cells.length - 1].replaceChildren(copy);
  });
  if (!list.length) {
    const none = element("caption", "No pay rule yet: nothing can be settled until the organisation has a default (or each driver a version).", "hint");
    table.prepend(none);
  }
}

async function loadDrivers() {
  const page = await getJson("/drivers?limit=500");
  const select = $("rule-driver");
  select.length = 1;
  for (const d of [...page.items].sort((a, b) => a.name.localeCompare(b.name))) {
    drivers.set(d.id, d.name);
    const note = d.carrier_id ? " (paid through their carrier)" : d.active === false ? " (inactive)" : "";
    select.add(new Option(`${d.name}${note}`, d.id));
  }
  const theirs = await getJson("/carriers?limit=500");
  for (const c of [...theirs.items].sort((a, b) => a.name.localeCompare(b.name))) {
    carriers.set(c.id, c.name);
    select.add(new Option(`${c.name} (carrier)`, `carrier:${c.id}`));
  }
}

function ruleBody() {
  const rates = {};
  for (const key of RATES) {
    const value = $(`rate-${key}`).value.trim();
    if (value) rates[key] = value; // the text as typed: the API reads it as a decimal
  }
  rates.pay_unproven = $("rule-unproven").checked;
  rates.extras = [...$("extras").children].map((li) => {
    const extra = {
      name: li.querySelector(".extra-name").value,
      amount: li.querySelector(".extra-amount").value.trim(),
      metric: li.querySelector(".extra-metric").value,
      deduction: li.querySelector(".extra-deduction").checked,
    };
    const least = li.querySelector(".extra-least").value.trim();
    const most = li.querySelector(".extra-most").value.trim();
    if (least) extra.at_least = least;
    if (most) extra.at_most = most;
    return extra;
  });
  const body = { effective_from: $("rule-from").value, rates, note: $("rule-note").value };
  const whom = $("rule-driver").value;
  if (whom.startsWith("carrier:")) body.carrier_id = whom.slice("carrier:".length);
  else if (whom) body.driver_id = whom;
  return body;
}

async function act(path, done) {
  const result = await send("POST", `/statements/${current.id}/${path}`);
  if (!result.ok) {
    notice(result.detail, true);
    return;
  }
  notice(done);
  showStatement(result.body);
  show();
}

function wire() {
  for (const id of ["from", "to"]) $(id).addEventListener("change", updatePayrollLink);
  $("payroll-drafts").addEventListener("change", updatePayrollLink);
  $("period").addEventListener("submit", show);
  $("status").addEventListener("change", () => show());
  $("settle-all").addEventListener("click", async () => {
    const { from, to } = period();
    if (!from || !to) {
      notice("Pick the period first.", true);
      return;
    }
    const button = $("settle-all");
    button.disabled = true;
    const result = await send("POST", "/statements/settle-all", { period_start: from, period_end: to });
    button.disabled = false;
    if (!result.ok) {
      notice(result.detail, true);
      return;
    }
    const r = result.body;
    $("settled").textContent = `Settled ${from} to ${to}: ${r.statements} statement(s), ${r.drafts} draft(s) computed, ${r.frozen} approved or paid kept as they were; together ${r.total}.`;
    notice(`Settled ${r.statements} driver(s).`);
    routeOrders = new Map();
    await show();
    if (current && current.period_start === from && current.period_end === to) open(current.id);
  });
  $("approve").addEventListener("click", () => act("approve", "Approved: the statement is frozen; a correction is now an adjustment."));
  $("mark-paid").addEventListener("click", () => act("paid", "Marked paid."));
  $("adjust-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { amount: $("adjust-amount").value.trim(), reason: $("adjust-reason").value };
    const result = await send("POST", `/statements/${current.id}/adjustments`, body);
    if (!result.ok) {
      refusal($("adjust-error"), result.detail);
      return;
    }
    refusal($("adjust-error"), "");
    event.target.reset();
    notice(`Adjustment of ${result.body.amount} added for ${driverName(result.body.driver_id)}: it is on their next statement.`);
  });
  $("disputes-refresh").addEventListener("click", disputes);
  $("add-extra").addEventListener("click", () => addExtra().querySelector("input").focus());
  $("rule-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = ruleBody();
    const result = await send("POST", "/pay-rules", body);
    if (!result.ok) {
      refusal($("rule-error"), result.detail);
      return;
    }
    refusal($("rule-error"), "");
    notice(`Pay rule version from ${result.body.effective_from} added for ${body.driver_id || body.carrier_id ? payee(body) : "the organisation"}.`);
    event.target.reset();
    $("extras").replaceChildren();
    rules();
  });
}

staffPage(async (me) => {
  zone = me.organisation.timezone;
  if (me.role === "dispatcher") {
    // Disputes reach dispatch with their evidence; an admin resolves them.
    $("pay").hidden = false;
    $("dispatch-only").hidden = false;
    $("disputes-refresh").addEventListener("click", disputes);
    try {
      await loadDrivers();
    } catch {
      // names unknown: the disputes still show
    }
    await disputes();
    return;
  }
  if (me.role !== "admin") {
    $("not-admin").hidden = false;
    return;
  }
  admin = true;
  $("pay").hidden = false;
  const params = new URLSearchParams(location.search);
  const [from, to] = lastFullWeek();
  $("from").value = params.get("from") || from;
  $("to").value = params.get("to") || to;
  $("status").value = params.get("status") || "";
  wire();
  try {
    await loadDrivers();
    await Promise.all([rules(), show()]);
    await disputes();
    if (params.get("statement")) open(params.get("statement"));
  } catch (error) {
    notice(error.message, true);
  }
});

// What every staff page shares: who is signed in (and so what they may do), the
// sign-in form, sign-out, notices, and fetch helpers that turn an API refusal into the
// sentence the API wrote. Text from the server is only ever set with textContent.

export const API = "/api/v1";
export const $ = (id) => document.getElementById(id);
const ACTORS = new Set(["dispatcher", "admin"]);

export function notice(text, isError = false) {
  const el = $("notice");
  if (!el) return;
  el.textContent = text;
  el.className = `notice ${isError ? "error" : "ok"}`;
  el.hidden = !text;
}

// The API's own words for a refusal ("the route changed since you read it ...").
export async function why(response) {
  try {
    const body = await response.json();
    return body.detail || `Refused (${response.status}).`;
  } catch {
    return `Refused (${response.status}).`;
  }
}

export async function getJson(path) {
  const response = await fetch(`${API}${path}`, { credentials: "same-origin" }).catch(() => null);
  if (!response) throw new Error("Offline: this needs the network.");
  if (!response.ok) throw new Error(await why(response));
  return response.json();
}

// POST/PUT/DELETE with a JSON body; resolves to { ok, status, body, detail }.
export async function send(method, path, body, headers = {}) {
  const response = await fetch(`${API}${path}`, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => null);
  if (!response) return { ok: false, status: 0, body: null, detail: "Offline: this needs the network." };
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, body: data, detail: data && data.detail };
}

// Days are the organisation's: a dispatcher's browser may be in another zone (or in
// UTC, as in CI), and a day read off the browser's clock is then the wrong one.
/** The date (YYYY-MM-DD) it is, or was at `at`, in `zone`. */
export function zoneDay(zone, at = new Date()) {
  return at.toLocaleDateString("en-CA", { timeZone: zone });
}

/** `day` (YYYY-MM-DD) moved by `n` days. */
export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** How far `zone`'s clocks are ahead of UTC at the instant `t` (ms since the epoch). */
function zoneOffsetMs(t, zone) {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  });
  const p = Object.fromEntries(format.formatToParts(new Date(t)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000;
}

/** The instant `day` (YYYY-MM-DD) begins in `zone`; a day of a clock change included. */
export function zoneMidnight(day, zone) {
  const [y, m, d] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  const first = wall - zoneOffsetMs(wall, zone);
  return new Date(wall - zoneOffsetMs(first, zone));
}

export function hhmm(iso, zone = "UTC") {
  if (!iso) return "–";
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone });
}

// Signs in if needed, then calls start(me). `me.canAct`: a dispatcher or admin; a
// viewer sees everything read-only (the API refuses their writes too).
export async function staffPage(start) {
  const form = $("signin-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await send("POST", "/auth/login", { email: $("email").value, password: $("password").value });
    if (!result.ok) {
      notice(result.status ? "Wrong email or password." : result.detail, true);
      return;
    }
    notice("");
    boot();
  });
  $("signout").addEventListener("click", async () => {
    await fetch(`${API}/auth/logout`, { method: "POST" });
    location.reload();
  });
  async function boot() {
    const response = await fetch(`${API}/auth/me`, { credentials: "same-origin" }).catch(() => null);
    if (!response || !response.ok) {
      $("signin").hidden = false;
      return;
    }
    const me = await response.json();
    me.canAct = ACTORS.has(me.role);
    document.body.dataset.role = me.role;
    $("signin").hidden = true;
    $("signout").hidden = false;
    $("who").textContent = `${me.name} · ${me.role}`;
    for (const el of document.querySelectorAll("[data-acts]")) el.hidden = !me.canAct;
    for (const el of document.querySelectorAll("[data-admin]")) el.hidden = me.role !== "admin";
    for (const el of document.querySelectorAll("[data-dispatch]")) el.hidden = !me.canAct;
    start(me);
  }
  window.addEventListener("load", boot);
}

// A table from a report-style {columns, rows}; cells as text.
export function fillTable(table, columns, rows, labels = {}) {
  const head = document.createElement("tr");
  for (const c of columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = labels[c] || c.replace(/_/g, " ");
    head.append(th);
  }
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const value of row) {
      const td = document.createElement("td");
      td.textContent = value === null || value === undefined ? "–" : String(value);
      tr.append(td);
    }
    tbody.append(tr);
  }
  table.replaceChildren(thead, tbody);
}

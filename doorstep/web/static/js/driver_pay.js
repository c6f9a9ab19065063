// The driver's pay screen: today's earnings so far, past statements, one statement's
// lines, and a dispute of a line (or the whole statement) sent to dispatch. driver.js
// loads it when the screen is first opened. Pay needs the network: nothing here is
// queued or kept, and offline the screen says so. Amounts are the API's decimal strings
// shown as they are (never computed here); server text is only set with textContent.

const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const STATUS = { draft: "Draft: may still change", approved: "Approved", paid: "Paid" };
let open = null; // the statement on screen

class Offline extends Error {}

async function call(path, options = {}) {
  let response;
  try {
    response = await fetch(API + path, { credentials: "same-origin", ...options });
  } catch {
    throw new Offline();
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    // no JSON: the status says enough
  }
  if (!response.ok) throw new Error((body && typeof body.detail === "string" && body.detail) || `error ${response.status}`);
  return body;
}

// The screen's status line, or (where = "dispute-status") the one by the dispute form.
function say(text, kind = "ok", where = "pay-status") {
  const el = $(where);
  el.textContent = text;
  el.className = `notice ${kind}`;
  el.hidden = !text;
}

// What went wrong, said plainly.
function trouble(error, where = "pay-status") {
  if (error instanceof Offline) say("Offline: pay needs the network. Try again when you have signal.", "warn", where);
  else say(error.message, "error", where);
}

const money = (amount, currency) => `${amount} ${currency}`;
const date = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString([], { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const period = (s) => (s.period_start === s.period_end ? date(s.period_start) : `${date(s.period_start)} – ${date(s.period_end)}`);

// A statement's lines are numbered, dated when it spans days, and each can be disputed.
function drawLines(list, lines, currency, { days = false, dispute = null } = {}) {
  list.replaceChildren();
  for (const line of lines) {
    const item = document.createElement("li");
    item.dataset.position = line.position;
    item.className = line.flag ? "flagged" : "";
    const what = document.createElement("span");
    const day = days && line.day ? ` · ${date(line.day)}` : "";
    what.textContent = `${dispute ? `${line.position + 1}. ` : ""}${line.description}${day} · ${line.quantity} × ${line.rate}`;
    const amount = document.createElement("strong");
    amount.textContent = money(line.amount, currency);
    item.append(what, amount);
    if (line.flag) {
      const flag = document.createElement("span");
      flag.className = "flag";
      flag.textContent = `Check: ${line.flag}`;
      item.append(flag);
    }
    if (dispute) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button secondary";
      button.textContent = "Dispute";
      button.setAttribute("aria-label", `Dispute line ${line.position + 1}`);
      button.addEventListener("click", () => dispute(line));
      item.append(button);
    }
    list.append(item);
  }
}

// The Pay screen from the top: today so far and the statements.
export async function showPay() {
  open = null;
  say("");
  $("statement").hidden = true;
  $("pay-home").hidden = true;
  let today, statements, disputes;
  try {
    [today, statements, disputes] = await Promise.all([call("/me/earnings"), call("/me/statements"), call("/me/disputes")]);
  } catch (error) {
    trouble(error);
    return;
  }
  $("earnings-total").textContent = money(today.total, today.currency);
  drawLines($("earnings-lines"), today.lines, today.currency);
  $("earnings-note").textContent = today.note;
  const list = $("statements");
  list.replaceChildren();
  for (const s of statements) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.statement = s.id;
    button.textContent = `${period(s)} · ${STATUS[s.status] || s.status} · ${money(s.total, s.currency)}`;
    button.addEventListener("click", () => showStatement(s.id));
    item.append(button);
    list.append(item);
  }
  $("no-statements").hidden = !!statements.length;
  drawDisputes(disputes, statements);
  $("pay-home").hidden = false;
}

const ANSWER = { open: "Waiting for an answer", accepted: "Accepted", refused: "Refused" };

// The driver's disputes and how dispatch answered each.
function drawDisputes(disputes, statements) {
  const list = $("my-disputes");
  list.replaceChildren();
  for (const d of disputes) {
    const s = statements.find((x) => x.id === d.statement_id);
    const item = document.createElement("li");
    item.dataset.dispute = d.id;
    const head = document.createElement("strong");
    const where = d.line_position === null ? "the whole statement" : `line ${d.line_position + 1}`;
    head.textContent = `${ANSWER[d.status] || d.status}: ${where}${s ? ` of ${period(s)}` : ""}`;
    const said = document.createElement("p");
    said.textContent = `You wrote: ${d.comment}`;
    item.append(head, said);
    if (d.resolution) {
      const answer = document.createElement("p");
      answer.textContent = `Answer: ${d.resolution}`;
      item.append(answer);
    }
    list.append(item);
  }
  $("no-my-disputes").hidden = !!disputes.length;
}

async function showStatement(id) {
  say("");
  let s;
  try {
    s = await call(`/me/statements/${encodeURIComponent(id)}`);
  } catch (error) {
    trouble(error);
    return;
  }
  open = s;
  const paid = s.status === "paid" && s.paid_at ? ` ${new Date(s.paid_at).toLocaleDateString([], { day: "numeric", month: "short" })}` : "";
  $("statement-title").textContent = period(s);
  $("statement-status").textContent = `${STATUS[s.status] || s.status}${paid}`;
  $("statement-total").textContent = money(s.total, s.currency);
  $("statement-pdf").href = `/me/statements/${encodeURIComponent(s.id)}.pdf`;
  const dispute = (line) => {
    $("dispute-line").value = String(line.position);
    $("dispute-comment").focus();
  };
  drawLines($("statement-lines"), s.lines, s.currency, { days: s.period_start !== s.period_end, dispute });
  const choice = $("dispute-line");
  choice.replaceChildren(new Option("The whole statement", ""));
  for (const line of s.lines) choice.append(new Option(`${line.position + 1}. ${line.description} · ${money(line.amount, s.currency)}`, String(line.position)));
  $("dispute-comment").value = "";
  say("", "ok", "dispute-status");
  $("pay-home").hidden = true;
  $("statement").hidden = false;
  window.scrollTo(0, 0);
}

async function sendDispute(event) {
  event.preventDefault();
  if (!open) return;
  const comment = $("dispute-comment").value.trim();
  if (!comment) {
    say("Write what is wrong before sending: the comment is empty.", "error", "dispute-status");
    $("dispute-comment").focus();
    return;
  }
  const body = { comment };
  const line = $("dispute-line").value;
  if (line !== "") body.line = Number(line);
  const button = $("dispute-send");
  button.disabled = true;
  try {
    await call(`/me/statements/${encodeURIComponent(open.id)}/disputes`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    $("dispute-comment").value = "";
    say(`Sent to dispatch: your dispute of ${line === "" ? "the whole statement" : `line ${Number(line) + 1}`}.`, "ok", "dispute-status");
  } catch (error) {
    if (error instanceof Offline) say("Offline: the dispute was not sent. Send it again when you have signal.", "warn", "dispute-status");
    else trouble(error, "dispute-status");
  } finally {
    button.disabled = false;
  }
}

$("statement-back").addEventListener("click", showPay);
$("dispute-form").addEventListener("submit", sendDispute);

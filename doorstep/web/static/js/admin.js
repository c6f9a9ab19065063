// The admin's page: users, trackers, zones, webhooks, branding and notification rules,
// each listed and changed through the API (which refuses anyone but an admin). A
// refusal shows the API's own sentence, e.g. where a zone's edges cross.

import { $, fillTable, getJson, notice, send, staffPage } from "./staff.js";

function once(text) {
  const box = $("secret");
  box.textContent = text;
  box.hidden = !text;
}

async function result(promise, done) {
  const r = await promise;
  if (!r.ok) {
    notice(r.detail, true);
    return null;
  }
  notice(done);
  return r.body;
}

async function users() {
  const page = await getJson("/users?limit=200");
  const table = $("users");
  fillTable(table, ["name", "email", "role", "active", ""], page.items.map((u) => [u.name, u.email, u.role, u.is_active ? "yes" : "no", ""]));
  page.items.forEach((u, i) => {
    const cell = table.tBodies[0].rows[i].cells[4];
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button secondary";
    button.textContent = u.is_active ? "Deactivate" : "Reactivate";
    button.addEventListener("click", async () => {
      if (await result(send("PATCH", `/users/${u.id}`, { is_active: !u.is_active }), `${u.name} ${u.is_active ? "deactivated" : "reactivated"}.`)) users();
    });
    cell.replaceChildren(button);
  });
}

async function devices() {
  const [page, vehicles] = await Promise.all([getJson("/devices?limit=200"), getJson("/vehicles?limit=200")]);
  const names = new Map(vehicles.items.map((v) => [v.id, v.name]));
  fillTable($("devices"), ["name", "protocol", "vehicle", "last seen", "active"], page.items.map((d) => [d.name, d.protocol, names.get(d.vehicle_id) || "–", d.last_seen_at || "never", d.active ? "yes" : "no"]));
  const select = $("device-vehicle");
  select.length = 1;
  for (const v of vehicles.items) select.add(new Option(v.name, v.id));
}

async function zones() {
  const page = await getJson("/zones?limit=200");
  fillTable($("zones"), ["name", "kind", "shape", "alert on entry"], page.items.map((z) => [z.name, z.kind, z.polygon ? `${z.polygon.length} corners` : `circle ${z.radius_m} m`, z.restricted ? "yes" : "no"]));
}

async function webhooks() {
  const list = await getJson("/webhooks");
  fillTable($("webhooks"), ["url", "events", "active"], list.map((w) => [w.url, w.event_types.join(", "), w.active ? "yes" : "no"]));
}

async function settings() {
  const [rules, tracking] = await Promise.all([getJson("/organisation/notification-settings"), getJson("/organisation/tracking-settings")]);
  const { org_id: _org, ...editable } = rules;
  $("rules").value = JSON.stringify(editable.settings || editable, null, 2);
  $("brand-colour").value = tracking.settings ? tracking.settings.brand_colour : tracking.brand_colour || "#1a56db";
  $("brand-logo").value = (tracking.settings ? tracking.settings.logo_url : tracking.logo_url) || "";
}

function points(text) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
    const [lat, lon] = line.split(/[,\s]+/).map(Number);
    return { lat, lon };
  });
}

function wire() {
  $("user-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { email: $("user-email").value, name: $("user-name").value, role: $("user-role").value };
    if ($("user-password").value) body.password = $("user-password").value;
    if (await result(send("POST", "/users", body), `${body.name} added.`)) {
      event.target.reset();
      users();
    }
  });
  $("device-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { protocol: $("device-protocol").value };
    if ($("device-name").value) body.name = $("device-name").value;
    if ($("device-vehicle").value) body.vehicle_id = $("device-vehicle").value;
    const made = await result(send("POST", "/devices", body), "Tracker added.");
    if (made) {
      once(`Shown once: identifier ${made.identifier}, token ${made.token}`);
      event.target.reset();
      devices();
    }
  });
  $("zone-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const corners = points($("zone-corners").value);
    const body = { name: $("zone-name").value, kind: $("zone-kind").value, restricted: $("zone-restricted").checked };
    if ($("zone-radius").value) {
      body.location = corners[0];
      body.radius_m = Number($("zone-radius").value);
    } else body.polygon = corners;
    if (await result(send("POST", "/zones", body), `Zone ${body.name} added.`)) {
      event.target.reset();
      zones();
    }
  });
  $("webhook-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { url: $("webhook-url").value, event_types: $("webhook-events").value.split(",").map((e) => e.trim()).filter(Boolean) };
    const made = await result(send("POST", "/webhooks", body), "Webhook added.");
    if (made) {
      once(`Shown once: the signing secret is ${made.secret}`);
      webhooks();
    }
  });
  $("branding-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const current = await getJson("/organisation/tracking-settings");
    const base = current.settings || current;
    const body = { ...base, brand_colour: $("brand-colour").value, logo_url: $("brand-logo").value || null };
    delete body.org_id;
    await result(send("PUT", "/organisation/tracking-settings", body), "Branding saved.");
  });
  $("rules-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    let body;
    try {
      body = JSON.parse($("rules").value);
    } catch (error) {
      notice(`The settings are not valid JSON: ${error.message}`, true);
      return;
    }
    const saved = await send("PUT", "/organisation/notification-settings", body);
    if (!saved.ok) {
      notice(saved.detail, true);
      return;
    }
    // What the server kept (secrets masked), shown before saying it is saved.
    const { org_id: _org, ...kept } = saved.body;
    $("rules").value = JSON.stringify(kept, null, 2);
    notice("Notification settings saved.");
  });
}

staffPage(async (me) => {
  if (me.role !== "admin") {
    $("not-admin").hidden = false;
    return;
  }
  $("admin").hidden = false;
  wire();
  try {
    await Promise.all([users(), devices(), zones(), webhooks(), settings()]);
  } catch (error) {
    notice(error.message, true);
  }
});

// Reports: service, driver scorecards, fleet and cost, fuel tax, assets. Each report arrives as
// {summary, tables, charts}; every chart is drawn (Chart.js, served locally) from a table
// that is also shown and downloadable as CSV, so the numbers are always one look away.

import { $, API, addDays, fillTable, getJson, notice, staffPage, zoneDay, zoneMidnight } from "./staff.js";

const SUMMARY_WORDS = {
  stops: "Stops", delivered: "Delivered", failed: "Failed", on_time_rate: "On time", first_attempt_success_rate: "First-attempt success",
  deliveries_per_hour: "Deliveries per hour", rating: "Rating", ratings: "Ratings", eta_mae_s: "ETA mean error", eta_window_coverage: "ETA window held",
  drivers: "Drivers", distance_km: "Distance (km)", driving_h: "Driving (h)", fuel: "Fuel", fuel_cost: "Fuel cost", idle_fuel: "Idle fuel",
  co2_kg: "CO2 (kg)", co2_kg_per_delivery: "CO2 per delivery (kg)", planned_km: "Planned (km)", driven_km: "Driven (km)", off_plan_km: "Off plan (km)",
};
const RATES = new Set(["on_time_rate", "first_attempt_success_rate", "eta_window_coverage"]);
const COLOURS = ["#1a56db", "#b3261e", "#1b7f3b", "#b26a00"];
const charts = [];
let zone = "UTC"; // the organisation's: its days are the report's days

function words(key, value) {
  if (value === null || value === undefined) return "–";
  if (Array.isArray(value)) return value.length ? value.join(", ") : "none";
  if (RATES.has(key)) return `${(value * 100).toFixed(1)} %`;
  if (key === "eta_mae_s") return `${(value / 60).toFixed(1)} min`;
  return String(value);
}

function drawSummary(summary) {
  const dl = $("summary");
  dl.replaceChildren();
  for (const [key, value] of Object.entries(summary)) {
    if (key.startsWith("median_")) continue;
    const box = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = SUMMARY_WORDS[key] || key.replace(/_/g, " ");
    const dd = document.createElement("dd");
    dd.textContent = words(key, value);
    box.append(dt, dd);
    dl.append(box);
  }
}

function drawCharts(report) {
  for (const chart of charts.splice(0)) chart.destroy();
  const box = $("charts");
  box.replaceChildren();
  if (!window.Chart) return; // the tables below carry the same numbers
  for (const spec of report.charts) {
    const table = report.tables[spec.table];
    if (!table || !table.rows.length) continue;
    const x = table.columns.indexOf(spec.x);
    const figure = document.createElement("figure");
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `${spec.y.join(", ")} by ${spec.x}: the numbers are in the table "${table.title}"`);
    const caption = document.createElement("figcaption");
    caption.textContent = `${spec.y.map((y) => y.replace(/_/g, " ")).join(" and ")} by ${spec.x.replace(/_/g, " ")}`;
    figure.append(canvas, caption);
    box.append(figure);
    charts.push(
      new window.Chart(canvas, {
        type: spec.kind === "line" ? "line" : "bar",
        data: {
          labels: table.rows.map((r) => String(r[x])),
          datasets: spec.y.map((y, i) => ({
            label: y.replace(/_/g, " "),
            data: table.rows.map((r) => r[table.columns.indexOf(y)]),
            backgroundColor: COLOURS[i % COLOURS.length],
            borderColor: COLOURS[i % COLOURS.length],
            spanGaps: true,
          })),
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: spec.y.length > 1 } } },
      }),
    );
  }
}

function drawTables(report, kind, params) {
  const box = $("tables");
  box.replaceChildren();
  for (const [name, table] of Object.entries(report.tables)) {
    const section = document.createElement("section");
    section.dataset.table = name;
    const title = document.createElement("h2");
    title.textContent = table.title;
    const csv = document.createElement("a");
    csv.textContent = "Download CSV";
    csv.className = "csv";
    csv.href = `${API}/reports/${kind}?${new URLSearchParams({ ...params, format: "csv", table: name })}`;
    csv.setAttribute("download", "");
    const data = document.createElement("table");
    data.className = "data";
    fillTable(data, table.columns, table.rows);
    if (!table.rows.length) {
      const none = document.createElement("p");
      none.className = "hint";
      none.textContent = "Nothing in this period.";
      section.append(title, csv, none);
    } else section.append(title, csv, data);
    box.append(section);
  }
}

// Assets come from the maintenance and alert endpoints rather than one report.
async function assets(params) {
  const [status, unusual, alerts] = await Promise.all([
    getJson("/maintenance/status"),
    getJson(`/maintenance/unusual?${new URLSearchParams({ since: params.from, until: params.to })}`).catch(() => null),
    getJson(`/telemetry-events?${new URLSearchParams({ alerts_only: "true", since: zoneMidnight(params.from, zone).toISOString(), until: zoneMidnight(addDays(params.to, 1), zone).toISOString(), limit: "200" })}`),
  ]);
  const vehicles = await getJson("/vehicles?limit=200");
  const histories = await Promise.all(
    vehicles.items.map((v) => getJson(`/vehicles/${v.id}/service-records?limit=100`).then((page) => page.items.map((r) => [v.name, r])).catch(() => [])),
  );
  const history = histories
    .flat()
    .filter(([, r]) => r.done_on >= params.from && r.done_on <= params.to)
    .sort((a, b) => b[1].done_on.localeCompare(a[1].done_on))
    .map(([name, r]) => [r.done_on, name, r.kind, r.description, r.odometer_km, r.cost]);
  const due = status.vehicles.flatMap((v) => v.schedules.filter((s) => s.level !== "ok").map((s) => [v.vehicle_name, s.name, s.level, s.reasons.join("; "), s.next_due_on, s.next_due_km]));
  const tables = {
    due: { title: "Maintenance due and overdue", columns: ["vehicle", "schedule", "level", "why", "next_due_on", "next_due_km"], rows: due },
    history: { title: "Service history in the period", columns: ["done_on", "vehicle", "kind", "description", "odometer_km", "cost"], rows: history },
    alerts: { title: "Geofence, theft and safety alerts", columns: ["time", "vehicle", "kind", "what"], rows: alerts.items.map((e) => [e.time, e.vehicle_name, e.kind, e.summary]) },
  };
  if (unusual) {
    tables.unusual = {
      title: "Unusual repair patterns (against the fleet's median)",
      columns: ["vehicle", "metric", "value", "fleet_median", "factor"],
      rows: unusual.unusual.map((v) => [v.vehicle_name, v.metric, v.value, v.fleet_median, v.factor]),
    };
  }
  return { summary: { due: due.length, services: history.length, alerts: alerts.items.length }, tables, charts: [] };
}

async function show(event) {
  if (event) event.preventDefault();
  const kind = $("kind").value;
  const params = { from: $("from").value, to: $("to").value };
  if (kind === "fleet" && $("fuel-price").value) params.fuel_price = $("fuel-price").value;
  $("price-box").hidden = kind !== "fleet";
  history.replaceState(null, "", `?${new URLSearchParams({ kind, ...params })}`);
  let report;
  try {
    report = kind === "assets" ? await assets(params) : await getJson(`/reports/${kind}?${new URLSearchParams(params)}`);
  } catch (error) {
    notice(error.message, true);
    return;
  }
  notice("");
  $("period-words").textContent = report.period ? `${report.period.from} to ${report.period.to} (${report.period.days} days)` : "";
  drawSummary(report.summary);
  drawCharts(report);
  drawTables(report, kind, params);
}

staffPage((me) => {
  zone = me.organisation.timezone;
  $("reports").hidden = false;
  const params = new URLSearchParams(location.search);
  const today = zoneDay(zone);
  $("kind").value = params.get("kind") || "service";
  $("from").value = params.get("from") || addDays(today, -29);
  $("to").value = params.get("to") || today;
  $("fuel-price").value = params.get("fuel_price") || localStorage.getItem("doorstep.fuelPrice") || "";
  $("fuel-price").addEventListener("change", () => localStorage.setItem("doorstep.fuelPrice", $("fuel-price").value));
  $("period").addEventListener("submit", show);
  $("kind").addEventListener("change", show);
  show();
});

// Words and times for the pages, the same as doorstep/web/render.py prints them.
// Times in a tracking view carry the organisation's UTC offset, so their wall-clock
// part is already the recipient's local time: it is read from the text as it is.

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/;

/** A message with its {name} placeholders filled in. */
export function fill(text, values = {}) {
  let out = String(text);
  for (const [name, value] of Object.entries(values)) {
    out = out.split(`{${name}}`).join(String(value));
  }
  return out;
}

/** t(key, values): the catalogue's message for key (the key itself when missing). */
export function translator(messages) {
  return (key, values) => fill(key in messages ? messages[key] : key, values);
}

function parts(iso) {
  const m = ISO.exec(iso || "");
  if (!m) return null;
  return { date: `${m[1]}-${m[2]}-${m[3]}`, y: +m[1], mo: +m[2], d: +m[3], time: `${m[4]}:${m[5]}` };
}

/** "14:10" */
export function clockTime(iso) {
  const p = parts(iso);
  return p ? p.time : "";
}

function dayNumber(date) {
  const [y, m, d] = date.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / 86400000;
}

/** The day of the week of a YYYY-MM-DD date, Monday = 0. */
export function weekday(date) {
  const [y, m, d] = date.split("-").map(Number);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** "today", "tomorrow" or "Thu 27 Nov" for a YYYY-MM-DD date. */
export function dayName(date, today, t) {
  const diff = dayNumber(date) - dayNumber(today);
  if (diff === 0) return t("today");
  if (diff === 1) return t("tomorrow");
  const [, m, d] = date.split("-").map(Number);
  return t("date", {
    weekday: t("weekdays").split(" ")[weekday(date)],
    day: d,
    month: t("months").split(" ")[m - 1],
  });
}

/** "14:10" today, else "tomorrow 14:10" / "Thu 27 Nov 14:10". */
export function moment(iso, today, t) {
  const p = parts(iso);
  if (!p) return "";
  return p.date === today ? p.time : `${dayName(p.date, today, t)} ${p.time}`;
}

/** The day of `iso` in words when it is not today, else null. */
export function otherDay(iso, today, t) {
  const p = parts(iso);
  return !p || p.date === today ? null : dayName(p.date, today, t);
}

/** A window's two ends, the day said once, on the start. */
export function span(start, end, today, t) {
  return [moment(start, today, t), clockTime(end)];
}

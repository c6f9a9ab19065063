// How often the driver app keeps a position: often when close to the next stop (the
// recipient's ETA and "arriving now" hang on it) or moving, rarely when parked (battery
// and data). Pure functions, so the page and the tests use the same rule.

export const NEAR_METRES = 500;
export const EVERY_MS = { near: 2000, moving: 5000, slow: 15000, parked: 30000 };

export function metresBetween(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371000 * Math.asin(Math.sqrt(h));
}

// speed in m/s (null when the phone does not say), metresToNext null without a next stop.
export function fixInterval(speed, metresToNext) {
  if (metresToNext !== null && metresToNext < NEAR_METRES) return EVERY_MS.near;
  if (speed === null || speed === undefined) return EVERY_MS.slow;
  if (speed > 1.5) return EVERY_MS.moving;
  return EVERY_MS.parked;
}

// Keep this fix? Always the first, and always one that moved far from the last kept.
export function keep(fix, lastKept, metresToNext) {
  if (!lastKept) return true;
  if (metresBetween(fix, lastKept) > 250) return true;
  return fix.t - lastKept.t >= fixInterval(fix.speed ?? null, metresToNext);
}

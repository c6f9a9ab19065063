// Doorstep's map: Leaflet (served from xstatic-leaflet, loaded as the global L) with
// either a configured tile server or, by default, a basemap drawn from Doorstep's own
// road network (GET /map/roads.geojson), so maps work offline and no third party
// learns where anyone lives. Markers are plain elements (no images); every marker
// and line has an id, so the tracking page, the dashboard and the driver app can
// place and move their own.
//
//   const map = new DoorstepMap(element, { tileUrl, tileAttribution, roadsUrl });
//   map.setMarker("vehicle", { lat, lon, heading }, { kind: "vehicle", label: "Van" });
//   map.setLine("path", [[lat, lon], ...], { kind: "path" });
//   map.fit([{ lat, lon }, ...]);

export const OSM_CREDIT = "© OpenStreetMap contributors";

const ROAD_STYLE = {
  motorway: [3.5, "#8f98a3"], trunk: [3.5, "#8f98a3"], primary: [3, "#98a1ab"],
  secondary: [2.5, "#a3abb4"], tertiary: [2, "#adb4bc"],
};
const MINOR_ROAD = [1.25, "#b9c0c7"];
const LINE_STYLE = {
  path: { color: "#1a56db", weight: 4, opacity: 0.85 },
  route: { color: "#6e7781", weight: 3, opacity: 0.8 },
  replay: { color: "#b3261e", weight: 3, opacity: 0.9, dashArray: "6 4" },
};

/** Text for Leaflet's attribution (which takes HTML): always escaped. */
export function escapeHtml(text) {
  const div = document.createElement("div");
  div.textContent = String(text);
  return div.innerHTML;
}

function latLng(point) {
  return Array.isArray(point) ? [point[0], point[1]] : [point.lat, point.lon];
}

/** The roads of Doorstep's network under the view, fetched for a padded area snapped
 *  to a grid (so neighbouring views share cached answers), again on a new zoom or
 *  when the view leaves the area loaded. */
class RoadLayer {
  constructor(L, map, url) {
    this.L = L;
    this.map = map;
    this.url = url;
    this.renderer = L.canvas({ padding: 0.5 });
    this.layer = null;
    this.loaded = null;
    this.pending = null;
    this.pendingQuery = null;
    map.on("moveend", () => this.refresh());
  }

  refresh() {
    const L = this.L;
    const zoom = this.map.getZoom();
    const view = this.map.getBounds();
    if (this.loaded && this.loaded.zoom === zoom && this.loaded.bounds.contains(view)) return;
    const cell = (360 / 2 ** zoom) * 2;
    const pad = view.pad(0.5);
    const snap = (v, up) => (up ? Math.ceil(v / cell) : Math.floor(v / cell)) * cell;
    const west = Math.max(-180, snap(pad.getWest(), false));
    const east = Math.min(180, snap(pad.getEast(), true));
    const south = Math.max(-85, snap(pad.getSouth(), false));
    const north = Math.min(85, snap(pad.getNorth(), true));
    if (!(west < east && south < north)) return;
    const bbox = [west, south, east, north].map((v) => v.toFixed(6)).join(",");
    const query = `bbox=${bbox}&zoom=${zoom}`;
    if (this.pending && this.pendingQuery === query) return;
    if (this.pending) this.pending.abort();
    const pending = new AbortController();
    this.pending = pending;
    this.pendingQuery = query;
    fetch(`${this.url}?${query}`, { signal: pending.signal })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => {
        if (!data || pending.signal.aborted) return;
        const layer = L.geoJSON(data, {
          renderer: this.renderer,
          interactive: false,
          style: (feature) => {
            const [weight, color] = ROAD_STYLE[feature.properties.class] || MINOR_ROAD;
            return { weight, color, opacity: 1, lineCap: "round", interactive: false };
          },
        });
        if (this.layer) this.layer.remove();
        this.layer = layer.addTo(this.map);
        this.layer.bringToBack();
        this.loaded = { zoom, bounds: L.latLngBounds([south, west], [north, east]) };
      })
      .catch(() => {})
      .finally(() => {
        if (this.pending === pending) {
          this.pending = null;
          this.pendingQuery = null;
        }
      });
  }
}

export class DoorstepMap {
  /**
   * @param {HTMLElement} element
   * @param {{tileUrl?: string|null, tileAttribution?: string|null, roadsUrl?: string|null,
   *          credit?: string, center?: [number, number], zoom?: number}} options
   */
  constructor(element, options = {}) {
    const L = window.L;
    if (!L) throw new Error("Leaflet is not loaded");
    this.L = L;
    this.map = L.map(element, {
      center: options.center || [0, 0],
      zoom: options.zoom ?? 2,
      zoomControl: true,
      attributionControl: true,
    });
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution(escapeHtml(options.credit || OSM_CREDIT));
    if (options.tileUrl) {
      L.tileLayer(options.tileUrl, {
        maxZoom: 19,
        attribution: options.tileAttribution ? escapeHtml(options.tileAttribution) : "",
      }).addTo(this.map);
      this.roads = null;
    } else if (options.roadsUrl) {
      this.roads = new RoadLayer(L, this.map, options.roadsUrl);
    }
    this.markers = new Map();
    this.lines = new Map();
    this.userMoved = false;
    this.fitting = false;
    this.map.on("dragstart", () => { this.userMoved = true; });
    this.map.on("zoomstart", () => { if (!this.fitting) this.userMoved = true; });
  }

  /** Place (or move) marker `id` at {lat, lon[, heading]}. */
  setMarker(id, point, { kind = "point", label = "", heading = null } = {}) {
    const L = this.L;
    const at = latLng(point);
    let marker = this.markers.get(id);
    if (!marker) {
      marker = L.marker(at, {
        icon: L.divIcon({ className: `ds-marker ds-${kind}`, iconSize: [22, 22], html: "" }),
        keyboard: false,
        title: label,
      }).addTo(this.map);
      this.markers.set(id, marker);
    } else {
      marker.setLatLng(at);
    }
    const el = marker.getElement();
    if (el) {
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", label);
      el.title = label;
      el.dataset.id = id;
      el.dataset.lat = String(at[0]);
      el.dataset.lon = String(at[1]);
      if (heading !== null && heading !== undefined) el.style.setProperty("--heading", `${heading}deg`);
    }
    return marker;
  }

  removeMarker(id) {
    const marker = this.markers.get(id);
    if (marker) {
      marker.remove();
      this.markers.delete(id);
    }
  }

  /** Draw (or redraw) line `id` through [[lat, lon], ...]. */
  setLine(id, coords, { kind = "route" } = {}) {
    const L = this.L;
    const style = { ...(LINE_STYLE[kind] || LINE_STYLE.route), interactive: false, className: `ds-line ds-${kind}` };
    let line = this.lines.get(id);
    if (!line) {
      line = L.polyline(coords, style).addTo(this.map);
      this.lines.set(id, line);
    } else {
      line.setLatLngs(coords);
    }
    return line;
  }

  removeLine(id) {
    const line = this.lines.get(id);
    if (line) {
      line.remove();
      this.lines.delete(id);
    }
  }

  /** Show these points (one: centred at `maxZoom`), unless the user has moved the map. */
  fit(points, { maxZoom = 16, force = false } = {}) {
    const L = this.L;
    const pts = points.filter(Boolean).map(latLng);
    if (!pts.length || (this.userMoved && !force)) return;
    this.fitting = true;
    try {
      if (pts.length === 1) this.map.setView(pts[0], maxZoom, { animate: false });
      else this.map.fitBounds(L.latLngBounds(pts), { padding: [40, 40], maxZoom, animate: false });
    } finally {
      this.fitting = false;
    }
    if (this.roads) this.roads.refresh();
  }
}

"""Travel times from an OSRM server (``osrm-routed``) over HTTP.

Uses ``/table`` (durations and distances), ``/route`` (GeoJSON geometry) and
``/nearest``. Like the embedded provider, answers include the snap offset at both ends
(OSRM's waypoint ``distance``, at 15 km/h), and identical points are 0 s apart, so
the two providers are interchangeable. OSRM has no time-of-day speeds here:
``depart_at`` is ignored.

A table larger than the server's ``--max-table-size`` (100 by default) is asked for in
blocks. Connection failures, timeouts and error answers all raise
:class:`RoadsUnavailable` naming the server and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx
import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.roads.base import Matrix, RoadsUnavailable, RoutePath, Snapped, TravelTimeProvider
from doorstep.roads.embedded import offset_seconds

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_TABLE_SIZE = 100


def _coords(points: Sequence[LatLon]) -> str:
    return ";".join(f"{p.lon:.6f},{p.lat:.6f}" for p in points)


class OsrmProvider(TravelTimeProvider):
    """An ``osrm-routed`` at ``base_url`` (e.g. ``http://127.0.0.1:5000``), car profile."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_table_size: int = DEFAULT_MAX_TABLE_SIZE,
        profile: str = "driving",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if max_table_size < 2:
            raise ValueError("max_table_size must be at least 2")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.max_table_size = max_table_size
        self.name = f"osrm ({self.base_url})"
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def close(self) -> None:
        self._client.close()

    def _get(self, service: str, points: Sequence[LatLon], params: dict[str, str]) -> Any:
        url = f"/{service}/v1/{self.profile}/{_coords(points)}"
        try:
            response = self._client.get(url, params=params)
        except httpx.TimeoutException:
            raise RoadsUnavailable(f"OSRM at {self.base_url} did not answer in time") from None
        except httpx.TransportError as exc:
            raise RoadsUnavailable(f"OSRM at {self.base_url} is not reachable: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code") if isinstance(body, dict) else None
        if response.status_code != 200 or code != "Ok":
            message = body.get("message", response.text[:200]) if isinstance(body, dict) else ""
            raise RoadsUnavailable(
                f"OSRM at {self.base_url} answered {response.status_code} {code or ''} "
                f"to /{service}: {message}".replace("  ", " ")
            )
        return body

    def snap(self, points: Sequence[LatLon]) -> list[Snapped]:
        result = []
        for p in points:
            body = self._get("nearest", [p], {"number": "1"})
            waypoint = body["waypoints"][0]
            lon, lat = waypoint["location"]
            result.append(
                Snapped(query=p, point=LatLon(lat, lon), node=None, distance_m=waypoint["distance"])
            )
        return result

    def matrix(
        self,
        sources: Sequence[LatLon],
        targets: Sequence[LatLon] | None = None,
        depart_at: datetime | None = None,
    ) -> Matrix:
        targets = sources if targets is None else targets
        seconds = np.full((len(sources), len(targets)), np.inf)
        metres = np.full((len(sources), len(targets)), np.inf)
        src_off = np.zeros(len(sources))
        tgt_off = np.zeros(len(targets))
        block = self.max_table_size // 2
        for i in range(0, len(sources), block):
            src = sources[i : i + block]
            for j in range(0, len(targets), block):
                tgt = targets[j : j + block]
                body = self._get(
                    "table",
                    [*src, *tgt],
                    {
                        "sources": ";".join(str(k) for k in range(len(src))),
                        "destinations": ";".join(
                            str(k) for k in range(len(src), len(src) + len(tgt))
                        ),
                        "annotations": "duration,distance",
                    },
                )
                rows, cols = slice(i, i + len(src)), slice(j, j + len(tgt))
                seconds[rows, cols] = _grid(body["durations"])
                metres[rows, cols] = _grid(body["distances"])
                src_off[rows] = [w["distance"] for w in body["sources"]]
                tgt_off[cols] = [w["distance"] for w in body["destinations"]]
        extra = src_off[:, None] + tgt_off[None, :]
        seconds, metres = seconds + offset_seconds(extra), metres + extra
        for r, a in enumerate(sources):
            for c, b in enumerate(targets):
                if a == b:
                    seconds[r, c] = metres[r, c] = 0.0
        return Matrix(seconds=seconds, metres=metres)

    def route(self, a: LatLon, b: LatLon, depart_at: datetime | None = None) -> RoutePath:
        if a == b:
            return RoutePath(seconds=0.0, metres=0.0, geometry=[a, b])
        body = self._get(
            "route", [a, b], {"overview": "full", "geometries": "geojson", "steps": "false"}
        )
        route = body["routes"][0]
        extra = sum(w["distance"] for w in body["waypoints"])
        geometry = [LatLon(lat, lon) for lon, lat in route["geometry"]["coordinates"]]
        return RoutePath(
            seconds=float(route["duration"]) + float(offset_seconds(np.array(extra))),
            metres=float(route["distance"]) + extra,
            geometry=geometry,
        )


def _grid(values: list[list[float | None]]) -> np.ndarray:
    return np.array([[np.inf if v is None else v for v in row] for row in values], dtype=float)

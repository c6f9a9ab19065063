"""A vehicle's stored fixes for a span of time, as JSON rows, GeoJSON or GPX."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.storage import repository as repo
from doorstep.storage.tables import PingRow, Vehicle

MAX_POSITIONS = 50_000


def positions(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    since: datetime,
    until: datetime,
    limit: int,
) -> list[dict[str, Any]]:
    repo.get_owned(session, Vehicle, principal.org_id, vehicle_id, "vehicle")
    if until <= since:
        raise InvalidInput([FieldError(("query", "until"), "must be after since")])
    rows = session.scalars(
        select(PingRow)
        .where(
            PingRow.org_id == principal.org_id,
            PingRow.vehicle_id == vehicle_id,
            PingRow.time >= since,
            PingRow.time < until,
        )
        .order_by(PingRow.time, PingRow.id)
        .limit(limit)
    )
    return [
        {
            "time": row.time,
            "lat": row.lat,
            "lon": row.lon,
            "speed_kmh": None if row.speed is None else round(row.speed * 3.6, 2),
            "heading": row.heading,
            "accuracy_m": row.accuracy,
            "altitude_m": row.altitude,
            "late": row.late,
            "attributes": row.attributes,
        }
        for row in rows
    ]


def as_geojson(vehicle_id: uuid.UUID, fixes: list[dict[str, Any]]) -> dict[str, Any]:
    """One LineString of the track, with the fix times alongside (RFC 7946: lon, lat)."""
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[f["lon"], f["lat"]] for f in fixes]},
        "properties": {
            "vehicle_id": str(vehicle_id),
            "times": [f["time"].isoformat() for f in fixes],
            "speeds_kmh": [f["speed_kmh"] for f in fixes],
        },
    }


def as_gpx(vehicle_id: uuid.UUID, fixes: list[dict[str, Any]]) -> str:
    points = "\n".join(
        f'      <trkpt lat="{f["lat"]:.7f}" lon="{f["lon"]:.7f}">'
        + (f"<ele>{f['altitude_m']:.1f}</ele>" if f["altitude_m"] is not None else "")
        + f"<time>{f['time'].isoformat().replace('+00:00', 'Z')}</time></trkpt>"
        for f in fixes
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="Doorstep" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"  <trk><name>{escape(str(vehicle_id))}</name>\n    <trkseg>\n{points}\n"
        "    </trkseg>\n  </trk>\n</gpx>\n"
    )

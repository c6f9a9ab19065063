"""The dispatcher's exceptions panel: what needs a person now, each with its reason and
a suggested action. Late and at-risk vans and silent trackers come from the live map's
one status rule (``fleet_live``), failed deliveries from the order timeline, safety and
security alerts from the telemetry detectors, and today's orders still on no route.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.domain import event_summary
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.services import fleet_live
from doorstep.storage.tables import Order, OrderEvent, Organisation, TelemetryEvent, Vehicle

ALERTS_SHOWN = 50
ACTIONS = {
    "late": "Call the driver, move stops to a nearby route, or tell the customers affected.",
    "at_risk": "Watch it; if it slips further, move its last stops to a nearby route.",
    "offline": "Call the driver: the tracker has gone quiet on a route under way.",
    "idle": "Call the driver: standing still with stops to do (a problem, or a long break?).",
    "failed_delivery": "Reschedule the order with the customer or send it out again.",
    "unplanned": "Plan these orders, or slot them into a route already running.",
    "speeding_started": "Talk to the driver about speed.",
    "restricted_zone_entered": "Check why the vehicle is in a restricted area.",
    "left_designated_area": "Check where the vehicle is going and why.",
    "off_hours_movement": "Check the vehicle is not used without permission (theft?).",
    "device_offline": "Check the tracker: its vehicle has no position.",
    "battery_low": "Ask the driver to charge the tracker.",
    "maintenance_overdue": "Book the vehicle's service.",
}
HARSH_ACTION = "Coach the driver on smooth driving."
SEVERITY = {"late": 0, "failed_delivery": 1, "offline": 1, "off_hours_movement": 1}


def current(session: Session, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    zone = ZoneInfo(org.timezone)
    start_of_day = dt.datetime.combine(now.astimezone(zone).date(), dt.time(), zone)
    items: list[dict[str, Any]] = []
    for vehicle in fleet_live.snapshot(session, principal, now)["vehicles"]:
        route = vehicle["route"]
        under_way = route is not None and route["status"] == "in_progress"
        if vehicle["status"] in ("late", "at_risk", "idle") or (
            vehicle["status"] == "offline" and under_way
        ):
            items.append(
                _item(
                    vehicle["status"],
                    vehicle["name"],
                    vehicle["reason"],
                    now,
                    vehicle_id=vehicle["id"],
                    route_id=route["id"] if route else None,
                )
            )
    failed = session.execute(
        select(OrderEvent, Order)
        .join(Order, Order.id == OrderEvent.order_id)
        .where(
            OrderEvent.org_id == principal.org_id,
            OrderEvent.to_status == OrderStatus.FAILED.value,
            OrderEvent.at >= start_of_day,
            Order.status == OrderStatus.FAILED.value,
        )
        .order_by(OrderEvent.at.desc())
    ).all()
    for event, order in failed:
        reason = (event.reason or "no reason given").replace("_", " ")
        items.append(
            _item(
                "failed_delivery",
                f"{order.tracking_code} · {order.address}",
                f"Not delivered: {reason}",
                event.at,
                order_id=order.id,
            )
        )
    alerts = session.scalars(
        select(TelemetryEvent)
        .where(
            TelemetryEvent.org_id == principal.org_id,
            TelemetryEvent.kind.in_(event_summary.ALERT_KINDS),
            TelemetryEvent.time >= start_of_day,
        )
        .order_by(TelemetryEvent.time.desc())
        .limit(ALERTS_SHOWN)
    ).all()
    names = _vehicle_names(session, principal.org_id, {a.vehicle_id for a in alerts})
    for alert in alerts:
        items.append(
            _item(
                alert.kind,
                names.get(alert.vehicle_id, "A tracker") if alert.vehicle_id else "A tracker",
                event_summary.summarise(alert.kind, alert.data, zone),
                alert.time,
                vehicle_id=alert.vehicle_id,
            )
        )
    unplanned = session.scalar(
        select(func.count())
        .select_from(Order)
        .where(
            Order.org_id == principal.org_id,
            Order.status == OrderStatus.CREATED.value,
            Order.window_start >= start_of_day,
            Order.window_start < start_of_day + dt.timedelta(days=1),
        )
    )
    if unplanned:
        items.append(
            _item("unplanned", "Orders", f"{unplanned} order(s) for today on no route", now)
        )
    items.sort(key=lambda i: (SEVERITY.get(i["kind"], 2), -i["at"].timestamp()))
    return {"at": now, "timezone": org.timezone, "items": items}


def _item(
    kind: str, subject: str, reason: str, at: dt.datetime, **ids: uuid.UUID | None
) -> dict[str, Any]:
    action = ACTIONS.get(kind) or (HARSH_ACTION if kind.startswith("harsh") else "Look into it.")
    return {
        "kind": kind,
        "subject": subject,
        "reason": reason,
        "action": action,
        "at": at,
        "vehicle_id": ids.get("vehicle_id"),
        "route_id": ids.get("route_id"),
        "order_id": ids.get("order_id"),
    }


def _vehicle_names(
    session: Session, org_id: uuid.UUID, ids: set[uuid.UUID | None]
) -> dict[uuid.UUID | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(
        select(Vehicle.id, Vehicle.name).where(Vehicle.org_id == org_id, Vehicle.id.in_(wanted))
    )
    return {vid: name for vid, name in rows}

"""The demo's organisation and its day: a depot in the middle of the road network,
vans with drivers (each with a login and a driver key) and trackers, ~150 orders with
time windows on real street points, planned into routes by the real planner.

Everything here goes through the services an operator's API calls would reach; the
simulator then drives the day only through the public interfaces (``demo.feeder``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from zoneinfo import ZoneInfo

from doorstep.domain.principal import system
from doorstep.domain.roles import Role
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.schemas.accounts import ApiKeyCreate, UserCreate
from doorstep.schemas.fleet import DepotCreate, DeviceCreate, DriverCreate, VehicleCreate
from doorstep.schemas.orders import OrderCreate
from doorstep.schemas.planning import PlanCreate
from doorstep.services import accounts, orders, planning, resources
from doorstep.services.devices import create_device
from doorstep.sim import depot_location, generate_orders, points_of
from doorstep.wiring import Runtime

TIMEZONE = "Europe/Helsinki"
FIRST_NAMES = ("Aino", "Eero", "Helmi", "Juho", "Kaisa", "Lauri", "Mikko", "Noora", "Oona", "Pekka")
STREETS = ("Mannerheimintie", "Aleksanterinkatu", "Bulevardi", "Esplanadi", "Fredrikinkatu")


@dataclass
class Van:
    vehicle_id: str
    name: str
    driver_id: str
    driver_name: str
    driver_key: str
    device_identifier: str


@dataclass
class DemoWorld:
    org_id: str
    org_name: str
    timezone: str
    day: dt.date
    admin_email: str
    admin_password: str
    admin_key: str
    depot: tuple[float, float]
    vans: list[Van] = field(default_factory=list)
    tracking_codes: list[str] = field(default_factory=list)
    planned_orders: int = 0
    unplanned_orders: int = 0
    urgent_orders: int = 0
    route_ids: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> DemoWorld:
        data = json.loads(text)
        data["day"] = dt.date.fromisoformat(data["day"])
        data["depot"] = tuple(data["depot"])
        data["vans"] = [Van(**van) for van in data["vans"]]
        return cls(**data)


URGENT_JOBS = 3


def seed_demo(
    runtime: Runtime,
    *,
    day: dt.date,
    orders_count: int = 150,
    vans: int = 8,
    seed: int = 1,
    plan_seconds: float = 10.0,
    timezone: str = TIMEZONE,
) -> DemoWorld:
    """A new demo organisation with its planned day. The road network is the
    runtime's (Helsinki unless ``DOORSTEP_ROAD_NETWORK`` says otherwise)."""
    roads = runtime.roads
    if not isinstance(roads, EmbeddedProvider):
        raise RuntimeError("the demo needs the embedded road network (an .osm.pbf)")
    points = points_of(roads.graph.lat.tolist(), roads.graph.lon.tolist())
    depot_point = depot_location(points)
    password = secrets.token_urlsafe(9)
    email = "admin@demo.doorstep.test"
    with runtime.sessions.begin() as session:
        org, _, admin_key = accounts.create_organisation(
            session, "Doorstep Demo Deliveries", email, admin_password=password, timezone=timezone
        )
        actor = system(org.id)
        world = DemoWorld(
            org_id=str(org.id),
            org_name=org.name,
            timezone=timezone,
            day=day,
            admin_email=email,
            admin_password=password,
            admin_key=admin_key,
            depot=depot_point,
        )
        depot = resources.create(
            session,
            actor,
            resources.DEPOTS,
            DepotCreate.model_validate(
                {
                    "name": "Central depot",
                    "address": "Demo depot",
                    "location": {"lat": depot_point[0], "lon": depot_point[1]},
                }
            ),
        )
        for n in range(vans):
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            vehicle = resources.create(
                session,
                actor,
                resources.VEHICLES,
                VehicleCreate.model_validate(
                    {
                        "name": f"Van {n + 1}",
                        "plate": f"DMO-{101 + n}",
                        "fuel_type": "electric" if n % 3 == 0 else "diesel",
                        "consumption_per_100km": 22.0 if n % 3 == 0 else 9.5,
                        "capacity_items": 35,  # a city van: the day needs every van
                        "depot_id": str(depot.id),
                    }
                ),
            )
            user = accounts.create_user(
                session,
                actor,
                UserCreate(
                    email=f"{first.lower()}{n + 1}@demo.doorstep.test",
                    name=first,
                    role=Role.DRIVER,
                    password=password,
                ),
            )
            driver = resources.create(
                session,
                actor,
                resources.DRIVERS,
                DriverCreate.model_validate(
                    {
                        "name": first,
                        "user_id": str(user.id),
                        "vehicle_id": str(vehicle.id),
                        "depot_id": str(depot.id),
                        "shift_start": "07:30",
                        "shift_end": "19:30",
                    }
                ),
            )
            _, key = accounts.create_api_key(
                session,
                actor,
                ApiKeyCreate(name=f"{first}'s app", role=Role.DRIVER, user_id=user.id),
            )
            device, _ = create_device(
                session, actor, DeviceCreate(vehicle_id=vehicle.id, name=f"Phone in van {n + 1}")
            )
            world.vans.append(
                Van(str(vehicle.id), vehicle.name, str(driver.id), first, key, device.identifier)
            )
        generated = generate_orders(
            points, orders_count + URGENT_JOBS, seed, day, timezone=timezone, day_hours=(9.0, 18.0)
        )
        urgent, generated = generated[-URGENT_JOBS:], generated[:-URGENT_JOBS]
        created = []
        for i, g in enumerate(generated):
            street = STREETS[i % len(STREETS)]
            body = OrderCreate.model_validate(
                {
                    "recipient": {
                        "name": f"Customer {i + 1}",
                        "email": f"customer{i + 1}@example.test",
                        "phone": f"+35840{1000000 + i}",
                    },
                    "address": f"{street} {1 + i % 60}, Helsinki",
                    "location": {"lat": g.lat, "lon": g.lon},
                    "window_start": g.window_start.isoformat(),
                    "window_end": g.window_end.isoformat(),
                    "service_minutes": round(g.service_s / 60.0, 1),
                    "items": g.items,
                    "external_ref": f"DEMO-{i + 1:04d}",
                }
            )
            created.append(orders.create_order(session, actor, body).order)
        world.tracking_codes = [o.tracking_code for o in created]
        outcome = planning.plan_day(
            session,
            actor,
            roads,
            PlanCreate(
                date=day,
                depot_id=depot.id,
                time_limit_s=plan_seconds,
                seed=seed,
                break_minutes=30,
                break_window=(dt.time(11, 30), dt.time(13, 30)),
            ),
        )
        world.route_ids = [str(r.id) for r in outcome.routes]
        world.unplanned_orders = len(outcome.plan.unplanned)
        world.planned_orders = orders_count - world.unplanned_orders
        # Phoned in after the day was planned: for the dashboard's urgent-job panel.
        afternoon = (
            dt.datetime.combine(day, dt.time(12, 0), ZoneInfo(timezone)),
            dt.datetime.combine(day, dt.time(18, 0), ZoneInfo(timezone)),
        )
        for i, g in enumerate(urgent):
            body = OrderCreate.model_validate(
                {
                    "recipient": {
                        "name": f"Urgent customer {i + 1}",
                        "phone": f"+35850{2000000 + i}",
                    },
                    "address": f"{STREETS[(i * 7) % len(STREETS)]} {2 + i}, Helsinki",
                    "location": {"lat": g.lat, "lon": g.lon},
                    "window_start": afternoon[0].isoformat(),
                    "window_end": afternoon[1].isoformat(),
                    "service_minutes": 3,
                    "priority": 1,
                    "external_ref": f"DEMO-URGENT-{i + 1}",
                }
            )
            orders.create_order(session, actor, body)
        world.urgent_orders = len(urgent)
    return world


def day_start(day: dt.date, timezone: str, at: dt.time = dt.time(7, 40)) -> dt.datetime:
    """``at`` on ``day`` in ``timezone``; by default the morning before the first shift."""
    return dt.datetime.combine(day, at, tzinfo=ZoneInfo(timezone))


DEPARTURE_LEAD = dt.timedelta(minutes=10)


def clock_start(world: DemoWorld, departures: Iterable[dt.datetime | None]) -> dt.datetime:
    """When the demo's clock starts: shortly before the first van leaves (the planner
    may start every route hours after the shifts begin, when the first windows allow),
    or the morning when no route is left to leave."""
    first = min((d for d in departures if d is not None), default=None)
    return first - DEPARTURE_LEAD if first is not None else day_start(world.day, world.timezone)

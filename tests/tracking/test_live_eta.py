"""Live ETAs: a route in progress is loaded from the store, every fix and stop event
refreshes its remaining stops, and what moved is written on the stops and published
as ``eta.updated``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from doorstep.bus import Event
from doorstep.services import eta_live
from doorstep.services.eta_live import LiveEta, _split, served_history
from doorstep.storage.tables import Stop
from tests.conftest import auth, create_order, load_van

NOW = datetime.now(UTC).replace(microsecond=0)


def _route_in_progress(client, org, db, count=3, started=NOW, **order):
    vehicle = client.post("/api/v1/vehicles", json={"name": "Van"}, headers=auth(org.admin))
    orders = [create_order(client, org.admin, **order) for _ in range(count)]
    body = {
        "name": "Morning",
        "date": NOW.date().isoformat(),
        "driver_id": str(org.driver_id),
        "vehicle_id": vehicle.json()["id"],
        "stops": [{"order_id": o["id"]} for o in orders],
    }
    route = client.post("/api/v1/routes", json=body, headers=auth(org.dispatcher)).json()
    with db.sessions.begin() as session:  # as the planner leaves them: 10 min legs
        for i, stop in enumerate(session.scalars(select(Stop).order_by(Stop.sequence))):
            stop.leg_seconds, stop.leg_metres = 600.0, 5000.0
            stop.planned_arrival = started + timedelta(minutes=10 * (i + 1))
    load_van(client, org, route["id"])
    start = client.post(
        f"/api/v1/routes/{route['id']}/start",
        json={"at": started.isoformat()},
        headers=auth(org.driver),
    )
    assert start.status_code == 200, start.text
    return route, vehicle.json()


def _stops(db) -> list[Stop]:
    with db.sessions() as session:
        return list(session.scalars(select(Stop).order_by(Stop.sequence)))


def test_a_started_route_gets_etas_on_its_stops_and_the_bus_hears_them(client, org_a, db):
    route, _ = _route_in_progress(client, org_a, db)
    live = LiveEta(db.sessions)
    heard: list[Event] = []

    async def scenario() -> None:
        sub = await db.bus.subscribe(str(org_a.id), ("eta",))
        event = Event(str(org_a.id), "route.started", {"route_id": route["id"]})
        result = await asyncio.to_thread(live.handle, event, NOW)
        assert result is not None and len(result.stops) == 3
        async for got in sub:
            heard.append(got)
            break
        await sub.close()

    asyncio.run(scenario())
    stops = _stops(db)
    assert all(s.eta is not None and s.eta_earliest <= s.eta <= s.eta_latest for s in stops)
    assert [s.stops_away for s in stops] == [1, 2, 3]
    assert stops[0].eta < stops[1].eta < stops[2].eta
    # Each stop keeps the ETA it was given, in the band of how far ahead it was given,
    # for the ETA-accuracy report.
    for stop in stops:
        (band,) = stop.eta_samples
        assert stop.eta_samples[band][0] == stop.eta.isoformat()
    (update,) = heard
    assert update.data["route_id"] == route["id"] and len(update.data["stops"]) == 3


def test_fixes_and_completed_stops_refresh_the_rest(client, org_a, db):
    route, vehicle = _route_in_progress(client, org_a, db)
    live = LiveEta(db.sessions)
    org = str(org_a.id)
    first, second, _ = route["stops"]
    position = {
        "vehicle_id": vehicle["id"],
        "time": (NOW + timedelta(minutes=5)).isoformat(),
        "lat": first["location"]["lat"],
        "lon": first["location"]["lon"],
        "speed_kmh": 30.0,
    }
    # The first fix of a vehicle finds its route in progress by itself.
    moved = live.handle(Event(org, "vehicle.position", position), NOW + timedelta(minutes=5))
    assert moved is not None and len(moved.stops) == 3
    done = live.handle(
        Event(
            org,
            "stop.completed",
            {
                "route_id": route["id"],
                "stop_id": first["id"],
                "arrived_at": (NOW + timedelta(minutes=6)).isoformat(),
                "departed_at": (NOW + timedelta(minutes=9)).isoformat(),
            },
        ),
        NOW + timedelta(minutes=9),
    )
    assert done is not None and [s.stop_id for s in done.stops] == [second["id"], _["id"]]
    stops = _stops(db)
    assert stops[1].stops_away == 1 and stops[2].stops_away == 2
    assert stops[0].stops_away is None  # withdrawn: it has been served
    live.handle(Event(org, "route.completed", {"route_id": route["id"]}), NOW)
    assert live.handle(Event(org, "vehicle.position", position), NOW) is None


def test_a_vehicle_without_a_route_is_no_error(client, org_a, db):
    live = LiveEta(db.sessions)
    fix = {"vehicle_id": str(uuid.uuid4()), "time": NOW.isoformat(), "lat": 60.0, "lon": 24.0}
    assert live.handle(Event(str(org_a.id), "vehicle.position", fix), NOW) is None
    assert live.handle(Event(str(org_a.id), "vehicle.position", {"vehicle_id": None}), NOW) is None


def test_a_silent_vehicle_is_reported_stale_on_the_tick(client, org_a, db):
    route, _ = _route_in_progress(client, org_a, db)
    live = LiveEta(db.sessions)
    live.handle(Event(str(org_a.id), "route.started", {"route_id": route["id"]}), NOW)
    live.tick(NOW + timedelta(minutes=45))
    assert all(s.eta_stale for s in _stops(db))


def test_the_route_line_is_cut_at_each_stop_in_order():
    line = [[0.0, 0.0], [0.0, 1.0], [0.0, 2.0], [0.0, 1.0], [0.0, 0.0]]
    pieces = _split(line, [(0.0, 2.0), (0.0, 0.0)])
    assert pieces == [[(0.0, 0.0), (0.0, 1.0), (0.0, 2.0)], [(0.0, 2.0), (0.0, 1.0), (0.0, 0.0)]]


def _drive_through(
    client,
    org,
    route,
    *,
    arrive_min: list[int],
    depart_min: list[int] | None = None,
    stand_min: int = 0,
    started=NOW,
):
    """Each stop reached and left through the driver's API, ``arrive_min``/``depart_min``
    minutes after ``started``; without ``depart_min``, left ``stand_min`` after."""
    departs = depart_min if depart_min is not None else [a + stand_min for a in arrive_min]
    for stop, arrive, depart in zip(route["stops"], arrive_min, departs, strict=False):
        path = f"/api/v1/routes/{route['id']}/stops/{stop['id']}"
        at = (started + timedelta(minutes=arrive)).isoformat()
        response = client.post(f"{path}/arrive", json={"at": at}, headers=auth(org.driver))
        assert response.status_code == 200, response.text
        body = {"outcome": "delivered", "at": (started + timedelta(minutes=depart)).isoformat()}
        response = client.post(f"{path}/complete", json=body, headers=auth(org.driver))
        assert response.status_code == 200, response.text


def test_an_engine_starts_from_what_the_organisations_served_stops_teach(
    client, org_a, org_b, db, monkeypatch
):
    route, _ = _route_in_progress(client, org_a, db, window_start=None, window_end=None)
    # 10 min legs driven in 15, 4 min service taking 12.
    _drive_through(client, org_a, route, arrive_min=[15, 42, 69], depart_min=[27, 54, 81])
    later = NOW + timedelta(days=1)
    with db.sessions() as session:
        (seen, *_) = served_history(session, org_a.id, later)
        assert seen.driver_key == str(org_a.driver_id) and len(seen.stops) == 3
        assert seen.started == NOW  # when the driver started it: the time worked counts from it
        assert seen.over  # completed with its last stop: it took no break after its stops
        assert served_history(session, org_b.id, later) == []  # another organisation's
        assert served_history(session, org_a.id, NOW + timedelta(days=40)) == []  # too old
    # Where the limit on stops cuts into the oldest route, its first stops are missing
    # and its time worked cannot be told: not taken for a route over.
    monkeypatch.setattr(eta_live, "HISTORY_STOPS", 2)
    with db.sessions() as session:
        (cut,) = served_history(session, org_a.id, later)
        assert len(cut.stops) == 2 and not cut.over
    monkeypatch.undo()
    live = LiveEta(db.sessions)
    engine = live._engine(str(org_a.id))
    assert engine.service_times.observations() == 3
    assert engine.service_times.predict(240.0, driver=str(org_a.driver_id)) > 300.0
    assert engine.driver_paces.prior(str(org_a.driver_id)) > 1.05
    assert live._engine(str(org_b.id)).service_times.observations() == 0


def test_a_route_reloaded_after_a_restart_keeps_the_drivers_time_worked(client, org_a, db):
    """Five hours into the route when the service restarts: the break the rule puts
    after 4.5 h of work is still ahead of the last stop, not 4.5 h after the restart."""
    started = NOW - timedelta(hours=5)
    route, _ = _route_in_progress(
        client, org_a, db, started=started, window_start=None, window_end=None
    )
    # A 4 h 20 min stop, then the second reached after its 10 min leg and left 5 min on.
    _drive_through(
        client, org_a, route, arrive_min=[10, 290], depart_min=[280, 295], started=started
    )
    with db.sessions() as session:  # in progress: not over, so no open span from it
        assert [r.over for r in served_history(session, org_a.id)] == [False]
    live = LiveEta(db.sessions)  # the restarted service
    result = live.load_route(str(org_a.id), route["id"], NOW)
    assert result is not None
    (last,) = result.stops
    left = started + timedelta(minutes=295)
    # The break (30 min, the engine's prior) is taken where the driver stands, before
    # the drive to the last stop (at the same address: no drive); it used to be none.
    assert last.eta - left >= timedelta(minutes=29), last.eta - left


def test_a_route_reloaded_after_a_restart_counts_the_time_worked_from_its_real_start(
    client, org_a, db
):
    """Started 4 h 45 min ago, 65 min of loading before the first drive, seven stops
    served since (10 min legs, 20 min stops), the last left 10 min ago, 4 h 35 min
    into the day: the break (4.5 h) is due where they stand. Counted from the first
    drive, as when the start was not kept, it was an hour away."""
    started = NOW - timedelta(hours=4, minutes=45)
    route, _ = _route_in_progress(
        client, org_a, db, count=9, started=started, window_start=None, window_end=None
    )
    arrive = [75 + 30 * k for k in range(7)]
    _drive_through(client, org_a, route, arrive_min=arrive, stand_min=20, started=started)
    got = client.get(f"/api/v1/routes/{route['id']}", headers=auth(org_a.admin)).json()
    assert got["started_at"] == started.isoformat()
    live = LiveEta(db.sessions)  # the restarted service
    result = live.load_route(str(org_a.id), route["id"], NOW)
    assert result is not None
    following = result.stops[0]
    left = started + timedelta(minutes=arrive[-1] + 20)
    assert following.eta - left >= timedelta(minutes=29), following.eta - left


def test_a_restarted_engine_knows_when_the_drivers_break_from_the_routes_of_past_days(
    client, org_a, db
):
    """Four past routes on the rule of a break after 4.5 h, their drivers breaking
    after the stop left 6 h in (10 min legs, 20 min stops, a 30 min break): a fresh
    engine, started from the store, puts the break there, not at 4.5 h."""
    for day in range(4, 0, -1):
        started = NOW - timedelta(days=day)
        route, _ = _route_in_progress(
            client, org_a, db, count=14, started=started, window_start=None, window_end=None
        )
        arrive = [30 * k + 10 + (30 if k > 11 else 0) for k in range(14)]
        _drive_through(client, org_a, route, arrive_min=arrive, stand_min=20, started=started)
    live = LiveEta(db.sessions)
    engine = live._engine(str(org_a.id))
    rule = engine.params.break_after_s
    assert rule == 4.5 * 3600
    assert 5.5 * 3600 < engine.habits.break_after_s(rule) <= 6 * 3600

"""The public tracking view: a tracking code opens one order's view and nothing else;
the van shows only while it is on its way to this recipient; lookups are limited; the
recipient changes instructions, reschedules and rates through the same code."""

from __future__ import annotations

import itertools
import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from doorstep.api.track_limits import TrackGuard
from doorstep.bus import Event
from doorstep.storage.tables import Route, Stop
from tests.conftest import auth, create_order, load_van

API = "/api/v1"
NOT_FOUND = "no delivery with this tracking code"
HELSINKI = ZoneInfo("Europe/Helsinki")
DEPOT = (60.1600, 24.9300)
# Three recipients along one street; the last is the one we follow.
HOMES = [(60.1650, 24.9350), (60.1700, 24.9400), (60.1750, 24.9450)]
# The van between the first and second stop: not any address, not on the drawn road.
VAN = (60.167312, 24.938817)
VAN_LATER = (60.168421, 24.939106)


@pytest.fixture(autouse=True)
def generous_limits(client):
    """Most tests look a code up many times; the limit itself has its own test."""
    client.app.state.track_guard = TrackGuard(burst=10_000, per_minute=60_000)


@dataclass
class Day:
    route: str
    stops: list[str]
    orders: list[dict[str, Any]]
    token: str
    driver: str

    @property
    def code(self) -> str:
        return str(self.orders[-1]["tracking_code"])


def _line(points: list[tuple[float, float]], steps: int = 10) -> list[list[float]]:
    """A road drawn through the points, a vertex every ~60 m."""
    line: list[list[float]] = []
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        for i in range(steps):
            f = i / steps
            line.append([lat1 + (lat2 - lat1) * f, lon1 + (lon2 - lon1) * f])
    line.append(list(points[-1]))
    return line


def _post(client, key: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(API + path, json=body or {}, headers=auth(key))
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


@pytest.fixture
def day(client, org_a, db) -> Day:
    """A planned route of three stops, with a van that has a tracker, driven by a driver
    with a full name and a phone number."""
    key = org_a.admin
    vehicle = _post(client, key, "/vehicles", {"name": "Van 7", "plate": "ABC-123"})
    driver = _post(
        client,
        key,
        "/drivers",
        {"name": "Dana Kowalski", "phone": "+358 40 5550000", "photo_url": "https://x.test/d.jpg"},
    )
    device = _post(
        client,
        key,
        "/devices",
        {"name": "Van 7 phone", "identifier": uuid.uuid4().hex, "vehicle_id": vehicle["id"]},
    )
    orders = [
        create_order(
            client,
            key,
            recipient={"name": f"Person{i} Surname{i}", "phone": f"+358 40 111000{i}"},
            address=f"Street {i}, Helsinki",
            postcode=f"0010{i}",
            location={"lat": lat, "lon": lon},
        )
        for i, (lat, lon) in enumerate(HOMES)
    ]
    route = _post(
        client,
        key,
        "/routes",
        {
            "name": "Morning",
            "date": "2026-11-27",
            "driver_id": driver["id"],
            "vehicle_id": vehicle["id"],
            "stops": [{"order_id": o["id"]} for o in orders],
        },
    )
    with db.sessions.begin() as session:
        row = session.get(Route, uuid.UUID(route["id"]))
        assert row is not None
        row.geometry = _line([DEPOT, *HOMES])
    return Day(
        route["id"], [s["id"] for s in route["stops"]], orders, device["token"], driver["id"]
    )


def view(client, code: str, **params: str) -> dict[str, Any]:
    response = client.get(f"{API}/track/{code}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def set_eta(db, stop_id: str, *, away: int | None, eta: datetime | None = None) -> None:
    """What the ETA worker writes on a stop (services.eta_live)."""
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(stop_id))
        assert stop is not None
        stop.stops_away = away
        stop.eta = eta
        stop.eta_earliest = eta and eta - timedelta(minutes=10)
        stop.eta_latest = eta and eta + timedelta(minutes=15)
        stop.eta_stale = False


def ping(client, token: str, where: tuple[float, float], ago_s: float) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=ago_s)
    fix = {"time": at.isoformat(), "lat": where[0], "lon": where[1], "speed": 5, "accuracy": 5}
    response = client.post(f"{API}/pings", json=[fix], headers=auth(token))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text


def start(client, org, day: Day) -> None:
    load_van(client, org, day.route)
    _post(client, org.dispatcher, f"/routes/{day.route}/start")


def deliver(client, org, day: Day, index: int, **body: Any) -> None:
    stop = f"/routes/{day.route}/stops/{day.stops[index]}"
    _post(client, org.dispatcher, f"{stop}/arrive")
    _post(client, org.dispatcher, f"{stop}/complete", {"outcome": "delivered", **body})


def numbers(value: Any) -> set[float]:
    """Every number anywhere in a JSON document."""
    if isinstance(value, dict):
        return set().union(*(numbers(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(numbers(v) for v in value)) if value else set()
    return (
        {float(value)} if isinstance(value, int | float) and not isinstance(value, bool) else set()
    )


def near(value: set[float], point: tuple[float, float], decimals: int = 3) -> bool:
    rounded = {round(v, decimals) for v in value}
    return round(point[0], decimals) in rounded and round(point[1], decimals) in rounded


# -- the view ---------------------------------------------------------------------------


def test_a_scheduled_order_shows_its_status_window_destination_and_driver_first_name(client, day):
    body = view(client, day.code)
    assert body["tracking_code"] == day.code
    assert (body["status"], body["status_label"]) == ("scheduled", "Scheduled for delivery")
    assert body["organisation"] == {"name": "Acme", "logo_url": None, "colour": "#1a56db"}
    assert body["recipient_first_name"] == "Person2"
    assert body["address"] == "Street 2, Helsinki"
    assert body["window"] == {
        "start": "2026-11-27T10:00:00+02:00",
        "end": "2026-11-27T12:00:00+02:00",
    }
    assert body["timezone"] == "Europe/Helsinki"
    assert body["destination"] == {"lat": HOMES[2][0], "lon": HOMES[2][1]}
    assert body["driver"] == {"first_name": "Dana", "photo_url": None}
    assert body["vehicle"] == {"name": "Van 7"}
    assert body["eta"] is None and body["stops_away"] is None and body["late"] is False
    assert body["vehicle_position"] is None and body["path"] is None
    assert [e["kind"] for e in body["timeline"]] == ["created", "scheduled"]
    assert body["timeline"][1]["label"] == "Scheduled for delivery"
    assert body["proof"] is None and body["rating"] is None
    assert body["instructions"]["editable"] is True
    assert body["can_rate"] is False and body["can_reschedule"] is True
    assert body["expires_at"] is None and body["expired"] is False


def test_eta_and_stops_away_appear_once_the_stop_has_them_and_late_when_past_the_window(
    client, org_a, db, day
):
    start(client, org_a, day)
    assert view(client, day.code)["eta"] is None
    eta = datetime(2026, 11, 27, 9, 40, tzinfo=UTC)  # 11:40 in Helsinki
    set_eta(db, day.stops[2], away=3, eta=eta)
    body = view(client, day.code)
    assert body["eta"] == {
        "expected": "2026-11-27T11:40:00+02:00",
        "earliest": "2026-11-27T11:30:00+02:00",
        "latest": "2026-11-27T11:55:00+02:00",
        "stale": False,
    }
    assert body["stops_away"] == 3 and body["late"] is False
    assert body["status"] == "out_for_delivery"
    set_eta(db, day.stops[2], away=3, eta=eta + timedelta(minutes=30))
    assert view(client, day.code)["late"] is True


def test_no_van_before_it_is_n_stops_away_then_position_and_path_then_only_the_destination(
    client, org_a, db, day
):
    start(client, org_a, day)
    ping(client, day.token, VAN, ago_s=30)
    set_eta(db, day.stops[2], away=4, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
    hidden = view(client, day.code)
    assert hidden["vehicle_position"] is None and hidden["path"] is None
    assert not near(numbers(hidden), VAN)

    set_eta(db, day.stops[2], away=3, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
    shown = view(client, day.code)
    position = shown["vehicle_position"]
    assert (position["lat"], position["lon"]) == (round(VAN[0], 4), round(VAN[1], 4))
    assert position["time"].endswith("+02:00")
    path = shown["path"]
    assert path and path[-1] == [HOMES[2][0], HOMES[2][1]]
    # Not the next stop yet: the path does not begin at the previous recipient's door.
    assert path[0] != [HOMES[1][0], HOMES[1][1]] and path[0][0] > HOMES[1][0]

    set_eta(db, day.stops[2], away=1, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
    ping(client, day.token, VAN_LATER, ago_s=10)
    next_stop = view(client, day.code)
    assert next_stop["vehicle_position"]["lat"] == round(VAN_LATER[0], 4)
    assert next_stop["path"][0][0] >= round(VAN_LATER[0], 3)  # from where the van is

    deliver(client, org_a, day, 2, received_by="A. Neighbour")
    done = view(client, day.code)
    assert done["status"] == "delivered"
    assert done["vehicle_position"] is None and done["path"] is None
    assert done["eta"] is None and done["stops_away"] is None
    assert done["destination"] == {"lat": HOMES[2][0], "lon": HOMES[2][1]}
    assert done["proof"]["lat"] == HOMES[2][0] and done["proof"]["delivered_at"].endswith("+02:00")
    assert done["proof"]["recipient_name"] == "A. Neighbour"
    everything = numbers(done)
    assert not near(everything, VAN) and not near(everything, VAN_LATER)
    assert done["can_rate"] is True and done["can_reschedule"] is False
    assert done["instructions"]["editable"] is False
    assert done["expires_at"] is not None


def test_a_code_shows_only_its_own_order_and_never_the_drivers_full_name_or_phone(
    client, org_a, db, day
):
    start(client, org_a, day)
    set_eta(db, day.stops[2], away=2, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
    ping(client, day.token, VAN, ago_s=30)
    text = client.get(f"{API}/track/{day.code}").text
    for other in day.orders[:2]:
        for value in (other["tracking_code"], other["address"], other["id"], other["postcode"]):
            assert value not in text
        assert other["recipient"]["name"].split()[0] not in text
        assert other["recipient"]["phone"] not in text
    for secret in ("Kowalski", "5550000", "Surname2", "111000", day.driver, day.route, "ABC-123"):
        assert secret not in text
    assert day.orders[2]["id"] not in text
    first = view(client, day.orders[0]["tracking_code"])
    assert first["address"] == "Street 0, Helsinki" and first["recipient_first_name"] == "Person0"


def test_unknown_malformed_and_overlong_codes_are_404_with_one_message(client, day):
    real = day.code
    unknown = "0" * 16 if real != "0" * 16 else "1" * 16
    for code in (unknown, "UUUUUUUUUUUUUUUU", real[:-1], real + "0", "x" * 500, "%3Cscript%3E"):
        response = client.get(f"{API}/track/{code}")
        assert response.status_code == 404, (code, response.text)
        assert response.json()["detail"] == NOT_FOUND
    # What people type: lower case, dashes, O for 0.
    typed = "-".join(real[i : i + 4] for i in range(0, 16, 4)).lower().replace("0", "o")
    assert view(client, typed)["tracking_code"] == real


def test_lookups_past_the_burst_are_429_with_retry_after(client, day):
    # The configured burst (30), refilled too slowly to matter however slow the machine
    # (the refill rate is domain.rate_limit's test, with time as a parameter).
    burst = client.app.state.runtime.settings.track_rate_burst
    client.app.state.track_guard = TrackGuard(burst=burst, per_minute=1e-3)
    for _ in range(30):
        assert client.get(f"{API}/track/{day.code}").status_code == 200
    refused = client.get(f"{API}/track/{'0' * 16}")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "too many tracking lookups" in refused.json()["detail"]
    assert client.get(f"{API}/track/{day.code}/slots").status_code == 429


def test_an_organisation_can_ask_for_the_postcode_and_wrong_guesses_run_out(client, org_a, day):
    settings = {"require_check": "postcode"}
    response = client.put(
        f"{API}/organisation/tracking-settings", json=settings, headers=auth(org_a.admin)
    )
    assert response.status_code == 200, response.text
    missing = client.get(f"{API}/track/{day.code}")
    assert missing.status_code == 403 and "postcode" in missing.json()["detail"]
    wrong = client.get(f"{API}/track/{day.code}", params={"check": "99999"})
    assert wrong.status_code == 403
    assert "Street" not in wrong.text and "00102" not in wrong.text
    assert view(client, day.code, check="00 102")["address"] == "Street 2, Helsinki"
    for _ in range(8):
        client.get(f"{API}/track/{day.code}", params={"check": "11111"})
    locked = client.get(f"{API}/track/{day.code}", params={"check": "00102"})
    assert locked.status_code == 429 and "wrong checks" in locked.json()["detail"]
    assert view(client, day.orders[0]["tracking_code"], check="00100")["status"] == "scheduled"


def test_an_expired_view_holds_only_the_status_and_the_organisation(client, org_a, day):
    start(client, org_a, day)
    long_ago = (datetime.now(UTC) - timedelta(days=15)).isoformat()
    deliver(client, org_a, day, 2, at=long_ago)
    body = view(client, day.code)
    assert body["expired"] is True and body["status"] == "delivered"
    assert body["organisation"]["name"] == "Acme"
    for field in ("address", "recipient_first_name", "window", "destination", "driver"):
        assert body[field] is None, field
    assert body["timeline"] == [] and body["proof"] is None and body["instructions"] is None
    assert body["can_rate"] is False
    assert "Street" not in json.dumps(body)
    rating = client.post(f"{API}/track/{day.code}/rating", json={"stars": 5})
    assert rating.status_code == 409


# -- what the recipient does ------------------------------------------------------------


def test_html_and_script_in_instructions_come_back_as_the_same_text(client, org_a, day):
    text = '<script>alert("x")</script><img src=x onerror=alert(1)> & "quotes"'
    body = {"text": text, "gate_code": "<b>1234</b>", "dog_warning": True, "safe_place": "porch"}
    response = client.put(f"{API}/track/{day.code}/instructions", json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    got = view(client, day.code)["instructions"]
    assert got == {**body, "editable": True}
    assert got["text"] == text
    order = client.get(f"{API}/orders/{day.orders[2]['id']}", headers=auth(org_a.admin)).json()
    assert (order["instructions"], order["gate_code"], order["dog_warning"]) == (
        text,
        "<b>1234</b>",
        True,
    )
    timeline = view(client, day.code)["timeline"]
    assert timeline[-1]["kind"] == "instructions_changed" and timeline[-1]["reason"] is None
    assert "script" not in json.dumps(timeline)


def test_instructions_after_the_driver_arrived_are_409(client, org_a, day):
    start(client, org_a, day)
    _post(client, org_a.dispatcher, f"/routes/{day.route}/stops/{day.stops[2]}/arrive")
    assert view(client, day.code)["instructions"]["editable"] is False
    response = client.put(f"{API}/track/{day.code}/instructions", json={"text": "ring twice"})
    assert response.status_code == 409 and "arrived" in response.json()["detail"]
    _post(
        client,
        org_a.dispatcher,
        f"/routes/{day.route}/stops/{day.stops[2]}/complete",
        {"outcome": "delivered"},
    )
    after = client.put(f"{API}/track/{day.code}/instructions", json={"text": "ring twice"})
    assert after.status_code == 409 and "delivered" in after.json()["detail"]


def test_a_delivered_order_is_rated_once_and_operators_read_the_rating(client, org_a, day):
    early = client.post(f"{API}/track/{day.code}/rating", json={"stars": 4})
    assert early.status_code == 409 and "once delivered" in early.json()["detail"]
    start(client, org_a, day)
    deliver(client, org_a, day, 2)
    rating = {
        "stars": 4,
        "comment": "<b>thanks</b>",
        "on_time": True,
        "courteous": True,
        "package_ok": False,
    }
    response = client.post(f"{API}/track/{day.code}/rating", json=rating)
    assert response.status_code == 201, response.text
    assert response.json()["at"].endswith("+02:00")
    again = client.post(f"{API}/track/{day.code}/rating", json={"stars": 1})
    assert again.status_code == 409 and "already been rated" in again.json()["detail"]
    shown = view(client, day.code)
    assert {k: shown["rating"][k] for k in rating} == rating and shown["can_rate"] is False
    order_id = day.orders[2]["id"]
    stored = client.get(f"{API}/orders/{order_id}/rating", headers=auth(org_a.viewer))
    assert stored.status_code == 200
    assert {k: stored.json()[k] for k in rating} == rating
    unrated = client.get(f"{API}/orders/{day.orders[0]['id']}/rating", headers=auth(org_a.viewer))
    assert unrated.status_code == 404
    bad = client.post(f"{API}/track/{day.code}/rating", json={"stars": 6, "comment": "x" * 1001})
    assert bad.status_code == 422


def _slot(day_: date, start: str, end: str) -> dict[str, str]:
    def at(clock: str) -> str:
        return datetime.combine(
            day_, datetime.strptime(clock, "%H:%M").time(), HELSINKI
        ).isoformat()

    return {"window_start": at(start), "window_end": at(end)}


def test_reschedule_offers_open_slots_and_refuses_past_or_full_ones_with_422(client, org_a, day):
    settings = {
        "reschedule_slots": [["09:00", "12:00"]],
        "reschedule_days_ahead": 2,
        "reschedule_slot_capacity": 1,
    }
    response = client.put(
        f"{API}/organisation/tracking-settings", json=settings, headers=auth(org_a.admin)
    )
    assert response.status_code == 200, response.text
    today = datetime.now(HELSINKI).date()
    tomorrow, after = today + timedelta(days=1), today + timedelta(days=2)
    full = _slot(tomorrow, "09:00", "12:00")
    create_order(client, org_a.admin, **full)  # fills tomorrow's slot
    offered = client.get(f"{API}/track/{day.code}/slots").json()
    assert offered["timezone"] == "Europe/Helsinki"
    starts = [s["start"] for s in offered["slots"]]
    assert full["window_start"] not in starts
    assert _slot(after, "09:00", "12:00")["window_start"] in starts

    past = client.post(
        f"{API}/track/{day.code}/reschedule",
        json=_slot(today - timedelta(days=1), "09:00", "12:00"),
    )
    assert past.status_code == 422 and "already begun" in past.json()["detail"]
    taken = client.post(f"{API}/track/{day.code}/reschedule", json=full)
    assert taken.status_code == 422 and "full" in taken.json()["detail"]
    odd = client.post(f"{API}/track/{day.code}/reschedule", json=_slot(after, "10:00", "11:00"))
    assert odd.status_code == 422 and "not one of the offered slots" in odd.json()["detail"]

    chosen = _slot(after, "09:00", "12:00")
    moved = client.post(f"{API}/track/{day.code}/reschedule", json=chosen)
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["status"] == "rescheduled" and body["window"]["start"] == chosen["window_start"]
    assert body["driver"] is None and body["vehicle"] is None
    assert body["timeline"][-1]["kind"] == "rescheduled"
    route = client.get(f"{API}/routes/{day.route}", headers=auth(org_a.admin)).json()
    assert day.orders[2]["id"] not in [s["order_id"] for s in route["stops"]]


def test_a_neighbour_request_reaches_the_instructions_and_the_timeline(client, org_a, day):
    client.put(f"{API}/track/{day.code}/instructions", json={"text": "by the back door"})
    response = client.post(
        f"{API}/track/{day.code}/reschedule", json={"neighbour": "Virtanen / flat 12"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["instructions"]["text"] == "Leave with neighbour: Virtanen / flat 12\nby the back door"
    )
    assert body["timeline"][-1]["kind"] == "neighbour_requested"
    assert body["status"] == "scheduled"
    both = client.post(
        f"{API}/track/{day.code}/reschedule",
        json={"neighbour": "x", **_slot(date(2030, 1, 1), "09:00", "12:00")},
    )
    assert both.status_code == 422


def test_tracking_settings_have_defaults_are_validated_and_replaced_whole(client, org_a):
    url = f"{API}/organisation/tracking-settings"
    body = client.get(url, headers=auth(org_a.viewer)).json()
    assert body["org_id"] == str(org_a.id)
    assert body["show_vehicle_from_stops_away"] == 3
    assert body["access_days_after_delivery"] == 14
    assert body["require_check"] == "none" and body["show_driver_photo"] is False
    for bad in (
        {"brand_colour": "red"},
        {"logo_url": "javascript:alert(1)"},
        {"require_check": "birthday"},
        {"reschedule_days_ahead": 15},
        {"reschedule_slots": [["12:00", "09:00"]]},
        {"show_vehicle_from_stops_away": -1},
        {"typo": 1},
    ):
        response = client.put(url, json=bad, headers=auth(org_a.admin))
        assert response.status_code == 422, bad
    changed = client.put(url, json={"show_driver_photo": True}, headers=auth(org_a.admin)).json()
    assert changed["show_driver_photo"] is True and changed["brand_colour"] == "#1a56db"
    assert client.put(url, json={}, headers=auth(org_a.dispatcher)).status_code == 403


def test_the_driver_photo_and_brand_show_when_the_organisation_enables_them(client, org_a, day):
    settings = {
        "show_driver_photo": True,
        "brand_colour": "#ff6600",
        "logo_url": "https://acme.test/logo.png",
    }
    client.put(f"{API}/organisation/tracking-settings", json=settings, headers=auth(org_a.admin))
    body = view(client, day.code)
    assert body["driver"] == {"first_name": "Dana", "photo_url": "https://x.test/d.jpg"}
    assert body["organisation"]["colour"] == "#ff6600"
    assert body["organisation"]["logo_url"] == "https://acme.test/logo.png"


# -- the live stream --------------------------------------------------------------------


class Stream:
    """Reads an SSE response in a thread: views arrive in a queue, comments are counted."""

    def __init__(self, url: str) -> None:
        self.items: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.comments = 0
        self.client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        self.response = self.client.send(self.client.build_request("GET", url), stream=True)
        self.status = self.response.status_code
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event = "message"
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.comments += 1
                elif line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.items.put((event, json.loads(line.removeprefix("data: "))))
                    event = "message"
        except (httpx.HTTPError, RuntimeError):
            pass

    def next_view(self, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            kind, data = self.items.get(timeout=max(0.01, deadline - time.monotonic()))
            if kind == "view":
                return dict(data)

    def views_within(self, seconds: float) -> list[dict[str, Any]]:
        time.sleep(seconds)
        got = []
        while not self.items.empty():
            kind, data = self.items.get_nowait()
            if kind == "view":
                got.append(data)
        return got

    def close(self) -> None:
        self.response.close()
        self.client.close()


def test_the_stream_sends_the_van_when_a_fix_arrives_and_nothing_for_a_hidden_position(
    client, org_a, db, day, server, monkeypatch
):
    monkeypatch.setattr(db.settings, "track_stream_keepalive_s", 0.3)
    start(client, org_a, day)
    set_eta(db, day.stops[2], away=5, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
    stream = Stream(f"{server}{API}/track/{day.code}/events")
    try:
        assert stream.status == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        first = stream.next_view()
        assert first["tracking_code"] == day.code and first["vehicle_position"] is None

        ping(client, day.token, VAN, ago_s=30)  # 5 stops away: not shown, nothing sent
        assert stream.views_within(1.0) == []
        assert stream.comments >= 1, "keepalive comments while nothing happens"

        set_eta(db, day.stops[2], away=2, eta=datetime(2026, 11, 27, 9, 40, tzinfo=UTC))
        db.bus.publish(Event(str(org_a.id), "eta.updated", {"route_id": day.route}))
        visible = stream.next_view()
        assert visible["stops_away"] == 2
        assert visible["vehicle_position"]["lat"] == round(VAN[0], 4)

        ping(client, day.token, VAN_LATER, ago_s=10)  # a fix of the van arrives
        moved = stream.next_view()
        assert moved["vehicle_position"]["lat"] == round(VAN_LATER[0], 4)
        assert moved["path"]

        # Another order's events and another van's fixes do not reach this stream.
        db.bus.publish(Event(str(org_a.id), "order.updated", {"order_id": day.orders[0]["id"]}))
        db.bus.publish(
            Event(
                str(org_a.id),
                "vehicle.position",
                {"vehicle_id": str(uuid.uuid4()), "lat": 1.0, "lon": 2.0},
            )
        )
        assert stream.views_within(0.5) == []

        deliver(client, org_a, day, 2)
        delivered = stream.next_view()
        while delivered["status"] != "delivered":
            delivered = stream.next_view()
        assert delivered["vehicle_position"] is None and delivered["path"] is None
    finally:
        stream.close()


def test_the_stream_of_an_unknown_code_is_404(server):
    response = httpx.get(f"{server}{API}/track/{'0' * 16}/events", timeout=10)
    assert response.status_code == 404 and response.json()["detail"] == NOT_FOUND

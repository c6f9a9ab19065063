"""Shared fixtures: the same suite runs on SQLite and on PostgreSQL.

Every test that touches the database runs once per backend (``[sqlite]``,
``[postgresql]``). PostgreSQL is found at ``DOORSTEP_TEST_POSTGRES_URL`` (default: the
local server, user postgres); a fresh database is made for the run and dropped after.
Where no PostgreSQL answers, its half is skipped with the reason, unless
``DOORSTEP_REQUIRE_POSTGRES=1`` (as in CI) turns that into a failure.

Personas: an admin, a dispatcher, a viewer and a driver of organisation A, and the
admin of organisation B, an outsider who must see nothing of A.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from doorstep.api.app import create_app
from doorstep.api.track_limits import TrackGuard
from doorstep.config import load_settings
from doorstep.domain.principal import system
from doorstep.domain.roles import Role
from doorstep.schemas.accounts import ApiKeyCreate, UserCreate
from doorstep.schemas.fleet import DriverCreate
from doorstep.services import accounts, resources
from doorstep.storage.schema import migrate
from doorstep.storage.tables import Base
from doorstep.wiring import Runtime, build_runtime

# Production strength is argon2's job; the suite only needs hashes that verify.
accounts.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))

POSTGRES_URL = os.environ.get(
    "DOORSTEP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("DOORSTEP_REQUIRE_POSTGRES") == "1"
BACKENDS = [
    b.strip() for b in os.environ.get("DOORSTEP_TEST_BACKENDS", "sqlite,postgresql").split(",")
]


def _postgres_database() -> Iterator[str]:
    admin_url = make_url(POSTGRES_URL)
    name = f"doorstep_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL at {admin_url.render_as_string()} is not reachable: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'doorstep.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(params=BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own, for tests of migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def runtime(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data_dir = tmp_path_factory.mktemp("data")
    settings = load_settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        workers=False,  # tests run the workers they test themselves
    )
    rt = build_runtime(settings)
    migrate(rt.engine)
    yield rt
    rt.close()


@pytest.fixture
def db(runtime: Runtime) -> Iterator[Runtime]:
    """The runtime with every table emptied, so each test starts from nothing."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with runtime.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    # An earlier test may have built the road network, which binds its legal limits
    # to the speeding detector; each test starts with the organisation's own rules.
    runtime.tracker.use_speed_limits(None)
    yield runtime


@pytest.fixture
def client(db: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(db), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Org:
    id: uuid.UUID
    slug: str
    admin: str
    dispatcher: str
    viewer: str
    driver: str
    driver_id: uuid.UUID
    admin_email: str
    admin_password: str


ORG_ZONE = ZoneInfo("Europe/Helsinki")  # every test organisation's (make_org)


def org_today() -> date:
    """Today where the test organisations are, as the API computes it: from 22:00 UTC
    (21:00 in summer) it is already tomorrow in Helsinki."""
    return datetime.now(ORG_ZONE).date()


def make_org(runtime: Runtime, name: str) -> Org:
    password = "correct horse battery"
    email = f"admin-{uuid.uuid4().hex[:8]}@{name.lower()}.test"
    with runtime.sessions.begin() as session:
        org, _admin, admin_key = accounts.create_organisation(
            session, name, email, admin_password=password, timezone=ORG_ZONE.key
        )
        actor = system(org.id)
        keys = {}
        for role in (Role.DISPATCHER, Role.VIEWER):
            _, keys[role] = accounts.create_api_key(
                session, actor, ApiKeyCreate(name=role.value, role=role)
            )
        driver_user = accounts.create_user(
            session,
            actor,
            UserCreate(
                email=f"driver-{uuid.uuid4().hex[:8]}@{name.lower()}.test",
                name="Dana",
                role=Role.DRIVER,
                password=password,
            ),
        )
        driver = resources.create(
            session, actor, resources.DRIVERS, DriverCreate(name="Dana", user_id=driver_user.id)
        )
        _, keys[Role.DRIVER] = accounts.create_api_key(
            session, actor, ApiKeyCreate(name="driver", role=Role.DRIVER, user_id=driver_user.id)
        )
        return Org(
            id=org.id,
            slug=org.slug,
            admin=admin_key,
            dispatcher=keys[Role.DISPATCHER],
            viewer=keys[Role.VIEWER],
            driver=keys[Role.DRIVER],
            driver_id=driver.id,
            admin_email=email,
            admin_password=password,
        )


def load_van(client: Any, org: Org, route_id: str) -> None:
    """Every parcel of the route scanned onto the van, as a route needs before it starts
    (the depot's scanner, through the API)."""
    status = client.get(f"/api/v1/routes/{route_id}/load-status", headers=auth(org.admin))
    assert status.status_code == 200, status.text
    scans = [{"label": p["label"]} for p in status.json()["parcels"] if p["state"] == "unscanned"]
    if scans:
        loaded = client.post(
            f"/api/v1/routes/{route_id}/load-scans",
            json={"scans": scans},
            headers=auth(org.dispatcher),
        )
        assert loaded.status_code == 200, loaded.text


def add_driver(runtime: Runtime, org: Org, name: str) -> tuple[str, uuid.UUID]:
    """Another driver of the organisation with an account: (their API key, driver id)."""
    with runtime.sessions.begin() as session:
        actor = system(org.id)
        user = accounts.create_user(
            session,
            actor,
            UserCreate(
                email=f"driver-{uuid.uuid4().hex[:8]}@{org.slug}.test",
                name=name,
                role=Role.DRIVER,
                password=org.admin_password,
            ),
        )
        driver = resources.create(
            session, actor, resources.DRIVERS, DriverCreate(name=name, user_id=user.id)
        )
        _, key = accounts.create_api_key(
            session, actor, ApiKeyCreate(name=name, role=Role.DRIVER, user_id=user.id)
        )
        return key, driver.id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db: Runtime) -> Iterator[str]:
    """The app served by a real uvicorn on a free port, sharing the test runtime (its
    database and bus) with the ``client`` the tests act through: Server-Sent Events and
    browsers need a real server (the in-process client buffers a stream)."""
    port = free_port()
    app = create_app(db)
    app.state.track_guard = TrackGuard(burst=10_000, per_minute=60_000)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)


@pytest.fixture
def org_a(db: Runtime) -> Org:
    return make_org(db, "Acme")


@pytest.fixture
def org_b(db: Runtime) -> Org:
    return make_org(db, "Brightside")


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_ref": f"REF-{uuid.uuid4().hex[:8]}",
        "recipient": {
            "name": "Ann Example",
            "phone": "+358 40 1234567",
            "email": "ann@example.com",
        },
        "address": "Mannerheimintie 1, Helsinki",
        "location": {"lat": 60.1699, "lon": 24.9384},
        "window_start": "2026-11-27T10:00:00+02:00",
        "window_end": "2026-11-27T12:00:00+02:00",
        "service_minutes": 4,
        "notes": "fragile",
    }
    body.update(overrides)
    return body


def create_order(client: TestClient, key: str, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/orders", json=order_body(**overrides), headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()


FIXTURES = Path(__file__).parent / "fixtures"

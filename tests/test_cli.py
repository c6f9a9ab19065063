"""The real `doorstep` command, run as a subprocess: one readable line per failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, text

from doorstep.api.app import create_app
from doorstep.config import load_settings
from doorstep.wiring import Runtime, build_runtime
from tests.conftest import auth

DOORSTEP = Path(sys.executable).parent / "doorstep"
if not DOORSTEP.exists():  # pragma: no cover - a venv always has it beside python
    DOORSTEP = Path(shutil.which("doorstep") or "doorstep")

GOOD_CSV = (
    "recipient_name,address,lat,lon,external_ref,notes\n"
    'Ann,"Testikatu 1, Helsinki",60.17,24.94,CLI-1,"ring, then wait"\n'
    "Bo,Testikatu 2,60.18,24.95,CLI-2,\n"
)
BAD_CSV = (
    "recipient_name,address,lat,lon,external_ref\n"
    "Ann,Testikatu 1,60.17,24.94,CLI-1\n"
    "Bo,Testikatu 2,60.18,24.95,CLI-2\n"
    "Cy,Testikatu 3,91,24.96,CLI-3\n"
)


class Cli:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.cwd = tmp_path
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
        self.env["DOORSTEP_DATA_DIR"] = str(tmp_path / "data")
        self.env["DOORSTEP_DATABASE_URL"] = database_url

    def __call__(
        self, *args: str, database_url: str | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if database_url is not None:
            env["DOORSTEP_DATABASE_URL"] = database_url
        return subprocess.run(
            [str(DOORSTEP), *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def runtime(self) -> Runtime:
        return build_runtime(
            load_settings(
                data_dir=self.cwd / "data",
                database_url=self.database_url,
                secret_key="cli-test-secret-" + "x" * 32,
            )
        )


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'cli.db'}")


@pytest.fixture
def migrated(cli: Cli) -> Cli:
    assert cli("migrate").returncode == 0
    return cli


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exactly one line on stderr and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("doorstep: error: ")
    return lines[0]


def create_org(cli: Cli, name: str = "Acme Deliveries", email: str = "boss@acme.test") -> str:
    result = cli("org", "create", name, "--admin-email", email)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def api(cli: Cli) -> Iterator[TestClient]:
    runtime = cli.runtime()
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        yield client
    runtime.close()


def test_migrate_creates_the_schema(cli):
    result = cli("migrate")
    assert result.returncode == 0, result.stderr
    assert "is at schema" in result.stdout
    engine = create_engine(cli.database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"alembic_version", "organisations", "orders", "order_events"} <= tables


def test_migrate_twice_is_harmless(migrated):
    again = migrated("migrate")
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""


def test_serve_on_an_unmigrated_database_says_to_run_migrate(cli):
    line = one_line_error(cli("serve"))
    assert "run `doorstep migrate`" in line


def test_commands_needing_the_schema_say_to_run_migrate(cli, tmp_path):
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    assert "doorstep migrate" in one_line_error(cli("org", "create", "X", "--admin-email", "a@b.c"))
    assert "doorstep migrate" in one_line_error(
        cli("import", "orders", str(tmp_path / "orders.csv"), "--org", "x")
    )


def test_serve_on_a_newer_schema_says_so(migrated):
    engine = create_engine(migrated.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    finally:
        engine.dispose()
    line = one_line_error(migrated("serve"))
    assert "9999_from_the_future" in line and "newer" in line
    assert "newer" in one_line_error(migrated("migrate"))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://x", "DOORSTEP_DATABASE_URL: database 'mysql' is not supported"),
        ("garbage", "DOORSTEP_DATABASE_URL: 'garbage' is not a database URL"),
        ("postgresql://u@127.0.0.1:1/x", "cannot reach the database at"),
    ],
)
@pytest.mark.parametrize("command", ["migrate", "serve"])
def test_wrong_database_url_is_one_readable_line(cli, url, says, command):
    line = one_line_error(cli(command, database_url=url))
    assert says in line


def test_sqlite_file_that_cannot_be_opened_is_one_readable_line(cli, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    line = one_line_error(cli("migrate", database_url=f"sqlite:///{blocker / 'x.db'}"))
    assert "cannot open the database" in line


def test_unreachable_redis_is_one_readable_line(cli):
    cli.env["DOORSTEP_REDIS_URL"] = "redis://127.0.0.1:1/0"
    assert "cannot reach Redis at redis://127.0.0.1:1/0" in one_line_error(cli("migrate"))


def test_bad_setting_names_its_variable(cli):
    cli.env["DOORSTEP_LOG_FORMAT"] = "xml"
    assert "DOORSTEP_LOG_FORMAT" in one_line_error(cli("migrate"))


def test_org_create_prints_the_admin_key_last_and_it_works(migrated, api):
    result = migrated("org", "create", "Acme Deliveries", "--admin-email", "boss@acme.test")
    assert result.returncode == 0, result.stderr
    assert "slug acme-deliveries" in result.stdout
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("dsk_") and " " not in key
    me = api.get("/api/v1/organisation", headers=auth(key))
    assert me.status_code == 200, me.text
    assert me.json()["name"] == "Acme Deliveries"
    assert api.get("/api/v1/orders", headers=auth(key)).status_code == 200
    assert api.get("/api/v1/orders", headers=auth(key + "x")).status_code == 401


def test_second_org_with_the_same_name_gets_its_own_slug(migrated):
    create_org(migrated)
    result = migrated("org", "create", "Acme Deliveries", "--admin-email", "other@acme.test")
    assert result.returncode == 0, result.stderr
    assert "slug acme-deliveries-2" in result.stdout


def test_org_create_with_a_bad_email_is_one_line(migrated):
    line = one_line_error(migrated("org", "create", "Acme", "--admin-email", "not-an-email"))
    assert "email" in line


def test_org_create_with_a_bad_timezone_is_one_line(migrated):
    line = one_line_error(
        migrated("org", "create", "Acme", "--admin-email", "a@acme.test", "--timezone", "Mars/Base")
    )
    assert "timezone" in line and "Mars/Base" in line


def test_org_create_with_a_blank_name_is_one_line(migrated):
    assert "name" in one_line_error(migrated("org", "create", "  ", "--admin-email", "a@b.test"))


def test_import_orders_creates_them_in_the_organisation(migrated, api, tmp_path):
    key = create_org(migrated)
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    result = migrated("import", "orders", str(tmp_path / "orders.csv"), "--org", "acme-deliveries")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported 2 orders into acme-deliveries"
    orders = api.get("/api/v1/orders", headers=auth(key)).json()
    assert sorted(o["external_ref"] for o in orders["items"]) == ["CLI-1", "CLI-2"]
    assert {o["notes"] for o in orders["items"]} == {"ring, then wait", None}


def test_import_with_a_bad_row_names_line_and_field_and_imports_nothing(migrated, api, tmp_path):
    key = create_org(migrated)
    (tmp_path / "orders.csv").write_text(BAD_CSV)
    result = migrated("import", "orders", str(tmp_path / "orders.csv"), "--org", "acme-deliveries")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("line 4: lat: ")
    assert "nothing was imported" in result.stderr
    assert api.get("/api/v1/orders", headers=auth(key)).json()["total"] == 0


def test_import_of_a_ref_already_in_the_organisation_is_one_line(migrated, api, tmp_path):
    key = create_org(migrated)
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    args = ("import", "orders", str(tmp_path / "orders.csv"), "--org", "acme-deliveries")
    assert migrated(*args).returncode == 0
    assert "CLI-1" in one_line_error(migrated(*args))
    assert api.get("/api/v1/orders", headers=auth(key)).json()["total"] == 2


def test_import_into_an_unknown_org_is_one_line(migrated, tmp_path):
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    line = one_line_error(
        migrated("import", "orders", str(tmp_path / "orders.csv"), "--org", "nobody")
    )
    assert "no organisation with slug 'nobody'" in line


def test_import_of_a_missing_file_is_one_line(migrated, tmp_path):
    line = one_line_error(
        migrated("import", "orders", str(tmp_path / "nope.csv"), "--org", "acme-deliveries")
    )
    assert "cannot read" in line and "nope.csv" in line


def test_migrate_org_and_import_on_the_test_database(db, database_url, tmp_path):
    """The same commands against the suite's database: SQLite and PostgreSQL."""
    cli = Cli(tmp_path, database_url)
    assert cli("migrate").returncode == 0
    key = create_org(cli, "Cli Test Org", "cli@org.test")
    (tmp_path / "orders.csv").write_text(GOOD_CSV)
    imported = cli("import", "orders", str(tmp_path / "orders.csv"), "--org", "cli-test-org")
    assert imported.returncode == 0, imported.stderr
    (tmp_path / "bad.csv").write_text(BAD_CSV.replace("CLI-", "OTHER-"))
    assert cli("import", "orders", str(tmp_path / "bad.csv"), "--org", "cli-test-org").returncode
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        orders = client.get("/api/v1/orders", headers=auth(key))
        assert orders.status_code == 200, orders.text
        assert orders.json()["total"] == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz_on_a_migrated_database(migrated):
    port = free_port()
    process = subprocess.Popen(
        [str(DOORSTEP), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=migrated.cwd,
        env=migrated.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        answer = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    answer = (r.status, r.read())
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert process.poll() is None, process.communicate()
        assert answer == (200, b'{"status":"ok"}')
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
            assert r.status == 200
    finally:
        process.terminate()
        try:
            out, err = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    assert f"Doorstep on http://127.0.0.1:{port}" in out
    assert "Traceback" not in err


def test_serve_takes_osmand_fixes_at_the_root_of_its_own_port(migrated):
    import json as _json

    key = (
        migrated("org", "create", "Ports", "--admin-email", "p@ports.test")
        .stdout.strip()
        .splitlines()[-1]
    )
    port, osmand = free_port(), free_port()
    process = subprocess.Popen(
        [str(DOORSTEP), "serve", "--port", str(port), "--osmand-port", str(osmand)],
        cwd=migrated.cwd,
        env=migrated.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{osmand}/?id=x", timeout=1)
            except urllib.error.HTTPError:
                break  # up: it answered (404 for an unknown device)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)

        def call(url: str, body: dict | None = None) -> dict:
            data = None if body is None else _json.dumps(body).encode()
            request = urllib.request.Request(
                url,
                data=data,
                headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=5) as r:
                return _json.loads(r.read() or b"null")

        vehicle = call(f"http://127.0.0.1:{port}/api/v1/vehicles", {"name": "Van"})
        call(
            f"http://127.0.0.1:{port}/api/v1/devices",
            {"identifier": "imei-5055", "vehicle_id": vehicle["id"]},
        )
        with urllib.request.urlopen(
            f"http://127.0.0.1:{osmand}/?id=imei-5055&lat=60.17&lon=24.94&timestamp=1504763810",
            timeout=5,
        ) as r:
            assert r.status == 200
        fixes = call(
            f"http://127.0.0.1:{port}/api/v1/vehicles/{vehicle['id']}/positions"
            "?since=2017-01-01T00:00:00Z&until=2018-01-01T00:00:00Z"
        )
        assert [f["time"] for f in fixes] == ["2017-09-07T05:56:50+00:00"]
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_demo_with_a_missing_road_network_is_one_readable_line(cli, tmp_path):
    result = cli("demo", "--road-network", str(tmp_path / "nowhere.osm.pbf"))
    assert "--road-network: no such file" in one_line_error(result)


def test_demo_with_a_bad_scenario_is_one_readable_line(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"gps": {"interval_s": "often"}}')
    result = cli("demo", "--scenario", str(bad), "--data-dir", str(tmp_path / "d"))
    assert "interval_s" in one_line_error(result)

"""The OSRM adapter against a real ``osrm-routed`` built from monaco.osm.pbf.

The OSRM binaries come from the ``osrm-bindings`` wheel (its Python part needs 3.12,
but the bundled ``osrm-extract``/``osrm-partition``/``osrm-customize``/``osrm-routed``
are plain Linux executables). They are looked for in ``DOORSTEP_TEST_OSRM_BIN``, then
``/opt/osrm/osrm/bin`` and ``/tmp/osrmwheel/x/osrm/bin``, then on ``PATH``; the car
profile beside them at ``../share/profiles/car.lua`` (or ``DOORSTEP_TEST_OSRM_PROFILE``).
Without them the real-server tests skip with that reason, unless
``DOORSTEP_REQUIRE_OSRM=1`` makes it a failure. The error tests need no OSRM.
"""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.roads.base import RoadsUnavailable
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.osrm import OsrmProvider

KNOWN_BIN_DIRS = [Path("/opt/osrm/osrm/bin"), Path("/tmp/osrmwheel/x/osrm/bin")]
TOOLS = ("osrm-extract", "osrm-partition", "osrm-customize", "osrm-routed")
SERVER_TABLE_SIZE = 100


def find_osrm() -> tuple[Path, Path] | str:
    """(bin dir, car.lua), or the reason they were not found."""
    dirs = (
        [Path(os.environ["DOORSTEP_TEST_OSRM_BIN"])]
        if os.environ.get("DOORSTEP_TEST_OSRM_BIN")
        else []
    )
    dirs += KNOWN_BIN_DIRS
    on_path = shutil.which("osrm-routed")
    if on_path:
        dirs.append(Path(on_path).parent)
    for folder in dirs:
        if all(os.access(folder / tool, os.X_OK) for tool in TOOLS):
            profile = Path(
                os.environ.get("DOORSTEP_TEST_OSRM_PROFILE")
                or folder.parent / "share" / "profiles" / "car.lua"
            )
            if profile.is_file():
                return folder, profile
            return f"OSRM binaries in {folder} but no car profile at {profile}"
    return (
        "OSRM binaries not found (set DOORSTEP_TEST_OSRM_BIN to the folder holding "
        f"{', '.join(TOOLS)}; looked in {', '.join(str(d) for d in dirs)})"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def osrm_url(osm_dir, tmp_path_factory) -> Iterator[str]:
    found = find_osrm()
    if isinstance(found, str):
        if os.environ.get("DOORSTEP_REQUIRE_OSRM") == "1":
            pytest.fail(found)
        pytest.skip(found)
    bin_dir, profile = found
    work = tmp_path_factory.mktemp("osrm")
    pbf = Path(shutil.copy(osm_dir / "monaco.osm.pbf", work / "monaco.osm.pbf"))
    log = (work / "osrm.log").open("w")
    for args in (
        ["osrm-extract", "-p", str(profile), "-t", "1", str(pbf)],
        ["osrm-partition", str(work / "monaco.osrm")],
        ["osrm-customize", str(work / "monaco.osrm")],
    ):
        done = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
        assert done.returncode == 0, f"{args[0]} failed; see {work / 'osrm.log'}"
    port = free_port()
    server = subprocess.Popen(
        [
            str(bin_dir / "osrm-routed"),
            "--algorithm",
            "mld",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--max-table-size",
            str(SERVER_TABLE_SIZE),
            str(work / "monaco.osrm"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not port_open(port):
            assert server.poll() is None, f"osrm-routed exited; see {work / 'osrm.log'}"
            assert time.monotonic() < deadline, "osrm-routed did not listen within 20 s"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def points(monaco) -> list[LatLon]:
    idx = np.random.default_rng(21).choice(monaco.node_count, 60, replace=False)
    return [LatLon(float(monaco.lat[i]), float(monaco.lon[i])) for i in idx]


def test_osrm_durations_are_of_the_same_magnitude_as_the_embedded_ones(osrm_url, monaco, points):
    with_osrm = OsrmProvider(osrm_url).matrix(points[:20])
    embedded = EmbeddedProvider(monaco).matrix(points[:20])
    off = ~np.eye(20, dtype=bool)
    assert np.all(np.isfinite(with_osrm.seconds)) and np.all(np.diag(with_osrm.seconds) == 0)
    ratio = with_osrm.seconds[off] / embedded.seconds[off]
    assert 0.5 < np.median(ratio) < 2.0
    metres_ratio = with_osrm.metres[off] / embedded.metres[off]
    assert 0.8 < np.median(metres_ratio) < 1.25


def test_a_table_bigger_than_the_server_allows_is_asked_for_in_blocks(osrm_url, points):
    in_blocks = OsrmProvider(osrm_url, max_table_size=SERVER_TABLE_SIZE).matrix(points)
    small = OsrmProvider(osrm_url).matrix(points[:10], points[40:])
    assert in_blocks.seconds.shape == (60, 60)
    assert np.array_equal(in_blocks.seconds[:10, 40:], small.seconds)


def test_the_servers_own_refusal_is_reported_with_its_code(osrm_url, points):
    too_big = OsrmProvider(osrm_url, max_table_size=1000)
    with pytest.raises(RoadsUnavailable, match="TooBig"):
        too_big.matrix([*points, *points])


def test_an_osrm_route_agrees_with_its_table_and_follows_the_road(osrm_url, points):
    provider = OsrmProvider(osrm_url)
    a, b = points[0], points[1]
    route = provider.route(a, b)
    table = provider.matrix([a], [b])
    assert route.seconds == pytest.approx(table.seconds[0, 0], rel=0.02, abs=1.0)
    assert route.metres == pytest.approx(table.metres[0, 0], rel=0.02, abs=5.0)
    assert len(route.geometry) >= 2
    assert haversine_m(route.geometry[0], a) < 50


def test_osrm_snaps_a_point_near_the_road_to_the_road(osrm_url, points):
    snapped = OsrmProvider(osrm_url).snap([points[3]])[0]
    assert snapped.distance_m < 30 and haversine_m(snapped.point, points[3]) < 30


def test_a_server_that_is_down_is_reported_by_address():
    port = free_port()
    provider = OsrmProvider(f"http://127.0.0.1:{port}", timeout_s=2)
    with pytest.raises(
        RoadsUnavailable, match=rf"OSRM at http://127.0.0.1:{port} is not reachable"
    ):
        provider.matrix([LatLon(43.73, 7.42), LatLon(43.74, 7.42)])


def test_a_server_that_never_answers_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # accepts connections in the kernel, never replies
        port = listener.getsockname()[1]
        provider = OsrmProvider(f"http://127.0.0.1:{port}", timeout_s=0.3)
        with pytest.raises(RoadsUnavailable, match="did not answer in time"):
            provider.route(LatLon(43.73, 7.42), LatLon(43.74, 7.42))


class NotOsrm(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>Not Found</html>"
        self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_server_that_is_not_osrm_is_reported_with_its_status():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        provider = OsrmProvider(f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(RoadsUnavailable, match="answered 404"):
            provider.snap([LatLon(43.73, 7.42)])
    finally:
        server.shutdown()
        server.server_close()

"""Two dispatchers editing one route: the second edit is refused with what changed since
it read the route, and nothing either of them did is half-applied or lost."""

from __future__ import annotations

import re
import threading

import httpx

from doorstep.api.deps import IF_MATCH_PATTERN
from tests.api.test_planning import DAY, _orders, _planned_day, depot  # noqa: F401
from tests.conftest import auth, create_order


def _route(client, key, n=3):
    orders = [create_order(client, key) for _ in range(n)]
    body = {"name": "Morning", "date": DAY, "stops": [{"order_id": o["id"]} for o in orders]}
    response = client.post("/api/v1/routes", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()


def test_an_edit_on_a_stale_revision_is_refused_with_what_changed(client, org_a):
    route = _route(client, org_a.dispatcher)
    url = f"/api/v1/routes/{route['id']}"
    revision = route["revision"]
    first = client.patch(
        url, json={"name": "Alice's"}, headers={**auth(org_a.dispatcher), "If-Match": str(revision)}
    )
    assert first.status_code == 200, first.text
    assert first.json()["revision"] == revision + 1
    second = client.delete(
        f"{url}/stops/{route['stops'][0]['id']}",
        headers={**auth(org_a.admin), "If-Match": f'"{revision}"'},
    )
    assert second.status_code == 409, second.text
    body = second.json()
    assert "changed since you read it" in body["detail"]
    assert "route updated by dispatcher" in body["detail"]
    assert body["revision"] == revision + 1
    assert [c["reason"] for c in body["changes"]] == ["route updated"]
    assert body["changes"][0]["detail"]["fields"] == ["name"]
    now = client.get(url, headers=auth(org_a.admin)).json()
    assert now["name"] == "Alice's" and len(now["stops"]) == 3  # first kept, second not applied
    # Read again, redo: accepted.
    redo = client.delete(
        f"{url}/stops/{route['stops'][0]['id']}",
        headers={**auth(org_a.admin), "If-Match": str(now["revision"])},
    )
    assert redo.status_code == 200 and len(redo.json()["stops"]) == 2
    history = client.get(f"{url}/changes", headers=auth(org_a.viewer)).json()
    assert [c["reason"] for c in history] == ["route updated", "stop removed"]
    assert [c["revision"] for c in history] == [revision + 1, revision + 2]


def test_without_if_match_the_edit_applies_and_still_counts(client, org_a):
    route = _route(client, org_a.dispatcher)
    url = f"/api/v1/routes/{route['id']}"
    changed = client.patch(url, json={"name": "x"}, headers=auth(org_a.dispatcher))
    assert changed.json()["revision"] == route["revision"] + 1


def test_a_malformed_if_match_is_refused_and_changes_nothing(client, org_a):
    route = _route(client, org_a.dispatcher)
    url = f"/api/v1/routes/{route['id']}"
    for bad in ("abc", "-1", "1.5", "9" * 12):
        response = client.patch(
            url, json={"name": "x"}, headers={**auth(org_a.dispatcher), "If-Match": bad}
        )
        assert response.status_code == 422, bad
        assert "If-Match must be the route's revision" in response.json()["detail"]
        assert not re.match(IF_MATCH_PATTERN, bad), bad  # the document says as much
    assert client.get(url, headers=auth(org_a.admin)).json()["name"] == "Morning"
    for good in ("3", '"3"', 'W/"3"', "*", ""):
        assert re.match(IF_MATCH_PATTERN, good), good


def test_the_api_document_says_what_if_match_takes(client):
    """Undocumented, a client generated from the document sent any text and was refused."""
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    edits = [
        operation
        for path in paths.values()
        for operation in path.values()
        if any(p["name"].lower() == "if-match" for p in operation.get("parameters", []))
    ]
    assert len(edits) >= 5
    for operation in edits:
        header = next(p for p in operation["parameters"] if p["name"].lower() == "if-match")
        assert header["schema"]["pattern"] == IF_MATCH_PATTERN, operation["summary"]


def test_another_organisations_route_is_not_found_with_or_without_a_revision(client, org_a, org_b):
    route = _route(client, org_a.dispatcher)
    url = f"/api/v1/routes/{route['id']}"
    for headers in (auth(org_b.admin), {**auth(org_b.admin), "If-Match": "0"}):
        assert client.patch(url, json={"name": "x"}, headers=headers).status_code == 404
    assert client.get(f"{url}/changes", headers=auth(org_b.admin)).status_code == 404


def test_two_dispatchers_at_once_one_wins_one_is_told(server, org_a):
    """Real concurrency: two requests on the same revision race through a real server."""
    with httpx.Client(base_url=server, timeout=30) as http:
        orders = [
            http.post("/api/v1/orders", json=_body(i), headers=auth(org_a.admin)).json()
            for i in range(4)
        ]
        route = http.post(
            "/api/v1/routes",
            json={"date": DAY, "stops": [{"order_id": o["id"]} for o in orders]},
            headers=auth(org_a.admin),
        ).json()
    results: dict[str, httpx.Response] = {}
    start = threading.Barrier(2)

    def edit(who: str, stop_id: str) -> None:
        with httpx.Client(base_url=server, timeout=30) as http:
            start.wait()
            results[who] = http.delete(
                f"/api/v1/routes/{route['id']}/stops/{stop_id}",
                headers={**auth(org_a.dispatcher), "If-Match": str(route["revision"])},
            )

    threads = [
        threading.Thread(target=edit, args=(name, route["stops"][i]["id"]))
        for i, name in ((0, "a"), (1, "b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results.values())
    assert codes == [200, 409], {k: r.text for k, r in results.items()}
    loser = next(r for r in results.values() if r.status_code == 409).json()
    assert [c["reason"] for c in loser["changes"]] == ["stop removed"]
    with httpx.Client(base_url=server) as http:
        final = http.get(f"/api/v1/routes/{route['id']}", headers=auth(org_a.admin)).json()
    assert len(final["stops"]) == 3 and final["revision"] == route["revision"] + 1


def _body(i: int) -> dict:
    return {
        "recipient": {"name": f"R{i}"},
        "address": f"Street {i}",
        "location": {"lat": 60.17 + i * 0.001, "lon": 24.94},
    }


def test_an_urgent_job_on_options_from_a_changed_route_is_refused(client, org_a, depot):  # noqa: F811
    _planned_day(client, org_a, depot)
    urgent = _orders(client, org_a.admin, 1, seed=99)[0]
    best = client.post(
        "/api/v1/dispatch/options",
        json={"order_id": urgent["id"], "date": DAY, "at": f"{DAY}T08:00:00+02:00"},
        headers=auth(org_a.dispatcher),
    ).json()["options"][0]
    url = f"/api/v1/routes/{best['route_id']}"
    route = client.get(url, headers=auth(org_a.admin)).json()
    assert best["route_revision"] == route["revision"]
    # Meanwhile another dispatcher takes a stop off that route.
    client.delete(f"{url}/stops/{route['stops'][-1]['id']}", headers=auth(org_a.admin))
    assign = client.post(
        "/api/v1/dispatch/assign",
        json={
            "order_id": urgent["id"],
            "route_id": best["route_id"],
            "position": best["position"],
            "at": f"{DAY}T08:00:00+02:00",
        },
        headers={**auth(org_a.dispatcher), "If-Match": str(best["route_revision"])},
    )
    assert assign.status_code == 409, assign.text
    assert assign.json()["changes"][0]["reason"] == "stop removed"
    order = client.get(f"/api/v1/orders/{urgent['id']}", headers=auth(org_a.admin)).json()
    assert order["status"] == "created"  # not half-inserted

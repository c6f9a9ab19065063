"""Health, readiness, metrics, request ids and access logs."""

from __future__ import annotations

import json
import logging

from doorstep import logs
from tests.conftest import auth


def test_healthz_answers_without_auth(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_the_current_schema(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_metrics_count_requests_by_route_template(client, org_a):
    client.get("/api/v1/orders/00000000-0000-0000-0000-000000000000", headers=auth(org_a.admin))
    text = client.get("/metrics").text
    assert "doorstep_http_requests_total" in text
    assert 'route="/api/v1/orders/{order_id}"' in text
    assert "00000000-0000" not in text
    assert "doorstep_http_request_duration_seconds_bucket" in text


def test_every_response_carries_a_request_id_and_errors_repeat_it(client):
    response = client.get("/api/v1/orders")
    assert response.status_code == 401
    assert response.headers["x-request-id"] == response.json()["request_id"]
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    hostile = client.get("/healthz", headers={"X-Request-ID": "a b\nc"})
    assert hostile.headers["x-request-id"] != "a b\nc"


def test_one_json_log_line_per_request(client, capsys):
    logs.configure("json", "INFO")
    try:
        client.get("/healthz", headers={"X-Request-ID": "log-me"})
    finally:
        logging.getLogger().handlers.clear()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "log-me" in line]
    assert len(lines) == 1
    assert lines[0]["request_id"] == "log-me" and lines[0]["status"] == 200
    assert lines[0]["route"] == "/healthz"


def test_unknown_paths_and_methods_answer_json(client):
    assert client.get("/api/v1/nothing-here").json()["detail"].startswith("nothing at")
    response = client.put("/api/v1/orders")
    assert response.status_code == 405
    assert "PUT is not allowed" in response.json()["detail"]


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/orders" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def _small_limit_client(db):
    import dataclasses

    from fastapi.testclient import TestClient

    from doorstep.api.app import create_app

    settings = db.settings.model_copy(update={"max_upload_mb": 1})
    return TestClient(create_app(dataclasses.replace(db, settings=settings)))


def test_an_oversized_body_is_refused_before_it_is_read(db, org_a):
    client = _small_limit_client(db)
    response = client.post(
        "/api/v1/orders/import",
        files={"file": ("big.csv", b"x" * (3 * 1024 * 1024))},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 413
    assert "larger than 2 MiB" in response.json()["detail"]


def test_an_oversized_streamed_body_is_refused_too(db, org_a):
    client = _small_limit_client(db)

    def chunks():
        for _ in range(40):
            yield b" " * 100_000

    response = client.post(
        "/api/v1/orders",
        content=chunks(),
        headers={**auth(org_a.admin), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert client.get("/api/v1/orders", headers=auth(org_a.admin)).json()["total"] == 0

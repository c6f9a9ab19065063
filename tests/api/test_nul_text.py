"""Text holding the NUL character (\\u0000): PostgreSQL cannot store it, SQLite can, so
the same request once worked on one backend and was a 500 on the other, the production
one. A body's text is refused naming the field; what no schema reads (a search, a
tracker's device id) is a 422 on PostgreSQL and finds nothing on SQLite."""

from __future__ import annotations

from tests.conftest import auth, order_body

API = "/api/v1"
NUL_REFUSED = "may not contain the NUL character (\\u0000)"


def test_text_with_nul_in_a_body_is_refused_naming_the_field(client, org_a):
    response = client.post(f"{API}/vehicles", json={"name": "Van\x00 1"}, headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": ["body", "name"], "msg": NUL_REFUSED}]
    body = order_body()
    body["recipient"]["name"] = "Ann\x00"
    body["required_skills"] = []
    body["notes"] = "gate\x00code"
    response = client.post(f"{API}/orders", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    assert {tuple(e["loc"]) for e in response.json()["errors"]} == {
        ("body", "recipient", "name"),
        ("body", "notes"),
    }
    assert client.get(f"{API}/vehicles", headers=auth(org_a.admin)).json()["total"] == 0
    assert client.get(f"{API}/orders", headers=auth(org_a.admin)).json()["total"] == 0


def test_text_with_nul_where_no_schema_reads_it_is_never_a_500(client, org_a, db):
    postgres = db.engine.dialect.name == "postgresql"
    for url, params in (
        (f"{API}/orders", {"q": "a\x00b"}),
        ("/ingest/osmand", {"id": "phone\x00", "lat": "60.1", "lon": "24.9"}),
    ):
        response = client.get(url, params=params, headers=auth(org_a.admin))
        if postgres:
            assert response.status_code == 422, response.text
            assert "may not contain the NUL character" in response.json()["detail"]
        else:
            assert response.status_code < 500, response.text

"""CSV import through the API: every row valid creates all of them, any bad row none."""

from __future__ import annotations

import csv
import dataclasses
import io
import time
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.testclient import TestClient

from doorstep.api.app import create_app
from tests.conftest import auth, create_order

IMPORT = "/api/v1/orders/import"
COLUMNS = [
    "recipient_name",
    "address",
    "lat",
    "lon",
    "external_ref",
    "recipient_phone",
    "recipient_email",
    "window_start",
    "window_end",
    "service_minutes",
    "notes",
    "dog_warning",
]


def row(n: int = 0, **overrides: Any) -> dict[str, Any]:
    values = {
        "recipient_name": f"Recipient {n}",
        "address": f"Testikatu {n % 200 + 1}, Helsinki",
        "lat": f"{60 + (n % 1000) / 10000:.4f}",
        "lon": f"{24.9 + (n % 977) / 10000:.4f}",
        "external_ref": f"R-{n:06d}",
        "recipient_phone": f"+35840{n:07d}",
        "recipient_email": f"r{n}@example.com",
        "window_start": "2026-11-27T10:00:00+02:00",
        "window_end": "2026-11-27T12:00:00+02:00",
        "service_minutes": "4",
        "notes": "",
        "dog_warning": "no",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: Iterable[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns or COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def upload(client: TestClient, key: str, content: bytes) -> Any:
    return client.post(
        IMPORT, files={"file": ("orders.csv", content, "text/csv")}, headers=auth(key)
    )


def order_count(client: TestClient, key: str) -> int:
    return client.get("/api/v1/orders?limit=1", headers=auth(key)).json()["total"]


def errors_of(response: Any) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in response.json().get("errors", [])]


def many_rows(count: int, notes: str = "") -> Iterator[dict[str, Any]]:
    return (row(n, notes=notes) for n in range(count))


def test_valid_file_creates_every_order_with_tracking_codes(client, org_a):
    response = upload(client, org_a.dispatcher, csv_bytes(row(n) for n in range(3)))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] == 3
    assert [o["external_ref"] for o in body["orders"]] == ["R-000000", "R-000001", "R-000002"]
    codes = {o["tracking_code"] for o in body["orders"]}
    assert len(codes) == 3 and all(len(c) == 16 for c in codes)
    assert {o["status"] for o in body["orders"]} == {"created"}
    assert order_count(client, org_a.viewer) == 3


def test_each_imported_order_has_a_created_event(client, org_a):
    orders = upload(client, org_a.admin, csv_bytes(row(n) for n in range(2))).json()["orders"]
    for order in orders:
        events = client.get(
            f"/api/v1/orders/{order['id']}/events", headers=auth(org_a.admin)
        ).json()["items"]
        assert [(e["kind"], e["to_status"]) for e in events] == [("created", "created")]
        assert events[0]["data"] == {"source": "csv import"}


def test_imported_fields_are_stored_as_given(client, org_a):
    content = csv_bytes([row(7, notes="ring twice", dog_warning="yes")])
    order_id = upload(client, org_a.admin, content).json()["orders"][0]["id"]
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth(org_a.admin)).json()
    assert order["recipient"] == {
        "name": "Recipient 7",
        "phone": "+358400000007",
        "email": "r7@example.com",
    }
    assert order["location"] == {"lat": 60.0007, "lon": 24.9007}
    assert order["window_start"] == "2026-11-27T08:00:00+00:00"
    assert order["service_minutes"] == 4
    assert order["notes"] == "ring twice"
    assert order["dog_warning"] is True


def test_only_the_four_required_columns_are_enough(client, org_a):
    content = b"recipient_name,address,lat,lon\nBo,Street 2,60.1,24.9\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 201, response.text
    assert response.json()["created"] == 1


def test_columns_may_come_in_any_order_and_any_case(client, org_a):
    content = b"LON, Lat ,Address,Recipient_Name\n24.9,60.1,Street 2,Bo\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 201, response.text


def test_one_bad_row_rejects_the_whole_file_naming_line_and_field(client, org_a):
    rows = [row(0), row(1, lat="91"), row(2)]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert errors_of(response) == [(3, "lat")]
    assert "nothing was imported" in response.json()["detail"]
    assert order_count(client, org_a.admin) == 0


def test_every_bad_row_and_field_is_listed(client, org_a):
    rows = [row(0, lon="200"), row(1), row(2, recipient_name="", recipient_email="not-an-email")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert sorted(errors_of(response)) == [
        (2, "lon"),
        (4, "recipient_email"),
        (4, "recipient_name"),
    ]


def test_ten_megabyte_file_with_one_bad_row_in_the_middle_imports_nothing(client, org_a):
    count = 70_000
    bad = count // 2
    rows = (row(n, lat="91") if n == bad else row(n) for n in range(count))
    content = csv_bytes(rows)
    assert 9_000_000 < len(content) < 12_000_000
    started = time.monotonic()
    response = upload(client, org_a.admin, content)
    elapsed = time.monotonic() - started
    assert response.status_code == 422, response.text
    assert errors_of(response) == [(bad + 2, "lat")]  # line 1 is the header
    assert "1 problem" in response.json()["detail"]
    assert order_count(client, org_a.admin) == 0
    assert elapsed < 60


def test_twenty_thousand_valid_rows_in_ten_megabytes_are_all_imported(client, org_a):
    content = csv_bytes(many_rows(20_000, notes="deliver to the back door, " * 14))
    assert 9_000_000 < len(content) < 12_000_000
    started = time.monotonic()
    response = upload(client, org_a.admin, content)
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.text[:500]
    assert response.json()["created"] == 20_000
    assert len({o["tracking_code"] for o in response.json()["orders"]}) == 20_000
    assert order_count(client, org_a.admin) == 20_000
    assert elapsed < 90


def test_missing_required_column_is_named(client, org_a):
    content = b"recipient_name,address,lat\nBo,Street 2,60.1\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert "missing required column(s): lon" in response.json()["detail"]
    assert errors_of(response) == [(1, "header")]


def test_unknown_column_is_named_not_ignored(client, org_a):
    content = b"recipient_name,address,lat,lon,adress\nBo,Street 2,60.1,24.9,typo\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert "unknown column(s): adress" in response.json()["detail"]
    assert order_count(client, org_a.admin) == 0


def test_repeated_column_is_named(client, org_a):
    content = b"recipient_name,address,lat,lon,lat\nBo,Street 2,60.1,24.9,61\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert "repeated column(s): lat" in response.json()["detail"]


def test_row_with_the_wrong_number_of_cells_is_named(client, org_a):
    content = b"recipient_name,address,lat,lon\nBo,Street 2,60.1,24.9\nAl,Street 3,60.2\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert errors_of(response) == [(3, "*")]
    assert "has 3 cells, the header has 4" in response.json()["errors"][0]["message"]


def test_duplicate_external_ref_in_the_file_names_both_lines(client, org_a):
    rows = [row(0, external_ref="DUP"), row(1), row(2, external_ref="DUP")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (4, "external_ref")
    assert "DUP is already used on line 2" in error["message"]
    assert order_count(client, org_a.admin) == 0


def test_external_ref_already_in_the_organisation_is_409_and_creates_nothing(client, org_a):
    create_order(client, org_a.admin, external_ref="R-000001")
    response = upload(client, org_a.admin, csv_bytes(row(n) for n in range(3)))
    assert response.status_code == 409
    assert "R-000001" in response.json()["detail"]
    assert order_count(client, org_a.admin) == 1


def test_external_ref_of_another_organisation_does_not_clash(client, org_a, org_b):
    create_order(client, org_b.admin, external_ref="R-000001")
    response = upload(client, org_a.admin, csv_bytes(row(n) for n in range(3)))
    assert response.status_code == 201, response.text
    assert order_count(client, org_a.admin) == 3
    assert order_count(client, org_b.admin) == 1


def test_empty_file_is_refused(client, org_a):
    response = upload(client, org_a.admin, b"")
    assert response.status_code == 422
    assert "empty" in response.json()["detail"]


def test_header_only_file_is_refused(client, org_a):
    response = upload(client, org_a.admin, csv_bytes([]))
    assert response.status_code == 422
    assert "no orders" in response.json()["detail"]


def test_blank_lines_are_skipped_but_counted(client, org_a):
    content = b"recipient_name,address,lat,lon\n\nBo,Street 2,60.1,24.9\n\nAl,Street 3,95,24.9\n"
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert errors_of(response) == [(5, "lat")]


def test_non_utf8_bytes_are_refused(client, org_a):
    content = "recipient_name,address,lat,lon\nMüller,Straße 1,60.1,24.9\n".encode("latin-1")
    response = upload(client, org_a.admin, content)
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["detail"]
    assert order_count(client, org_a.admin) == 0


def test_utf8_with_a_byte_order_mark_is_accepted(client, org_a):
    content = "recipient_name,address,lat,lon\nMüller,Straße 1,60.1,24.9\n".encode("utf-8-sig")
    response = upload(client, org_a.admin, content)
    assert response.status_code == 201, response.text


def test_window_ending_before_it_starts_is_named(client, org_a):
    rows = [row(0, window_start="2026-11-27T12:00:00+00:00", window_end="2026-11-27T10:00:00Z")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (2, "window_end")
    assert "window_end must be after window_start" in error["message"]


def test_window_without_an_offset_is_named(client, org_a):
    rows = [row(0, window_start="2026-11-27T10:00:00")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert errors_of(response) == [(2, "window_start")]


def test_dog_warning_maybe_is_named(client, org_a):
    response = upload(client, org_a.admin, csv_bytes([row(0), row(1, dog_warning="maybe")]))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (3, "dog_warning")
    assert "true or false" in error["message"]


def test_quoted_cells_may_hold_commas_quotes_and_newlines(client, org_a):
    notes = 'line one, with a comma\nline two says "hi"'
    rows = [row(0, address="Flat 3, Testikatu 1, Helsinki", notes=notes), row(1)]
    content = csv_bytes(rows)
    assert b'"Flat 3, Testikatu 1, Helsinki"' in content
    response = upload(client, org_a.admin, content)
    assert response.status_code == 201, response.text
    order_id = response.json()["orders"][0]["id"]
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth(org_a.admin)).json()
    assert order["address"] == "Flat 3, Testikatu 1, Helsinki"
    assert order["notes"] == notes


def test_line_numbers_count_physical_lines_after_a_multiline_cell(client, org_a):
    rows = [row(0, notes="one\ntwo\nthree"), row(1, lat="north")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert errors_of(response) == [(5, "lat")]  # header, 3 lines of row 0, then this


def test_a_bad_multiline_row_is_reported_at_the_line_where_it_starts(client, org_a):
    rows = [row(0), row(1, lat="north", notes="one\ntwo\nthree")]
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert errors_of(response) == [(3, "lat")]


def test_sql_injection_in_cells_is_stored_verbatim(client, org_a):
    attacks = {
        "recipient_name": "Robert'); DROP TABLE orders;--",
        "address": "1' OR '1'='1",
        "external_ref": "x'; DELETE FROM orders; --",
        "notes": '" OR ""=""; SELECT * FROM users --',
    }
    response = upload(client, org_a.admin, csv_bytes([row(0, **attacks), row(1)]))
    assert response.status_code == 201, response.text
    order_id = response.json()["orders"][0]["id"]
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth(org_a.admin)).json()
    assert order["recipient"]["name"] == attacks["recipient_name"]
    assert order["address"] == attacks["address"]
    assert order["external_ref"] == attacks["external_ref"]
    assert order["notes"] == attacks["notes"]
    assert order_count(client, org_a.admin) == 2


def test_reported_errors_are_capped_but_all_are_counted(client, org_a):
    rows = (row(n, lat="100") for n in range(1500))
    response = upload(client, org_a.admin, csv_bytes(rows))
    assert response.status_code == 422
    assert len(response.json()["errors"]) == 1000
    assert "1500 problem(s)" in response.json()["detail"]
    assert "the first 1000 are listed" in response.json()["detail"]


def test_file_over_the_upload_limit_is_413_and_creates_nothing(db, org_a):
    small = dataclasses.replace(db, settings=db.settings.model_copy(update={"max_upload_mb": 1}))
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        content = csv_bytes(many_rows(12_000))
        assert len(content) > 1024 * 1024
        response = upload(client, org_a.admin, content)
        assert response.status_code == 413
        assert "larger than 1 MB" in response.json()["detail"]
        assert order_count(client, org_a.admin) == 0
        just_under = csv_bytes(many_rows(5_000))
        assert len(just_under) < 1024 * 1024
        assert upload(client, org_a.admin, just_under).status_code == 201


def test_missing_file_field_is_named(client, org_a):
    response = client.post(IMPORT, files={"upload": ("x.csv", b"a")}, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "file"]


def test_viewers_and_drivers_cannot_import(client, org_a):
    content = csv_bytes([row(0)])
    assert upload(client, org_a.viewer, content).status_code == 403
    assert upload(client, org_a.driver, content).status_code == 403
    assert client.post(IMPORT, files={"file": ("x.csv", content)}).status_code == 401
    assert order_count(client, org_a.admin) == 0


def test_import_lands_in_the_importers_organisation_only(client, org_a, org_b):
    upload(client, org_a.admin, csv_bytes(row(n) for n in range(2)))
    assert order_count(client, org_a.admin) == 2
    assert order_count(client, org_b.admin) == 0


def test_required_skills_are_read_from_a_semicolon_list(client, org_a):
    csv_text = (
        "recipient_name,address,lat,lon,required_skills\n"
        "Ann,Street 1,60.1,24.9,refrigerated; tail_lift\n"
    )
    response = client.post(
        "/api/v1/orders/import",
        files={"file": ("o.csv", csv_text.encode())},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 201, response.text
    order_id = response.json()["orders"][0]["id"]
    order = client.get(f"/api/v1/orders/{order_id}", headers=auth(org_a.admin)).json()
    assert order["required_skills"] == ["refrigerated", "tail_lift"]


def test_a_bad_skill_is_named_with_its_place(client, org_a):
    csv_text = "recipient_name,address,lat,lon,required_skills\nAnn,Street 1,60.1,24.9,ok;not ok!\n"
    response = client.post(
        "/api/v1/orders/import",
        files={"file": ("o.csv", csv_text.encode())},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "required_skills" and error["message"].startswith("skill 2:")

"""The OpenAPI document says what the API takes, so a client generated from it (or a
fuzzer: schemathesis found these undocumented) sends what is accepted: days from 1970
to 2199, email addresses, decimals as text."""

from __future__ import annotations

import re

import pytest

from doorstep.schemas.common import DAY_RANGE, DECIMAL_PATTERN
from tests.conftest import auth

API = "/api/v1"


@pytest.fixture
def document(client):
    return client.get(f"{API}/openapi.json").json()


def test_a_day_is_documented_from_1970_to_2199(client, org_a, document):
    day = document["components"]["schemas"]["RouteCreate"]["properties"]["date"]
    assert (day["format"], day["description"]) == ("date", DAY_RANGE)
    assert DAY_RANGE == "A day from 1970-01-01 to 2199-12-31."
    query = next(
        p for p in document["paths"]["/api/v1/routes"]["get"]["parameters"] if p["name"] == "date"
    )
    assert {"type": "string", "format": "date", "description": DAY_RANGE} in query["schema"][
        "anyOf"
    ]
    for text, taken in (
        ("1970-01-01", True),
        ("2199-12-31", True),
        ("1969-12-31", False),
        ("2200-01-01", False),
    ):
        listed = client.get(f"{API}/routes", params={"date": text}, headers=auth(org_a.admin))
        assert (listed.status_code == 200) is taken, (text, listed.text)


def test_an_email_address_is_documented_as_one(document):
    schemas = document["components"]["schemas"]
    for name in ("UserCreate", "Login"):
        assert schemas[name]["properties"]["email"]["format"] == "email", name


def test_a_decimal_sent_as_text_is_documented_as_a_decimal(document):
    cost = document["components"]["schemas"]["FuelPurchaseCreate"]["properties"]["cost"]
    assert {"type": "string", "pattern": DECIMAL_PATTERN} in cost["anyOf"]
    for text, taken in (("129.90", True), ("-3", True), ("12", True), ("abc", False)):
        assert bool(re.match(DECIMAL_PATTERN, text)) is taken, text

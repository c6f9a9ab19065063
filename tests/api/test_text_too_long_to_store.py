"""PostgreSQL enforces a VARCHAR's length and SQLite does not, so a schema that allows
more than its column was a 500 on the production backend alone. Every body's texts are
held against their columns (tests/schemas/test_fits_the_store.py); should one slip
through anyway, the request is a 422 saying so, nothing is stored, and the log names
the bug. No route writes too much today, so this one is added for the test and writes
to a real PostgreSQL table."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from doorstep.api.app import create_app


def test_a_text_longer_than_its_column_is_a_422_and_an_error_in_the_log(db, caplog):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce a VARCHAR's length")
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS test_short (note varchar(5))"))
    app = create_app(db)

    @app.post("/test-too-long")
    def too_long() -> None:
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO test_short VALUES ('short')"))
            conn.execute(text("INSERT INTO test_short VALUES ('too long')"))

    try:
        with (
            TestClient(app, raise_server_exceptions=False) as client,
            caplog.at_level(logging.ERROR, logger="doorstep.api"),
        ):
            response = client.post("/test-too-long")
        assert response.status_code == 422, response.text
        assert response.json()["detail"] == "a text in the request is too long to store"
        assert "a text outgrew its column on POST /test-too-long" in caplog.text
        with db.engine.connect() as conn:  # the transaction rolled back whole
            assert conn.scalar(text("SELECT count(*) FROM test_short")) == 0
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE test_short"))

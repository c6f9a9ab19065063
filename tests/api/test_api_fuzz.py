"""Every operation of the API document, sent what the document allows: none may answer
with a server error.

Schemathesis generates the requests from ``/api/v1/openapi.json`` (bodies, queries,
paths), as a client built from the document could send them; they go through the
real app on both databases, signed in as the organisation's admin and as a driver.
Past runs of schemathesis found 500s this way that no hand-written test had thought
of (a shift time with an offset PostgreSQL cannot store, a route of year 1); this
keeps the whole surface under that check on every run, deterministically
(``derandomize``: the same document gives the same requests, so a failure
reproduces).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings

from tests.conftest import Org, auth

EXAMPLES = 8  # per operation: enough to reach its validation, on two databases
# Server-Sent Events: a stream that does not end.
SKIPPED = re.compile(r"/events$")


def _send(client: TestClient, case: Any, key: str) -> tuple[int, str]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=auth(key))
    if kwargs.get("cookies"):
        client.cookies.update(kwargs["cookies"])
    response = client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        content=kwargs.get("data"),
        json=kwargs.get("json"),
        files=kwargs.get("files"),
    )
    return response.status_code, response.text[:300]


@pytest.mark.parametrize("role", ["admin", "driver"])
def test_no_operation_answers_what_its_document_allows_with_a_server_error(
    client: TestClient, org_a: Org, role: str
) -> None:
    key = getattr(org_a, role)  # a driver reaches the driver app's operations too
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if SKIPPED.search(operation.path):
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            status, text = _send(client, case, key)
            if status >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {status}: {text}\n"
                    f"  query={case.query} body={json.dumps(case.body, default=str)[:300]}"
                )

        check()
    assert operations > 50
    assert not failures, "\n".join(failures)

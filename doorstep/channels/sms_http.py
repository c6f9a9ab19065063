"""SMS through any HTTP gateway, described by configuration instead of code.

The request body is a Jinja2 template rendered in a sandbox: the template comes from
configuration, and a sandbox keeps a careless (or hostile) template from reaching
Python internals. Templates see ``to``, ``body``, ``sender`` and ``idempotency_key``.

``body_template`` is either one string or a mapping of field name to template string:

- ``content_type="json"``: a string must render to valid JSON (use ``|tojson`` for
  values); a mapping becomes a JSON object of the rendered strings.
- ``content_type="form"``: a mapping becomes form fields (query parameters for GET);
  a string is sent as the already-encoded form (use ``|urlencode``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any, ClassVar, Literal

import httpx
import jinja2
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from doorstep.channels.base import (
    Channel,
    Outcome,
    OutgoingMessage,
    SendResult,
    excerpt,
    http_timeout,
    is_retryable_status,
    transport_error,
)

ContentType = Literal["json", "form"]
Method = Literal["POST", "GET"]
VARIABLES = frozenset({"to", "body", "sender", "idempotency_key"})
_SAMPLE = {
    "to": "+358401234567",
    "body": 'Sample "text" with\nnewline & <chars>',
    "sender": "Doorstep",
    "idempotency_key": "sample-key",
}


class HttpTemplateSms(Channel):
    """An SMS gateway spoken to through a configured HTTP request."""

    kind: ClassVar[str] = "sms"

    def __init__(
        self,
        url: str,
        body_template: str | Mapping[str, str],
        *,
        method: Method = "POST",
        content_type: ContentType = "json",
        headers: Mapping[str, str] | None = None,
        success_statuses: Collection[int] = range(200, 300),
        id_field: str | None = None,
        sender: str | None = None,
        timeout_s: float = 10,
        client: httpx.Client | None = None,
    ) -> None:
        method_upper = method.upper()
        if method_upper not in ("POST", "GET"):
            raise ValueError(f"SMS gateway method must be POST or GET, not {method!r}")
        if content_type not in ("json", "form"):
            raise ValueError(f"SMS gateway content type must be json or form, not {content_type!r}")
        if method_upper == "GET" and content_type == "json":
            raise ValueError("SMS gateway: a GET request carries form fields, not JSON")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"SMS gateway URL must be http(s), got {url!r}")
        if not success_statuses:
            raise ValueError("SMS gateway needs at least one success status")
        self.url = url
        self.method = method_upper
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.success_statuses = frozenset(success_statuses)
        self.id_field = id_field
        self.sender = sender
        self._env = ImmutableSandboxedEnvironment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self._template: jinja2.Template | dict[str, jinja2.Template] = (
            self._compile("body template", body_template)
            if isinstance(body_template, str)
            else {
                k: self._compile(f"body template field {k!r}", v) for k, v in body_template.items()
            }
        )
        # Render once with sample values so a template that cannot produce a valid
        # request is refused now, not at the first real message.
        try:
            self._render(_SAMPLE)
        except ValueError as exc:
            raise ValueError(f"SMS gateway body template does not render: {exc}") from None
        self._timeout = http_timeout(timeout_s)
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._timeout)

    def _compile(self, name: str, source: str) -> jinja2.Template:
        try:
            parsed = self._env.parse(source)
        except jinja2.TemplateSyntaxError as exc:
            raise ValueError(
                f"SMS gateway {name} has a syntax error on line {exc.lineno}: {exc.message}"
            ) from None
        unknown = meta.find_undeclared_variables(parsed) - VARIABLES
        if unknown:
            raise ValueError(
                f"SMS gateway {name} uses unknown variable(s) {', '.join(sorted(unknown))}; "
                f"available: {', '.join(sorted(VARIABLES))}"
            )
        return self._env.from_string(source)

    def _render(self, values: Mapping[str, str]) -> dict[str, Any]:
        """The httpx request arguments for these values; ValueError if they cannot be made."""
        try:
            if isinstance(self._template, dict):
                fields = {k: t.render(values) for k, t in self._template.items()}
                if self.content_type == "json":
                    return {"json": fields}
                return {"params": fields} if self.method == "GET" else {"data": fields}
            text = self._template.render(values)
        except Exception as exc:  # SecurityError, OverflowError, TypeError...: any of them
            # must become a result, never an exception out of send().
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
        if self.content_type == "json":
            try:
                json.loads(text)
            except ValueError as exc:
                raise ValueError(f"the body is not valid JSON ({exc}); use |tojson") from None
            return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}
        if self.method == "GET":
            return {"params": httpx.QueryParams(text)}
        return {
            "content": text.encode(),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        values = {
            "to": message.to,
            "body": message.body,
            "sender": message.sender or self.sender or "",
            "idempotency_key": message.idempotency_key,
        }
        try:
            request = self._render(values)
        except ValueError as exc:
            return SendResult(Outcome.FAILED, detail=f"cannot render the request: {exc}")
        headers = {**self.headers, **request.pop("headers", {})}
        try:
            response = self._client.request(
                self.method, self.url, headers=headers, timeout=self._timeout, **request
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return transport_error(exc)
        return self.classify(response)

    def classify(self, response: httpx.Response) -> SendResult:
        """A configured success status is SENT (with the id from ``id_field`` when set);
        408/429/5xx RETRY; anything else FAILED."""
        status = response.status_code
        if status in self.success_statuses:
            return SendResult(
                Outcome.SENT, provider_id=self._provider_id(response), status_code=status
            )
        outcome = Outcome.RETRY if is_retryable_status(status) else Outcome.FAILED
        detail = f"HTTP {status}: {excerpt(response.text)}".rstrip(": ")
        return SendResult(outcome, detail=detail, status_code=status)

    def _provider_id(self, response: httpx.Response) -> str | None:
        if self.id_field is None:
            return None
        try:
            value: Any = response.json()
        except ValueError:
            return None
        # A dotted path reaches into nested objects: "data.message_id".
        for key in self.id_field.split("."):
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return None if value is None else str(value)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

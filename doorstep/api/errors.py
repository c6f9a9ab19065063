"""Every error leaves as JSON with a sentence a person can act on:
``{"detail": "...", "errors": [{"loc": [...], "msg": "..."}], "request_id": "..."}``."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from doorstep.domain.errors import DoorstepError, InvalidInput, TooManyRequests
from doorstep.domain.order_status import IllegalTransition
from doorstep.services.order_import import ImportRejected
from doorstep.services.route_revision import RouteConflict

log = logging.getLogger("doorstep.api")


def error_response(
    request: Request,
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors:
        body["errors"] = errors
    if extra:
        body.update(jsonable_encoder(extra))
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _describe_loc(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return f"{'.'.join(rest)} (in {where})" if rest else where
    return ".".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            if error.get("type") == "json_invalid":
                position = error.get("ctx", {}).get("error", "")
                return error_response(
                    request, 400, f"the body is not valid JSON ({position})".replace(" ()", "")
                )
            msg = str(error["msg"]).removeprefix("Value error, ")
            if error.get("type") == "missing":
                msg = "is required"
            errors.append({"loc": list(error["loc"]), "msg": msg})
        summary = "; ".join(f"{_describe_loc(e['loc'])}: {e['msg']}" for e in errors[:5])
        if len(errors) > 5:
            summary += f"; and {len(errors) - 5} more"
        return error_response(request, 422, f"invalid request: {summary}", errors)

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput) -> JSONResponse:
        errors = [{"loc": list(e.loc), "msg": e.msg} for e in exc.errors]
        summary = "; ".join(f"{_describe_loc(e['loc'])}: {e['msg']}" for e in errors[:5])
        detail = f"{exc.message}: {summary}" if summary else exc.message
        return error_response(request, 422, detail, errors)

    @app.exception_handler(ImportRejected)
    async def import_rejected(request: Request, exc: ImportRejected) -> JSONResponse:
        errors = [e.model_dump() for e in exc.errors]
        return error_response(request, 422, str(exc), errors)

    @app.exception_handler(IllegalTransition)
    async def illegal_transition(request: Request, exc: IllegalTransition) -> JSONResponse:
        return error_response(request, 409, str(exc))

    @app.exception_handler(RouteConflict)
    async def route_conflict(request: Request, exc: RouteConflict) -> JSONResponse:
        extra = {"revision": exc.current, "changes": exc.changes}
        return error_response(request, 409, str(exc), extra=extra)

    @app.exception_handler(TooManyRequests)
    async def too_many(request: Request, exc: TooManyRequests) -> JSONResponse:
        response = error_response(request, 429, str(exc))
        response.headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
        return response

    @app.exception_handler(DoorstepError)
    async def doorstep_error(request: Request, exc: DoorstepError) -> JSONResponse:
        return error_response(request, exc.status, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"nothing at {request.url.path}"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        response = error_response(request, exc.status_code, detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> JSONResponse:
        # Text a body's schema did not check (a query, a path, a tracker's fields) that
        # PostgreSQL cannot store; SQLite takes it.
        if "NUL (0x00)" in str(exc.orig):  # psycopg's words
            detail = "text in the request may not contain the NUL character (\\u0000)"
            return error_response(request, 422, detail)
        if "value too long" in str(exc.orig):  # a schema longer than its column: a bug
            log.error("a text outgrew its column on %s %s", request.method, request.url.path)
            return error_response(request, 422, "a text in the request is too long to store")
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(
            request, 500, "an internal error occurred; nothing was changed (see the server log)"
        )

"""The OsmAnd / Traccar Client endpoint on a port of its own, served at ``/`` as the
apps expect (``doorstep serve --osmand-port 5055``). Same handler, same pipeline."""

from __future__ import annotations

from fastapi import FastAPI

from doorstep.api import errors
from doorstep.api.observability import RequestObservability
from doorstep.api.routes.tracking import osmand_request
from doorstep.wiring import Runtime


def create_osmand_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.runtime = runtime
    app.add_api_route("/", osmand_request, methods=["GET", "POST"])
    errors.install(app)
    app.add_middleware(RequestObservability)
    return app

"""The FastAPI application: middleware, error handlers and every router in one list."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from starlette.middleware.sessions import SessionMiddleware

from doorstep import __version__
from doorstep.api import errors
from doorstep.api.limits import BodyLimit
from doorstep.api.observability import RequestObservability
from doorstep.api.routes import (
    accounts,
    custody,
    devices,
    driver_app,
    driving,
    fleet_live,
    fuel,
    maintenance,
    messaging,
    ops,
    orders,
    planning,
    proofs,
    reports,
    resources,
    routes,
    settlements,
    telemetry_events,
    track,
    tracking,
)
from doorstep.web import dashboard as web_dashboard
from doorstep.web import driver as web_driver
from doorstep.web import pages as web_pages
from doorstep.web import receipts as web_receipts
from doorstep.wiring import Runtime

API_PREFIX = "/api/v1"


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Workers that live as long as the server: the OwnTracks MQTT listener (if set),
    and unless ``DOORSTEP_WORKERS=false`` the live ETAs and the periodic jobs."""
    runtime: Runtime = app.state.runtime
    tasks = []
    sender = None
    if runtime.settings.mqtt_url:
        from doorstep.workers.mqtt_owntracks import listen

        tasks.append(
            asyncio.create_task(
                listen(runtime, runtime.settings.mqtt_url, runtime.settings.mqtt_topic)
            )
        )
    if runtime.settings.workers:
        from doorstep.workers.eta import run_eta
        from doorstep.workers.periodic import run_jobs

        tasks.append(asyncio.create_task(run_eta(runtime)))
        tasks.append(asyncio.create_task(run_jobs(runtime)))
        from doorstep.workers.outbox import OutboxWorker

        sender = OutboxWorker(runtime)
        sender.start()
    try:
        yield
    finally:
        if sender is not None:
            sender.stop()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(runtime: Runtime) -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="Doorstep",
        version=__version__,
        description="Last-mile delivery tracking. Authenticate with "
        "`Authorization: Bearer <API key>` or a login session.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    settings = runtime.settings

    api = APIRouter(prefix=API_PREFIX)
    for router in (
        accounts.auth,
        accounts.organisation,
        accounts.users,
        accounts.api_keys,
        devices.router,
        *resources.routers,
        tracking.pings,
        tracking.vehicles,
        reports.router,
        fuel.router,
        telemetry_events.router,
        maintenance.schedules,
        maintenance.records,
        maintenance.fleet,
        orders.router,
        planning.order_changes,
        routes.router,
        driving.router,
        planning.route_changes,
        planning.plans,
        planning.dispatching,
        track.router,
        *messaging.routers,
        custody.router,
        proofs.router,
        driver_app.router,
        fleet_live.router,
        settlements.rules,
        settlements.statements,
        settlements.disputes,
        settlements.mine,
    ):
        api.include_router(router)
    app.include_router(api)
    app.include_router(ops.router)
    app.include_router(tracking.ingest_router)
    app.include_router(web_driver.router)
    app.include_router(web_dashboard.router)
    app.include_router(web_receipts.router)
    app.include_router(web_pages.router)

    errors.install(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="doorstep_session",
        max_age=settings.session_max_age_hours * 3600,
        same_site="lax",
        https_only=settings.session_cookie_secure,
    )
    # The multipart envelope gets 1 MiB on top of the largest accepted file.
    app.add_middleware(BodyLimit, max_bytes=(settings.max_upload_mb + 1) * 1024 * 1024)
    app.add_middleware(RequestObservability)
    return app

"""The driver app's pages: one shell page (the app is ``static/js/driver.js``), the
one-time sign-in link, and the service worker that keeps it working offline."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from doorstep import clock
from doorstep.api.deps import SESSION_ID
from doorstep.domain.errors import Unauthorized
from doorstep.services import accounts, driver_app
from doorstep.web import assets, render

router = APIRouter(include_in_schema=False)


@router.get("/driver", response_class=HTMLResponse)
def app_shell(request: Request) -> HTMLResponse:
    """The app: it signs in, loads today's route and works from the API."""
    return render.page(request, "driver.html", "en", error=request.query_params.get("error"))


@router.get("/driver/link/{token}")
def sign_in_by_link(request: Request, token: str) -> Response:
    """The dispatcher's one-time link: signs this phone in and opens the app."""
    runtime = request.app.state.runtime
    now = clock.now()
    try:
        with runtime.sessions.begin() as session:
            user = driver_app.redeem(session, token[:100], now)
            login = accounts.start_session(
                session,
                user,
                now,
                timedelta(hours=runtime.settings.session_max_age_hours),
                request.headers.get("user-agent", ""),
            )
            login_id = str(login.id)
    except Unauthorized:
        return RedirectResponse("/driver?error=link", status_code=303)
    request.session.clear()
    request.session[SESSION_ID] = login_id
    return RedirectResponse("/driver", status_code=303)


@router.get("/driver/sw.js")
def service_worker() -> Response:
    """Served from /driver/ so its scope is the app; it names the current assets."""
    body = assets.assets()["driver/sw.js"].body.decode()
    shell = [
        "/driver",
        assets.url("js/driver.js"),
        assets.url("js/tracking_rate.js"),
        assets.url("js/chat_list.js"),
        assets.url("css/track.css"),
        assets.url("css/driver.css"),
    ]
    body = body.replace("__SHELL__", repr(shell).replace("'", '"'))
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/driver"},
    )


@router.get("/driver/manifest.webmanifest")
def manifest() -> Response:
    return Response(
        '{"name":"Doorstep driver","short_name":"Doorstep","start_url":"/driver",'
        '"scope":"/driver","display":"standalone","background_color":"#ffffff",'
        '"theme_color":"#1a56db","icons":[]}',
        media_type="application/manifest+json",
    )

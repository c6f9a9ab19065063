"""The dispatcher's dashboard: one page (``static/js/dashboard.js``) that signs in with
the staff account and draws the fleet live from ``GET /api/v1/fleet/live`` and its
event stream. Everything it shows comes from the API, under the same role checks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from doorstep.web import render
from doorstep.web.pages import ROADS_URL, _tile_origin

router = APIRouter(include_in_schema=False)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request) -> HTMLResponse:
    runtime = request.app.state.runtime
    config = {
        "map": {
            "tileUrl": runtime.settings.map_tile_url,
            "tileAttribution": runtime.settings.map_tile_attribution,
            "roadsUrl": ROADS_URL,
        }
    }
    return render.page(
        request,
        "dashboard.html",
        "en",
        tile_origin=_tile_origin(runtime),
        config=render.script_json(config),
    )

"""The staff pages: the live map (``static/js/dashboard.js``: the fleet from
``GET /api/v1/fleet/live`` and its event stream, exceptions, urgent jobs, messages to
drivers, replay), the orders board (``orders.js``), the reports (``reports.js``), the
admin's page (``admin.js``) and driver pay (``pay.js``: pay rule versions, settling a
period, statements with their lines' evidence, approving, paying, adjusting, drivers'
disputes, the payroll export). Each signs in with the staff account (``staff.js``) and
shows what the API returns, under the same role checks: a viewer's pages have no
controls that act, and the admin's pages (admin, pay) show a non-admin only why not."""

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


@router.get("/dashboard/orders", response_class=HTMLResponse)
def orders_board(request: Request) -> HTMLResponse:
    return render.page(request, "orders.html", "en")


@router.get("/dashboard/reports", response_class=HTMLResponse)
def reports(request: Request) -> HTMLResponse:
    return render.page(request, "reports.html", "en")


@router.get("/dashboard/admin", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    return render.page(request, "admin.html", "en")


@router.get("/dashboard/pay", response_class=HTMLResponse)
def pay(request: Request) -> HTMLResponse:
    return render.page(request, "pay.html", "en")

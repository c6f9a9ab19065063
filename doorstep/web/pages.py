"""The recipient's pages: ``/track`` (a tracking number in) and ``/t/{code}`` (one
delivery), the road basemap, and the static files.

Pages are rendered on the server from the same view as ``GET /api/v1/track/{code}``
(``tracking_view``), so they read fully without JavaScript; the page's script then
keeps them live over the event stream. Every form works without JavaScript too: it
posts here, the service acts, and the answer redirects back to the page (the script
sends the same forms to the JSON API instead). Lookups spend the same rate-limit
tokens as the API (``api.track_limits``); a wrong number gets one "not found" whether
or not it exists anywhere.
"""

from __future__ import annotations

import gzip
import json
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.api.track_limits import admit_tracking
from doorstep.domain.errors import Conflict, DoorstepError, InvalidInput, TooManyRequests
from doorstep.domain.order_status import IllegalTransition
from doorstep.domain.tracking_rules import parse_code
from doorstep.schemas.track import InstructionsUpdate, RatingCreate, RecipientReschedule
from doorstep.services import track as svc
from doorstep.storage.db import READ_ONLY
from doorstep.web import assets, basemap, messages, render, tracking_view
from doorstep.wiring import Runtime

router = APIRouter(include_in_schema=False)

API = "/api/v1/track"
ROADS_URL = "/map/roads.geojson"
POLL_MS = 20_000
# Checks a browser remembers (in the signed session cookie) for the codes it opened.
MAX_REMEMBERED_CHECKS = 5
CHECKS_KEY = "track_checks"
DONE = frozenset({"instructions", "rated", "rescheduled", "neighbour"})
ERRORS = frozenset({"conflict", "invalid", "limited", "generic"})

# Query values the pages only compare with fixed sets: any text is accepted (no 422).
Lang = Annotated[str | None, Query()]
MAX_CHECK = 40


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _lang(request: Request, given: str | None = None) -> str:
    return messages.choose(
        given or request.query_params.get("lang"), request.headers.get("accept-language")
    )


def _explicit_lang(request: Request, given: str | None = None) -> str | None:
    """The language named in the URL or form (kept across redirects), if any."""
    lang = (given or request.query_params.get("lang") or "").lower()
    return lang if lang in messages.MESSAGES else None


def _page_url(code: str, lang: str | None = None, **extra: str) -> str:
    query = {k: v for k, v in {"lang": lang or "", **extra}.items() if v}
    suffix = f"?{urlencode(query)}" if query else ""
    return f"/t/{quote(code, safe='')}{suffix}"


def _remembered_check(request: Request, code: str) -> str | None:
    checks = request.session.get(CHECKS_KEY)
    if isinstance(checks, dict):
        value = checks.get(code)
        return value if isinstance(value, str) else None
    return None


def _remember_check(request: Request, code: str, check: str) -> None:
    checks = request.session.get(CHECKS_KEY)
    kept = dict(checks) if isinstance(checks, dict) else {}
    kept.pop(code, None)
    kept[code] = check
    while len(kept) > MAX_REMEMBERED_CHECKS:
        kept.pop(next(iter(kept)))
    request.session[CHECKS_KEY] = kept


def _too_many(
    request: Request, lang: str, exc: TooManyRequests, page_lang: str | None = None
) -> HTMLResponse:
    return render.page(
        request,
        "entry.html",
        lang,
        status_code=429,
        page_lang=page_lang or _explicit_lang(request),
        headers={"Retry-After": str(max(1, int(exc.retry_after_s + 0.999)))},
        error=messages.t(lang, "too_many"),
        code="",
        ask_check=None,
    )


def _not_found(
    request: Request, lang: str, code: str, page_lang: str | None = None
) -> HTMLResponse:
    return render.page(
        request,
        "entry.html",
        lang,
        status_code=404,
        page_lang=page_lang or _explicit_lang(request),
        error=messages.t(lang, "not_found"),
        code=code[: 2 * 64],
        ask_check=None,
    )


# -- /track -----------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    """Whoever types the bare address is most likely a customer with a tracking number
    (staff come by their own links: ``/dashboard``, ``/driver``); a 404 told them nothing."""
    return RedirectResponse("/track", status_code=307)


@router.get("/track", response_class=HTMLResponse)
def entry(request: Request, lang: Lang = None, code: str = "") -> HTMLResponse:
    """The tracking number form."""
    chosen = _lang(request, lang)
    return render.page(
        request,
        "entry.html",
        chosen,
        error=None,
        code=code[:64],
        ask_check=None,
        page_lang=_explicit_lang(request, lang),
    )


@router.post("/track")
def submit(
    request: Request,
    code: Annotated[str, Form()] = "",
    check: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """Off to the delivery's page; the check (if given) stays with this browser, not in
    the URL that might be shared."""
    chosen = _lang(request, lang)
    code = code.strip()[:200]
    check = check[:MAX_CHECK]
    canonical = parse_code(code)
    if canonical is None:
        try:
            admit_tracking(request)
        except TooManyRequests as exc:
            return _too_many(request, chosen, exc, _explicit_lang(request, lang))
        return _not_found(request, chosen, code, _explicit_lang(request, lang))
    if check.strip():
        _remember_check(request, canonical, check.strip())
    return RedirectResponse(_page_url(canonical, _explicit_lang(request, lang)), status_code=303)


# -- /t/{code} --------------------------------------------------------------------------


def _tile_origin(runtime: Runtime) -> str | None:
    url = runtime.settings.map_tile_url
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _config(runtime: Runtime, view: tracking_view.View, check: str | None, lang: str) -> Any:
    code = view["tracking_code"]
    return render.script_json(
        {
            "code": code,
            "check": check,
            "lang": lang,
            "today": clock.now().astimezone(_zone(view)).date().isoformat(),
            "api": f"{API}/{code}",
            "pollMs": POLL_MS,
            "map": {
                "tileUrl": runtime.settings.map_tile_url,
                "tileAttribution": runtime.settings.map_tile_attribution,
                "roadsUrl": ROADS_URL,
            },
            "messages": messages.MESSAGES[lang],
            "labels": messages.LABELS.get(lang, {}),
        }
    )


def _zone(view: tracking_view.View) -> ZoneInfo:
    return ZoneInfo(view["timezone"])


@router.get("/t/{tracking_code}", response_class=HTMLResponse)
def delivery(
    request: Request,
    tracking_code: str,
    lang: Lang = None,
    check: Annotated[str | None, Query()] = None,
    done: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
) -> Response:
    """One delivery: status, window and ETA, stops away, map, timeline, instructions,
    reschedule, proof and rating."""
    chosen = _lang(request, lang)
    check = check[:MAX_CHECK] if check else None
    canonical = parse_code(tracking_code) if len(tracking_code) <= 64 else None
    if canonical is not None and canonical != tracking_code:
        extra = {"check": check} if check else {}
        return RedirectResponse(
            _page_url(canonical, _explicit_lang(request, lang), **extra), status_code=308
        )
    try:
        guard = admit_tracking(request, tracking_code)
    except TooManyRequests as exc:
        return _too_many(request, chosen, exc)
    given = check or _remembered_check(request, tracking_code)
    runtime = _runtime(request)
    try:
        with runtime.sessions.begin() as session:
            session.connection(execution_options={READ_ONLY: True})
            view = tracking_view.view(session, tracking_code, given)
            offered = (
                tracking_view.slots(session, tracking_code, given)
                if view is not None and view["can_reschedule"]
                else []
            )
    except tracking_view.CheckFailed as failed:
        guard.wrong_check(failed.code)
        kind = tracking_view.check_kind(failed)
        prompt = messages.t(chosen, f"check_{kind}" if kind else "check_generic")
        if given:
            prompt = f"{messages.t(chosen, 'check_wrong')} {prompt}"
        return render.page(
            request,
            "entry.html",
            chosen,
            status_code=403,
            page_lang=_explicit_lang(request, lang),
            error=prompt,
            code=tracking_code,
            ask_check=kind or "generic",
        )
    if view is None:
        return _not_found(request, chosen, tracking_code)
    if check:
        _remember_check(request, tracking_code, check)
    today = clock.now().astimezone(_zone(view)).date()
    return render.page(
        request,
        "delivery.html",
        chosen,
        tile_origin=_tile_origin(runtime),
        view=view,
        today=today,
        fmt=_Formatter(chosen, today),
        slots=offered,
        done=done if done in DONE else None,
        error=error if error in ERRORS else None,
        config=_config(runtime, view, given, chosen),
        view_json=render.script_json(view),
        theme=render.theme(view["organisation"]["colour"]),
        code=tracking_code,
        page_lang=_explicit_lang(request, lang),
    )


class _Formatter:
    """The template's time words, in its language and relative to its day."""

    def __init__(self, lang: str, today: Any) -> None:
        self.lang, self.today = lang, today

    def time(self, iso: str) -> str:
        return render.clock_time(iso)

    def moment(self, iso: str) -> str:
        return render.moment(iso, self.today, self.lang)

    def span(self, start: str, end: str) -> tuple[str, str]:
        return render.span(start, end, self.today, self.lang)

    def other_day(self, iso: str) -> str | None:
        return render.other_day(iso, self.today, self.lang)


@router.get("/t/{tracking_code}/chat", response_class=HTMLResponse)
def chat(
    request: Request,
    tracking_code: str,
    lang: Lang = None,
    draft: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str | None, Query()] = None,
) -> Response:
    """The chat with the driver: messages, a box to write, quick replies; live with
    JavaScript, a plain form without."""
    chosen = _lang(request, lang)
    try:
        guard = admit_tracking(request, tracking_code)
    except TooManyRequests as exc:
        return _too_many(request, chosen, exc)
    given = _remembered_check(request, tracking_code)
    runtime = _runtime(request)
    try:
        with runtime.sessions.begin() as session:
            found = tracking_view.conversation(session, tracking_code, given)
            view = tracking_view.view(session, tracking_code, given) if found else None
    except tracking_view.CheckFailed as failed:
        guard.wrong_check(failed.code)
        return RedirectResponse(_page_url(tracking_code, _explicit_lang(request, lang)), 303)
    if found is None or view is None:
        return _not_found(request, chosen, tracking_code)
    page_lang = _explicit_lang(request, lang)
    today = clock.now().astimezone(_zone(view)).date()
    return render.page(
        request,
        "chat.html",
        chosen,
        conversation=found,
        view=view,
        fmt=_Formatter(chosen, today),
        draft=draft,
        error=error if error in ERRORS else None,
        code=tracking_code,
        page_lang=page_lang,
        back=_page_url(tracking_code, page_lang),
        theme=render.theme(view["organisation"]["colour"]),
        config=render.script_json(
            {
                "api": f"{API}/{tracking_code}/chat",
                "check": given,
                "messages": messages.MESSAGES[chosen],
            }
        ),
    )


@router.post("/t/{tracking_code}/chat")
def post_chat(
    request: Request,
    tracking_code: str,
    body: Annotated[str, Form()] = "",
    quick: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """A message from the form. A quick reply that needs finishing ("The gate code is
    …") comes back into the box instead of being sent."""
    page_lang = _explicit_lang(request, lang)
    chat_url = f"/t/{quote(tracking_code)}/chat"
    if quick and quick != quick.rstrip():
        params = {"draft": quick, **({"lang": page_lang} if page_lang else {})}
        return RedirectResponse(f"{chat_url}?{urlencode(params)}", 303)
    text = quick or body
    try:
        admit_tracking(request, tracking_code)
    except TooManyRequests:
        return RedirectResponse(f"{chat_url}?error=limited", 303)
    check = _remembered_check(request, tracking_code)
    outcome: dict[str, str] = {}
    try:
        with _runtime(request).sessions.begin() as session:
            tracking_view.send_chat(session, tracking_code, check, text)
    except (svc.UnknownCode, svc.CheckFailed):
        return RedirectResponse(_page_url(tracking_code, page_lang), 303)
    except TooManyRequests:
        outcome = {"error": "limited"}
    except Conflict:
        outcome = {"error": "conflict"}
    except (InvalidInput, ValidationError, ValueError):
        outcome = {"error": "invalid"}
    if page_lang:
        outcome["lang"] = page_lang
    suffix = f"?{urlencode(outcome)}" if outcome else ""
    return RedirectResponse(f"{chat_url}{suffix}#write", 303)


@router.get("/t/{rest:path}", response_class=HTMLResponse)
def nothing_here(request: Request, rest: str, lang: Lang = None) -> Response:
    """Anything else under /t/ (a code with a slash in it, say): not found, as a page."""
    try:
        admit_tracking(request)
    except TooManyRequests as exc:
        return _too_many(request, _lang(request, lang), exc)
    return _not_found(request, _lang(request, lang), rest)


# -- what the recipient sends without JavaScript ----------------------------------------


# Form fields are taken as sent and checked by the services' own models (a field too
# long is ?error=invalid on the page, not a JSON 422).


def _act(
    request: Request,
    tracking_code: str,
    lang: str,
    done: str,
    action: Any,
) -> Response:
    """Run one recipient action in its own transaction, then back to the page with a
    notice (``?done=``) or an error (``?error=``): never the recipient's text."""
    page_lang = _explicit_lang(request, lang)
    try:
        guard = admit_tracking(request, tracking_code)
    except TooManyRequests:
        return RedirectResponse(_page_url(tracking_code, page_lang, error="limited"), 303)
    check = _remembered_check(request, tracking_code)
    runtime = _runtime(request)
    outcome = {"done": done}
    try:
        with runtime.sessions.begin() as session:
            action(session, runtime, check)
    except svc.UnknownCode:
        return _not_found(request, _lang(request, lang), tracking_code, page_lang)
    except svc.CheckFailed as failed:
        guard.wrong_check(failed.code)
        return RedirectResponse(_page_url(tracking_code, page_lang), 303)
    except (Conflict, IllegalTransition):
        outcome = {"error": "conflict"}
    except (InvalidInput, ValidationError, ValueError):
        outcome = {"error": "invalid"}
    except DoorstepError:
        outcome = {"error": "generic"}
    return RedirectResponse(_page_url(tracking_code, page_lang, **outcome), 303)


def _optional(text: str) -> str | None:
    return text.strip() or None


@router.post("/t/{tracking_code}/instructions")
def post_instructions(
    request: Request,
    tracking_code: str,
    text: Annotated[str, Form()] = "",
    gate_code: Annotated[str, Form()] = "",
    dog_warning: Annotated[str, Form()] = "",
    safe_place: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    def action(session: Session, _: Runtime, check: str | None) -> None:
        body = InstructionsUpdate(
            text=_optional(text),
            gate_code=_optional(gate_code),
            dog_warning=bool(dog_warning),
            safe_place=_optional(safe_place),
        )
        svc.set_instructions(session, tracking_code, check, body)

    return _act(request, tracking_code, lang, "instructions", action)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.post("/t/{tracking_code}/rating")
def post_rating(
    request: Request,
    tracking_code: str,
    stars: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    on_time: Annotated[str, Form()] = "",
    courteous: Annotated[str, Form()] = "",
    package_ok: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    def action(session: Session, _: Runtime, check: str | None) -> None:
        body = RatingCreate(
            stars=int(stars),
            comment=_optional(comment),
            on_time=_yes_no(on_time),
            courteous=_yes_no(courteous),
            package_ok=_yes_no(package_ok),
        )
        svc.rate(session, tracking_code, check, body)

    return _act(request, tracking_code, lang, "rated", action)


@router.post("/t/{tracking_code}/reschedule")
def post_reschedule(
    request: Request,
    tracking_code: str,
    slot: Annotated[str, Form()] = "",
    neighbour: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    if neighbour.strip():
        body = {"neighbour": neighbour.strip()}
        done = "neighbour"
    else:
        start, _, end = slot.partition("|")
        body = {"window_start": start, "window_end": end}
        done = "rescheduled"

    def action(session: Session, runtime: Runtime, check: str | None) -> None:
        choice = RecipientReschedule.model_validate(body)
        svc.reschedule(session, lambda: runtime.roads, tracking_code, check, choice)

    return _act(request, tracking_code, lang, done, action)


# -- the basemap and static files -------------------------------------------------------


def _gzip_ok(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


@router.get(ROADS_URL)
def roads(
    request: Request,
    bbox: Annotated[str, Query(max_length=120)],
    zoom: Annotated[int, Query(ge=basemap.MIN_ZOOM, le=basemap.MAX_ZOOM)],
) -> Response:
    """The embedded road network's streets in ``bbox`` (minlon,minlat,maxlon,maxlat) as
    GeoJSON LineStrings, fewer and coarser at low zoom; empty with no embedded network
    (OSRM or straight lines: configure a tile server then)."""
    try:
        box = basemap.Bbox.parse(bbox)
    except ValueError as exc:
        return Response(
            json.dumps({"detail": f"invalid request: bbox: {exc}"}),
            status_code=422,
            media_type="application/json",
        )
    graph = _road_graph(_runtime(request))
    body = json.dumps(basemap.roads_geojson(graph, box, zoom), separators=(",", ":")).encode()
    headers = {"Cache-Control": "public, max-age=3600", "Vary": "Accept-Encoding"}
    if _gzip_ok(request) and len(body) > 1024:
        body = gzip.compress(body, compresslevel=6, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/geo+json", headers=headers)


def _road_graph(runtime: Runtime) -> Any:
    from doorstep.roads.base import RoadsUnavailable
    from doorstep.roads.embedded import EmbeddedProvider

    try:
        provider = runtime.roads
    except RoadsUnavailable:
        return None
    return provider.graph if isinstance(provider, EmbeddedProvider) else None


@router.get("/static/{version}/{name:path}")
def static(request: Request, version: str, name: str) -> Response:
    """A static file, gzipped when the browser takes it; kept a year under the current
    version, revalidated under any other."""
    asset = assets.assets().get(name)
    if asset is None:
        return Response("not found", status_code=404, media_type="text/plain")
    current = version == assets.version()
    headers = {
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
        "Cache-Control": f"public, max-age={assets.YEAR}, immutable" if current else "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    if _gzip_ok(request):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.content_type, headers=headers)
    return Response(asset.body, media_type=asset.content_type, headers=headers)

"""Templates (Jinja2, autoescaped) and the little formatting the pages need.

Times in the view carry the organisation's UTC offset, so their wall-clock part is
already the recipient's local time: formatting reads it as it is (``static/js/
format.js`` does the same in the browser, so both print the same words).
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from doorstep.web import assets, contrast, messages

env = jinja2.Environment(
    loader=jinja2.PackageLoader("doorstep.web", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals["static"] = assets.url
env.policies["json.dumps_kwargs"] = {"sort_keys": False, "ensure_ascii": False}


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def clock_time(iso: str) -> str:
    """``14:10``."""
    return parse(iso).strftime("%H:%M")


def day_name(day: date, today: date, lang: str) -> str:
    """``today``, ``tomorrow`` or ``Thu 27 Nov`` (``to 27.11.``)."""
    if day == today:
        return messages.t(lang, "today")
    if (day - today).days == 1:
        return messages.t(lang, "tomorrow")
    weekdays = messages.t(lang, "weekdays").split()
    months = messages.t(lang, "months").split()
    return messages.t(
        lang,
        "date",
        weekday=weekdays[day.weekday()],
        day=day.day,
        month=months[day.month - 1],
    )


def moment(iso: str, today: date, lang: str) -> str:
    """``14:10`` today, else ``tomorrow 14:10`` / ``Thu 27 Nov 14:10``."""
    at = parse(iso)
    if at.date() == today:
        return clock_time(iso)
    return f"{day_name(at.date(), today, lang)} {clock_time(iso)}"


def other_day(iso: str, today: date, lang: str) -> str | None:
    """The day of ``iso`` in words when it is not today, else None."""
    day = parse(iso).date()
    return None if day == today else day_name(day, today, lang)


def span(start: str, end: str, today: date, lang: str) -> tuple[str, str]:
    """A window's two ends: the day is said once, on the start."""
    return moment(start, today, lang), clock_time(end)


def theme(colour: str | None) -> dict[str, str]:
    """The brand colour with readable text on it, and its shade for text on white."""
    brand = contrast.brand(colour)
    return {
        "brand": brand,
        "on_brand": contrast.text_on(brand),
        "accent": contrast.accent(brand),
    }


def security_headers(nonce: str, tile_origin: str | None = None) -> dict[str, str]:
    """No third party learns the tracking code (no referrer), nothing runs but our
    files, nothing is cached or indexed: the page is one person's delivery."""
    images = "'self' data: https:"
    if tile_origin and tile_origin.startswith("http:"):
        images += f" {tile_origin}"
    policy = "; ".join(
        (
            "default-src 'self'",
            f"img-src {images}",
            f"style-src 'self' 'nonce-{nonce}'",
            "script-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        )
    )
    return {
        "Content-Security-Policy": policy,
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Robots-Tag": "noindex, nofollow",
        "Cache-Control": "no-store",
    }


def page(
    request: Request,
    template: str,
    lang: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    tile_origin: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` with the language's messages and the security headers."""
    nonce = secrets.token_urlsafe(12)

    def t(key: str, **values: object) -> str:
        return messages.t(lang, key, **values)

    def lbl(english: str) -> str:
        return messages.label(lang, english)

    html = env.get_template(template).render(
        t=t,
        lbl=lbl,
        lang=lang,
        languages=[(code, messages.MESSAGES[code]["lang_name"]) for code in messages.LANGUAGES],
        nonce=nonce,
        path=request.url.path,
        **context,
    )
    all_headers = security_headers(nonce, tile_origin)
    all_headers.update(headers or {})
    return HTMLResponse(html, status_code=status_code, headers=all_headers)


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    survive as themselves, so no ``</script>`` can end the element early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )

"""Proactive notifications: which message an order's change calls for, to whom, when.

Called from inside the transaction that changed the order (``events.record`` for status
changes, ``eta_live`` for ETA moves), so the outbox row commits with its cause. Each
message has a dedupe key (rule, order, and what changed), so nobody gets the same
"arriving" SMS twice however often the ETA is recomputed.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.notify import templates
from doorstep.domain.notify.kinds import DELIVERY_DAY_RULES, Rule
from doorstep.domain.notify.timing import QuietHours, day_before_send_at, parse_hhmm, release_at
from doorstep.domain.order_status import OrderStatus
from doorstep.schemas.notifications import NotificationSettings
from doorstep.services import outbox
from doorstep.storage.tables import Contact, Customer, Driver, Order, Organisation, Route, Stop

SETTINGS_KEY = "notifications"
_CACHE = "doorstep_notification_settings"
# Where recipients reach the server, for links; set from the settings at start-up.
_public_url = ["http://localhost:8000"]

S = OrderStatus
ON_THE_WAY = [S.OUT_FOR_DELIVERY.value, S.ARRIVING.value]


def organisation_settings(org: Organisation) -> NotificationSettings:
    return NotificationSettings.model_validate((org.settings or {}).get(SETTINGS_KEY) or {})


def set_public_url(url: str) -> None:
    """The server's own address for links, when the organisation sets none."""
    _public_url[0] = url.rstrip("/")


@dataclass(frozen=True)
class _Org:
    org: Organisation
    settings: NotificationSettings


def _org(session: Session, org_id: uuid.UUID) -> _Org:
    cache: dict[uuid.UUID, _Org] = session.info.setdefault(_CACHE, {})
    found = cache.get(org_id)
    if found is None:
        org = session.get(Organisation, org_id)
        assert org is not None
        found = _Org(org, organisation_settings(org))
        cache[org_id] = found
    return found


def forget_settings(session: Session) -> None:
    session.info.pop(_CACHE, None)


# -- triggers --------------------------------------------------------------------------


def on_status_change(
    session: Session, order: Order, to_status: str | None, reason: str | None, at: datetime
) -> None:
    """The order changed status: the scheduled, out-for-delivery, delivered, failed and
    rating messages."""
    if to_status is None:
        return
    o = _org(session, order.org_id)
    if not o.settings.enabled:
        return
    rules = o.settings.rules
    if to_status == S.SCHEDULED and rules.scheduled.enabled and order.window_start:
        send = day_before_send_at(
            order.window_start, o.org.timezone, parse_hhmm(rules.scheduled.send_at)
        )
        _send(
            session,
            o,
            order,
            Rule.scheduled,
            rules.scheduled.channels,
            at,
            key=f"scheduled:{order.window_start.isoformat()}",
            not_before=max(send, at),
            expect={
                "statuses": [S.SCHEDULED.value],
                "window_start": order.window_start.isoformat(),
            },
        )
    elif to_status == S.OUT_FOR_DELIVERY and rules.out_for_delivery.enabled:
        day = _local(at, o.org.timezone).date().isoformat()
        _send(
            session,
            o,
            order,
            Rule.out_for_delivery,
            rules.out_for_delivery.channels,
            at,
            key=f"out_for_delivery:{day}",
            expect={"statuses": ON_THE_WAY},
        )
    elif to_status == S.DELIVERED:
        if rules.delivered.enabled:
            _send(session, o, order, Rule.delivered, rules.delivered.channels, at, key="delivered")
        if rules.rating_request.enabled:
            _send(
                session,
                o,
                order,
                Rule.rating_request,
                rules.rating_request.channels,
                at,
                key="rating_request",
                not_before=at + timedelta(minutes=rules.rating_request.delay_minutes),
                expect={"statuses": [S.DELIVERED.value]},
            )
    elif to_status == S.FAILED and rules.failed.enabled:
        day = _local(at, o.org.timezone).date().isoformat()
        _send(
            session,
            o,
            order,
            Rule.failed,
            rules.failed.channels,
            at,
            key=f"failed:{day}",
            extra={"reason": (reason or "").replace("_", " ")},
        )


def on_eta(session: Session, order: Order, stop: Stop, now: datetime) -> None:
    """The live ETA moved: "arriving in about X minutes" once, "delayed" once per new
    window."""
    if order.status not in ON_THE_WAY or stop.eta is None or stop.eta_stale:
        return
    o = _org(session, order.org_id)
    if not o.settings.enabled:
        return
    rules = o.settings.rules
    minutes = max(0, round((stop.eta - now).total_seconds() / 60))
    near = minutes <= rules.arriving.minutes or (
        rules.arriving.stops_away is not None
        and stop.stops_away is not None
        and stop.stops_away <= rules.arriving.stops_away
    )
    if rules.arriving.enabled and near:
        _send(
            session,
            o,
            order,
            Rule.arriving,
            rules.arriving.channels,
            now,
            key=f"arriving:{stop.id}",
            expect={"statuses": ON_THE_WAY},
            stop=stop,
            extra={"minutes": minutes},
        )
    threshold = timedelta(minutes=rules.delayed.threshold_minutes)
    if rules.delayed.enabled and order.window_end and stop.eta > order.window_end + threshold:
        # One message per new window, on a 30-minute grid: a wobbling ETA says it once.
        bucket = int((stop.eta_latest or stop.eta).timestamp() // 1800)
        _send(
            session,
            o,
            order,
            Rule.delayed,
            rules.delayed.channels,
            now,
            key=f"delayed:{stop.id}:{bucket}",
            expect={"statuses": ON_THE_WAY},
            stop=stop,
            extra={"minutes": minutes},
        )


def announce_change(
    session: Session, order: Order, stop: Stop | None, now: datetime
) -> tuple[Rule | None, int, str]:
    """A dispatcher tells the customer of a change now (a route changed under them, a
    new window): "delayed" when the expected arrival is past the promised window, else
    "scheduled" with the window. Returns the rule, the messages written and, when none
    were, why. Pressing it twice for the same time sends nothing the second time."""
    o = _org(session, order.org_id)
    if not o.settings.enabled:
        return None, 0, "notifications are switched off for this organisation"
    if order.status not in (S.CREATED.value, S.SCHEDULED.value, *ON_THE_WAY):
        return None, 0, f"the order is {order.status.replace('_', ' ')}: nothing to tell"
    rules = o.settings.rules
    expected = None if stop is None else (stop.eta or stop.planned_arrival)
    if expected is not None and order.window_end is not None and expected > order.window_end:
        if not rules.delayed.enabled:
            return Rule.delayed, 0, "the delayed message is switched off in the settings"
        written = _send(
            session,
            o,
            order,
            Rule.delayed,
            rules.delayed.channels,
            now,
            key=f"delayed-by-dispatch:{int(expected.timestamp() // 300)}",
            stop=stop,
            extra={"minutes": max(0, round((expected - now).total_seconds() / 60))},
        )
        return Rule.delayed, written, "" if written else _NOTHING_NEW
    if order.window_start is None:
        return None, 0, "the order has no window to tell the customer"
    if not rules.scheduled.enabled:
        return Rule.scheduled, 0, "the scheduled message is switched off in the settings"
    written = _send(
        session,
        o,
        order,
        Rule.scheduled,
        rules.scheduled.channels,
        now,
        key=f"scheduled-by-dispatch:{order.window_start.isoformat()}",
        stop=stop,
    )
    return Rule.scheduled, written, "" if written else _NOTHING_NEW


_NOTHING_NEW = "nothing new to send: already told of this time, or no phone or email to reach"


# -- composing -------------------------------------------------------------------------


def _local(at: datetime, tz: str) -> datetime:
    return at.astimezone(ZoneInfo(tz))


def _channels(
    session: Session, o: _Org, order: Order, allowed: Sequence[str]
) -> tuple[list[tuple[str, str]], str]:
    """(channel, address) pairs the recipient accepts, and their language."""
    want_sms = want_email = True
    language = o.settings.default_language
    if order.customer_id is not None:
        customer = session.get(Customer, order.customer_id)
        if customer is not None:
            want_sms, want_email = customer.notify_sms, customer.notify_email
            language = customer.language or language
    pairs: list[tuple[str, str]] = []
    if "sms" in allowed and want_sms and order.recipient_phone:
        pairs.append(("sms", order.recipient_phone))
    if "email" in allowed and want_email and order.recipient_email:
        pairs.append(("email", order.recipient_email))
    if pairs:
        blocked = set(
            session.execute(
                select(Contact.channel, Contact.address).where(
                    Contact.org_id == order.org_id,
                    Contact.address.in_([a for _, a in pairs]),
                    (Contact.opted_out_at.is_not(None)) | (Contact.bounced_at.is_not(None)),
                )
            ).all()
        )
        pairs = [p for p in pairs if tuple(p) not in blocked]
    return pairs, language[:2]


def public_url() -> str:
    """The server's own address (``DOORSTEP_PUBLIC_URL``)."""
    return _public_url[0]


def tracking_url(session: Session, settings: NotificationSettings, code: str) -> str:
    base = settings.tracking_base_url or _public_url[0]
    return f"{str(base).rstrip('/')}/t/{code}"


def context(
    session: Session,
    org: Organisation,
    settings: NotificationSettings,
    order: Order,
    stop: Stop | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Every template field for this order (templates.FIELDS names them)."""
    zone = ZoneInfo(org.timezone)
    url = tracking_url(session, settings, order.tracking_code)

    def hm(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%H:%M") if value else ""

    window = (
        f"{hm(order.window_start)}-{hm(order.window_end)}"
        if order.window_start and order.window_end
        else ""
    )
    date = order.window_start.astimezone(zone).strftime("%A %-d %B") if order.window_start else ""
    driver = ""
    if stop is None:
        stop = session.scalar(
            select(Stop)
            .where(Stop.order_id == order.id, Stop.kind == "delivery")
            .order_by(Stop.created_at.desc())
            .limit(1)
        )
    if stop is not None:
        route = session.get(Route, stop.route_id)
        person = session.get(Driver, route.driver_id) if route and route.driver_id else None
        if person is not None and person.name:
            driver = person.name.split()[0]
    eta = stop.eta if stop is not None else None
    eta_window = ""
    if stop is not None and stop.eta_earliest and stop.eta_latest:
        eta_window = f"{hm(stop.eta_earliest)}-{hm(stop.eta_latest)}"
    values: dict[str, Any] = {
        "first_name": (order.recipient_name or "").split()[0] if order.recipient_name else "",
        "recipient_name": order.recipient_name,
        "organisation": org.name,
        "tracking_code": order.tracking_code,
        "tracking_url": url,
        "date": date,
        "window": window,
        "eta": hm(eta),
        "eta_window": eta_window or window,
        "minutes": 0,
        "stops_away": (stop.stops_away if stop is not None and stop.stops_away else 0),
        "reason": "",
        "reschedule_url": f"{url}#reschedule",
        "proof_url": f"{url}#proof",
        "rating_url": f"{url}#rating",
        "driver_first_name": driver or org.name,
        "message": "",
    }
    values.update(extra or {})
    return values


def _send(
    session: Session,
    o: _Org,
    order: Order,
    rule: Rule,
    allowed: Sequence[str],
    at: datetime,
    *,
    key: str,
    not_before: datetime | None = None,
    expect: dict[str, Any] | None = None,
    stop: Stop | None = None,
    extra: dict[str, Any] | None = None,
) -> int:
    pairs, language = _channels(session, o, order, allowed)
    if not pairs:
        return 0
    values = context(session, o.org, o.settings, order, stop, extra)
    quiet = None
    if o.settings.quiet_hours is not None:
        quiet = QuietHours(
            parse_hhmm(o.settings.quiet_hours.start), parse_hhmm(o.settings.quiet_hours.end)
        )
    release = release_at(
        not_before or at, o.org.timezone, quiet, delivery_day=rule in DELIVERY_DAY_RULES
    )
    written = 0
    for channel, address in pairs:
        template = o.settings.template_for(rule, channel, language)
        body = templates.render(template.body, values)
        subject = templates.render(template.subject, values) if template.subject else None
        html = templates.render_html(template.body, values) if channel == "email" else None
        written += outbox.enqueue(
            session,
            org_id=order.org_id,
            channel=channel,
            kind=rule.value,
            recipient=address,
            body=body,
            subject=subject,
            html=html,
            order_id=order.id,
            dedupe_key=f"{order.id}:{key}:{channel}",
            not_before=release,
            event_at=at,
            expect=expect,
            language=language,
            now=at,
        )
    return written

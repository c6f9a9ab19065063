"""Notifications, chat, webhooks and inbound SMS.

Chat has two doors: the recipient's (by tracking code, rate-limited like every public
tracking call) and staff's (a driver only for orders on their own routes). Inbound SMS
and Twilio's status callbacks carry no login: Twilio's request signature is the proof.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep import clock
from doorstep.api import sse
from doorstep.api.deps import (
    Limit,
    Manager,
    Offset,
    Reader,
    RouteDriver,
    RouteReader,
    SessionDep,
)
from doorstep.api.track_limits import TrackLimited
from doorstep.bus import Subscription
from doorstep.domain.errors import Forbidden
from doorstep.domain.signatures import verify_twilio
from doorstep.schemas.notifications import (
    ChatMessageCreate,
    ChatMessagePublic,
    ContactPublic,
    ContactUpdate,
    ConversationPublic,
    DeliveryPublic,
    NotificationSettings,
    NotificationSettingsPublic,
    OutboxPublic,
    TemplatePreview,
    TemplatePreviewPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from doorstep.services import chat, inbound_sms, messaging, webhooks
from doorstep.services import track as track_svc
from doorstep.storage.db import READ_ONLY
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.sms")

settings_router = APIRouter(prefix="/organisation", tags=["notifications"])
notifications_router = APIRouter(tags=["notifications"])
chat_router = APIRouter(tags=["chat"])
public_chat = APIRouter(prefix="/track", tags=["track"])
webhooks_router = APIRouter(prefix="/webhooks", tags=["webhooks"])
sms_router = APIRouter(prefix="/sms", tags=["sms"])

Check = Annotated[str | None, Query(max_length=40)]


# -- settings, templates, contacts, the outbox ---------------------------------------


@settings_router.get("/notification-settings", response_model=NotificationSettingsPublic)
def get_settings(session: SessionDep, who: Manager) -> Any:
    """Rules, quiet hours, templates, the SMS provider (its token masked), chat limits."""
    return messaging.settings(session, who)


@settings_router.put("/notification-settings", response_model=NotificationSettingsPublic)
def put_settings(body: NotificationSettings, session: SessionDep, who: Manager) -> Any:
    """Replace them all; a field left out is its default again. A template with an
    unknown field or bad syntax is refused here (422), never at send time. A masked
    token (as GET shows it) keeps the stored one."""
    return messaging.set_settings(session, who, body)


@notifications_router.post("/notification-templates/preview", response_model=TemplatePreviewPublic)
def preview(body: TemplatePreview, session: SessionDep, who: Reader) -> Any:
    """A template rendered with an order's fields (or sample ones), with its SMS length."""
    return messaging.preview(session, who, body)


@notifications_router.get("/orders/{order_id}/notifications", response_model=list[OutboxPublic])
def order_notifications(order_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """Every message written for this order: pending, sent, failed, cancelled and why."""
    return messaging.order_messages(session, who, order_id)


@notifications_router.get("/contacts", response_model=list[ContactPublic])
def list_contacts(
    session: SessionDep,
    who: Reader,
    opted_out: bool | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Numbers and addresses that opted out or bounced."""
    return messaging.contacts(session, who, opted_out, limit, offset)


@notifications_router.put("/contacts", response_model=ContactPublic)
def put_contact(body: ContactUpdate, session: SessionDep, who: Manager) -> Any:
    """Opt a number or address out (or back in) by hand."""
    return messaging.set_contact(session, who, body)


# -- chat -----------------------------------------------------------------------------


@chat_router.get("/orders/{order_id}/chat", response_model=ConversationPublic)
def staff_chat(order_id: uuid.UUID, session: SessionDep, who: RouteReader) -> Any:
    order = chat.staff_order(session, who, order_id)
    return chat.view(session, order, "staff", clock.now())


@chat_router.post(
    "/orders/{order_id}/chat",
    status_code=status.HTTP_201_CREATED,
    response_model=ChatMessagePublic,
)
def staff_post(
    order_id: uuid.UUID, body: ChatMessageCreate, session: SessionDep, who: RouteDriver
) -> Any:
    """Write to the recipient (relayed by SMS when they chat by SMS; they see the
    organisation's number, never yours)."""
    return chat.post_as_staff(session, who, order_id, body.body, clock.now())


@chat_router.post("/orders/{order_id}/chat/read")
def staff_read(order_id: uuid.UUID, session: SessionDep, who: RouteDriver) -> dict[str, int]:
    order = chat.staff_order(session, who, order_id)
    return {"read": chat.mark_read(session, order, "staff", clock.now())}


@public_chat.get("/{tracking_code}/chat", response_model=ConversationPublic)
def recipient_chat(
    _: TrackLimited, tracking_code: str, session: SessionDep, check: Check = None
) -> Any:
    """The conversation with the driver, with quick replies."""
    order = track_svc.open_code(session, tracking_code, check).order
    return chat.view(session, order, "recipient", clock.now())


@public_chat.post(
    "/{tracking_code}/chat",
    status_code=status.HTTP_201_CREATED,
    response_model=ChatMessagePublic,
)
def recipient_post(
    _: TrackLimited,
    tracking_code: str,
    body: ChatMessageCreate,
    session: SessionDep,
    check: Check = None,
) -> Any:
    """Write to the driver (gate code, dog, where to leave it). At most 1,000
    characters; closed some hours after the delivery (409)."""
    order = track_svc.open_code(session, tracking_code, check).order
    return chat.post(session, order, "recipient", body.body, via="web", now=clock.now())


@public_chat.post("/{tracking_code}/chat/read")
def recipient_read(
    _: TrackLimited, tracking_code: str, session: SessionDep, check: Check = None
) -> dict[str, int]:
    order = track_svc.open_code(session, tracking_code, check).order
    return {"read": chat.mark_read(session, order, "recipient", clock.now())}


@public_chat.get(
    "/{tracking_code}/chat/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def recipient_chat_events(
    _: TrackLimited, tracking_code: str, request: Request, check: Check = None
) -> StreamingResponse:
    """Server-Sent Events: `event: message` for each new message of this chat."""
    runtime: Runtime = request.app.state.runtime

    def opened() -> tuple[str, str]:
        with runtime.sessions() as session:
            session.connection(execution_options={READ_ONLY: True})
            order = track_svc.open_code(session, tracking_code, check).order
            return str(order.org_id), str(order.id)

    org_id, order_id = await run_in_threadpool(opened)
    return await _chat_stream(runtime, org_id, order_id)


@chat_router.get(
    "/orders/{order_id}/chat/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def staff_chat_events(
    order_id: uuid.UUID, request: Request, session: SessionDep, who: RouteReader
) -> StreamingResponse:
    order = chat.staff_order(session, who, order_id)
    runtime: Runtime = request.app.state.runtime
    return await _chat_stream(runtime, str(order.org_id), str(order.id))


async def _chat_stream(runtime: Runtime, org_id: str, order_id: str) -> StreamingResponse:
    subscription = await runtime.bus.subscribe(org_id, ("chat.message",), backlog=100)
    keepalive = runtime.settings.track_stream_keepalive_s
    return sse.response(_events(subscription, order_id, keepalive))


async def _events(
    subscription: Subscription, order_id: str, keepalive_s: float
) -> AsyncIterator[str]:
    yield sse.RETRY
    async for event in sse.events_or_quiet(subscription, keepalive_s):
        if event is None:
            yield sse.KEEPALIVE
        elif event.data.get("order_id") == order_id:
            data = {k: v for k, v in event.data.items() if k not in ("order_id", "tracking_code")}
            yield sse.message("message", json.dumps(data))


# -- webhooks -------------------------------------------------------------------------


@webhooks_router.post("", status_code=status.HTTP_201_CREATED, response_model=WebhookCreated)
def create_webhook(body: WebhookCreate, session: SessionDep, who: Manager) -> Any:
    """Subscribe a URL to event types; the secret (shown once) signs every delivery."""
    return webhooks.create(session, who, body)


@webhooks_router.get("", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, who: Manager) -> Any:
    return webhooks.list_all(session, who)


@webhooks_router.get("/{webhook_id}", response_model=WebhookPublic)
def get_webhook(webhook_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    return webhooks.get(session, who, webhook_id)


@webhooks_router.patch("/{webhook_id}", response_model=WebhookPublic)
def update_webhook(
    webhook_id: uuid.UUID, body: WebhookUpdate, session: SessionDep, who: Manager
) -> Any:
    return webhooks.update(session, who, webhook_id, body)


@webhooks_router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, who: Manager) -> Response:
    webhooks.delete(session, who, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@webhooks_router.get("/{webhook_id}/deliveries", response_model=list[DeliveryPublic])
def list_deliveries(
    webhook_id: uuid.UUID,
    session: SessionDep,
    who: Manager,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """The delivery log, newest first: status, every attempt with its answer."""
    return webhooks.deliveries(session, who, webhook_id, limit, offset)


@webhooks_router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver", response_model=DeliveryPublic
)
def redeliver(webhook_id: uuid.UUID, delivery_id: int, session: SessionDep, who: Manager) -> Any:
    """Send a delivery again (dead-lettered, failed or sent), with the same id."""
    return webhooks.redeliver(session, who, webhook_id, delivery_id)


# -- inbound SMS (Twilio) ---------------------------------------------------------------


def _twiml(text: str) -> Response:
    inner = f"<Message>{escape(text)}</Message>" if text else ""
    return Response(
        f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>',
        media_type="application/xml",
    )


def _auth_token(runtime: Runtime, org_id: uuid.UUID) -> str:
    """The organisation's Twilio auth token (404 when it has no Twilio account)."""
    with runtime.sessions() as session:
        session.connection(execution_options={READ_ONLY: True})
        return inbound_sms.twilio_settings(session, org_id)[1].auth_token


async def _verified_form(
    request: Request, runtime: Runtime, org_id: uuid.UUID, signature: str | None
) -> dict[str, str]:
    """The posted form, if Twilio signed it with the organisation's token (else 403)."""
    token = await run_in_threadpool(_auth_token, runtime, org_id)
    form = {k: str(v) for k, v in (await request.form()).items()}
    urls = {str(request.url)}
    public = runtime.settings.public_url.rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    urls.add(f"{public}{request.url.path}{query}")
    if not signature or not any(verify_twilio(token, u, form, signature) for u in urls):
        log.warning("inbound SMS refused: bad Twilio signature (from %s)", request.client)
        raise Forbidden("the X-Twilio-Signature header does not match this request")
    return form


@sms_router.post("/twilio/{org_id}/inbound", response_class=Response)
async def twilio_inbound(
    org_id: uuid.UUID,
    request: Request,
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    """Twilio's incoming-message webhook: STOP/START/HELP, or a chat message for the
    sender's delivery. Answers TwiML (a reply, or none)."""
    runtime: Runtime = request.app.state.runtime

    form = await _verified_form(request, runtime, org_id, x_twilio_signature)
    sender, body = form.get("From", ""), form.get("Body", "")

    def handle() -> str:
        with runtime.sessions.begin() as session:
            org, _ = inbound_sms.twilio_settings(session, org_id)
            return inbound_sms.receive(session, org, sender, body, clock.now())

    return _twiml(await run_in_threadpool(handle))


@sms_router.post("/twilio/{org_id}/status", status_code=status.HTTP_204_NO_CONTENT)
async def twilio_status(
    org_id: uuid.UUID,
    request: Request,
    x_twilio_signature: Annotated[str | None, Header()] = None,
) -> Response:
    """Twilio's status callback: a message delivered, or not (and why)."""
    runtime: Runtime = request.app.state.runtime

    form = await _verified_form(request, runtime, org_id, x_twilio_signature)

    def handle() -> None:
        with runtime.sessions.begin() as session:
            org, _ = inbound_sms.twilio_settings(session, org_id)
            inbound_sms.status_callback(
                session,
                org,
                form.get("MessageSid", ""),
                form.get("MessageStatus", ""),
                form.get("ErrorCode") or None,
                clock.now(),
            )

    await run_in_threadpool(handle)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


routers = (
    settings_router,
    notifications_router,
    chat_router,
    public_chat,
    webhooks_router,
    sms_router,
)

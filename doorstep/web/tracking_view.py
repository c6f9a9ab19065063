"""The one seam between the pages and the tracking service: the pages render exactly
the JSON of ``GET /api/v1/track/{code}`` (the same dict the browser script receives
from the event stream), so server-rendered and live-updated pages cannot disagree."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from doorstep.services import track as svc

View = dict[str, Any]
CheckFailed = svc.CheckFailed


def view(session: Session, code: str, check: str | None) -> View | None:
    """The public view as JSON-ready data, or None when the code opens nothing (unknown,
    malformed and overlong alike). Raises :class:`CheckFailed` when the organisation's
    postcode/phone check is missing or wrong."""
    try:
        return svc.tracking_view(session, code, check).model_dump(mode="json")
    except svc.UnknownCode:
        return None


def slots(session: Session, code: str, check: str | None) -> list[dict[str, str]]:
    """The windows the delivery may move to, as ``{"start", "end"}`` ISO strings."""
    try:
        offered = svc.slots(session, code, check)
    except (svc.UnknownCode, svc.CheckFailed):
        return []
    return [
        {"start": slot["start"].isoformat(), "end": slot["end"].isoformat()}
        for slot in offered["slots"]
    ]


def check_kind(failed: CheckFailed) -> str | None:
    """Which check the organisation asks for (``postcode``/``phone_last4``), read from
    the service's message (the exception carries no kind of its own)."""
    message = str(failed)
    return next((kind for kind, prompt in svc.CHECK_PROMPTS.items() if prompt in message), None)


def conversation(session: Session, code: str, check: str | None) -> dict[str, Any] | None:
    """The order's chat as ``GET /api/v1/track/{code}/chat`` answers it (None: unknown
    code)."""
    from doorstep import clock
    from doorstep.schemas.notifications import ConversationPublic
    from doorstep.services import chat

    try:
        order = svc.open_code(session, code, check).order
    except svc.UnknownCode:
        return None
    found = chat.view(session, order, "recipient", clock.now())
    chat.mark_read(session, order, "recipient", clock.now())
    return ConversationPublic.model_validate(found).model_dump(mode="json")


def send_chat(session: Session, code: str, check: str | None, body: str) -> None:
    """The recipient writes (the form's post; the same rules as the API)."""
    from doorstep import clock
    from doorstep.schemas.notifications import ChatMessageCreate
    from doorstep.services import chat

    text = ChatMessageCreate(body=body).body
    order = svc.open_code(session, code, check).order
    chat.post(session, order, "recipient", text, via="web", now=clock.now())

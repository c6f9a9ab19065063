"""Notification, chat and webhook settings and what the API shows of messages.

The organisation's settings live in ``organisations.settings["notifications"]``; a
template is validated when it is saved (unknown field, bad syntax: 422 naming it), so
nothing can fail for that reason at send time.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, WithJsonSchema, field_validator, model_validator

from doorstep.domain.notify import templates as message_templates
from doorstep.domain.notify.kinds import Rule
from doorstep.schemas.common import Input, Output, ShortText, Timestamp, WebUrl, not_null

LocalTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Channel = Literal["sms", "email"]
BOTH: tuple[Channel, ...] = ("sms", "email")
EMAIL_ONLY: tuple[Channel, ...] = ("email",)
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{6,14}$")]
ChatText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]

# Event types a webhook may subscribe to; "*" is every one of them.
WEBHOOK_EVENTS: tuple[str, ...] = (
    "order.created",
    "order.updated",
    "order.status_changed",
    "order.eta_changed",
    "order.delivered",
    "order.failed",
    "proof.captured",
    "rating.received",
    "chat.message",
    "vehicle.alert",
)


class RuleSettings(Input):
    enabled: bool = True
    channels: list[Channel] = Field(
        default_factory=lambda: list(BOTH),
        description="Channels this rule may use; each recipient's own choice narrows them.",
    )


class ArrivingRule(RuleSettings):
    minutes: int = Field(15, ge=1, le=120, description="Send once the live ETA is this close.")
    stops_away: int | None = Field(
        None, ge=1, le=20, description="Or once the van is this many stops away."
    )


class DelayedRule(RuleSettings):
    threshold_minutes: int = Field(
        10, ge=1, le=240, description="Send when the ETA leaves the window by this much."
    )


class ScheduledRule(RuleSettings):
    send_at: LocalTime = Field("17:00", description="Local time on the day before.")


class RatingRule(RuleSettings):
    channels: list[Channel] = Field(default_factory=lambda: list(EMAIL_ONLY))
    delay_minutes: int = Field(30, ge=0, le=7 * 24 * 60)


class Rules(Input):
    scheduled: ScheduledRule = Field(default_factory=ScheduledRule)
    out_for_delivery: RuleSettings = Field(default_factory=RuleSettings)
    arriving: ArrivingRule = Field(default_factory=ArrivingRule)
    delayed: DelayedRule = Field(default_factory=DelayedRule)
    delivered: RuleSettings = Field(default_factory=RuleSettings)
    failed: RuleSettings = Field(default_factory=RuleSettings)
    rating_request: RatingRule = Field(default_factory=RatingRule)


class TemplateOverride(Input):
    rule: Rule
    channel: Channel
    language: Language = "en"
    subject: ShortText | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=2000)]

    @model_validator(mode="after")
    def _valid(self) -> Self:
        for name, source in (("subject", self.subject), ("body", self.body)):
            if source is None:
                continue
            try:
                message_templates.validate(source)
            except message_templates.TemplateError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return self


class QuietHoursSettings(Input):
    start: LocalTime = "21:00"
    end: LocalTime = "08:00"


class TwilioSettings(Input):
    kind: Literal["twilio"] = "twilio"
    account_sid: Annotated[str, StringConstraints(pattern=r"^AC[0-9a-zA-Z]{32}$")]
    auth_token: Annotated[str, StringConstraints(min_length=8, max_length=100)]
    from_number: E164
    base_url: WebUrl = "https://api.twilio.com"


class HttpSmsSettings(Input):
    kind: Literal["http"] = "http"
    url: WebUrl
    method: Literal["POST", "GET"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    body_template: Annotated[str, StringConstraints(max_length=2000)] = (
        '{"to": "{{ to }}", "text": {{ body | tojson }}}'
    )
    content_type: Literal["json", "form"] = "json"
    from_number: E164 | None = None
    id_field: str | None = None

    @model_validator(mode="after")
    def _form_for_get(self) -> Self:
        if self.method == "GET" and self.content_type == "json":
            raise ValueError("a GET request carries form fields: set content_type to form")
        return self


class ConsoleSmsSettings(Input):
    kind: Literal["console"] = "console"


SmsProvider = Annotated[
    TwilioSettings | HttpSmsSettings | ConsoleSmsSettings, Field(discriminator="kind")
]


class ChatSettings(Input):
    close_after_hours: int = Field(
        4, ge=0, le=168, description="Hours after delivery or failure until the chat closes."
    )
    messages_per_minute: int = Field(10, ge=1, le=120)
    driver_quick_replies: list[ShortText] = Field(
        default_factory=lambda: [
            "I'm outside",
            "Leaving it at the door",
            "I'll be there in 5 minutes",
            "I can't find the entrance - can you help?",
        ],
        max_length=20,
    )
    recipient_quick_replies: list[ShortText] = Field(
        default_factory=lambda: [
            "The gate code is ",
            "Please leave it with a neighbour",
            "Beware of the dog",
            "I'm on my way down",
        ],
        max_length=20,
    )


class NotificationSettings(Input):
    """A field left out of a PUT is its default again."""

    enabled: bool = True
    rules: Rules = Field(default_factory=Rules)
    quiet_hours: QuietHoursSettings | None = Field(default_factory=QuietHoursSettings)
    default_language: Language = "en"
    templates: list[TemplateOverride] = Field(default_factory=list, max_length=200)
    sms: SmsProvider = Field(default_factory=ConsoleSmsSettings)
    email_from: Annotated[str, StringConstraints(max_length=320)] | None = None
    tracking_base_url: WebUrl | None = Field(
        None, description="https://… the links in messages start with; the server's own else."
    )
    chat: ChatSettings = Field(default_factory=ChatSettings)

    @field_validator("templates")
    @classmethod
    def _unique(cls, value: list[TemplateOverride]) -> list[TemplateOverride]:
        seen: set[tuple[str, str, str]] = set()
        for t in value:
            key = (t.rule.value, t.channel, t.language)
            if key in seen:
                raise ValueError(f"two templates for {key[0]} / {key[1]} / {key[2]}")
            seen.add(key)
        return value

    def template_for(
        self, rule: Rule, channel: str, language: str
    ) -> message_templates.MessageTemplate:
        for t in self.templates:
            if t.rule == rule and t.channel == channel and t.language == language:
                return message_templates.MessageTemplate(subject=t.subject, body=t.body)
        return message_templates.default_template(rule, channel, language)


class NotificationSettingsPublic(NotificationSettings):
    org_id: uuid.UUID


class TemplatePreview(Input):
    rule: Rule
    channel: Channel
    language: Language = "en"
    subject: ShortText | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=2000)] | None = Field(
        None, description="Preview this text; else the organisation's template in force."
    )
    order_id: uuid.UUID | None = Field(None, description="Fill it from this order.")


class SmsLengthPublic(Output):
    encoding: str
    characters: int
    segments: int


class TemplatePreviewPublic(Output):
    subject: str | None
    body: str
    sms: SmsLengthPublic | None
    fields: dict[str, str]


class OutboxPublic(Output):
    id: int
    channel: str
    kind: str
    order_id: uuid.UUID | None
    subscription_id: uuid.UUID | None
    recipient: str
    subject: str | None
    body: str
    status: str
    attempts: int
    not_before: Timestamp
    created_at: Timestamp
    sent_at: Timestamp | None
    provider_id: str | None
    last_error: str | None


class AttemptPublic(Output):
    at: Timestamp
    outcome: str
    status_code: int | None
    detail: str | None
    duration_ms: float | None


class DeliveryPublic(OutboxPublic):
    attempts_log: list[AttemptPublic]


class ContactUpdate(Input):
    channel: Channel
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    opted_out: bool


class ContactPublic(Output):
    org_id: uuid.UUID
    channel: str
    address: str
    opted_out: bool
    opted_out_at: Timestamp | None
    bounced_at: Timestamp | None
    bounce_reason: str | None


# -- chat ------------------------------------------------------------------------------


class ChatMessageCreate(Input):
    body: ChatText


class ChatMessagePublic(Output):
    id: int
    author: Literal["recipient", "driver", "dispatcher", "system"]
    author_name: str
    body: str
    via: str
    at: Timestamp
    read_at: Timestamp | None


class ConversationPublic(Output):
    order_id: uuid.UUID
    open: bool
    closes_at: Timestamp | None
    messages: list[ChatMessagePublic]
    quick_replies: list[str]


# -- webhooks --------------------------------------------------------------------------


# Checked by ``WebhookCreate._known``, whose message lists the known types; the API
# document lists them too, so a client generated from it sends only those.
EventType = Annotated[
    str,
    StringConstraints(max_length=40),
    WithJsonSchema({"type": "string", "enum": ["*", *WEBHOOK_EVENTS]}),
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=len(WEBHOOK_EVENTS) + 1)]


class WebhookCreate(Input):
    url: WebUrl
    event_types: EventTypes
    description: ShortText | None = None
    active: bool = True

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v != "*" and v not in WEBHOOK_EVENTS]
        if unknown:
            raise ValueError(
                f"unknown event type(s) {', '.join(unknown)}; known: *, {', '.join(WEBHOOK_EVENTS)}"
            )
        return sorted(set(value))


class WebhookUpdate(Input):
    url: WebUrl | None = None
    event_types: EventTypes | None = None
    description: ShortText | None = None
    active: bool | None = None

    _kept = not_null("url", "event_types", "active")

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else WebhookCreate._known(value)


class WebhookPublic(Output):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    active: bool
    created_at: Timestamp


class WebhookCreated(WebhookPublic):
    secret: str = Field(description="Shown once: verifies the Doorstep-Signature header.")


def mask(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings as an API read shows them: secrets replaced by a hint."""
    sms = dict(settings.get("sms") or {})
    if sms.get("auth_token"):
        sms["auth_token"] = "****" + str(sms["auth_token"])[-4:]
    return {**settings, "sms": sms}

"""Message signatures and SMS length rules. Pure: no I/O, time is a parameter.

- Twilio signs its callbacks (``X-Twilio-Signature``); we check them before trusting a
  delivery status.
- Our outbound webhooks are signed Stripe-style (``t=<unix>,v1=<hex>``) so receivers can
  check origin and refuse replays.
- SMS cost is counted in segments, and the encoding decides how many characters fit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# --- Twilio -------------------------------------------------------------------------


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the full URL followed by every POST
    parameter sorted by name (name then value, no separators), base64-encoded."""
    payload = url + "".join(key + params[key] for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio(auth_token: str, url: str, params: Mapping[str, str], signature: str) -> bool:
    """True when ``signature`` (the ``X-Twilio-Signature`` header) matches; constant time."""
    expected = twilio_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode(), signature.encode())


# --- Our outbound webhooks ----------------------------------------------------------


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``"<timestamp>." + body``: the timestamp is signed too, so a
    captured delivery cannot be replayed later under a fresh time."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Doorstep-Signature`` header value: ``t=<unix seconds>,v1=<hex>``."""
    return f"t={timestamp},v1={webhook_signature(secret, timestamp, body)}"


def _parse_header(header: str) -> tuple[int, list[str]] | None:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return None
    return timestamp, signatures


def verify_webhook(secret: str, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """True when the header carries a ``v1`` signature of ``body`` made with ``secret``
    at a time within ``tolerance_s`` of ``now`` (either side, for clock skew).

    Several ``v1`` entries are accepted so a sender can sign with an old and a new
    secret while the secret is being rotated.
    """
    parsed = _parse_header(header)
    if parsed is None:
        return False
    timestamp, signatures = parsed
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = webhook_signature(secret, timestamp, body).encode()
    # Compare against every candidate so timing does not reveal which one matched.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate.encode())
    return matched


# --- SMS length -------------------------------------------------------------------

# GSM 03.38 default alphabet (basic table), one septet each.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs an escape septet plus its own.
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SmsLength:
    """How a text travels as SMS: the encoding, its length in that encoding's units
    (septets for GSM-7, UTF-16 code units for UCS-2) and the number of segments."""

    encoding: Encoding
    characters: int
    segments: int


def sms_segments(text: str) -> SmsLength:
    """Count the segments ``text`` costs: GSM-7 when every character is in the GSM
    alphabet (160 per single message, 153 per part once concatenated), else UCS-2
    (70, then 67). An empty text costs no segment.

    Parts are packed as phones do: an escape pair (GSM-7) or a surrogate pair (UCS-2)
    is never split across two parts, so a long text can need one more part than a
    plain division suggests.
    """
    costs: list[int] = []
    for char in text:
        if char in _GSM_BASIC:
            costs.append(1)
        elif char in _GSM_EXTENDED:
            costs.append(2)
        else:
            units = [len(c.encode("utf-16-le")) // 2 for c in text]
            return SmsLength("UCS-2", sum(units), _segments(units, 70, 67))
    return SmsLength("GSM-7", sum(costs), _segments(costs, 160, 153))


def _segments(costs: list[int], single: int, part: int) -> int:
    total = sum(costs)
    if total == 0:
        return 0
    if total <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > part:
            parts, used = parts + 1, 0
        used += cost
    return parts

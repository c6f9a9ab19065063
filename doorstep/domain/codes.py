"""Public identifiers that customers type or click: tracking codes and API keys."""

from __future__ import annotations

import hashlib
import secrets

# Crockford's base32: no I, L, O, U, so a code read aloud or typed on a phone survives.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TRACKING_CODE_BITS = 80
TRACKING_CODE_LENGTH = TRACKING_CODE_BITS // 5  # 16 characters
API_KEY_PREFIX = "dsk_"


def new_tracking_code() -> str:
    """80 random bits as 16 Crockford base32 characters: unguessable and easy to type."""
    value = secrets.randbits(TRACKING_CODE_BITS)
    chars = []
    for _ in range(TRACKING_CODE_LENGTH):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def normalise_tracking_code(text: str) -> str:
    """Accept what people type: lower case, spaces, dashes, O for 0, I/L for 1."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    return cleaned.translate(str.maketrans("OIL", "011"))


def new_api_key() -> tuple[str, str]:
    """Return (key shown once to the user, the lookup prefix stored beside its hash)."""
    secret = secrets.token_urlsafe(32)
    key = f"{API_KEY_PREFIX}{secret}"
    return key, key[: len(API_KEY_PREFIX) + 8]


def hash_api_key(key: str) -> str:
    """API keys carry 256 random bits, so a fast hash is safe and keeps lookups O(1)."""
    return hashlib.sha256(key.encode()).hexdigest()


DEVICE_TOKEN_PREFIX = "dst_"


def new_device_identifier() -> str:
    """128 random bits as 26 lower-case base32 characters: types into a tracker app and
    cannot be guessed, since an OsmAnd identifier is the device's only credential."""
    value = secrets.randbits(130)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in range(26)).lower()


def new_device_token() -> str:
    return f"{DEVICE_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"

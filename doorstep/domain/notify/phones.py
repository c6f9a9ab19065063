"""Phone numbers as E.164, the one form SMS gateways accept and duplicates compare by.

People type numbers the way they say them ("040 123 4567", "0044 20 7946 0958"); the
organisation's country fills in what a local number leaves out. Errors say what to fix,
because they are shown to the dispatcher who typed the number.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, ValidationResult, geocoder

_ALLOWED = re.compile(r"\+?[\d\s().\-/]+")
_E164 = re.compile(r"\+[1-9]\d{1,14}")
_MAX_NATIONAL_DIGITS = 17


def is_e164(s: str) -> bool:
    """True when ``s`` is already in E.164 form (``+`` and 2 to 15 digits, no spaces)."""
    return _E164.fullmatch(s) is not None


def normalise_phone(raw: str, default_region: str | None) -> str:
    """``raw`` as E.164, local numbers read in ``default_region`` (ISO code, e.g. "FI").

    Raises ValueError saying why the number cannot be used.
    """
    text = raw.strip()
    if not text or not _ALLOWED.fullmatch(text) or not any(ch.isdigit() for ch in text):
        raise ValueError("not a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not text.startswith("+") and not default_region:
        raise ValueError("needs a country code (+…) because the organisation has no country set")
    region = default_region.upper() if default_region else None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise ValueError(_parse_failure(raw.strip(), exc, region)) from None
    if phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    where = _country_name(phonenumbers.region_code_for_country_code(number.country_code or 0))
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.TOO_LONG:
        raise ValueError(f"{raw.strip()} is too long for {where}")
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise ValueError(f"{raw.strip()} has an unknown country code")
    if reason == ValidationResult.TOO_SHORT or _prefix_of_valid(number):
        raise ValueError(f"{raw.strip()} is too short for {where}")
    raise ValueError(f"not a valid number for {where}")


def _parse_failure(raw: str, exc: NumberParseException, region: str | None) -> str:
    """The parser's error type in words a dispatcher can act on."""
    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        return f"{raw} has an unknown country code"
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        where = f" for {_country_name(region)}" if region else ""
        return f"{raw} is too short{where}"
    if kind == NumberParseException.TOO_LONG:
        return f"{raw} is too long"
    return "not a phone number"


def _prefix_of_valid(number: PhoneNumber) -> bool:
    """True when adding digits would make a valid number: it was cut short, not wrong."""
    national = str(number.national_number)
    for pad in "0519":
        for extra in range(1, _MAX_NATIONAL_DIGITS - len(national) + 1):
            candidate = PhoneNumber(
                country_code=number.country_code, national_number=int(national + pad * extra)
            )
            if phonenumbers.is_valid_number(candidate):
                return True
    return False


def _country_name(region: str | None) -> str:
    """English name of an ISO region ("FI" -> "Finland"); the code itself if unknown."""
    if not region or region == phonenumbers.UNKNOWN_REGION:
        return "that country"
    example = phonenumbers.example_number(region)
    name = geocoder.country_name_for_number(example, "en") if example else ""
    return name or region

"""Carrier-standard SMS keywords: a reply that opts out, back in, or asks for help.

Only the whole message counts, so "stop the van please" reaches a person instead of
silently unsubscribing someone who was talking to their driver.
"""

from __future__ import annotations

from enum import StrEnum


class Keyword(StrEnum):
    """What a keyword reply asks for."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


_WORDS: dict[str, Keyword] = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "LOPETA"),
        Keyword.STOP,
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP", "ALOITA"), Keyword.START),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
}


def keyword(text: str) -> Keyword | None:
    """The keyword the whole message is, ignoring case, spaces and punctuation, if any.

    "Stop.", " stop all " and "opt-out" count; anything with other words does not.
    """
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    return _WORDS.get(letters)

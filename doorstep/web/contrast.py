"""Colour contrast as WCAG 2.x computes it, so an organisation's brand colour never
makes its own buttons unreadable: the text on it is black or white, whichever
contrasts more (never below 4.58:1, above the 4.5:1 that AA asks of body text)."""

from __future__ import annotations

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
BLACK = "#000000"
WHITE = "#ffffff"
FALLBACK_BRAND = "#1a56db"
# The pages' background (cards are white, lighter still).
PAGE = "#f4f5f7"
AA_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of ``#rrggbb`` (0 black .. 1 white)."""
    if not HEX.match(colour):
        raise ValueError(f"{colour!r} is not #rrggbb")
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 .. 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(background: str) -> str:
    """Black or white, whichever reads better on ``background``."""
    return BLACK if contrast(background, BLACK) >= contrast(background, WHITE) else WHITE


def brand(colour: str | None) -> str:
    """The organisation's colour when it is a valid ``#rrggbb``, else Doorstep's."""
    return colour.lower() if colour and HEX.match(colour) else FALLBACK_BRAND


def accent(colour: str, background: str = PAGE) -> str:
    """The brand colour darkened until it reads as text on ``background`` (>= 4.5:1;
    the page's grey, so on white cards too), for links and outlines; a dark enough
    brand colour is returned as it is."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    current = colour
    for _ in range(60):
        if contrast(current, background) >= AA_TEXT:
            return current
        r, g, b = (int(v * 0.9) for v in (r, g, b))
        current = f"#{r:02x}{g:02x}{b:02x}"
    return BLACK

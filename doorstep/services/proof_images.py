"""Proof images as they are kept: decoded (so a file that is not an image is refused),
bounded in size, re-encoded without the metadata a phone camera adds (GPS, serial
numbers), and a signature checked for ink. Pillow does the decoding and encoding."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 50_000_000  # larger claims are decompression bombs, not photos
LONG_SIDE = 2048  # what a proof needs; a 12 MP photo is shrunk to this
ACCEPTED = frozenset({"JPEG", "PNG", "WEBP", "HEIF", "MPO"})


class ImageRefused(ValueError):
    """Why an upload cannot be a proof image, in words for the driver."""


@dataclass(frozen=True)
class Stored:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED:
            raise ImageRefused(
                f"a {image.format or 'unknown'} file is not a photo (JPEG, PNG, WebP)"
            )
        if image.width * image.height > MAX_PIXELS:
            raise ImageRefused("the image is too large in pixels")
        image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ImageRefused("the file is not an image") from None
    return image


def photo(data: bytes) -> Stored:
    """A JPEG, upright, at most ``LONG_SIDE`` px, with no EXIF or other metadata."""
    image = ImageOps.exif_transpose(_open(data))
    image = image.convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= : nothing carried over
    return Stored(out.getvalue(), "image/jpeg", "jpg", image.width, image.height)


def signature(data: bytes) -> Stored:
    """A PNG on white; refused when it holds no stroke (an empty canvas)."""
    image = _open(data)
    canvas = Image.new("RGBA", image.size, (255, 255, 255, 255))
    canvas.alpha_composite(image.convert("RGBA"))
    gray = canvas.convert("L")
    ink = gray.point(lambda v: 255 if v < 200 else 0).getbbox()
    if ink is None:
        raise ImageRefused("the signature is empty: sign in the box")
    gray.thumbnail((LONG_SIDE, LONG_SIDE))
    out = io.BytesIO()
    gray.save(out, "PNG", optimize=True)
    return Stored(out.getvalue(), "image/png", "png", gray.width, gray.height)

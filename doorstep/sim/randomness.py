"""Seeded random streams, one per purpose, so that the stream of one thing (say, GPS
noise) never shifts when another (say, service times) draws more or fewer numbers.

``random.Random`` rather than numpy: the simulation draws scalars one at a time, and
the standard library does that several times faster. Seeds are derived with BLAKE2,
never with ``hash()``, which changes from process to process.
"""

from __future__ import annotations

import hashlib
import math
from random import Random


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from any parts (``derive_seed(7, "gps", "van-3")``)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def stream(*parts: object) -> Random:
    return Random(derive_seed(*parts))


def lognormal(rng: Random, median: float, sigma: float) -> float:
    """Skewed positive values: ``median`` in the middle, a long right tail."""
    return median * math.exp(rng.gauss(0.0, sigma)) if sigma > 0 else median


def mean_one(rng: Random, sigma: float) -> float:
    """A lognormal factor whose *mean* is 1 (noise that does not bias the average)."""
    return math.exp(rng.gauss(-0.5 * sigma * sigma, sigma)) if sigma > 0 else 1.0


def between(rng: Random, span: tuple[float, float]) -> float:
    return rng.uniform(span[0], span[1]) if span[1] > span[0] else span[0]

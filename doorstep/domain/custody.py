"""Chain of custody: who held each parcel, where and when, in a log that cannot be
edited without it showing.

Every parcel carries a label ``{tracking code}-{n}`` (n = 1..items of its order), so a
scan names its order and which of its parcels. Each custody event stores the SHA-256 of
its own fields together with the previous event's hash for that parcel; changing,
removing or inserting an event breaks every link after it, and ``verify`` says where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from doorstep.domain.tracking_rules import parse_code

GENESIS = "0" * 64


class Custody(StrEnum):
    LOADED = "loaded"  # scanned onto the van at the depot
    MISSING = "missing"  # not found when loading, said so explicitly
    HANDOFF_OUT = "handoff_out"  # handed to another driver or depot (awaiting them)
    HANDOFF_IN = "handoff_in"  # the other side confirmed taking it
    DELIVERED = "delivered"
    RETURNED = "returned"  # back at the depot


# What may follow what for one parcel; None: its first event.
NEXT: Mapping[Custody | None, frozenset[Custody]] = {
    None: frozenset({Custody.LOADED, Custody.MISSING}),
    Custody.MISSING: frozenset({Custody.LOADED}),
    Custody.LOADED: frozenset(
        {Custody.HANDOFF_OUT, Custody.DELIVERED, Custody.RETURNED, Custody.LOADED}
    ),
    Custody.HANDOFF_OUT: frozenset({Custody.HANDOFF_IN}),
    Custody.HANDOFF_IN: frozenset({Custody.HANDOFF_OUT, Custody.DELIVERED, Custody.RETURNED}),
    Custody.RETURNED: frozenset({Custody.LOADED}),
    Custody.DELIVERED: frozenset(),
}


class CustodyError(ValueError):
    """A custody step that does not follow from the parcel's last one."""


def parse_label(label: str, max_items: int = 999) -> tuple[str, int] | None:
    """``(tracking code, n)`` of a parcel label such as ``7K3M9QX2RT5VW8HC-2``; None if
    it is not one. A bare tracking code is parcel 1."""
    text = label.strip()
    if len(text) > 40:
        return None
    code_part, sep, number = text.rpartition("-")
    if not sep or not number.isdigit() or len(number) > 3:
        code_part, number = text, "1"  # a bare code (typed with dashes or not)
    if not 1 <= int(number) <= max_items:
        return None
    code = parse_code(code_part)
    return None if code is None else (code, int(number))


def label(tracking_code: str, n: int) -> str:
    return f"{tracking_code}-{n}"


def check_step(last: Custody | None, kind: Custody) -> None:
    if kind not in NEXT[last]:
        before = last.value if last else "nothing"
        raise CustodyError(f"a parcel whose last custody event is {before} cannot be {kind.value}")


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes a hash covers: the fields as sorted, compact JSON."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Link:
    """One stored event: the fields its hash covers, and the hashes it stored."""

    fields: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    broken_at: int | None = None  # index of the first event that does not check out
    reason: str | None = None


def verify(chain: Sequence[Link]) -> Verification:
    """Walk a parcel's events in order: each must point at the one before and hash to
    what it stored, and each step must be allowed."""
    prev = GENESIS
    last: Custody | None = None
    for i, link in enumerate(chain):
        if link.prev_hash != prev:
            return Verification(
                False,
                len(chain),
                i,
                f"event {i + 1} does not follow event {i} (a link is missing or inserted)",
            )
        if event_hash(link.prev_hash, link.fields) != link.hash:
            return Verification(
                False, len(chain), i, f"event {i + 1} was changed after it was recorded"
            )
        try:
            kind = Custody(str(link.fields.get("kind")))
            check_step(last, kind)
        except (ValueError, CustodyError) as exc:
            return Verification(False, len(chain), i, f"event {i + 1}: {exc}")
        prev, last = link.hash, kind
    return Verification(True, len(chain))

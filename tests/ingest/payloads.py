"""Reads the captured tracker payloads in tests/fixtures/pings/<protocol>/."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

PINGS = Path(__file__).resolve().parents[1] / "fixtures" / "pings"

# When every decoded fix "arrived": a fixed time, since decoders take time as a parameter.
RECEIVED = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def payload(protocol: str, name: str) -> bytes:
    return (PINGS / protocol / name).read_bytes()


def names(protocol: str) -> set[str]:
    return {path.name for path in (PINGS / protocol).iterdir() if path.is_file()}

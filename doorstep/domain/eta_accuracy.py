"""How good the ETAs customers saw were: error and window coverage by horizon.

While a route is driven, each stop keeps the first ETA published for it within each
horizon band (``sample``: how long before the predicted arrival it was given). Once the
stop is reached, ``summarise`` compares those with the actual arrival: mean and 90th
percentile absolute error, and how often the ETA window held the arrival (meant to be
80 %). The bands are those of ``doorstep bench eta``, so live figures and the benchmark
read the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

BANDS: tuple[tuple[str, float, float], ...] = (
    ("0-15", 0, 15 * 60),
    ("15-30", 15 * 60, 30 * 60),
    ("30-60", 30 * 60, 60 * 60),
    ("60-120", 60 * 60, 120 * 60),
    ("120+", 120 * 60, float("inf")),
)


def band(horizon_s: float) -> str | None:
    for name, low, high in BANDS:
        if low <= horizon_s < high:
            return name
    return None  # an ETA already in the past


def sample(
    samples: Mapping[str, Any] | None,
    computed_at: datetime,
    eta: datetime,
    earliest: datetime | None,
    latest: datetime | None,
) -> dict[str, Any] | None:
    """``samples`` with this prediction added if its band has none yet; None when
    nothing changes (so the caller writes nothing)."""
    name = band((eta - computed_at).total_seconds())
    if name is None or (samples and name in samples):
        return None
    return {
        **(samples or {}),
        name: [
            eta.isoformat(),
            earliest.isoformat() if earliest else None,
            latest.isoformat() if latest else None,
        ],
    }


@dataclass(frozen=True, slots=True)
class Accuracy:
    rows: list[list[Any]]  # band, n, mae_s, p90_s, coverage, mean_width_s
    overall_mae_s: float | None
    overall_coverage: float | None


Stats = dict[str, dict[str, Any]]
"""Per band: ``errors`` (absolute, seconds), ``covered`` and ``windows`` (arrivals
inside the window, predictions with a window), ``width_s`` (their summed widths).
Mergeable, so a route's stats are kept once its day is closed and added up later."""


def collect(stops: Iterable[tuple[Mapping[str, Any] | None, datetime | None]]) -> Stats:
    """``stops``: (samples, actual arrival) pairs; stops not reached are skipped."""
    stats: Stats = {}
    for samples, arrived in stops:
        if not samples or arrived is None:
            continue
        for name, values in samples.items():
            if name not in _NAMES or not isinstance(values, list) or len(values) != 3:
                continue
            eta, earliest, latest = (datetime.fromisoformat(v) if v else None for v in values)
            if eta is None:
                continue
            band_stats = stats.setdefault(name, _empty())
            band_stats["errors"].append(round(abs((arrived - eta).total_seconds()), 1))
            if earliest is not None and latest is not None:
                band_stats["windows"] += 1
                band_stats["covered"] += int(earliest <= arrived <= latest)
                band_stats["width_s"] += (latest - earliest).total_seconds()
    return stats


def merge(parts: Iterable[Stats]) -> Stats:
    total: Stats = {}
    for part in parts:
        for name, values in part.items():
            into = total.setdefault(name, _empty())
            into["errors"].extend(values["errors"])
            into["covered"] += values["covered"]
            into["windows"] += values["windows"]
            into["width_s"] += values["width_s"]
    return total


def table(stats: Stats) -> Accuracy:
    rows = []
    for name, _, _ in BANDS:
        b = stats.get(name, _empty())
        e = b["errors"]
        rows.append(
            [
                name,
                len(e),
                round(sum(e) / len(e), 1) if e else None,
                round(_quantile(e, 0.9), 1) if e else None,
                round(b["covered"] / b["windows"], 4) if b["windows"] else None,
                round(b["width_s"] / b["windows"], 1) if b["windows"] else None,
            ]
        )
    every = [x for b in stats.values() for x in b["errors"]]
    covered = sum(b["covered"] for b in stats.values())
    windows = sum(b["windows"] for b in stats.values())
    return Accuracy(
        rows,
        round(sum(every) / len(every), 1) if every else None,
        round(covered / windows, 4) if windows else None,
    )


def summarise(stops: Iterable[tuple[Mapping[str, Any] | None, datetime | None]]) -> Accuracy:
    return table(collect(stops))


_NAMES = frozenset(name for name, _, _ in BANDS)


def _empty() -> dict[str, Any]:
    return {"errors": [], "covered": 0, "windows": 0, "width_s": 0.0}


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]

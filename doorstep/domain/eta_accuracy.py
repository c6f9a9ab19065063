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


def summarise(stops: Iterable[tuple[Mapping[str, Any] | None, datetime | None]]) -> Accuracy:
    """``stops``: (samples, actual arrival) pairs; stops not reached are skipped."""
    errors: dict[str, list[float]] = {name: [] for name, _, _ in BANDS}
    covered: dict[str, list[bool]] = {name: [] for name, _, _ in BANDS}
    widths: dict[str, list[float]] = {name: [] for name, _, _ in BANDS}
    for samples, arrived in stops:
        if not samples or arrived is None:
            continue
        for name, values in samples.items():
            if name not in errors or not isinstance(values, list) or len(values) != 3:
                continue
            eta, earliest, latest = (datetime.fromisoformat(v) if v else None for v in values)
            if eta is None:
                continue
            errors[name].append(abs((arrived - eta).total_seconds()))
            if earliest is not None and latest is not None:
                covered[name].append(earliest <= arrived <= latest)
                widths[name].append((latest - earliest).total_seconds())
    rows = []
    for name, _, _ in BANDS:
        e, c, w = errors[name], covered[name], widths[name]
        rows.append(
            [
                name,
                len(e),
                round(sum(e) / len(e), 1) if e else None,
                round(_quantile(e, 0.9), 1) if e else None,
                round(sum(c) / len(c), 4) if c else None,
                round(sum(w) / len(w), 1) if w else None,
            ]
        )
    every = [x for v in errors.values() for x in v]
    cover = [x for v in covered.values() for x in v]
    return Accuracy(
        rows,
        round(sum(every) / len(every), 1) if every else None,
        round(sum(cover) / len(cover), 4) if cover else None,
    )


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]

"""Solomon / Gehring-Homberger VRPTW instances and best-known-solution tables, as text.

Pure parsing (no file access, like the rest of ``planning``): callers read the file
and pass its text with a ``source`` name that error messages quote, e.g.
``C101.txt, line 12: expected 7 numbers, got 6``.

``dimacs_problem`` builds the Problem in the DIMACS 2021 convention the distance-only
best-known values use: every arc is ``floor(10 * euclid)`` (Euclidean truncated to one
decimal, scaled by 10 to integers), for distance and travel time alike; service times
and windows are scaled by 10; the fleet limit is ``VEHICLE NUMBER`` and the depot's due
date ends every vehicle's shift.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from doorstep.planning.model import Job, Problem, TimeWindow, Vehicle

SCALE = 10  # DIMACS: tenths of a distance unit


class SolomonFormatError(ValueError):
    """A file that is not in the Solomon format; the message names file and line."""


_Fail = Callable[[str], SolomonFormatError]  # makes the error for the current line


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int  # fleet limit
    capacity: int
    nodes: tuple[Customer, ...]  # nodes[0] is the depot

    @property
    def customers(self) -> int:
        return len(self.nodes) - 1


@dataclass(frozen=True)
class BksEntry:
    instance: str
    customers: int
    vehicles: int
    distance: float


def parse_solomon(text: str, source: str) -> SolomonInstance:
    """Parse one instance. Raises ``SolomonFormatError`` naming ``source`` and the line."""
    lines = text.splitlines()

    def fail(lineno: int, message: str) -> SolomonFormatError:
        return SolomonFormatError(f"{source}, line {lineno}: {message}")

    numbered = [(i + 1, line.strip()) for i, line in enumerate(lines) if line.strip()]
    if not numbered:
        raise SolomonFormatError(f"{source}: the file is empty")
    name = numbered[0][1]
    pos = 1

    def expect(word: str) -> None:
        nonlocal pos
        if pos >= len(numbered):
            raise fail(len(lines), f"expected a line starting with {word!r}, file ended")
        lineno, line = numbered[pos]
        if not line.upper().startswith(word):
            raise fail(lineno, f"expected a line starting with {word!r}, got {line[:40]!r}")
        pos += 1

    expect("VEHICLE")
    expect("NUMBER")
    if pos >= len(numbered):
        raise fail(len(lines), "expected vehicle number and capacity, file ended")
    lineno, line = numbered[pos]
    fleet = _ints(line, 2, lambda m: fail(lineno, m))
    pos += 1
    vehicles, capacity = fleet
    if vehicles < 0 or capacity < 0:
        raise fail(lineno, "vehicle number and capacity must not be negative")
    expect("CUSTOMER")
    expect("CUST")

    nodes: list[Customer] = []
    for lineno, line in numbered[pos:]:
        values = _numbers(line, 7, functools.partial(fail, lineno))
        number, x, y, demand, ready, due, service = values
        if number != len(nodes):
            raise fail(lineno, f"expected customer number {len(nodes)}, got {number:g}")
        ints = (demand, ready, due, service)
        if any(v != int(v) or v < 0 for v in ints):
            raise fail(lineno, "demand, ready time, due date and service must be integers >= 0")
        if due < ready:
            raise fail(lineno, f"due date {due:g} before ready time {ready:g}")
        nodes.append(Customer(int(number), x, y, int(demand), int(ready), int(due), int(service)))
    if not nodes:
        raise fail(len(lines), "no depot or customer rows after the CUSTOMER header")
    return SolomonInstance(name=name, vehicles=vehicles, capacity=capacity, nodes=tuple(nodes))


def euclidean(instance: SolomonInstance) -> NDArray[np.float64]:
    """Exact (float64) Euclidean distances between all nodes."""
    xy = np.array([(c.x, c.y) for c in instance.nodes], dtype=np.float64)
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def dimacs_matrix(instance: SolomonInstance) -> NDArray[np.int64]:
    """``floor(10 * euclid)`` for every arc: the DIMACS / PyVRP ``"dimacs"`` rounding."""
    return np.floor(SCALE * euclidean(instance)).astype(np.int64)


def dimacs_problem(instance: SolomonInstance) -> Problem:
    """The instance as a Problem in the DIMACS convention (all times and distances x10).

    One dimension of capacity is used (weight); the others stay unlimited. Job ids are
    the customer numbers as text.
    """
    matrix = dimacs_matrix(instance)
    depot = instance.nodes[0]
    jobs = tuple(
        Job(
            id=str(c.number),
            location=i,
            service=SCALE * c.service,
            window=TimeWindow(SCALE * c.ready, SCALE * c.due),
            demand=(c.demand, 0, 0),
        )
        for i, c in enumerate(instance.nodes)
        if i > 0
    )
    shift = TimeWindow(SCALE * depot.ready, SCALE * depot.due)
    unlimited = 2**31 - 1
    vehicles = tuple(
        Vehicle(
            id=f"v{k + 1}",
            start=0,
            end=0,
            capacity=(instance.capacity, unlimited, unlimited),
            shift=shift,
        )
        for k in range(instance.vehicles)
    )
    return Problem(duration=matrix, distance=matrix.copy(), jobs=jobs, vehicles=vehicles)


def parse_bks(text: str, source: str) -> dict[str, BksEntry]:
    """Read ``bks.csv`` / ``bks_dimacs.csv`` (``instance,customers,vehicles,distance,...``)
    into entries by instance name."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    wanted = ["instance", "customers", "vehicles", "distance"]
    if header is None or [h.strip().lower() for h in header[:4]] != wanted:
        raise SolomonFormatError(f"{source}, line 1: expected header starting {','.join(wanted)}")
    out: dict[str, BksEntry] = {}
    for row in reader:
        lineno = reader.line_num
        if not row or not "".join(row).strip():
            continue
        if len(row) < 4:
            raise SolomonFormatError(f"{source}, line {lineno}: expected at least 4 fields")
        try:
            entry = BksEntry(row[0].strip(), int(row[1]), int(row[2]), float(row[3]))
        except ValueError as exc:
            raise SolomonFormatError(f"{source}, line {lineno}: {exc}") from None
        if not math.isfinite(entry.distance):
            raise SolomonFormatError(f"{source}, line {lineno}: distance is not a number")
        out[entry.instance] = entry
    return out


def _numbers(line: str, count: int, fail: _Fail) -> list[float]:
    parts = line.split()
    if len(parts) != count:
        raise fail(f"expected {count} numbers, got {len(parts)}: {line[:60]!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise fail(f"expected {count} numbers, got {line[:60]!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise fail("numbers must be finite")
    return values


def _ints(line: str, count: int, fail: _Fail) -> list[int]:
    values = _numbers(line, count, fail)
    if any(v != int(v) for v in values):
        raise fail(f"expected {count} integers, got {line[:60]!r}")
    return [int(v) for v in values]

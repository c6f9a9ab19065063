"""A seeded synthetic city: the same graph arrays as a parsed PBF, of any size.

For benchmarks and tests that need a network larger (or more predictable) than the
real extracts. The city is a grid of blocks (``block_m`` apart, corners jittered by up
to 10 % so no two paths tie exactly):

* every ``arterial_every``-th street is a two-way primary road at 50 km/h, and the
  streets halfway between them two-way secondary roads at 40 km/h;
* the rest are residential at 30 km/h (25 km/h on a random third of them), and each
  residential stretch between two arterials is one-way with probability
  ``one_way_share``, in a random direction.

The legal limits are 50 km/h on arterials, 40 on secondary roads and 30 on residential
streets (the slower third is driven below its limit).

Only the largest strongly connected component is kept, as for real data, so the node
count comes out a little below the one asked for. Same arguments, same graph.
"""

from __future__ import annotations

import math

import numpy as np

from doorstep.roads.graph import METRES_PER_DEGREE, IntArray, RoadGraph, build_graph
from doorstep.roads.tagging import RoadClass

HELSINKI_CENTRE = (60.1699, 24.9384)


def synthetic_city(
    nodes: int,
    seed: int = 0,
    centre: tuple[float, float] = HELSINKI_CENTRE,
    block_m: float = 100.0,
    arterial_every: int = 8,
    one_way_share: float = 0.2,
) -> RoadGraph:
    """A grid city of about ``nodes`` intersections around ``centre`` (lat, lon)."""
    if nodes < 4:
        raise ValueError("a synthetic city needs at least 4 nodes")
    if arterial_every < 2 or not 0.0 <= one_way_share <= 1.0:
        raise ValueError("arterial_every must be >= 2 and one_way_share within 0..1")
    rng = np.random.default_rng(seed)
    rows = math.isqrt(nodes - 1) + 1
    cols = -(-nodes // rows)
    r, c = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
    jitter = rng.uniform(-0.1, 0.1, size=(2, r.size)) * block_m
    lat0, lon0 = centre
    lat = lat0 + ((r - rows / 2) * block_m + jitter[0]) / METRES_PER_DEGREE
    lon = lon0 + ((c - cols / 2) * block_m + jitter[1]) / (
        METRES_PER_DEGREE * math.cos(math.radians(lat0))
    )

    node = r * cols + c
    east = c < cols - 1  # edges along rows: node -> node + 1
    north = r < rows - 1  # edges along columns: node -> node + cols
    parts = [
        _streets(node[east], node[east] + 1, r[east], c[east], arterial_every, one_way_share, rng),
        _streets(
            node[north], node[north] + cols, c[north], r[north], arterial_every, one_way_share, rng
        ),
    ]
    tails = np.concatenate([p[0] for p in parts])
    heads = np.concatenate([p[1] for p in parts])
    kmh = np.concatenate([p[2] for p in parts])
    cls = np.concatenate([p[3] for p in parts])
    oneway = np.concatenate([p[4] for p in parts])
    flip = np.concatenate([p[5] for p in parts])
    limit = np.concatenate([p[6] for p in parts])
    fwd = ~oneway | ~flip
    bwd = ~oneway | flip
    return build_graph(
        lat,
        lon,
        np.concatenate((tails[fwd], heads[bwd])),
        np.concatenate((heads[fwd], tails[bwd])),
        np.concatenate((kmh[fwd], kmh[bwd])),
        np.concatenate((cls[fwd], cls[bwd])),
        np.concatenate((limit[fwd], limit[bwd])),
    )


def _streets(
    tails: IntArray,
    heads: IntArray,
    street: IntArray,
    along: IntArray,
    arterial_every: int,
    one_way_share: float,
    rng: np.random.Generator,
) -> tuple[IntArray, IntArray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Class, speed, one-way direction and legal limit for the edges of parallel streets."""
    arterial = street % arterial_every == 0
    secondary = ~arterial & (street % arterial_every == arterial_every // 2)
    residential = ~arterial & ~secondary
    slow = rng.random(int(street.max()) + 1) < 1 / 3
    kmh = np.where(arterial, 50.0, np.where(secondary, 40.0, np.where(slow[street], 25.0, 30.0)))
    cls = np.where(
        arterial,
        RoadClass.PRIMARY,
        np.where(secondary, RoadClass.SECONDARY, RoadClass.RESIDENTIAL),
    ).astype(np.uint8)
    # One draw per stretch (street, block of arterial_every edges between arterials).
    stretch = street * (int(along.max()) // arterial_every + 1) + along // arterial_every
    draws = rng.random((2, int(stretch.max()) + 1))
    oneway = residential & (draws[0][stretch] < one_way_share)
    flip = draws[1][stretch] < 0.5
    limit = np.where(arterial, 50.0, np.where(secondary, 40.0, 30.0))
    return tails, heads, kmh, cls, oneway, flip, limit

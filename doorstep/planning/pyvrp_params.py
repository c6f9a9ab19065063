"""PyVRP search parameters, in one place so the benchmark measures what production runs.

PyVRP 0.14's defaults (iterated local search with late-acceptance hill climbing) plus
two changes, measured with ``doorstep bench vrptw`` at 10 s per 100 customers, one
core, seed 1 and 2 (mean gap to the DIMACS BKS; single runs vary by about 0.15 points):

* the longer-segment operators ``Relocate3``, ``Swap31``, ``Swap32``, ``Swap33`` join
  the default set: on three 200-customer Gehring-Homberger instances (R1_2_6,
  RC1_2_1, RC1_2_6) 0.43 / 0.42 % against 0.71 / 0.56 % with the defaults;
* granular neighbourhood of 30 instead of 50: each local search pass is cheaper, so
  more iterations fit the time limit: 0.37 % on the same three; 0.63 % against
  0.69 % on five hard 100/200-customer ones (R108, R206, R210, RC101, R1_2_6).

Full 48-instance set, 10 s per 100 customers, seed 1: 0.231 % with the defaults,
0.223 % with these (one run each, so the difference on the whole set is within noise;
the gain is on the 200-customer instances, the loss on single 100-customer ones such
as R108 is run-to-run variation).

Tried and not kept: 80 neighbours (0.86 % on the hard five), more perturbation (5-40
moves, 0.99 %), a late-acceptance history of 500 (1.04 % on the three).
"""

from __future__ import annotations

from pyvrp import ProblemData, SolveParams
from pyvrp.search import (
    OPERATORS,
    NeighbourhoodParams,
    Relocate3,
    Swap31,
    Swap32,
    Swap33,
)

NUM_NEIGHBOURS = 30


def solve_params(data: ProblemData) -> SolveParams:
    """The parameters every solve uses (``data`` is there for size-dependent tuning)."""
    return SolveParams(
        neighbourhood=NeighbourhoodParams(num_neighbours=NUM_NEIGHBOURS),
        operators=[*OPERATORS, Relocate3, Swap31, Swap32, Swap33],
    )

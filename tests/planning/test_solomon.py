"""The Solomon reader on a real instance and on malformed text, and the BKS tables."""

from __future__ import annotations

import math

import pytest

from doorstep.planning.solomon import (
    SolomonFormatError,
    dimacs_matrix,
    dimacs_problem,
    parse_bks,
    parse_solomon,
)

TINY = """TINY

VEHICLE
NUMBER     CAPACITY
  2         50

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      3          4         10         10        200         10
    2      1          1         20          0        500          5
"""


def test_reads_c101(vrptw_data):
    inst = parse_solomon((vrptw_data / "C101.txt").read_text(), "C101.txt")
    assert (inst.name, inst.customers, inst.vehicles, inst.capacity) == ("C101", 100, 25, 200)
    depot, first = inst.nodes[0], inst.nodes[1]
    assert (depot.x, depot.y, depot.due) == (40, 50, 1236)
    assert (first.x, first.y, first.demand, first.ready, first.due, first.service) == (
        45,
        68,
        10,
        912,
        967,
        90,
    )
    problem = dimacs_problem(inst)
    # depot (40, 50) to customer 1 (45, 68): sqrt(349) = 18.68... -> 186 tenths
    assert problem.distance[0, 1] == problem.duration[0, 1] == 186
    job = problem.jobs[0]
    assert (job.id, job.service, job.window.start, job.window.end) == ("1", 900, 9120, 9670)
    assert len(problem.vehicles) == 25
    assert problem.vehicles[0].shift.end == 12360
    assert problem.vehicles[0].capacity[0] == 200


def test_reads_a_gehring_homberger_instance(vrptw_data):
    inst = parse_solomon((vrptw_data / "R1_2_1.txt").read_text(), "R1_2_1.txt")
    assert inst.customers == 200


def test_dimacs_truncates_to_one_decimal():
    inst = parse_solomon(TINY, "tiny")
    matrix = dimacs_matrix(inst)
    assert matrix[0, 1] == 50  # exactly 5.0
    assert matrix[0, 2] == math.floor(10 * math.sqrt(2)) == 14
    assert matrix[1, 2] == math.floor(10 * math.sqrt(13)) == 36


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "empty"),
        ("X\nVEHICLE\nNUMBER CAPACITY\n2\nCUSTOMER\n", "line 4"),
        ("X\nCUSTOMER\n", "line 2"),
        (TINY.replace("  2         50", "  2         fifty"), "line 5"),
        (TINY.replace("    2      1          1         20", "    2      1          1"), "line 12"),
        (TINY.replace("    2      1", "    7      1"), "line 12"),
        (TINY.replace("10        200", "300       200"), "line 11"),
        (TINY.split("CUSTOMER")[0] + "CUSTOMER\nCUST NO.\n", "no depot"),
    ],
    ids=[
        "empty",
        "fleet-short",
        "no-vehicle-section",
        "fleet-text",
        "short-row",
        "numbering",
        "due-before-ready",
        "no-rows",
    ],
)
def test_malformed_text_names_the_file_and_line(text, where):
    with pytest.raises(SolomonFormatError) as err:
        parse_solomon(text, "bad.txt")
    assert str(err.value).startswith("bad.txt")
    assert where in str(err.value)


def test_reads_bks_tables(vrptw_data):
    dimacs = parse_bks((vrptw_data / "bks_dimacs.csv").read_text(), "bks_dimacs.csv")
    hier = parse_bks((vrptw_data / "bks.csv").read_text(), "bks.csv")
    assert (dimacs["C101"].vehicles, dimacs["C101"].distance) == (10, 827.3)
    assert (hier["C101"].vehicles, hier["C101"].distance) == (10, 828.94)
    assert len(dimacs) == len(hier) == 48


def test_malformed_bks_names_the_line():
    with pytest.raises(SolomonFormatError, match=r"x\.csv, line 1"):
        parse_bks("name,foo\n", "x.csv")
    with pytest.raises(SolomonFormatError, match=r"x\.csv, line 3"):
        parse_bks("instance,customers,vehicles,distance\nA,1,1,1.0\nB,1,two,1.0\n", "x.csv")

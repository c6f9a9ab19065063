"""ETA accuracy by horizon: the first ETA of each band is kept, then compared with the
arrival (absolute error, and whether the window held it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.eta_accuracy import band, sample, summarise

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def minutes(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def test_bands_follow_the_benchmark():
    assert [band(m * 60) for m in (0, 14.9, 15, 45, 90, 600)] == [
        "0-15",
        "0-15",
        "15-30",
        "30-60",
        "60-120",
        "120+",
    ]
    assert band(-1) is None


def test_only_the_first_eta_of_a_band_is_kept():
    first = sample(None, T0, minutes(50), minutes(45), minutes(55))
    assert first is not None and list(first) == ["30-60"]
    assert sample(first, minutes(5), minutes(52), minutes(47), minutes(57)) is None
    later = sample(first, minutes(40), minutes(52), minutes(50), minutes(54))
    assert later is not None and set(later) == {"30-60", "0-15"}
    assert sample(later, minutes(60), minutes(52), None, None) is None  # in the past


def test_errors_and_coverage_by_band():
    one = {"30-60": [minutes(50).isoformat(), minutes(45).isoformat(), minutes(55).isoformat()]}
    two = {"30-60": [minutes(40).isoformat(), minutes(38).isoformat(), minutes(42).isoformat()]}
    result = summarise([(one, minutes(53)), (two, minutes(50)), (one, None)])
    row = dict(
        zip(("band", "n", "mae_s", "p90_s", "coverage", "width"), result.rows[2], strict=True)
    )
    assert row["band"] == "30-60" and row["n"] == 2
    assert row["mae_s"] == (180 + 600) / 2
    assert row["p90_s"] == 600
    assert row["coverage"] == 0.5  # 53 inside 45-55; 50 outside 38-42
    assert row["width"] == (600 + 240) / 2
    assert result.rows[0][1] == 0 and result.rows[0][2] is None
    assert result.overall_mae_s == 390 and result.overall_coverage == 0.5


def test_stored_samples_from_an_older_version_are_skipped_not_fatal():
    junk = {"30-60": "nonsense", "unknown": [1, 2, 3]}
    assert summarise([(junk, T0)]).overall_mae_s is None

"""Maintenance: due soon and overdue by distance, engine hours or calendar; a service
resets; vehicles far above the fleet median are flagged."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.domain.detectors import maintenance as m

OIL = m.Schedule("oil", every_km=15_000, every_days=365)
HOURS = m.Schedule("hydraulics", every_engine_hours=500)
SERVICED = m.Usage(date(2025, 1, 1), odometer_km=100_000, engine_hours=2_000)


def reading(km=100_000.0, hours=2_000.0, on=date(2025, 1, 2)):
    return m.Usage(on, km, hours)


@pytest.mark.parametrize(
    ("usage", "level"),
    [
        (reading(km=113_999), "ok"),
        (reading(km=114_000), "due_soon"),
        (reading(km=115_000), "overdue"),
        (reading(on=date(2025, 12, 17)), "ok"),
        (reading(on=date(2025, 12, 18)), "due_soon"),
        (reading(on=date(2026, 1, 1)), "overdue"),
    ],
)
def test_a_schedule_is_due_soon_within_its_margin_and_overdue_at_its_interval(usage, level):
    assert m.assess(OIL, usage, SERVICED).level == level


def test_engine_hours_count_for_machines_that_log_them():
    result = m.assess(HOURS, reading(hours=2_480), SERVICED)
    assert result.level == "due_soon" and result.reasons[0]["measure"] == "engine_hours"


def test_the_worst_measure_decides_and_every_reason_is_given():
    result = m.assess(OIL, reading(km=114_500, on=date(2026, 2, 1)), SERVICED)
    assert result.level == "overdue"
    assert {r["measure"]: r["level"] for r in result.reasons} == {
        "km": "due_soon",
        "days": "overdue",
    }


def test_a_schedule_needs_an_interval():
    with pytest.raises(ValueError, match="oil"):
        m.Schedule("oil")


def test_events_fire_once_per_level_and_a_service_resets_them():
    params = m.Params("van-1", (OIL,))
    state = m.record_service(None, "oil", SERVICED)
    seen = []
    for km in (110_000, 114_200, 114_600, 115_100, 116_000):
        state, events = m.update(state, reading(km=km), params)
        seen += [e.kind for e in events]
    assert seen == ["maintenance_due_soon", "maintenance_overdue"]
    state = m.record_service(state, "oil", reading(km=116_000))
    state, events = m.update(state, reading(km=117_000), params)
    assert events == []
    state, events = m.update(state, reading(km=130_500), params)
    assert [e.kind for e in events] == ["maintenance_due_soon"]
    assert events[0].vehicle == "van-1" and events[0].data["last_service"]["odometer_km"] == 116_000


def test_a_vehicle_without_a_recorded_service_is_not_judged():
    _, events = m.update(None, reading(km=999_999), m.Params("van-1", (OIL,)))
    assert events == []


def test_a_vehicle_with_far_more_unscheduled_repairs_than_the_median_is_flagged():
    fleet = [m.FleetRecord(f"van-{i}", 2, 4, 40_000) for i in range(5)]
    fleet.append(m.FleetRecord("lemon", 5, 4, 40_000))
    fleet.append(m.FleetRecord("edge", 4, 4, 40_000))  # exactly 2x the median is not "above"
    flagged = m.unusual_vehicles(fleet)
    assert [(o.vehicle, o.metric, o.value, o.fleet_median) for o in flagged] == [
        ("lemon", "unscheduled_repairs", 5.0, 2.0)
    ]


def test_one_repair_is_never_an_outlier_even_when_the_median_is_zero():
    fleet = [m.FleetRecord(f"van-{i}", 0, 1, 20_000) for i in range(5)]
    fleet.append(m.FleetRecord("unlucky", 1, 1, 20_000))
    assert m.unusual_vehicles(fleet) == []


def test_service_frequency_is_compared_per_distance_driven():
    fleet = [m.FleetRecord(f"van-{i}", 0, 2, 20_000) for i in range(5)]
    fleet.append(m.FleetRecord("hungry", 0, 6, 20_000))
    fleet.append(m.FleetRecord("new", 0, 1, 200))  # too little driving to judge
    flagged = m.unusual_vehicles(fleet)
    assert [(o.vehicle, o.metric, o.value) for o in flagged] == [
        ("hungry", "services_per_10000_km", 3.0)
    ]


def test_an_empty_fleet_has_no_outliers():
    assert m.unusual_vehicles([]) == []

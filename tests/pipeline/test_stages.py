"""The pipeline: one ordered list of named stages; the first drop names its stage and
rule; a failing stage is reported by name and never loses the ping."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import ALL_STAGES, PipelineParams
from doorstep.pipeline.stages import STAGES, build_stages, run
from doorstep.pipeline.verdict import ACCEPT, LATE, Accepted, Dropped
from tests.domain.detectors.track import T0, at

PARAMS = PipelineParams()
NOW = T0 + timedelta(minutes=1)


def test_the_stages_run_in_the_documented_order():
    assert [name for name, _ in STAGES] == ["validate", "dedupe", "order", "jump"]
    assert [name for name, _ in build_stages(PARAMS)] == list(ALL_STAGES)


def test_a_stage_that_is_off_is_not_in_the_list():
    names = [n for n, _ in build_stages(PipelineParams(disabled=frozenset({"jump"})))]
    assert names == ["validate", "dedupe", "order"]


def test_an_unknown_stage_name_is_refused():
    with pytest.raises(ValueError, match="jumpp"):
        build_stages(PipelineParams(disabled=frozenset({"jumpp"})))


def test_latitude_95_is_dropped_naming_the_stage_and_rule():
    outcome = run(dataclasses.replace(at(), lat=95.0), DeviceMemory(), PARAMS, NOW)
    assert isinstance(outcome.verdict, Dropped)
    assert (outcome.stage, outcome.verdict.rule) == ("validate", "bad_latitude")
    assert not outcome.accepted and outcome.memory == DeviceMemory()


def test_the_first_drop_stops_the_pipeline():
    seen = []

    def spy(ping, memory, params, now):
        seen.append(ping)
        return ACCEPT

    stages = (*build_stages(PARAMS)[:1], ("spy", spy))
    run(dataclasses.replace(at(), lat=95.0), DeviceMemory(), PARAMS, NOW, stages)
    assert seen == []


def test_a_failing_stage_is_reported_by_name_and_the_ping_is_kept():
    def broken(ping, memory, params, now):
        raise ZeroDivisionError("division by zero")

    stages = (STAGES[0], ("broken", broken), *STAGES[1:])
    outcome = run(at(), DeviceMemory(), PARAMS, NOW, stages)
    assert outcome.accepted and outcome.live
    assert [(e.stage, e.error) for e in outcome.errors] == [
        ("broken", "ZeroDivisionError: division by zero")
    ]
    assert outcome.memory.last_live == at()


def test_the_stages_after_a_failing_one_still_judge_the_ping():
    def broken(ping, memory, params, now):
        raise RuntimeError("bug")

    stages = (("broken", broken), *STAGES[1:])
    memory = DeviceMemory(last_live=at(0))
    outcome = run(at(1, east=50_000), memory, PARAMS, NOW, stages)
    assert isinstance(outcome.verdict, Dropped) and outcome.verdict.rule == "implausible_jump"
    assert [e.stage for e in outcome.errors] == ["broken"]


def test_a_normalised_ping_goes_on_to_the_next_stages_and_out():
    outcome = run(at(accuracy=-1.0), DeviceMemory(), PARAMS, NOW)
    assert outcome.ping.accuracy is None and outcome.memory.last_live == outcome.ping


def test_a_stale_fix_is_accepted_late_and_gathers_its_flags():
    outcome = run(at(), DeviceMemory(), PARAMS, T0 + timedelta(days=2))
    assert outcome.verdict == Accepted(frozenset({LATE})) and outcome.flags == {LATE}
    assert outcome.accepted and not outcome.live
    assert outcome.memory.last_live is None and outcome.memory.recent_times == (T0,)


def test_a_clean_track_is_all_live():
    memory = DeviceMemory()
    for t in range(0, 100, 10):
        outcome = run(at(t, east=t * 10), memory, PARAMS, NOW + timedelta(seconds=t))
        memory = outcome.memory
        assert outcome.live and outcome.flags == frozenset() and outcome.errors == ()

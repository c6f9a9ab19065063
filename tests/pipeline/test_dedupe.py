"""De-duplication: the same device and fix time is dropped as a duplicate."""

from __future__ import annotations

from datetime import timedelta

from doorstep.pipeline.dedupe import dedupe
from doorstep.pipeline.memory import RECENT_TIMES, DeviceMemory
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.stages import run
from doorstep.pipeline.verdict import Accepted, Dropped
from tests.domain.detectors.track import T0, at

PARAMS = PipelineParams()
NOW = T0 + timedelta(minutes=5)


def test_the_same_fix_twice_is_dropped_as_duplicate():
    first = run(at(10), DeviceMemory(), PARAMS, NOW)
    second = run(at(10), first.memory, PARAMS, NOW)
    assert first.live
    assert isinstance(second.verdict, Dropped) and second.verdict.rule == "duplicate"
    assert second.stage == "dedupe" and not second.accepted


def test_the_same_time_as_the_last_live_fix_is_a_duplicate_even_if_it_moved():
    memory = DeviceMemory(last_live=at(10))
    verdict = dedupe(at(10, east=30), memory, PARAMS, NOW)
    assert isinstance(verdict, Dropped) and verdict.rule == "duplicate"


def test_a_resent_older_fix_is_recognised_from_recent_times():
    memory = DeviceMemory()
    for t in (10, 20, 30):
        memory = run(at(t), memory, PARAMS, NOW).memory
    assert isinstance(dedupe(at(20), memory, PARAMS, NOW), Dropped)


def test_a_different_fix_time_is_accepted():
    assert isinstance(dedupe(at(11), DeviceMemory(last_live=at(10)), PARAMS, NOW), Accepted)


def test_the_memory_of_recent_times_stays_small():
    memory = DeviceMemory()
    for t in range(RECENT_TIMES + 20):
        memory = run(at(t), memory, PARAMS, NOW).memory
    assert len(memory.recent_times) == RECENT_TIMES
    assert memory.recent_times[-1] == at(RECENT_TIMES + 19).time


def test_a_dropped_duplicate_leaves_the_memory_as_it_was():
    memory = run(at(10), DeviceMemory(), PARAMS, NOW).memory
    assert run(at(10), memory, PARAMS, NOW).memory == memory

"""Replay: reports run stored fixes through the same detector functions as the live
pipeline, in time order, and get the same events."""

from __future__ import annotations

import random

from doorstep.domain.detectors import idling, motion, speeding
from doorstep.domain.detectors.replay import replay, replay_with_state
from tests.domain.detectors.track import at, drive, stand


def day():
    return [
        *stand(0, 300, 30, ignition=True),
        *drive(330, 900, 10, 20.0),
        *stand(910, 1500, 30, east=12_000),
    ]


def live(update, params, fixes):
    state, events = None, []
    for fix in fixes:
        state, found = update(state, fix, params)
        events += found
    return events


def test_replay_gives_exactly_the_events_the_live_pipeline_gave():
    for update, params in (
        (motion.update, motion.Params()),
        (speeding.update, speeding.Params()),
        (idling.update, idling.Params()),
    ):
        assert replay(update, params, day()) == live(update, params, day())


def test_replay_sorts_stored_fixes_by_time():
    shuffled = day()
    random.Random(7).shuffle(shuffled)
    assert replay(motion.update, motion.Params(), shuffled) == replay(
        motion.update, motion.Params(), day()
    )


def test_a_report_can_continue_from_where_the_last_one_stopped():
    fixes = day()
    state, first = replay_with_state(motion.update, motion.Params(), fixes[:30])
    _, rest = replay_with_state(motion.update, motion.Params(), fixes[30:], state)
    assert first + rest == replay(motion.update, motion.Params(), fixes)


def test_replaying_nothing_gives_nothing():
    assert replay(motion.update, motion.Params(), []) == []
    assert replay_with_state(motion.update, motion.Params(), [at(0)])[0] is not None

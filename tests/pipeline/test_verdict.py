"""Verdicts: a dropped ping always names its rule."""

from __future__ import annotations

import pytest

from doorstep.pipeline.verdict import ACCEPT, Accepted, Dropped


def test_a_drop_without_a_rule_is_refused():
    with pytest.raises(ValueError, match="rule"):
        Dropped("", "no reason")


def test_a_drop_names_its_rule_and_reason():
    dropped = Dropped("duplicate", "seen before")
    assert (dropped.rule, dropped.reason) == ("duplicate", "seen before")


def test_plain_acceptance_carries_no_flags_and_keeps_the_ping():
    assert Accepted() == ACCEPT and ACCEPT.flags == frozenset() and ACCEPT.ping is None

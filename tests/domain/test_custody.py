"""The custody chain's rules, pure: labels, allowed steps, and verification that says
where a chain was tampered with."""

from __future__ import annotations

from dataclasses import replace

from doorstep.domain.custody import GENESIS, Link, event_hash, label, parse_label, verify

CODE = "7K3M9QX2RT5VW8HC"


def test_labels_parse_as_people_type_them():
    assert parse_label(f"{CODE}-2") == (CODE, 2)
    assert parse_label("7k3m-9qx2-rt5v-w8hc-3") == (CODE, 3)
    assert parse_label(CODE) == (CODE, 1)
    assert parse_label("7K3M-9QX2-RT5V-W8HC") == (CODE, 1)
    assert parse_label(f"{CODE}-0") is None
    assert parse_label("hello") is None
    assert parse_label("x" * 100) is None
    assert label(CODE, 4) == f"{CODE}-4"


def chain(*kinds: str) -> list[Link]:
    links, prev = [], GENESIS
    for i, kind in enumerate(kinds, start=1):
        fields = {"parcel": f"{CODE}-1", "seq": i, "kind": kind, "at": f"2026-11-27T0{i}:00:00"}
        h = event_hash(prev, fields)
        links.append(Link(fields, prev, h))
        prev = h
    return links


def test_an_untouched_chain_verifies():
    result = verify(chain("loaded", "handoff_out", "handoff_in", "delivered"))
    assert result.ok and result.events == 4


def test_an_edited_event_is_found_and_named():
    links = chain("loaded", "handoff_out", "handoff_in", "delivered")
    links[1] = replace(links[1], fields={**links[1].fields, "at": "2026-11-27T09:00:00"})
    result = verify(links)
    assert not result.ok and result.broken_at == 1 and "changed" in (result.reason or "")


def test_a_removed_or_inserted_event_breaks_the_links():
    links = chain("loaded", "handoff_out", "handoff_in", "delivered")
    result = verify([links[0], links[2], links[3]])
    assert not result.ok and result.broken_at == 1 and "does not follow" in (result.reason or "")


def test_a_step_that_cannot_happen_fails_even_with_good_hashes():
    result = verify(chain("loaded", "handoff_in"))
    assert (
        not result.ok and result.broken_at == 1 and "cannot be handoff_in" in (result.reason or "")
    )
    assert not verify(chain("delivered")).ok  # never loaded

"""The pages' pure parts: the road basemap, colour contrast, the message catalogue and
language choice, the time words, JSON inside a script element."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from doorstep.domain.tracking_rules import STATUS_LABELS, TIMELINE_LABELS
from doorstep.roads.graph import RoadGraph, build_graph
from doorstep.roads.tagging import RoadClass
from doorstep.web import basemap, contrast, messages, render

R = RoadClass


def _graph(points: list[tuple[float, float]], roads: list[tuple[int, int, RoadClass]]) -> RoadGraph:
    """Two-way roads between numbered points."""
    tails = [a for a, b, _ in roads] + [b for a, b, _ in roads]
    heads = [b for a, b, _ in roads] + [a for a, b, _ in roads]
    classes = [c for _, _, c in roads] * 2
    return build_graph(
        np.array([p[0] for p in points]),
        np.array([p[1] for p in points]),
        np.array(tails, dtype=np.int64),
        np.array(heads, dtype=np.int64),
        np.full(len(tails), 30.0),
        np.array(classes, dtype=np.uint8),
    )


# A primary road 0-1-2-3 bending through 1 and 2, a residential street 2-4-5 off it,
# and a service loop 5-6-7-5.
POINTS = [
    (60.000, 24.000),
    (60.001, 24.001),
    (60.002, 24.002),
    (60.003, 24.003),
    (60.0025, 24.004),
    (60.003, 24.005),
    (60.0035, 24.0055),
    (60.0032, 24.006),
]
ROADS = [
    (0, 1, R.PRIMARY),
    (1, 2, R.PRIMARY),
    (2, 3, R.PRIMARY),
    (2, 4, R.RESIDENTIAL),
    (4, 5, R.RESIDENTIAL),
    (5, 6, R.SERVICE),
    (6, 7, R.SERVICE),
    (7, 5, R.SERVICE),
]
EVERYWHERE = basemap.Bbox(23.0, 59.0, 25.0, 61.0)


def test_bends_join_into_one_line_per_road_and_two_way_streets_are_drawn_once():
    graph = _graph(POINTS, ROADS)
    chains = basemap.chains_of(graph)
    shapes = sorted((c.road_class, len(c.lat)) for c in chains)
    # primary 0-1-2 and 2-3 (a junction at 2), residential 2-4-5, service loop 5-6-7-5
    assert shapes == [(R.PRIMARY, 2), (R.PRIMARY, 3), (R.RESIDENTIAL, 3), (R.SERVICE, 4)]
    segments = sum(len(c.lat) - 1 for c in chains)
    assert segments == len(ROADS)
    assert basemap.chains_of(graph) is chains  # built once per graph


def test_low_zooms_leave_out_minor_roads_and_the_box_picks_what_crosses_it():
    graph = _graph(POINTS, ROADS)
    classes = {
        zoom: sorted(
            f["properties"]["class"]
            for f in basemap.roads_geojson(graph, EVERYWHERE, zoom)["features"]
        )
        for zoom in (8, 10, 14, 16)
    }
    assert classes[8] == []
    assert classes[10] == ["primary", "primary"]
    assert classes[14] == ["primary", "primary", "residential"]
    assert classes[16] == ["primary", "primary", "residential", "service"]
    corner = basemap.Bbox(24.0045, 60.0028, 24.0070, 60.0040)
    inside = basemap.roads_geojson(graph, corner, 16)["features"]
    assert sorted(f["properties"]["class"] for f in inside) == ["residential", "service"]
    assert basemap.roads_geojson(None, EVERYWHERE, 16) == {
        "type": "FeatureCollection",
        "features": [],
    }


def test_coordinates_are_rounded_to_the_zooms_pixels_and_the_size_is_capped():
    graph = _graph(POINTS, ROADS)
    coarse = basemap.roads_geojson(graph, EVERYWHERE, 12)
    for feature in coarse["features"]:
        for lon, lat in feature["geometry"]["coordinates"]:
            assert round(lon, 4) == lon and round(lat, 4) == lat
    assert basemap.decimals_for(16) == 5 and basemap.decimals_for(3) == 3
    capped = basemap.roads_geojson(graph, EVERYWHERE, 16, max_features=2)
    assert capped["truncated"] is True
    assert [f["properties"]["class"] for f in capped["features"]] == ["primary", "primary"]
    points = basemap.roads_geojson(graph, EVERYWHERE, 16, max_points=5)
    assert sum(len(f["geometry"]["coordinates"]) for f in points["features"]) <= 5
    assert points["truncated"] is True
    json.dumps(coarse)  # plain JSON types only


@pytest.mark.parametrize(
    "text",
    ["", "1,2,3", "1,2,3,4,5", "a,b,c,d", "3,0,1,1", "0,3,1,1", "-200,0,1,1", "0,-91,1,1"],
)
def test_bad_boxes_are_refused_with_a_reason(text):
    with pytest.raises(ValueError, match="bbox"):
        basemap.Bbox.parse(text)


# -- contrast ---------------------------------------------------------------------------


def test_contrast_ratios_match_wcag():
    assert contrast.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast.contrast("#1a56db", "#ffffff") >= 4.5


def test_any_brand_colour_gets_text_and_accents_that_pass_aa():
    """Every 6th step of each channel: the text on the brand colour and the accent on
    the page both reach 4.5:1."""
    steps = range(0, 256, 51)
    for r in steps:
        for g in steps:
            for b in steps:
                brand = f"#{r:02x}{g:02x}{b:02x}"
                assert contrast.contrast(brand, contrast.text_on(brand)) >= 4.5, brand
                accent = contrast.accent(brand)
                assert contrast.contrast(accent, contrast.PAGE) >= 4.5, brand
                assert contrast.contrast(accent, "#ffffff") >= 4.5, brand
    assert contrast.brand("not a colour") == contrast.FALLBACK_BRAND
    assert contrast.brand("#ABCDEF") == "#abcdef"


def test_the_stylesheets_fixed_colours_pass_aa():
    """The theme's own text colours on the backgrounds they are used on."""
    pairs = [
        ("#1f2328", "#ffffff"),  # text on cards
        ("#1f2328", contrast.PAGE),  # text on the page
        ("#57606a", "#ffffff"),  # hints on cards
        ("#57606a", contrast.PAGE),  # the footer
        ("#1b5e20", "#e8f5e9"),  # ok notice
        ("#6b3d00", "#fff4e5"),  # late notice
        ("#8a1c12", "#fdecea"),  # error notice
        ("#ffffff", "#24292f"),  # the plain header
        ("#1f2328", "#eef2f7"),  # the live notice
    ]
    for text, background in pairs:
        assert contrast.contrast(text, background) >= 4.5, (text, background)


# -- messages ---------------------------------------------------------------------------


def test_every_language_has_every_message_with_the_same_placeholders():
    english = messages.MESSAGES["en"]
    for lang, catalogue in messages.MESSAGES.items():
        assert catalogue.keys() == english.keys(), lang
        for key, text in catalogue.items():
            wanted = sorted(p for p in english[key].split("{")[1:])
            got = sorted(p for p in text.split("{")[1:])
            assert [w.split("}")[0] for w in wanted] == [g.split("}")[0] for g in got], (
                lang,
                key,
            )
        assert len(catalogue["weekdays"].split()) == 7
        assert len(catalogue["months"].split()) == 12


def test_every_label_the_view_sends_is_translated():
    for english in [*STATUS_LABELS.values(), *TIMELINE_LABELS.values()]:
        assert english in messages.LABELS["fi"], english
        assert messages.label("fi", english) != english or english == "Rescheduled"
        assert messages.label("en", english) == english
    assert messages.label("fi", "A label added later") == "A label added later"


@pytest.mark.parametrize(
    ("query", "header", "chosen"),
    [
        ("fi", "en", "fi"),
        ("FI", None, "fi"),
        ("sv", "fi", "fi"),
        (None, "fi-FI,fi;q=0.9,en-US;q=0.8", "fi"),
        (None, "en-GB,fi;q=0.5", "en"),
        (None, "de, fi;q=0.3", "fi"),
        (None, "fi;q=0, en", "en"),
        (None, "*", "en"),
        (None, "", "en"),
        (None, "garbage;;;q=x", "en"),
        (None, None, "en"),
    ],
)
def test_the_language_is_the_querys_else_the_browsers_best_else_english(query, header, chosen):
    assert messages.choose(query, header) == chosen


def test_t_fills_values_and_falls_back_to_english():
    assert messages.t("fi", "greeting", name="Ann") == "Hei Ann,"
    assert messages.t("xx", "greeting", name="Ann") == "Hi Ann,"


# -- formatting and embedding ---------------------------------------------------------------


def test_times_are_read_as_the_view_gives_them():
    today = date(2026, 11, 26)
    assert render.moment("2026-11-26T14:10:00+02:00", today, "en") == "14:10"
    assert render.moment("2026-11-27T09:05:00+02:00", today, "en") == "tomorrow 09:05"
    assert render.moment("2026-11-27T09:05:00+02:00", today, "fi") == "huomenna 09:05"
    assert render.moment("2026-11-30T23:59:00+02:00", today, "en") == "Mon 30 Nov 23:59"
    assert render.moment("2026-11-30T23:59:00+02:00", today, "fi") == "ma 30.11. 23:59"
    assert render.span("2026-11-27T10:00:00+02:00", "2026-11-27T12:00:00+02:00", today, "en") == (
        "tomorrow 10:00",
        "12:00",
    )


def test_json_in_a_script_element_cannot_close_it():
    data = {"text": "</script><script>alert(1)</script>", "amp": "a & b", "line": "\u2028"}
    embedded = str(render.script_json(data))
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded
    assert "\u2028" not in embedded
    assert json.loads(embedded) == data


def test_the_theme_pairs_each_brand_with_readable_text():
    assert render.theme("#ffdd00")["on_brand"] == "#000000"
    assert render.theme("#1a56db")["on_brand"] == "#ffffff"
    assert render.theme(None)["brand"] == contrast.FALLBACK_BRAND

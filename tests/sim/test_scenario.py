import json
import re

import pytest

from doorstep.sim import (
    Scenario,
    ScenarioError,
    builtin_scenario,
    builtin_scenarios,
    dump_scenario,
    load_scenario,
    parse_scenario,
)
from doorstep.sim.scenario_files import parse_scenario_text


def test_the_shipped_default_file_is_the_python_default():
    shipped = builtin_scenario("default")
    assert shipped.model_dump() == Scenario(description=shipped.description).model_dump()


def test_at_least_three_scenarios_ship_and_all_load():
    names = builtin_scenarios()
    assert {"default", "rush_hour", "slow_service"} <= set(names)
    for name in names:
        assert builtin_scenario(name).name == name


def test_rush_hour_is_more_congested_and_slow_service_slower_at_the_door():
    default, rush, slow = (builtin_scenario(n) for n in ("default", "rush_hour", "slow_service"))
    assert max(p.slowdown for p in rush.congestion.peaks) > max(
        p.slowdown for p in default.congestion.peaks
    )
    assert rush.incidents.per_hour > default.incidents.per_hour
    assert slow.service.median_factor > default.service.median_factor
    assert slow.service.sigma > default.service.sigma


def test_an_unseen_partial_file_loads_with_defaults_for_the_rest(tmp_path):
    yaml_file = tmp_path / "mine.yaml"
    yaml_file.write_text("name: mine\nseed: 42\ngps:\n  interval_s: 2\n")
    json_file = tmp_path / "mine.json"
    json_file.write_text(json.dumps({"name": "mine", "failures": {"probability": 0.2}}))
    from_yaml, from_json = load_scenario(yaml_file), load_scenario(json_file)
    assert (from_yaml.seed, from_yaml.gps.interval_s) == (42, 2.0)
    assert from_yaml.gps.noise_m == Scenario().gps.noise_m
    assert from_json.failures.probability == 0.2
    assert from_json.congestion == Scenario().congestion


def test_an_empty_yaml_file_is_the_default_world(tmp_path):
    empty = tmp_path / "empty.yml"
    empty.write_text("# nothing but a comment\n")
    assert load_scenario(empty) == Scenario()


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_dumped_scenario_reads_back_the_same(fmt):
    scenario = builtin_scenario("rush_hour")
    assert parse_scenario_text(dump_scenario(scenario, fmt), fmt) == scenario


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"gps": {"interval_s": 0}}, "gps.interval_s"),
        (
            {"congestion": {"peaks": [{"hour": 25, "width_h": 1, "slowdown": 0.5}]}},
            "congestion.peaks.0.hour",
        ),
        ({"incidents": {"radius_m": [900, 100]}}, "incidents.radius_m"),
        ({"incidents": {"factor": [0.5, 2.0]}}, "incidents.factor"),
        ({"failures": {"probability": 1.5}}, "failures.probability"),
        ({"seed": "many"}, "seed"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {"congestion": {"class_sensitivity": {"highway_to_hell": 2}}},
            "congestion.class_sensitivity",
        ),
        ({"drivers": {"start_delay_min": {"median": -1}}}, "drivers.start_delay_min.median"),
    ],
)
def test_validation_errors_name_the_field(data, field):
    with pytest.raises(ScenarioError, match=re.escape(f"{field}: ")):
        parse_scenario(data)


@pytest.mark.parametrize(
    ("data", "field"),
    [({"colour": "red"}, "colour"), ({"gps": {"intervall_s": 5}}, "gps.intervall_s")],
)
def test_unknown_keys_are_refused_by_name(data, field):
    with pytest.raises(ScenarioError, match=re.escape(f"{field}: Extra inputs")):
        parse_scenario(data)


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({"gps": {"interval_s": -1}, "service": {"sigma": -2}})
    assert "gps.interval_s" in str(caught.value)
    assert "service.sigma" in str(caught.value)


def test_a_file_error_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gps:\n  noise_m: loud\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: gps\.noise_m"):
        load_scenario(bad)


def test_broken_syntax_and_wrong_shapes_are_scenario_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenario(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        load_scenario(listed)
    with pytest.raises(ScenarioError, match="unknown scenario format"):
        load_scenario(tmp_path / "world.toml")
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_an_unknown_builtin_name_lists_the_known_ones():
    with pytest.raises(ScenarioError, match="rush_hour"):
        builtin_scenario("monsoon")

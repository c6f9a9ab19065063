"""Scenario files: YAML or JSON in, a validated :class:`Scenario` out, or an error that
names the field (``gps.interval_s: Input should be greater than 0``).

YAML needs PyYAML (imported only when a YAML file is read or written); JSON always
works. The shipped scenarios live in ``doorstep/sim/scenarios/``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from doorstep.sim.scenario import Scenario

Format = Literal["yaml", "json"]
SUFFIXES: dict[str, Format] = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the file and every bad field."""


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    """Validate already-decoded data (a mapping of the scenario's fields)."""
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{source}: expected a mapping of fields, got {type(data).__name__}")
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ScenarioError(f"{source}: {problems}") from None


def parse_scenario_text(text: str, fmt: Format, source: str = "scenario") -> Scenario:
    """Decode YAML or JSON text and validate it."""
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{source}: not valid JSON: {exc}") from None
    else:
        yaml = _yaml(source)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{source}: not valid YAML: {exc}") from None
        data = {} if data is None else data
    return parse_scenario(data, source)


def load_scenario(path: str | Path) -> Scenario:
    """A scenario file; the suffix (.yaml, .yml, .json) says how to read it."""
    path = Path(path)
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ScenarioError(f"{path}: unknown scenario format (use {', '.join(SUFFIXES)})")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_scenario_text(text, fmt, str(path))


def dump_scenario(scenario: Scenario, fmt: Format = "yaml") -> str:
    """Every field, defaults included, so the file documents the whole world."""
    data = scenario.model_dump(mode="json")
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    text: str = _yaml("dump").safe_dump(data, sort_keys=False, default_flow_style=None)
    return text


def builtin_scenarios() -> list[str]:
    """Names of the scenarios shipped with Doorstep."""
    folder = resources.files("doorstep.sim").joinpath("scenarios")
    return sorted(p.name.rsplit(".", 1)[0] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_scenario(name: str) -> Scenario:
    """A shipped scenario by name (``default``, ``rush_hour``, ``slow_service``, ``own_rules``)."""
    if name not in builtin_scenarios():
        raise ScenarioError(f"no shipped scenario {name!r}; known: {builtin_scenarios()}")
    file = resources.files("doorstep.sim").joinpath("scenarios").joinpath(f"{name}.yaml")
    return parse_scenario_text(file.read_text(encoding="utf-8"), "yaml", f"{name}.yaml")


def _yaml(source: str) -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with uvicorn[standard]
        raise ScenarioError(f"{source}: reading YAML needs PyYAML; use JSON instead") from None
    return yaml

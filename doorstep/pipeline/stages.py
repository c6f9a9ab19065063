"""The pipeline: one ordered list of named stages, readable in one place.

    validate -> dedupe -> order -> jump

``run`` applies the list to one ping and stops at the first stage that drops it,
recording the stage and the rule. A stage that is off is simply not in the list
(``build_stages`` leaves out ``params.disabled``); no stage asks whether it is enabled.

A stage that raises is reported in ``Outcome.errors`` with its name and the ping is
passed on to the next stage, as if that stage had accepted it: a bug in one filter must
never lose a fix nor freeze every vehicle on the map. The caller logs each error with
the stage's name; the fix is stored either way.

After the stages, ``run`` updates the device's memory: an accepted fix joins its recent
fix times and, when live, becomes its last live fix; a fix dropped as an implausible
jump joins the jump streak. Nothing else changes memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.ping import Ping
from doorstep.pipeline.dedupe import dedupe
from doorstep.pipeline.jump_filter import jump
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.ordering import order
from doorstep.pipeline.params import ALL_STAGES, PipelineParams
from doorstep.pipeline.validate import validate
from doorstep.pipeline.verdict import ACCEPT, LATE, Accepted, Dropped, Verdict

Stage = Callable[[Ping, DeviceMemory, PipelineParams, datetime], Verdict]
NamedStage = tuple[str, Stage]
NO_FLAGS: frozenset[str] = frozenset()

STAGES: tuple[NamedStage, ...] = (
    ("validate", validate),
    ("dedupe", dedupe),
    ("order", order),
    ("jump", jump),
)
assert tuple(name for name, _ in STAGES) == ALL_STAGES


@dataclass(frozen=True, slots=True)
class StageError:
    """A stage that raised: its name and the exception, as text to log and store."""

    stage: str
    error: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline decided about one ping.

    ``ping`` is the fix as the stages left it (normalised); ``verdict`` is ``Accepted``
    (with all flags gathered in ``flags``) or the ``Dropped`` of the first stage that
    dropped it, and ``stage`` names that stage; ``memory`` is the device's memory to
    save."""

    ping: Ping
    verdict: Verdict
    flags: frozenset[str]
    memory: DeviceMemory
    stage: str | None = None
    errors: tuple[StageError, ...] = ()

    @property
    def accepted(self) -> bool:
        """Stored. Every fix that is not dropped is stored, late or not."""
        return isinstance(self.verdict, Accepted)

    @property
    def live(self) -> bool:
        """Moves live state and feeds the detectors: accepted and not late."""
        return self.accepted and LATE not in self.flags


def build_stages(params: PipelineParams) -> tuple[NamedStage, ...]:
    """The stage list for these params: ``STAGES`` without the disabled ones, in order."""
    unknown = params.disabled - set(ALL_STAGES)
    if unknown:
        raise ValueError(f"unknown pipeline stages {sorted(unknown)}; known: {ALL_STAGES}")
    return tuple((name, stage) for name, stage in STAGES if name not in params.disabled)


def run(
    ping: Ping,
    memory: DeviceMemory,
    params: PipelineParams,
    now: datetime,
    stages: Sequence[NamedStage] | None = None,
) -> Outcome:
    """Apply the stages in order to one ping of the device whose ``memory`` is given."""
    flags: frozenset[str] = NO_FLAGS
    errors: list[StageError] | None = None
    for name, stage in build_stages(params) if stages is None else stages:
        try:
            verdict = stage(ping, memory, params, now)
        except Exception as exc:  # a failing stage never loses the ping
            errors = errors or []
            errors.append(StageError(name, f"{type(exc).__name__}: {exc}"))
            continue
        if isinstance(verdict, Dropped):
            kept = memory.remember_jump(ping) if verdict.rule == "implausible_jump" else memory
            return Outcome(ping, verdict, flags, kept, name, tuple(errors or ()))
        if verdict.flags:
            flags = flags | verdict.flags
        if verdict.ping is not None:
            ping = verdict.ping
    live = LATE not in flags
    remembered = memory.remember_accepted(ping, live=live)
    accepted = ACCEPT if not flags else Accepted(flags)
    return Outcome(ping, accepted, flags, remembered, None, tuple(errors) if errors else ())

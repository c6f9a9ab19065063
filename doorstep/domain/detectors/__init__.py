"""Detectors: pure state machines over a vehicle's live fixes.

Each module holds one detector with the same shape::

    update(state | None, ping, params) -> (state, list[DetectorEvent])

``None`` is the state of a vehicle the detector has not seen yet. The pipeline stage
only loads a detector's state, calls ``update`` and saves the result; reports and the
simulator replay stored fixes through the very same functions (``replay``). Every
threshold lives in the module's ``Params`` dataclass with its documented default, and
every event records the fixes and thresholds that fired it, so a manager can see why.
"""

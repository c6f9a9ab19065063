"""Errors the planning package raises, so callers can tell a bad problem (their input)
from a problem the solver cannot express and from a solver result that failed the
independent check (a bug, never a plan to dispatch)."""

from __future__ import annotations


class PlanningError(Exception):
    """Base of every planning error."""


class InvalidProblem(PlanningError, ValueError):
    """The problem contradicts itself: unknown ids, out-of-range locations, mismatched
    demand and capacity dimensions, a pickup that does not exist."""


class UnsupportedProblem(PlanningError, ValueError):
    """The problem is valid but uses something this solver cannot model (e.g. breaks)."""


class SolverError(PlanningError, RuntimeError):
    """The solver returned a plan that the independent checker rejects."""

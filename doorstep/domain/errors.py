"""Errors every layer may raise; the API maps each to one HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field

SHOWN_ID_CHARS = 80


class DoorstepError(Exception):
    status = 400


class NotFound(DoorstepError):
    """Unknown id, or an id of another organisation: the two must look the same."""

    status = 404

    def __init__(self, kind: str, ident: object) -> None:
        # A tracker's id comes from the wire, as long as the sender likes: cut it short.
        shown = str(ident)
        if len(shown) > SHOWN_ID_CHARS:
            shown = shown[: SHOWN_ID_CHARS - 1] + "…"
        super().__init__(f"no {kind} with id {shown}")


class Conflict(DoorstepError):
    status = 409


class Forbidden(DoorstepError):
    status = 403


class Unauthorized(DoorstepError):
    status = 401


@dataclass
class FieldError:
    loc: tuple[str | int, ...]
    msg: str


@dataclass
class InvalidInput(DoorstepError):
    """Input that parsed but breaks a rule that needs the database to check."""

    errors: list[FieldError] = field(default_factory=list)
    message: str = "the request is not valid"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    status = 422


class TooManyRequests(DoorstepError):
    """A client asked too often; ``retry_after_s`` says when it may ask again."""

    status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooLarge(DoorstepError):
    """An upload over the size allowed for its kind."""

    status = 413

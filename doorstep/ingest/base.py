"""What every wire-protocol decoder shares: the error it raises and the shape it has.

A decoder is pure: the bytes a tracker sent (plus who sent them, where the protocol
leaves that to the transport, and when they arrived) go in, ``Ping`` objects come out.
It checks only that each value *can* be what the field says (a number, a time); whether
the value is plausible (latitude 95, a fix in 2099) is the pipeline's validate stage,
which reports it by rule name. So the API, the MQTT listener, the bench and the tests
all decode the same way, with no server, database or clock.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar

from doorstep.domain.errors import DoorstepError
from doorstep.domain.ping import Ping


class DecodeError(DoorstepError):
    """A payload that cannot be read as fixes: the reason, the field it concerns (as
    the tracker named it, dotted for nested JSON) and, in a batch, the fix's index.

    A ``DoorstepError`` with status 400, so an API route that lets it through answers
    400 with the message, which names the field."""

    status = 400

    def __init__(self, reason: str, field: str, *, index: int | None = None) -> None:
        self.reason = reason
        self.field = field
        self.index = index
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"fix {self.index}: " if self.index is not None else ""
        return f"{where}{self.field}: {self.reason}"

    def __str__(self) -> str:
        return self.message

    def at(self, index: int) -> DecodeError:
        """The same error, placed at one fix of a batch."""
        return DecodeError(self.reason, self.field, index=index)


class Decoder(ABC):
    """One wire protocol. ``decode`` takes the raw body (or query string) as it came
    off the transport; ``device`` is the identity the transport established where the
    protocol itself does not carry one (a native API token, OwnTracks' user/device)."""

    name: ClassVar[str]

    @abstractmethod
    def decode(
        self, payload: bytes | str, *, received: datetime, device: str | None = None
    ) -> list[Ping]:
        """The fixes in ``payload``, in the order sent; [] when it holds none to keep."""

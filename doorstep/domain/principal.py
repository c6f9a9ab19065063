"""Who is acting: a user with a session, or an API key, always inside one organisation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from doorstep.domain.roles import Permission, Role, can


@dataclass(frozen=True, slots=True)
class Principal:
    org_id: uuid.UUID
    role: Role
    actor_type: str  # "user" | "api_key" | "system"
    actor_id: str | None
    name: str
    user_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)


def system(org_id: uuid.UUID, name: str = "doorstep") -> Principal:
    """The platform itself acting (imports from the CLI, automatic transitions)."""
    return Principal(org_id, Role.ADMIN, "system", None, name)

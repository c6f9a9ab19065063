"""Who may do what. Checked on every endpoint through one dependency."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    DRIVER = "driver"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # read the organisation's operational data
    WRITE = "write"  # create and change operational data
    MANAGE = "manage"  # users, API keys, organisation settings
    OWN_ROUTES = "own_routes"  # a driver's own routes and their stops


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.READ, Permission.WRITE, Permission.MANAGE}),
    Role.DISPATCHER: frozenset({Permission.READ, Permission.WRITE}),
    Role.VIEWER: frozenset({Permission.READ}),
    Role.DRIVER: frozenset({Permission.OWN_ROUTES}),
}


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]

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


# How much a role may do, for keys bound to a user: a key never outranks its user.
RANK: dict[Role, int] = {Role.ADMIN: 3, Role.DISPATCHER: 2, Role.VIEWER: 1, Role.DRIVER: 0}


def can(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]


def capped(key_role: Role, user_role: Role) -> Role:
    """The role a user-bound key acts with: its own, or its user's if that is lower
    (a demoted user's old keys shrink with them)."""
    return key_role if RANK[key_role] <= RANK[user_role] else user_role

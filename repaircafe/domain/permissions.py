"""Who may do what (design §8): roles grant capabilities; scope limits them to a group or territory."""

from __future__ import annotations

ROLES = ("admin", "coordinator", "fixer", "viewer")

CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "view_items", "view_personal_data", "register_items", "record_repairs",
            "manage_labels", "manage_parts", "view_reports", "manage_reports", "import_data",
            "manage_users", "manage_sites", "manage_factors", "use_api",
            "manage_territories", "manage_groups",
        }
    ),
    "coordinator": frozenset(
        {
            "view_items", "view_personal_data", "register_items", "record_repairs",
            "manage_labels", "manage_parts", "view_reports", "manage_reports", "import_data",
            "manage_sites", "manage_users", "use_api",
        }
    ),
    "fixer": frozenset(
        {"view_items", "view_personal_data", "register_items", "record_repairs",
         "manage_parts", "use_api"}
    ),
    "viewer": frozenset({"view_items", "view_reports", "use_api"}),
}


def can(role: str, capability: str) -> bool:
    """True when the role grants the capability; unknown roles grant nothing."""
    return capability in CAPABILITIES.get(role, frozenset())


def check_role(role: str) -> str:
    """The role if it exists, else a ValueError naming the valid ones."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def scope_kind(role: str) -> str:
    """What limits a role's view: everything, its group, or its territory."""
    return {"admin": "all", "viewer": "territory"}.get(role, "group")


# Which roles an account may give others. A coordinator builds their own group's team; only an
# admin makes admins (who see everything) or viewers (who belong to a territory, not a group).
_GRANTS: dict[str, tuple[str, ...]] = {"admin": ROLES, "coordinator": ("coordinator", "fixer")}


def grantable_roles(role: str) -> tuple[str, ...]:
    """The roles an account of `role` may give when inviting or changing an account."""
    return _GRANTS.get(role, ())

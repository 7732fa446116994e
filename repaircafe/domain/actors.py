"""Who performs an action, as plain data: services never read the web session themselves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    name: str
    role: str
    group_id: int | None = None
    territory_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """For importers and scheduled jobs, which act for nobody in particular."""
        return cls(id=None, name=name, role="admin")

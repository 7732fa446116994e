"""Where records happen: names the rest of the application relies on for places."""

from __future__ import annotations

# The territory imports put a new group's sites in when nothing says which municipality they
# belong to; an admin then moves them to their real territory.
UNASSIGNED_TERRITORY = "Unassigned"

"""What an ORDS import reports: rows created, updated, unchanged and rejected, with notes about
single rows and about the file as a whole (its ORDS version, values left out on many rows)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reject:
    line: int
    record_id: str
    reason: str
    # A record imported before whose day or group changed at source: refused, not unchanged.
    changed: bool = False


@dataclass(frozen=True)
class Note:
    """A row that was imported, but not exactly as written."""

    line: int
    record_id: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Reject] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    groups: int = 0
    sites: int = 0
    sessions: int = 0
    version: str = "0.3"
    # About the whole file: how an older version was read.
    file_notes: list[str] = field(default_factory=list)
    # (column, value) left out of imported rows, with how many rows had it.
    dropped: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        """Data rows read: every one is counted in exactly one of the four outcomes."""
        return self.created + self.updated + self.unchanged + len(self.rejected)

    def dropped_lines(self) -> list[str]:
        """One line per value left out, most frequent first."""
        return [f"{column} {value!r} on {count:,} row{'s' if count != 1 else ''}: not a year "
                f"of manufacture, left empty"
                for (column, value), count in self.dropped.most_common()]

    def __str__(self) -> str:
        lines = [*self.file_notes, *self.dropped_lines()]
        lines.append(
            f"{self.rows:,} rows: {self.created:,} created, {self.updated:,} updated, "
            f"{self.unchanged:,} unchanged, {len(self.rejected):,} rejected."
        )
        changed = sum(1 for reject in self.rejected if reject.changed)
        if changed:
            lines.append(f"{changed:,} of the rejected rows changed at source in their event "
                         "date or group: not applied.")
        if self.groups or self.sites or self.sessions:
            lines.append(f"New: {self.groups} groups, {self.sites} sites, "
                         f"{self.sessions:,} café sessions.")
        for reject in self.rejected[:10]:
            lines.append(f"  line {reject.line} ({reject.record_id or 'no id'}): {reject.reason}")
        if len(self.rejected) > 10:
            lines.append(f"  … and {len(self.rejected) - 10:,} more rejected rows")
        if self.notes:
            lines.append(f"{len(self.notes):,} rows imported with a note:")
            for note in self.notes[:5]:
                lines.append(f"  line {note.line} ({note.record_id}): {note.message}")
            if len(self.notes) > 5:
                lines.append(f"  … and {len(self.notes) - 5:,} more notes")
        return "\n".join(lines)

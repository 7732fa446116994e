"""Label layouts and how a print uses one: the catalogue of built-in and user layouts, and the
calibration (layout, start position, printer correction) checked before anything is printed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

import labels
from repaircafe.core import access
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.models import PrinterProfile


class LayoutProblem(Refused):
    """A layout that cannot be used: unknown name, or a layout file with an error in it."""


@dataclass(frozen=True)
class Catalogue:
    """Every usable layout by name, and one message per layout file that had to be skipped."""

    layouts: dict[str, labels.Layout]
    problems: list[str]


@dataclass(frozen=True)
class Calibration:
    """How to print: the layout, where on the sheet to start, and the printer's correction."""

    layout: labels.Layout
    start_at: int = 1
    offset_mm: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0
    profile: PrinterProfile | None = None


def layout_catalogue(extra_dirs: Iterable[str | Path] = ()) -> Catalogue:
    """Built-in layouts plus the user's, skipping (and naming) any file that is broken.

    One bad file in a user folder must not take every other layout down with it.
    """
    found = dict(labels.available_layouts())
    problems = []
    for directory in map(Path, extra_dirs):
        if not directory.is_dir():
            problems.append(f"layout directory {directory}: not a directory")
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                layout = labels.load_layout(path)
            except labels.LayoutError as exc:
                problems.append(str(exc))
                continue
            if layout.name in found:
                problems.append(
                    f"layout {path}: name {layout.name!r} is already defined by "
                    f"{found[layout.name].source}"
                )
                continue
            found[layout.name] = layout
    return Catalogue(found, problems)


def find_layout(name: str, extra_dirs: Iterable[str | Path] = ()) -> labels.Layout:
    """A layout by name (built-in or from the user's folders), or a refusal that says why."""
    catalogue = layout_catalogue(extra_dirs)
    if name in catalogue.layouts:
        return catalogue.layouts[name]
    for problem in catalogue.problems:
        if f"{name}.toml:" in problem or repr(name) in problem:
            raise LayoutProblem("Layout %(name)s cannot be used: %(problem)s",
                                  name=name, problem=problem)
    raise LayoutProblem("Unknown label layout “%(name)s”. Known layouts: %(known)s.",
                        name=name, known=", ".join(sorted(catalogue.layouts)))


def printer_profile(session: Session, *, actor: Actor, profile_id: int) -> PrinterProfile:
    """A printer profile at one of the actor's sites."""
    return access.load(session, PrinterProfile, profile_id, actor, write=True)


def calibration(
    session: Session,
    *,
    actor: Actor,
    layout_name: str | None,
    profile_id: int | None,
    start_at: int = 1,
    extra_dirs: Iterable[str | Path] = (),
) -> Calibration:
    """Layout, start position and printer correction for a print, checked before any write.

    A printer profile brings its own layout; naming another layout with it is refused,
    because its offsets were measured on that one.
    """
    profile = printer_profile(session, actor=actor, profile_id=profile_id) if profile_id else None
    if profile is not None and layout_name and layout_name != profile.layout:
        raise LayoutProblem(
            "Printer profile “%(printer)s” is calibrated for layout %(layout)s, "
            "not %(chosen)s. Choose that layout or another printer.",
            printer=profile.name, layout=profile.layout, chosen=layout_name)
    name = profile.layout if profile is not None else layout_name
    if not name:
        raise LayoutProblem("Choose a label layout.")
    layout = find_layout(name, extra_dirs)
    if not layout.is_roll and not 1 <= start_at <= layout.labels_per_page:
        raise Refused("Start position must be between 1 and %(last)d on this sheet.",
                      last=layout.labels_per_page)
    if profile is None:
        return Calibration(layout, start_at)
    return Calibration(
        layout, start_at, (profile.offset_x_mm, profile.offset_y_mm), profile.scale, profile
    )

"""Labels from the database: what each label shows, print batches, and their PDF and preview.

The ``labels`` package only turns plain contents into PDF; this module decides which
tags go on a sheet (fresh blank codes, or the current labels of objects, parts and
bins the actor may see), what their second line says, and which calibration applies.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pypdfium2 as pdfium
from PIL import ImageDraw
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import labels
from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import KeyReused, NotFound, Refused
from repaircafe.models import (
    Category,
    Item,
    LabelBatch,
    Part,
    PrinterProfile,
    RepairSession,
    Site,
    StockBin,
    Tag,
)
from repaircafe.tags.services import tags as tag_service

MAX_BATCH = 5000
PREVIEW_WIDTH_PX = 900
_OWNED = {"item": Item, "part": Part, "bin": StockBin}


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


def _owner(tag: Tag) -> tuple[type, int] | None:
    """The object, part or bin a tag is linked to, as (model, id)."""
    for kind, model in _OWNED.items():
        owner_id = getattr(tag, f"{kind}_id")
        if owner_id is not None:
            return model, owner_id
    return None


def label_contents(session: Session, tags: Sequence[Tag]) -> list[labels.LabelContent]:
    """One label per tag, in order: code, kind and a second line a volunteer recognises.

    Objects show their category, parts the donor they came from (or their name), bins
    their name; an issued tag is a blank label.
    """
    return [_content(session, tag) for tag in tags]


def _item_line(session: Session, item: Item) -> str | None:
    category = session.get(Category, item.category_id) if item.category_id else None
    if category is not None:
        return category.name
    return " ".join(filter(None, (item.brand, item.model))) or None


def _part_line(session: Session, part: Part) -> str | None:
    if part.donor_item_id is not None:
        donor = tag_service.current_tag(session, item_id=part.donor_item_id)
        if donor is not None:
            return f"part of {codes.display(donor.code)}"
    return part.name or None


def _content(session: Session, tag: Tag) -> labels.LabelContent:
    display = codes.display(tag.code)
    if tag.status == "linked" and tag.item_id is not None:
        item = session.get(Item, tag.item_id)
        line = _item_line(session, item) if item else None
        return labels.LabelContent(tag.code, display, line, "item")
    if tag.status == "linked" and tag.part_id is not None:
        part = session.get(Part, tag.part_id)
        line = _part_line(session, part) if part else None
        return labels.LabelContent(tag.code, display, line, "part")
    if tag.status == "linked" and tag.bin_id is not None:
        stock_bin = session.get(StockBin, tag.bin_id)
        return labels.LabelContent(tag.code, display, stock_bin.name if stock_bin else None, "bin")
    return labels.LabelContent(tag.code, display, None, "blank")


def tag_for(session: Session, *, actor: Actor, kind: str, object_id: int) -> Tag:
    """The current label of one object, part or bin the actor may see."""
    model = _OWNED.get(kind)
    if model is None:
        raise NotFound("Labels exist for objects, parts and bins only.")
    access.load(session, model, object_id, actor, write=True)
    tag = tag_service.current_tag(session, **{f"{kind}_id": object_id})
    if tag is None:
        raise Refused("This has no label yet; give it one from its page first.")
    return tag


def tags_for_codes(session: Session, *, actor: Actor, texts: Iterable[str]) -> list[Tag]:
    """The current labels behind typed or scanned codes, in the order given, duplicates once.

    A retired code prints its object's new label: the old one is what needed replacing.
    """
    found: list[Tag] = []
    seen: set[int] = set()
    for text in texts:
        if not text.strip():
            continue
        code = codes.parse(text)
        tag = tag_service.tag_by_code(session, code)
        if tag is None:
            raise NotFound("Label %(code)s was never issued by this system.",
                           code=codes.display(code))
        if tag.status == "retired":
            owner = {f"{k}_id": getattr(tag, f"{k}_id") for k in _OWNED if getattr(tag, f"{k}_id")}
            tag = tag_service.current_tag(session, **owner) if owner else None
            if tag is None:
                raise Refused("Label %(code)s was replaced and has no successor.",
                              code=codes.display(code))
        if tag.status == "issued":
            raise Refused("Label %(code)s is blank: it is not attached to anything yet.",
                          code=codes.display(code))
        owner = _owner(tag)
        if owner is None or not access.can_write(session, actor, *owner):
            raise NotFound("Label %(code)s belongs to another group.", code=codes.display(code))
        if tag.id not in seen:
            seen.add(tag.id or 0)
            found.append(tag)
    return found


def tags_for_session(session: Session, *, actor: Actor, repair_session_id: int) -> list[Tag]:
    """The current labels of every object registered at one café session, oldest first."""
    access.load(session, RepairSession, repair_session_id, actor, write=True)
    return list(
        session.exec(
            select(Tag)
            .join(Item, Item.id == Tag.item_id)
            .where(Tag.status == "linked", Item.current_session_id == repair_session_id)
            .order_by(col(Item.registered_at), col(Item.id))
        ).all()
    )


def tags_for_bins(session: Session, *, actor: Actor, bin_ids: Iterable[int]) -> list[Tag]:
    """The current labels of stock bins the actor may see."""
    tags = []
    for bin_id in bin_ids:
        tags.append(tag_for(session, actor=actor, kind="bin", object_id=bin_id))
    return tags


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


def _store_batch(
    session: Session, *, kind: str, actor: Actor, group_id: int | None, how: Calibration,
    tag_ids: list[int], now: datetime, key: str,
) -> LabelBatch:
    batch = LabelBatch(
        kind=kind, group_id=group_id, created_by_id=actor.id, layout=how.layout.name,
        start_at=how.start_at, printer_profile_id=how.profile.id if how.profile else None,
        offset_x_mm=how.offset_mm[0], offset_y_mm=how.offset_mm[1], scale=how.scale,
        tag_ids=tag_ids, idempotency_key=key, created_at=now,
    )
    session.add(batch)
    return batch


def _batch_by_key(session: Session, key: str, kind: str) -> LabelBatch | None:
    batch = session.exec(select(LabelBatch).where(LabelBatch.idempotency_key == key)).one_or_none()
    if batch is not None and batch.kind != kind:
        raise KeyReused("This request key was already used for another action; reload the page.")
    return batch


def issue_blank_batch(
    session: Session,
    *,
    actor: Actor,
    count: int,
    how: Calibration,
    now: datetime,
    key: str,
) -> LabelBatch:
    """Issue ``count`` fresh codes for blank labels, once per key, and remember them as a batch.

    The codes belong to the actor's group, or to the printer's site's group when an
    administrator prints. A repeated request with the same key returns the first batch.
    """
    if not 1 <= count <= MAX_BATCH:
        raise Refused("Choose between 1 and %(limit)s labels.", limit=f"{MAX_BATCH:,}")
    previous = _batch_by_key(session, key, "blank")
    if previous is not None:
        return previous
    group_id = actor.group_id
    if group_id is None and how.profile is not None:
        site = session.get(Site, how.profile.site_id)
        group_id = site.group_id if site else None
    for _attempt in range(3):
        try:
            with write_transaction(session):
                tags = tag_service.new_tags(session, count=count, group_id=group_id, now=now)
                session.flush()
                batch = _store_batch(
                    session, kind="blank", actor=actor, group_id=group_id, how=how,
                    tag_ids=[t.id for t in tags if t.id is not None], now=now, key=key,
                )
            return batch
        except IntegrityError:
            previous = _batch_by_key(session, key, "blank")
            if previous is not None:
                return previous
    raise Refused("Could not issue unique codes; please try again.")


def reprint_batch(
    session: Session,
    *,
    actor: Actor,
    tags: Sequence[Tag],
    how: Calibration,
    now: datetime,
    key: str,
) -> LabelBatch:
    """Remember a reprint of existing labels (no code changes), once per key."""
    if not tags:
        raise Refused("Nothing to print: give codes, a café session or bins.")
    if len(tags) > MAX_BATCH:
        raise Refused("Print at most %(limit)s labels at once.", limit=f"{MAX_BATCH:,}")
    previous = _batch_by_key(session, key, "reprint")
    if previous is not None:
        return previous
    try:
        with write_transaction(session):
            batch = _store_batch(
                session, kind="reprint", actor=actor, group_id=actor.group_id, how=how,
                tag_ids=[t.id for t in tags if t.id is not None], now=now, key=key,
            )
        return batch
    except IntegrityError:
        previous = _batch_by_key(session, key, "reprint")
        if previous is None:
            raise
        return previous


def batch_for(session: Session, *, actor: Actor, batch_id: int) -> LabelBatch:
    """A batch the actor's group made (administrators see every batch)."""
    return access.load(session, LabelBatch, batch_id, actor, write=True)


def batch_tags(session: Session, batch: LabelBatch) -> list[Tag]:
    """The batch's tags in the order they were printed."""
    rows = session.exec(select(Tag).where(col(Tag.id).in_(batch.tag_ids))).all()
    by_id = {t.id: t for t in rows}
    return [by_id[i] for i in batch.tag_ids if i in by_id]


def batch_calibration(batch: LabelBatch, extra_dirs: Iterable[str | Path] = ()) -> Calibration:
    """How a batch prints, as it was chosen when the batch was made."""
    return Calibration(
        find_layout(batch.layout, extra_dirs), batch.start_at,
        (batch.offset_x_mm, batch.offset_y_mm), batch.scale,
    )


def first_page(contents: Sequence[labels.LabelContent], how: Calibration) -> list[labels.LabelContent]:
    """The labels that land on the first page: all a preview needs to render."""
    if how.layout.is_roll:
        return list(contents[:1])
    return list(contents[: how.layout.labels_per_page - how.start_at + 1])


def render_pdf(
    contents: Sequence[labels.LabelContent],
    how: Calibration,
    *,
    base_url: str,
    workers: int | None = 1,
) -> bytes:
    """The labels as a PDF. Web requests keep ``workers=1``: a process pool does not mix
    with a threaded server; the command line may use every core."""
    try:
        return labels.render_labels(
            contents, how.layout, base_url=base_url, start_at=how.start_at,
            offset_mm=how.offset_mm, scale=how.scale, workers=workers,
        )
    except labels.LayoutError as exc:
        raise LayoutProblem(str(exc)) from None


def render_calibration(how: Calibration) -> bytes:
    """The calibration page of a layout, drawn with the printer's offsets and scale."""
    return labels.render_calibration(how.layout, how.offset_mm, how.scale)


def preview_png(pdf: bytes, how: Calibration, *, width_px: int = PREVIEW_WIDTH_PX) -> bytes:
    """The PDF's first page as a PNG, with the sheet's label outlines drawn faintly.

    The outlines are where the labels really are on the sheet (no printer correction),
    so a used sheet's start position and a profile's offset can be checked by eye.
    """
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    px_per_mm = image.width / how.layout.page_width_mm
    draw = ImageDraw.Draw(image)
    radius = max(1, round(how.layout.corner_radius_mm * px_per_mm))
    if how.layout.is_roll:
        boxes = labels.label_positions(how.layout, 1)
    else:
        boxes = labels.label_positions(how.layout, how.layout.labels_per_page)
    for number, box in enumerate(boxes, 1):
        used = how.layout.is_roll or number >= how.start_at
        rect = (
            round(box.x_mm * px_per_mm), round(box.y_mm * px_per_mm),
            round((box.x_mm + box.w_mm) * px_per_mm) - 1,
            round((box.y_mm + box.h_mm) * px_per_mm) - 1,
        )
        draw.rounded_rectangle(rect, radius=radius, outline=(150, 170, 160) if used else (215, 220, 217),
                               width=1, fill=None if used else (236, 239, 237))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class SessionChoice:
    id: int
    title: str
    held_on: object
    objects: int


@dataclass(frozen=True)
class SheetOptions:
    """What the label pages offer: layouts (and broken layout files), printers, sessions, bins."""

    catalogue: Catalogue
    profiles: list[tuple[PrinterProfile, Site]]
    sessions: list[SessionChoice]
    bins: list[StockBin]


def sheet_options(
    session: Session, *, actor: Actor, extra_dirs: Iterable[str | Path] = (), recent: int = 20
) -> SheetOptions:
    """Everything the label forms list, limited to the actor's group."""
    profiles = (
        select(PrinterProfile, Site)
        .join(Site, Site.id == PrinterProfile.site_id)
        .where(access.scope_filter(actor, PrinterProfile, write=True))
        .order_by(col(Site.name), col(PrinterProfile.name))
    )
    sessions = (
        select(RepairSession, Site, func.count(col(Item.id)))
        .join(Site, Site.id == RepairSession.site_id)
        .join(Item, Item.current_session_id == RepairSession.id, isouter=True)
        .where(access.scope_filter(actor, RepairSession, write=True))
        .group_by(col(RepairSession.id), col(Site.id))
        .order_by(col(RepairSession.held_on).desc(), col(RepairSession.id).desc())
        .limit(recent)
    )
    bins = select(StockBin).where(access.scope_filter(actor, StockBin, write=True)).order_by(
        col(StockBin.name))
    return SheetOptions(
        catalogue=layout_catalogue(extra_dirs),
        profiles=[(p, s) for p, s in session.exec(profiles).all()],
        sessions=[
            SessionChoice(rs.id or 0, rs.title or site.name, rs.held_on, count)
            for rs, site, count in session.exec(sessions).all()
        ],
        bins=list(session.exec(bins).all()),
    )


def single_defaults(options: SheetOptions, default_layout: str) -> dict[str, str]:
    """For one label: the first roll printer if there is one, else the configured layout."""
    for profile, _site in options.profiles:
        layout = options.catalogue.layouts.get(profile.layout)
        if layout is not None and layout.is_roll:
            return {"profile": str(profile.id)}
    if options.profiles:
        return {"profile": str(options.profiles[0][0].id)}
    return {"layout": default_layout}


def page_count(count: int, how: Calibration) -> int:
    """Pages (sheets, or roll labels) a batch of ``count`` labels fills."""
    if how.layout.is_roll:
        return count
    return -(-(count + how.start_at - 1) // how.layout.labels_per_page)

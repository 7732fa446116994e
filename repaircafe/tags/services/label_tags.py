"""Which tags go on a sheet and what each label shows: the current labels of objects, parts and
bins the actor may see, and a second line a volunteer recognises."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

import labels
from repaircafe.core import access
from repaircafe.domain import codes
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import Category, Item, Part, RepairSession, StockBin, Tag
from repaircafe.tags.services import tags as tag_service

_OWNED: dict[str, type[Any]] = {"item": Item, "part": Part, "bin": StockBin}


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
        linked = _owner(tag)
        if linked is None or not access.can_write(session, actor, *linked):
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
            .join(Item, col(Item.id) == col(Tag.item_id))
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

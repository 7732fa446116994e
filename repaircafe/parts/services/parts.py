"""Parts moving between objects: harvested from a donor, installed into a recipient, removed.

Lineage is kept both ways: a part remembers its donor (`donor_item_id`) and the object it is
in (`installed_item_id`), and both objects' histories carry an event naming the part. A part's
weight is credited as reuse when it is installed, and only then (design §6: one fate per kg).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core import events as ev
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import codes, impact, lifecycle, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused, TransitionRefused
from repaircafe.domain.messages import N_
from repaircafe.models import Category, ImpactRecord, Item, LifecycleEvent, Part, StockBin, Tag
from repaircafe.objects.services.intake import category_by_slug
from repaircafe.objects.services.repairs import locked_item
from repaircafe.parts.services.stock import bin_for_part, code_of, find_bin, locked_part
from repaircafe.reporting.services import impact as impact_service
from repaircafe.tags.services import tags as tag_service


@dataclass(frozen=True)
class HarvestedPart:
    """One part as the fixer describes it at the bench."""

    name: str
    part_type: str = ""
    fits_category: str | None = None
    condition: str = "untested"
    weight: str | float | None = None
    tag_code: str | None = None  # a pre-printed blank label; empty: a new code is printed
    bin_code: str | None = None
    bin_id: int | None = None


def harvested_kg(session: Session, item_id: int) -> float:
    """The mass already taken out of an object as parts."""
    weights = session.exec(select(Part.weight_kg).where(Part.donor_item_id == item_id)).all()
    return sum(w or 0.0 for w in weights)


def remaining_kg(session: Session, item: Item) -> float | None:
    """What is left of a donor once its parts are out, None when it was never weighed."""
    if item.weight_kg is None:
        return None
    return round(max(item.weight_kg - harvested_kg(session, item.id or 0), 0.0), 3)


def _check_harvest(parts: list[HarvestedPart]) -> list[tuple[HarvestedPart, float | None]]:
    if not parts:
        raise Refused("Add at least one part.")
    checked = []
    labels = [p.tag_code and codes.normalise(codes.extract(p.tag_code)) for p in parts]
    if len([c for c in labels if c]) != len({c for c in labels if c}):
        raise Refused("Each part needs its own label: the same label was given twice.")
    for number, part in enumerate(parts, start=1):
        name = values.clean_text(part.name, limit=200, field=N_("Part name"))
        if not name:
            raise Refused("Part %(number)d: give it a name, e.g. “drive belt 5 mm”.", number=number)
        if part.condition not in lifecycle.PART_CONDITIONS:
            raise Refused("Part %(number)d: condition must be tested or untested.", number=number)
        if not part.bin_code and part.bin_id is None:
            raise Refused("Part %(number)d: put it in a bin (scan the bin's label).", number=number)
        values.clean_text(part.part_type, limit=120, field=N_("Part type"))
        checked.append((part, values.parse_weight(part.weight)))
    return checked


def harvest_parts(
    session: Session, *, item_id: int, parts: list[HarvestedPart], actor: Actor, now: datetime,
    key: str,
) -> list[Part]:
    """Take parts out of an object at end of life (or a donor), each tagged and binned.

    The parts together may not weigh more than what is left of the donor.
    """
    checked = _check_harvest(parts)

    def act() -> LifecycleEvent:
        with write_transaction(session):
            donor = locked_item(session, item_id, actor)
            left = remaining_kg(session, donor)
            total = sum(w or 0.0 for _p, w in checked)
            if left is not None and total > left + 1e-9:
                raise Refused("These parts weigh %(total)s kg but only %(left)s kg of the "
                              "object is left: check the weights.",
                              total=f"{total:g}", left=f"{left:g}")
            lifecycle.next_item_state(donor.state, "parts_harvested", {})
            donor_code = code_of(session, item_id=donor.id)
            rows = []
            for number, (wanted, weight) in enumerate(checked):
                stock_bin = find_bin(session, actor=actor, bin_id=wanted.bin_id,
                                     code=wanted.bin_code, write=True)
                if stock_bin.group_id != donor.group_id:
                    raise Refused("Bin “%(bin)s” belongs to another group's stock.",
                                  bin=stock_bin.name)
                fits = category_by_slug(session, wanted.fits_category)
                tag = (access.check_blank_label(
                    tag_service.claimable_tag(session, wanted.tag_code), donor.group_id)
                       if wanted.tag_code else tag_service.new_tags(session, count=1, group_id=donor.group_id,
                                                 now=now)[0])
                part = Part(group_id=donor.group_id, name=wanted.name.strip(),
                            part_type=wanted.part_type.strip(),
                            fits_category_id=fits.id if fits else donor.category_id,
                            condition=wanted.condition, weight_kg=weight,
                            donor_item_id=donor.id, bin_id=stock_bin.id, state="", created_at=now)
                session.add(part)
                session.flush()
                tag.status, tag.kind, tag.part_id, tag.linked_at = "linked", "part", part.id, now
                session.add(tag)
                ev.part_event(session, part, kind="harvested", actor=actor, now=now,
                              key=f"{key}:{number}",
                              payload={"donor_item_id": donor.id, "donor_code": donor_code,
                                       "code": tag.code, "bin_id": stock_bin.id,
                                       "bin": stock_bin.name, "weight_kg": weight})
                rows.append({"part_id": part.id, "code": tag.code, "part_name": part.name,
                             "weight_kg": weight})
            return ev.item_event(
                session, donor, kind="parts_harvested", actor=actor, now=now, key=key,
                payload={"parts": rows, "harvested_kg": round(total, 3),
                         "remaining_kg": None if left is None else round(left - total, 3)},
            )

    event = ev.once(session, key, "parts_harvested", act)
    ids = [row["part_id"] for row in event.payload["parts"]]
    return list(session.exec(select(Part).where(col(Part.id).in_(ids)).order_by(col(Part.id))))


def donors_by_recipient(session: Session) -> dict[int, set[int]]:
    """Recipient object -> donors of the parts installed in it now."""
    links: dict[int, set[int]] = defaultdict(set)
    for recipient, donor in session.exec(
        select(Part.installed_item_id, Part.donor_item_id)
        .where(Part.state == "installed", col(Part.donor_item_id).is_not(None))
    ):
        links[recipient].add(donor)  # type: ignore[index,arg-type]
    return links


def part_by_code(session: Session, text: str, *, recipient_id: int | None = None) -> Part:
    """The part a scanned label belongs to, or a refusal saying what the label is instead."""
    resolution = tag_service.resolve(session, text)
    if resolution.result in ("typo", "invalid", "unknown"):
        raise resolution.problem or NotFound(resolution.message)
    if resolution.item_id is not None:
        if resolution.item_id == recipient_id:
            raise Refused("That is this object's own label: a part cannot go into itself.")
        raise Refused("That label is on an object, not on a part.")
    if resolution.part_id is None:
        raise Refused("That label is not on a part.")
    part = session.get(Part, resolution.part_id)
    assert part is not None
    return part


def _record_reuse_impact(session: Session, *, part: Part, donor: Item | None,
                         event: LifecycleEvent, now: datetime) -> ImpactRecord:
    assert event.id is not None  # the event is flushed before its savings are stored
    category_id = donor.category_id if donor and donor.category_id else part.fits_category_id
    category = session.get(Category, category_id) if category_id else None
    slug, powered = (category.slug, category.is_powered) if category else (None, True)
    weight = part.weight_kg
    central = impact.part_reuse_savings(weight, "measured" if weight else None, slug, powered,
                                        impact_service.factor_set(impact_service.CENTRAL_SET))
    low = impact.part_reuse_savings(weight, "measured" if weight else None, slug, powered,
                                    impact_service.factor_set(impact_service.CONSERVATIVE_SET))
    record = ImpactRecord(
        event_id=event.id, item_id=event.item_id, part_id=part.id, kind="part_reuse",
        factor_set=central.factor_set, factor_version=central.factor_set_version,
        weight_kg=central.weight_kg or 0.0, weight_source=central.weight_source,
        waste_prevented_kg=central.waste_prevented_kg, co2e_avoided_kg=central.co2e_avoided_kg,
        co2e_avoided_conservative_kg=low.co2e_avoided_kg, computed_at=now,
    )
    session.add(record)
    return record


def install_part(
    session: Session, *, item_id: int, part_code: str | None = None, part_id: int | None = None,
    actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """Fit a part from stock into the object on the bench (returns the object's event).

    Refused with nothing changed: a part already installed, recycled or written off, a
    recycled recipient, or a recipient the part's material already came from. Two tablets
    racing for one part: the part row is locked first, so exactly one wins.
    """

    def act() -> LifecycleEvent:
        with write_transaction(session):
            wanted = part_id
            if wanted is None:
                wanted = part_by_code(session, part_code or "", recipient_id=item_id).id
            part = locked_part(session, wanted or 0, actor)
            recipient = locked_item(session, item_id, actor)
            if part.state == "installed":
                where = code_of(session, item_id=part.installed_item_id)
                raise TransitionRefused(
                    "Cannot install this part: it is already installed in %(where)s.",
                    where=codes.display(where) if where else N_("an object"))
            lifecycle.next_part_state(part.state, "installed", {})
            lifecycle.next_item_state(recipient.state, "part_installed", {})
            if part.group_id != recipient.group_id:
                raise Refused("This part belongs to another group's stock.")
            if lifecycle.install_closes_loop(donors_by_recipient(session),
                                             donor_id=part.donor_item_id,
                                             recipient_id=recipient.id or 0):
                raise Refused("Cannot install this part: it came from this object, or from an "
                              "object this one gave parts to; material cannot go round in a "
                              "circle.")
            donor = session.get(Item, part.donor_item_id) if part.donor_item_id else None
            part_code_now = code_of(session, part_id=part.id)
            recipient_code = code_of(session, item_id=recipient.id)
            from_bin = session.get(StockBin, part.bin_id) if part.bin_id else None
            ev.part_event(session, part, kind="installed", actor=actor, now=now,
                          key=f"{key}:part",
                          payload={"item_id": recipient.id, "item_code": recipient_code,
                                   "from_bin_id": part.bin_id,
                                   "from_bin": from_bin.name if from_bin else None},
                          repair_session_id=recipient.current_session_id)
            part.installed_item_id, part.bin_id = recipient.id, None
            event = ev.item_event(
                session, recipient, kind="part_installed", actor=actor, now=now, key=key,
                payload={"part_id": part.id, "part_code": part_code_now, "part_name": part.name,
                         "part_type": part.part_type, "weight_kg": part.weight_kg,
                         "donor_item_id": part.donor_item_id,
                         "donor_code": code_of(session, item_id=donor.id) if donor else None},
            )
            session.flush()
            _record_reuse_impact(session, part=part, donor=donor, event=event, now=now)
            return event

    return ev.once(session, key, "part_installed", act)


def void_reuse(session: Session, *, part_id: int) -> None:
    """A part taken out again is no longer reused; a later install credits it afresh."""
    for record in session.exec(select(ImpactRecord).where(
        ImpactRecord.part_id == part_id, ImpactRecord.kind == "part_reuse",
        ImpactRecord.is_void == False,  # noqa: E712
    )):
        record.is_void = True
        session.add(record)


def take_out(session: Session, part: Part, *, reason: str, actor: Actor, now: datetime,
             key: str) -> LifecycleEvent:
    """Within the caller's transaction: the part leaves its object (both histories say so)."""
    host = locked_item(session, part.installed_item_id or 0, actor) if part.installed_item_id else None
    lifecycle.next_part_state(part.state, "removed", {})
    if host is None:
        raise TransitionRefused("Cannot remove this part: it is not installed in an object.")
    lifecycle.next_item_state(host.state, "part_removed", {})
    ev.part_event(session, part, kind="removed", actor=actor, now=now, key=f"{key}:part",
                  payload={"item_id": host.id, "reason": reason}, internal_note=reason)
    event = ev.item_event(session, host, kind="part_removed", actor=actor, now=now, key=key,
                          payload={"part_id": part.id, "part_code": code_of(session, part_id=part.id),
                                   "part_name": part.name, "reason": reason},
                          internal_note=reason)
    part.installed_item_id = None
    void_reuse(session, part_id=part.id or 0)
    return event


def remove_to_stock(
    session: Session, *, part_id: int, bin_id: int | None = None, bin_code: str | None = None,
    reason: str = "", actor: Actor, now: datetime, key: str,
) -> LifecycleEvent:
    """Take a part out of an object and put it back on a shelf (returns the object's event)."""
    text = values.clean_text(reason, limit=500, field=N_("Reason"))

    def act() -> LifecycleEvent:
        with write_transaction(session):
            part = locked_part(session, part_id, actor)
            target = bin_for_part(session, part, actor=actor, bin_id=bin_id, code=bin_code)
            event = take_out(session, part, reason=text, actor=actor, now=now, key=key)
            part.bin_id = target.id
            return event

    return ev.once(session, key, "part_removed", act)


@dataclass(frozen=True)
class Link:
    """One step of lineage: a part and the object at the other end."""

    part_id: int
    part_code: str | None
    part_name: str
    part_state: str
    weight_kg: float | None
    item_id: int | None
    item_code: str | None
    item_label: str


def _item_label(session: Session, item: Item | None) -> str:
    if item is None:
        return ""
    category = session.get(Category, item.category_id) if item.category_id else None
    return " ".join(x for x in (category.name if category else "", item.brand, item.model) if x)


def lineage(session: Session, *, item_id: int) -> tuple[list[Link], list[Link]]:
    """Parts given by an object (with where each went) and parts it received (with donors)."""
    given, received = [], []
    for part in session.exec(select(Part).where(Part.donor_item_id == item_id)
                             .order_by(col(Part.id))):
        other = session.get(Item, part.installed_item_id) if part.installed_item_id else None
        given.append(Link(part.id or 0, code_of(session, part_id=part.id), part.name, part.state,
                          part.weight_kg, other.id if other else None,
                          code_of(session, item_id=other.id) if other else None,
                          _item_label(session, other)))
    for part in session.exec(select(Part).where(Part.installed_item_id == item_id)
                             .order_by(col(Part.id))):
        donor = session.get(Item, part.donor_item_id) if part.donor_item_id else None
        received.append(Link(part.id or 0, code_of(session, part_id=part.id), part.name,
                             part.state, part.weight_kg, donor.id if donor else None,
                             code_of(session, item_id=donor.id) if donor else None,
                             _item_label(session, donor)))
    return given, received


@dataclass(frozen=True)
class PartDetail:
    part: Part
    code: str | None
    fits: Category | None
    donor: Link | None
    installed_in: Link | None
    bin: StockBin | None
    bin_code: str | None
    history: list[LifecycleEvent]


def part_detail(session: Session, *, part_id: int, actor: Actor) -> PartDetail:
    """One part: where it came from, where it is, and everything that happened to it."""
    part = access.load(session, Part, part_id, actor)
    code = code_of(session, part_id=part.id)

    def link(item_id: int | None) -> Link | None:
        item = session.get(Item, item_id) if item_id else None
        if item is None:
            return None
        return Link(part.id or 0, code, part.name, part.state, part.weight_kg, item.id,
                    code_of(session, item_id=item.id), _item_label(session, item))

    stock_bin = session.get(StockBin, part.bin_id) if part.bin_id else None
    return PartDetail(
        part, code,
        session.get(Category, part.fits_category_id) if part.fits_category_id else None,
        link(part.donor_item_id), link(part.installed_item_id), stock_bin,
        code_of(session, bin_id=stock_bin.id) if stock_bin else None,
        list(session.exec(select(LifecycleEvent).where(LifecycleEvent.part_id == part.id)
                          .order_by(col(LifecycleEvent.id)))),
    )


def part_by_label(session: Session, *, code: str, actor: Actor) -> Part:
    """The part carrying a label (current or replaced), within the actor's group."""
    parsed = codes.parse(code)
    part = session.exec(select(Part).join(Tag, col(Tag.part_id) == Part.id)
                        .where(Tag.code == parsed)).first()
    if part is None or not access.can_read(session, actor, Part, part.id):
        raise NotFound("No part carries label %(code)s.", code=codes.display(parsed))
    return part

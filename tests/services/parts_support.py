"""Builders for parts and recycling tests: bins, recyclers, donors with harvested parts."""

from __future__ import annotations

from sqlmodel import Session

from repaircafe.core.events import new_key
from repaircafe.models import Item, Part, Recycler, StockBin
from repaircafe.objects.services import repairs
from repaircafe.parts.services import parts, stock
from repaircafe.parts.services.parts import HarvestedPart
from repaircafe.recycling.services import recycling
from tests.factories import NOW, World, make_item


def make_bin(session: Session, world: World, name: str = "Belts A") -> StockBin:
    return stock.create_bin(session, name=name, group_id=world.group.id, site_id=world.site.id,
                            actor=world.actor(), now=NOW)


def make_recycler(session: Session, world: World, *, weee: str = "1,2,3,4,5,6",
                  name: str = "Cardiff Metal Recovery") -> Recycler:
    return recycling.add_recycler(session, territory_id=world.territory.id, name=name,
                                  permit_number="EPR/AB1234CD", weee_categories=weee,
                                  actor=world.actor("coordinator"))


def end_of_life(session: Session, world: World, item: Item) -> Item:
    repairs.record_repair_attempt(session, item_id=item.id, outcome="end_of_life", barrier=6,
                                  actor=world.actor(), now=NOW, key=new_key())
    session.refresh(item)
    return item


def make_donor(session: Session, world: World, *, category: str = "vacuum",
               weight: float = 6.0, **kwargs) -> Item:
    donor = make_item(session, world, category=category, weight=weight, brand="Philips",
                      model="FC8", is_donor=True, **kwargs)
    return end_of_life(session, world, donor)


def harvest(session: Session, world: World, donor: Item, stock_bin: StockBin,
            *specs: tuple[str, float]) -> list[Part]:
    wanted = [HarvestedPart(name=name, part_type=name.split()[-1], weight=weight,
                            condition="tested", bin_id=stock_bin.id)
              for name, weight in specs]
    return parts.harvest_parts(session, item_id=donor.id, parts=wanted, actor=world.actor(),
                               now=NOW, key=new_key())

"""Demo step: donors with harvested parts in tagged bins, parts fitted into other objects,
refurbished objects sold or lent, and recycling batches, so every circularity page has content.

Everything is recorded through the same services the pages use, so the lifecycle, impact
rows and mass balance are exactly what a real café would produce.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from repaircafe.core.events import new_key
from repaircafe.demo.builder import DemoContext, DemoSite, register_step
from repaircafe.domain.actors import Actor
from repaircafe.objects.services import intake, refurbish, repairs
from repaircafe.parts.services import parts
from repaircafe.parts.services import stock as stock_service
from repaircafe.recycling.services import recycling, recycling_batches

RECYCLERS = {
    # territory -> (name, permit number, WEEE categories handled)
    "Cardiff": ("Cardiff Metal Recovery Ltd", "EPR/CB3391KT", "1,2,4,5,6"),
    "Swansea": ("Tawe WEEE Recycling", "EPR/SW7720LM", "2,3,5,6"),
}
BINS = ("Belts and drives", "Motors", "Small parts")
# donor category, weight kg, brand/model, parts: (name, type, kg, bin index, condition)
DONORS = (
    ("vacuum", 6.8, "Philips", "FC8760", (
        ("Drive belt 5 mm", "belt", 0.05, 0, "tested"),
        ("Suction motor 1800 W", "motor", 1.6, 1, "tested"),
        ("Flexible hose", "hose", 0.45, 2, "untested"))),
    ("food-processor", 3.1, "Kenwood", "FDP613", (
        ("Bowl drive coupling", "coupling", 0.04, 0, "tested"),
        ("Motor 800 W", "motor", 1.1, 1, "untested"),
        ("Speed switch", "switch", 0.03, 2, "tested"))),
    ("laptop", 2.2, "Lenovo", "ThinkPad T440", (
        ("Keyboard", "keyboard", 0.18, 2, "tested"),
        ("Cooling fan", "fan", 0.06, 2, "tested"),
        ("Power supply 65 W", "charger", 0.3, 2, "tested"))),
)
# recipient category, weight, brand/model, donor index, part index, then what happens
RECIPIENTS = (
    ("vacuum", 6.5, "Philips", "FC8761", 0, 0),
    ("laptop", 2.1, "Lenovo", "ThinkPad T450", 2, 1),
)


def _actor(ctx: DemoContext, site: DemoSite) -> Actor:
    fixer = ctx.fixer_for(site.group_id)
    return Actor(fixer.id, fixer.display_name, fixer.role, fixer.group_id)


def _when(day: date, minutes: int) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC) + timedelta(minutes=minutes)


def circularity_step(session: Session, ctx: DemoContext) -> None:
    """At the first site of each group: bins, donors, fitted parts, refurbishment, recycling."""
    seen_groups: set[int] = set()
    for site in ctx.sites:
        if site.group_id in seen_groups or len(ctx.sessions_at(site.id)) < 4:
            continue
        seen_groups.add(site.group_id)
        _one_site(session, ctx, site)


def _one_site(session: Session, ctx: DemoContext, site: DemoSite) -> None:
    who = _actor(ctx, site)
    visits = ctx.sessions_at(site.id)[-4:]
    territory = next(name for name, tid in ctx.territories.items() if tid == site.territory_id)
    name, permit, weee = RECYCLERS.get(territory, (f"{territory} Recycling", "", ""))
    recycler = recycling.add_recycler(session, territory_id=site.territory_id, name=name,
                                      permit_number=permit, weee_categories=weee, actor=who)
    assert recycler.id is not None
    first = _when(visits[0].held_on, 0)
    bins = [stock_service.create_bin(session, name=b, group_id=site.group_id, site_id=site.id,
                                     actor=who, now=first) for b in BINS]

    def register(category: str, kg: float, brand: str, model: str, visit: int,
                 is_donor: bool = False) -> int:
        item = intake.register_item(
            session, repair_session_id=visits[visit].id, category=category, weight=kg,
            brand=brand, model=model, is_donor=is_donor,
            problem="Given to the café for parts" if is_donor else "Stopped working",
            actor=who, now=_when(visits[visit].held_on, 5), key=new_key())
        return item.id or 0

    harvested: list[list[int]] = []
    donors = []
    for category, kg, brand, model, wanted in DONORS:
        donor_id = register(category, kg, brand, model, 0, is_donor=True)
        at = _when(visits[0].held_on, 30)
        repairs.record_repair_attempt(session, item_id=donor_id, outcome="end_of_life", barrier=6,
                                      actor=who, now=at, key=new_key())
        taken = parts.harvest_parts(session, item_id=donor_id, actor=who, now=at, key=new_key(),
                                    parts=[parts.HarvestedPart(n, t, weight=w, condition=c,
                                                               bin_id=bins[b].id)
                                           for n, t, w, b, c in wanted])
        harvested.append([p.id or 0 for p in taken])
        donors.append(donor_id)

    for category, kg, brand, model, donor, part in RECIPIENTS:
        item_id = register(category, kg, brand, model, 1)
        at = _when(visits[1].held_on, 20)
        repairs.record_repair_attempt(session, item_id=item_id, outcome="repairable",
                                      public_note="Needs a part from the stock", actor=who,
                                      now=at, key=new_key())
        parts.install_part(session, item_id=item_id, part_id=harvested[donor][part], actor=who,
                           now=at + timedelta(minutes=10), key=new_key())
        repairs.record_repair_attempt(session, item_id=item_id, outcome="fixed", minutes=40,
                                      public_note="Second-hand part fitted; works again",
                                      actor=who, now=at + timedelta(minutes=20), key=new_key())
        repairs.hand_over(session, item_id=item_id, actor=who, now=at + timedelta(minutes=30),
                          key=new_key())

    for n, (to, due) in enumerate((("lent", ctx.today_date + timedelta(days=21)),
                                   ("sold", None))):
        item_id = register("lamp" if n else "kettle", 1.3 if n else 1.2,
                           "Anglepoise" if n else "Russell Hobbs", "Type 75" if n else "21150", 2)
        at = _when(visits[2].held_on, 40)
        repairs.record_repair_attempt(session, item_id=item_id, outcome="fixed", actor=who,
                                      now=at, key=new_key())
        refurbish.refurbish(session, item_id=item_id, actor=who, now=at + timedelta(minutes=15),
                            key=new_key(), tests=[
            refurbish.TestResult("electrical_safety", True, at.date(), "earth 0.06 Ω, ins. >200 MΩ"),
            refurbish.TestResult("function", True, at.date())])
        refurbish.hand_over(session, item_id=item_id, to=to, return_due_on=due, actor=who,
                            now=at + timedelta(minutes=30), key=new_key())

    late = _when(visits[3].held_on, 15)
    stock_service.write_off(session, part_id=harvested[0][2], reason="Hose split when tested",
                            actor=who, now=late, key=new_key())
    batch = recycling_batches.open_batch(session, recycler_id=recycler.id,
                                         group_id=site.group_id, actor=who, now=late)
    assert batch.id is not None
    recycling.recycle_item(session, item_id=donors[0], recycler_id=recycler.id,
                           batch_id=batch.id, actor=who, now=late, key=new_key(),
                           materials={"steel": "2.1", "plastics": "2.05", "copper": "0.3",
                                      "circuit_boards": "0.15"})
    recycling.recycle_item(session, item_id=donors[1], recycler_id=recycler.id,
                           batch_id=batch.id, actor=who, now=late, key=new_key())
    recycling.recycle_part(session, part_id=harvested[0][2], recycler_id=recycler.id,
                           batch_id=batch.id, materials={"plastics": "0.45"}, actor=who,
                           now=late, key=new_key())
    recycling_batches.close_batch(session, batch_id=batch.id, weight_ticket="WT-" + permit[-4:],
                                  ticket_kg="6.9", actor=who, now=late + timedelta(hours=3))
    open_batch = recycling_batches.open_batch(session, recycler_id=recycler.id,
                                              group_id=site.group_id, actor=who, now=late)
    recycling.recycle_item(session, item_id=donors[2], recycler_id=recycler.id,
                           batch_id=open_batch.id, actor=who, now=late, key=new_key())


register_step(circularity_step, name="circularity", order=100)

"""Objects that went home repaired, with their planned follow-ups."""

from sqlmodel import select

from repaircafe.core.events import new_key
from repaircafe.models import FollowUp
from repaircafe.objects.services import repairs
from repaircafe.objects.services.intake import OwnerContact
from tests.factories import NOW, make_item

MONTHS = (3, 6, 12)


def went_home(session, world, *, outcome="fixed", consent=True, email="owner@example.org",
              repair_session=None, **item):
    """An object registered, repaired with `outcome` and handed back to its owner at NOW; at
    `repair_session` (the other group's), the admin does the work."""
    item = make_item(session, world, repair_session=repair_session,
                     owner=OwnerContact(name="Sian Hughes", email=email, consent=True,
                                        follow_ups=consent), **item)
    actor = world.actor("admin" if repair_session is not None else "fixer")
    repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                  barrier=6 if outcome == "end_of_life" else None,
                                  actor=actor, now=NOW, key=new_key())
    repairs.hand_over(session, item_id=item.id, to="owner", actor=actor, now=NOW,
                      key=new_key(), follow_up_months=MONTHS)
    return item


def planned(session, item):
    return session.exec(select(FollowUp).where(FollowUp.item_id == item.id)
                        .order_by(FollowUp.months)).all()

"""Demo step: owners who agreed to "still working?" questions, and what they answered.

Hand-overs of repaired objects to owners with an e-mail address get their follow-ups through the
same planning rule the bench uses; those already due were mailed, and most were answered
(mostly "still works", some "broke again"), so the survival table has something to show.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select, update

from repaircafe.core.events import new_key
from repaircafe.core.transactions import write_transaction
from repaircafe.demo.builder import DemoContext, register_step
from repaircafe.followups.services import followups
from repaircafe.models import FollowUp, Item, LifecycleEvent, Owner

MONTHS = (3, 6, 12)
CONSENT_SHARE = 0.6
ANSWER_SHARE = 0.7
BROKE_SHARE = {3: 0.06, 6: 0.08, 12: 0.1}


def follow_ups_step(session: Session, ctx: DemoContext) -> None:
    rng = ctx.rng
    handovers = session.exec(
        select(LifecycleEvent, Item).join(Item, col(Item.id) == LifecycleEvent.item_id)
        .join(Owner, col(Owner.id) == Item.owner_id)
        .where(col(LifecycleEvent.kind) == "handed_over", col(Owner.email).is_not(None))
        .order_by(col(LifecycleEvent.id))
    ).all()
    repaired = followups.handovers_after_repair(session, [item.id or 0 for _e, item in handovers])
    with write_transaction(session):
        for event, item in handovers:
            if event.occurred_at not in repaired.get(item.id or 0, []):
                continue
            if rng.random() >= CONSENT_SHARE:
                continue
            owner = session.get(Owner, item.owner_id)
            assert owner is not None
            owner.follow_up_consent = True
            session.add(owner)
            followups.plan(session, item=item, handover=event, fixed=True, months=MONTHS)
    today = ctx.today_date
    broke: set[int] = set()
    for follow_up in session.exec(select(FollowUp).where(col(FollowUp.due_on) <= today)
                                  .order_by(col(FollowUp.due_on), col(FollowUp.id))).all():
        sent = datetime(follow_up.due_on.year, follow_up.due_on.month, follow_up.due_on.day, 9,
                        tzinfo=UTC)
        with write_transaction(session):
            session.execute(update(FollowUp).where(col(FollowUp.id) == follow_up.id)
                            .values(status="sent", claimed_at=sent, sent_at=sent))
        if follow_up.item_id in broke or rng.random() >= ANSWER_SHARE:
            continue
        works = rng.random() >= BROKE_SHARE.get(follow_up.months, 0.1)
        answered = sent + timedelta(hours=rng.randrange(2, 96))
        if answered.date() > today:
            continue
        followups.answer_by_link(session, follow_up.id or 0, works=works,
                                 comment="" if works else "Stopped working again.",
                                 now=answered, key=new_key())
        if not works:
            broke.add(follow_up.item_id)


register_step(follow_ups_step, name="follow_ups", order=100)

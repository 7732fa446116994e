"""Objects: list, one object with its history, intake and repair attempts."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from repaircafe.api.services import api_access
from repaircafe.api.views import api_actor, bp, object_id, page_meta
from repaircafe.api.views.models import (
    AttemptIn,
    AttemptOut,
    CorrectionIn,
    HistoryEvent,
    IdempotencyHeaders,
    IntakeIn,
    ItemOut,
    ItemPage,
    ItemQuery,
    ItemSummary,
    PartOut,
)
from repaircafe.api.views.spec import api_spec, problem, responses
from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.models import Item, LifecycleEvent, Part, utc_now
from repaircafe.objects.services import intake as intake_service
from repaircafe.objects.services import items as item_service


def part_out(part: Part) -> PartOut:
    return PartOut(id=part.id or 0, name=part.name, part_type=part.part_type,
                   condition=part.condition, state=part.state, weight_kg=part.weight_kg,
                   donor_item_id=part.donor_item_id, installed_item_id=part.installed_item_id)


def _item_out(item_id: int) -> ItemOut:
    d = item_service.item_detail(get_session(), item_id=item_id, actor=api_actor())
    item = d.item
    return ItemOut(
        id=item.id or 0, code=d.code, category=d.category.slug if d.category else None,
        brand=item.brand, model=item.model, state=item.state, registered_at=item.registered_at,
        site=d.site.name if d.site else None, problem=item.problem, weight_kg=item.weight_kg,
        product_age_years=item.product_age_years,
        history=[HistoryEvent(id=h.id, kind=h.kind, occurred_at=h.occurred_at,
                              payload=h.payload, public_note=h.public_note,
                              corrects_id=h.corrects_id, corrected_by=h.corrected_by)
                 for h in d.history],
        parts_taken=[part_out(p) for p in d.parts_taken],
        parts_installed=[part_out(p) for p in d.parts_installed],
    )


@bp.get("/items")
@api_spec.validate(resp=responses(HTTP_200=ItemPage), operation_id="list_items", tags=["objects"])
def list_items(query: ItemQuery) -> Any:
    """Objects in your scope, newest first.

    Search by label code, brand, model or category; filter by category slug and state.
    """
    rows, total = item_service.search_items(
        get_session(), actor=api_actor(), query=query.q, category=query.category,
        state=query.state, limit=query.per_page, offset=(query.page - 1) * query.per_page)
    return ItemPage(items=[ItemSummary(**vars(r)) for r in rows],
                    **page_meta(query.page, query.per_page, total)).model_dump(mode="json")


@bp.get("/items/<item_id>")
@api_spec.validate(resp=responses(HTTP_200=ItemOut), operation_id="get_item", tags=["objects"])
def get_item(item_id: str) -> Any:
    """One object with its whole history and its parts."""
    return _item_out(object_id(item_id)).model_dump(mode="json")


@bp.post("/items")
@api_spec.validate(resp=responses("HTTP_409", HTTP_201=ItemOut), operation_id="register_item", tags=["objects"])
def register_item(json: IntakeIn, headers: IdempotencyHeaders) -> Any:
    """Register an object at a café session (intake).

    A blank label can be claimed with `tag_code`; otherwise a new code is issued.
    """
    actor = api_actor()
    item: Item = api_access.register_item(
        get_session(), repair_session_id=json.repair_session_id, category=json.category,
        brand=json.brand, model=json.model, problem=json.problem, weight=json.weight_kg,
        tag_code=json.tag_code, actor=actor, now=utc_now(),
        key=f"api:{actor.id}:{headers.idempotency_key}")
    return _item_out(item.id or 0).model_dump(mode="json"), 201


@bp.patch("/items/<item_id>")
@api_spec.validate(resp=responses("HTTP_409", HTTP_200=ItemOut), operation_id="correct_item", tags=["objects"])
def correct_item(item_id: str, json: CorrectionIn, headers: IdempotencyHeaders) -> Any:
    """Correct intake details typed wrong: category, brand, model, problem, weight, age, owner.

    The object's history gains a `correction` entry naming each replaced field with its old
    and new value; the `registered` entry is never changed. Only the fields sent are corrected;
    sending the values already recorded changes nothing and adds no entry. Owner contact
    details are kept only with consent and never written into the history. A correction that
    would leave the object with no category, brand, model or problem conflicts with keeping it
    findable: 409.
    """
    actor = api_actor()
    owner = None
    if json.owner is not None:
        owner = intake_service.OwnerContact(name=json.owner.name, email=json.owner.email,
                                            phone=json.owner.phone, consent=json.owner.consent)
    try:
        api_access.correct_intake(
            get_session(), item_id=object_id(item_id), changes=json.changes(), owner=owner,
            reason=json.reason, actor=actor, now=utc_now(), unchanged_is_fine=True,
            key=f"api:{actor.id}:{headers.idempotency_key}")
    except Refused as exc:
        if exc.template != intake_service.UNDESCRIBED:
            raise
        return problem(409, _("Not possible now"), exc.translated(_))
    return _item_out(object_id(item_id)).model_dump(mode="json"), 200


@bp.post("/items/<item_id>/repair-attempts")
@api_spec.validate(resp=responses("HTTP_409", HTTP_201=AttemptOut), operation_id="record_attempt", tags=["objects"])
def record_attempt(item_id: str, json: AttemptIn,
                   headers: IdempotencyHeaders) -> Any:
    """Record a repair attempt and its outcome (ORDS Fixed / Repairable / End of life / Unknown)."""
    actor = api_actor()
    session = get_session()
    event: LifecycleEvent = api_access.record_repair_attempt(
        session, item_id=object_id(item_id), outcome=json.outcome, barrier=json.barrier,
        minutes=json.minutes, public_note=json.public_note, actor=actor, now=utc_now(),
        key=f"api:{actor.id}:{headers.idempotency_key}")
    item = session.get(Item, event.item_id)
    return AttemptOut(id=event.id or 0, item_id=event.item_id or 0,
                      outcome=event.payload["outcome"], barrier=event.payload.get("barrier"),
                      occurred_at=event.occurred_at,
                      state=item.state if item else "").model_dump(mode="json"), 201

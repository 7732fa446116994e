"""Café sessions, parts and totals."""

from __future__ import annotations

from typing import Any

from repaircafe.api.services import api_access
from repaircafe.api.views import api_actor, bp, page_meta
from repaircafe.api.views.items import part_out
from repaircafe.api.views.models import (
    Aggregates,
    PartPage,
    PartQuery,
    PeriodQuery,
    SessionOut,
    SessionPage,
    SessionQuery,
)
from repaircafe.api.views.spec import api_spec, responses
from repaircafe.db import get_session


@bp.get("/sessions")
@api_spec.validate(resp=responses(HTTP_200=SessionPage), operation_id="list_sessions", tags=["sessions"])
def list_sessions(query: SessionQuery) -> Any:
    """Café sessions at your sites, newest first, optionally between two days."""
    found = api_access.sessions(get_session(), actor=api_actor(), start=query.start,
                                end=query.end, limit=query.per_page,
                                offset=(query.page - 1) * query.per_page)
    return SessionPage(
        sessions=[SessionOut(id=s.id or 0, site_id=site.id or 0, site=site.name,
                             held_on=s.held_on, title=s.title) for s, site in found.rows],
        **page_meta(query.page, query.per_page, found.total)).model_dump(mode="json")


@bp.get("/parts")
@api_spec.validate(resp=responses(HTTP_200=PartPage), operation_id="list_parts", tags=["parts"])
def list_parts(query: PartQuery) -> Any:
    """Parts harvested by your groups, newest first."""
    found = api_access.parts(get_session(), actor=api_actor(), state=query.state,
                             limit=query.per_page, offset=(query.page - 1) * query.per_page)
    return PartPage(parts=[part_out(p) for p in found.rows],
                    **page_meta(query.page, query.per_page, found.total)).model_dump(mode="json")


@bp.get("/aggregates")
@api_spec.validate(resp=responses(HTTP_200=Aggregates), operation_id="aggregates", tags=["totals"])
def aggregates(query: PeriodQuery) -> Any:
    """Objects and savings in your scope, and repair attempts by outcome (optionally by dates)."""
    found = api_access.totals(get_session(), actor=api_actor(), start=query.start,
                              end=query.end)
    return Aggregates(objects=found.objects, repair_attempts=found.repair_attempts,
                      fixed=found.fixed, success_rate=found.success_rate,
                      outcome_known_share=found.outcome_known_share,
                      co2e_avoided_kg=found.co2e_avoided_kg,
                      waste_prevented_kg=found.waste_prevented_kg,
                      factor_set=found.factor_set, by_outcome=found.by_outcome).model_dump(mode="json")

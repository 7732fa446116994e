"""Request and response bodies of the JSON API; the OpenAPI document is generated from these."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Outcome = Literal["fixed", "repairable", "end_of_life", "unknown"]


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""


class IdempotencyHeaders(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    idempotency_key: str = Field(alias="Idempotency-Key", min_length=1, max_length=100,
                                 description="Any unique text; a retry with the same key "
                                             "returns the first result and writes nothing.")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=200)


class ItemQuery(PageQuery):
    q: str = Field("", max_length=100, description="Label code, brand, model or category.")
    category: str | None = Field(None, max_length=60, description="Category slug.")
    state: str | None = Field(None, max_length=20)


class SessionQuery(PageQuery):
    start: date | None = Field(None, description="First day, YYYY-MM-DD.")
    end: date | None = Field(None, description="Last day, YYYY-MM-DD.")


class PartQuery(PageQuery):
    state: str | None = Field(None, max_length=20)


class PeriodQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date | None = None
    end: date | None = None


class ItemSummary(BaseModel):
    id: int
    code: str | None
    category: str | None
    brand: str
    model: str
    state: str
    registered_at: datetime
    site: str | None


class ItemPage(BaseModel):
    items: list[ItemSummary]
    page: int
    per_page: int
    total: int
    next_page: int | None


class HistoryEvent(BaseModel):
    id: int
    kind: str
    occurred_at: datetime
    payload: dict[str, Any]
    public_note: str
    corrects_id: int | None
    corrected_by: list[int]


class PartOut(BaseModel):
    id: int
    name: str
    part_type: str
    condition: str
    state: str
    weight_kg: float | None
    donor_item_id: int | None
    installed_item_id: int | None


class ItemOut(ItemSummary):
    problem: str
    weight_kg: float | None
    product_age_years: float | None = None
    history: list[HistoryEvent]
    parts_taken: list[PartOut]
    parts_installed: list[PartOut]


class PartPage(BaseModel):
    parts: list[PartOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class SessionOut(BaseModel):
    id: int
    site_id: int
    site: str
    held_on: date
    title: str


class SessionPage(BaseModel):
    sessions: list[SessionOut]
    page: int
    per_page: int
    total: int
    next_page: int | None


class Aggregates(BaseModel):
    objects: int
    repair_attempts: int
    fixed: int = Field(description="Repair attempts that fixed the object.")
    success_rate: float | None = Field(description=(
        "Fixed objects / objects with a known outcome (the outcome of each visit's latest repair "
        "attempt, by the day the object was received), as reports and dashboards compute it."))
    outcome_known_share: float | None = Field(description=(
        "The share of objects received whose outcome is known: what the success rate rests on."))
    co2e_avoided_kg: float
    waste_prevented_kg: float
    factor_set: str = Field(description="The factor set the savings figures come from.")
    by_outcome: dict[str, int]


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=300, description="A label URL or code.")


class ScanOut(BaseModel):
    result: Literal["item", "part", "bin", "blank", "retired", "typo", "unknown", "invalid"]
    code: str | None
    message: str
    item_id: int | None
    part_id: int | None
    bin_id: int | None


class IntakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repair_session_id: int = Field(ge=1, le=2_000_000_000)
    category: str | None = Field(None, max_length=60, description="Category slug.")
    brand: str = Field("", max_length=120)
    model: str = Field("", max_length=120)
    problem: str = Field("", max_length=2000)
    weight_kg: float | None = Field(None, gt=0, le=500)
    tag_code: str | None = Field(None, max_length=40, description="A blank label to claim.")


TEXT = r"^[^\x00]*$"  # no NUL character: no text column can hold one


class OwnerIn(BaseModel):
    # Details are kept only with consent: without it the schema allows none.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "if": {"properties": {"consent": {"const": False}}},
        "then": {"properties": {"name": {"maxLength": 0}, "email": {"maxLength": 0},
                                "phone": {"maxLength": 0}}},
    })

    name: str = Field("", max_length=120, pattern=TEXT)
    email: str = Field("", max_length=200, pattern=TEXT)
    phone: str = Field("", max_length=40, pattern=TEXT)
    consent: bool = Field(False, description="The owner agrees that these details are kept.")


class CorrectionIn(BaseModel):
    """Intake details typed wrong. Only the fields sent are corrected; `null` clears one."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=1000, pattern=r"^[^\x00]*\S[^\x00]*$",
                        description="What was wrong.")
    category: str | None = Field(None, max_length=60, pattern=TEXT,
                                 description="Category slug.")
    brand: str | None = Field(None, max_length=120, pattern=TEXT)
    model: str | None = Field(None, max_length=120, pattern=TEXT)
    problem: str | None = Field(None, max_length=2000, pattern=TEXT)
    weight_kg: float | None = Field(None, gt=0, le=500)
    product_age_years: float | None = Field(None, ge=0, le=150)
    owner: OwnerIn | None = Field(None, description="Owner contact, replaced as a whole; kept "
                                                    "only with consent, never in the history.")

    def changes(self) -> dict[str, Any]:
        """The intake fields the client sent (an explicit null included)."""
        sent = self.model_fields_set - {"reason", "owner"}
        return {name: getattr(self, name) for name in sent}


class AttemptIn(BaseModel):
    # The schema itself says a barrier only goes with End of life, so clients (and generated
    # tests) know before sending rather than learning it from a refusal.
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "if": {"properties": {"outcome": {"not": {"const": "end_of_life"}}}},
        "then": {"properties": {"barrier": {"type": "null"}}},
    })

    outcome: Outcome
    barrier: int | None = Field(None, ge=1, le=6, description="ORDS barrier, End of life only.")
    minutes: int | None = Field(None, ge=0, le=600)
    public_note: str = Field("", max_length=2000)

    @model_validator(mode="after")
    def _barrier_only_with_end_of_life(self) -> AttemptIn:
        if self.barrier is not None and self.outcome != "end_of_life":
            raise ValueError("a barrier can only be given when the outcome is end_of_life")
        return self


class AttemptOut(BaseModel):
    id: int
    item_id: int
    outcome: Outcome
    barrier: int | None
    occurred_at: datetime
    state: str

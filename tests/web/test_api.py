"""The JSON API: tokens of every role, scope, idempotent writes, problem details, pagination."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repaircafe import create_app
from repaircafe.accounts.services import api_tokens
from repaircafe.core.events import new_key
from repaircafe.models import ImpactRecord
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import dashboard
from tests.conftest import app_config
from tests.factories import NOW, make_item

PROBLEM = "application/problem+json"


@pytest.fixture
def tokens(session, world):
    return {role: api_tokens.create_token(session, name=f"{role} sync",
                                          actor=world.actor(role), now=NOW)[1]
            for role in ("admin", "coordinator", "fixer", "viewer")}


def call(client, method, url, token=None, key=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    return client.open(url, method=method, headers=headers, **kwargs)


def test_requests_without_a_valid_token_get_401_problem(client, session, world, tokens):
    for token in (None, "rc_not-a-token", tokens["fixer"] + "x"):
        response = call(client, "GET", "/api/v1/items", token)
        assert response.status_code == 401
        assert response.mimetype == PROBLEM
        body = response.get_json()
        assert body["status"] == 401 and body["title"] and body["type"] == "about:blank"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(client, session, world, tokens):
    token, raw = api_tokens.create_token(session, name="old", actor=world.actor("fixer"),
                                         now=NOW)
    assert call(client, "GET", "/api/v1/items", raw).status_code == 200
    api_tokens.revoke_token(session, token_id=token.id, actor=world.actor("fixer"), now=NOW)
    assert call(client, "GET", "/api/v1/items", raw).status_code == 401


def test_items_are_scoped_by_role_and_paginated(client, session, world, tokens):
    mine = [make_item(session, world, brand=f"Brand{n}") for n in range(3)]
    theirs = make_item(session, world, repair_session=world.other_session)
    page = call(client, "GET", "/api/v1/items?per_page=2", tokens["fixer"]).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next_page"] == 2
    last = call(client, "GET", "/api/v1/items?per_page=2&page=2", tokens["fixer"]).get_json()
    assert last["next_page"] is None
    ids = {i["id"] for i in page["items"] + last["items"]}
    assert ids == {i.id for i in mine}
    assert call(client, "GET", "/api/v1/items", tokens["admin"]).get_json()["total"] == 4
    assert call(client, "GET", "/api/v1/items", tokens["viewer"]).get_json()["total"] == 3
    hidden = call(client, "GET", f"/api/v1/items/{theirs.id}", tokens["coordinator"])
    assert hidden.status_code == 404 and hidden.mimetype == PROBLEM
    filtered = call(client, "GET", "/api/v1/items?q=brand1", tokens["fixer"]).get_json()
    assert [i["brand"] for i in filtered["items"]] == ["Brand1"]
    bad = call(client, "GET", "/api/v1/items?per_page=0", tokens["fixer"])
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert "per_page" in bad.get_json()["detail"]


def test_item_with_history(client, session, world, tokens):
    item = make_item(session, world, category="kettle", brand="Russell")
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    body = call(client, "GET", f"/api/v1/items/{item.id}", tokens["viewer"]).get_json()
    assert body["category"] == "kettle" and body["state"] == "fixed"
    assert [h["kind"] for h in body["history"]] == ["registered", "repair_attempted"]
    assert call(client, "GET", "/api/v1/items/abc", tokens["viewer"]).status_code == 404


def test_intake_is_idempotent_and_needs_the_right_role(client, session, world, tokens):
    body = {"repair_session_id": world.repair_session.id, "category": "toaster",
            "brand": "Dualit", "weight_kg": 2.5}
    first = call(client, "POST", "/api/v1/items", tokens["fixer"], "k-1", json=body)
    assert first.status_code == 201, first.get_json()
    again = call(client, "POST", "/api/v1/items", tokens["fixer"], "k-1", json=body)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert first.get_json()["code"] and first.get_json()["weight_kg"] == 2.5
    missing_key = call(client, "POST", "/api/v1/items", tokens["fixer"], json=body)
    assert missing_key.status_code == 422 and missing_key.mimetype == PROBLEM
    viewer = call(client, "POST", "/api/v1/items", tokens["viewer"], "k-2", json=body)
    assert viewer.status_code == 403 and viewer.mimetype == PROBLEM
    elsewhere = call(client, "POST", "/api/v1/items", tokens["fixer"], "k-3",
                     json={**body, "repair_session_id": world.other_session.id})
    assert elsewhere.status_code == 404
    unknown = call(client, "POST", "/api/v1/items", tokens["fixer"], "k-4",
                   json={**body, "category": "spaceship"})
    assert unknown.status_code == 422 and "spaceship" in unknown.get_json()["detail"]


def test_repair_attempts_follow_the_lifecycle(client, session, world, tokens):
    item = make_item(session, world)
    url = f"/api/v1/items/{item.id}/repair-attempts"
    done = call(client, "POST", url, tokens["fixer"], "a-1",
                json={"outcome": "end_of_life", "barrier": 1})
    assert done.status_code == 201
    assert done.get_json()["state"] == "end_of_life" and done.get_json()["barrier"] == 1
    replay = call(client, "POST", url, tokens["fixer"], "a-1",
                  json={"outcome": "end_of_life", "barrier": 1})
    assert replay.get_json()["id"] == done.get_json()["id"]
    refused = call(client, "POST", url, tokens["fixer"], "a-2", json={"outcome": "fixed"})
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    invalid = call(client, "POST", url, tokens["fixer"], "a-3", json={"outcome": "mended"})
    assert invalid.status_code == 422
    other = make_item(session, world, repair_session=world.other_session)
    hidden = call(client, "POST", f"/api/v1/items/{other.id}/repair-attempts",
                  tokens["coordinator"], "a-4", json={"outcome": "fixed"})
    assert hidden.status_code == 404
    viewer = call(client, "POST", url, tokens["viewer"], "a-5", json={"outcome": "fixed"})
    assert viewer.status_code == 403


def test_scans_resolve_codes_within_scope(client, session, world, tokens):
    item = make_item(session, world)
    other = make_item(session, world, repair_session=world.other_session)
    from repaircafe.tags.services.tags import current_tag

    code = current_tag(session, item_id=item.id).code
    found = call(client, "POST", "/api/v1/scans", tokens["fixer"], "s-1", json={"code": code})
    assert found.get_json()["result"] == "item" and found.get_json()["item_id"] == item.id
    foreign = current_tag(session, item_id=other.id).code
    hidden = call(client, "POST", "/api/v1/scans", tokens["fixer"], "s-2",
                  json={"code": foreign}).get_json()
    assert hidden["result"] == "unknown" and hidden["item_id"] is None
    typo = call(client, "POST", "/api/v1/scans", tokens["viewer"], "s-3",
                json={"code": code[:-1] + ("0" if code[-1] != "0" else "1")}).get_json()
    assert typo["result"] in ("typo", "unknown")


def test_sessions_parts_and_aggregates(client, session, world, tokens):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    sessions = call(client, "GET", "/api/v1/sessions", tokens["coordinator"]).get_json()
    assert [s["site"] for s in sessions["sessions"]] == ["Cathays Library"]
    assert call(client, "GET", "/api/v1/sessions", tokens["admin"]).get_json()["total"] == 2
    assert call(client, "GET", "/api/v1/sessions?start=2030-01-01",
                tokens["admin"]).get_json()["total"] == 0
    parts = call(client, "GET", "/api/v1/parts", tokens["fixer"]).get_json()
    assert parts["parts"] == [] and parts["total"] == 0
    totals = call(client, "GET", "/api/v1/aggregates", tokens["viewer"]).get_json()
    assert totals["objects"] == 1 and totals["by_outcome"] == {"fixed": 1}
    central = session.exec(select(ImpactRecord).where(
        ImpactRecord.item_id == item.id, ImpactRecord.factor_set == totals["factor_set"])).one()
    assert len(session.exec(select(ImpactRecord).where(ImpactRecord.item_id == item.id)).all()) > 1
    assert central.co2e_avoided_kg > 0 and central.waste_prevented_kg > 0
    assert totals["co2e_avoided_kg"] == pytest.approx(central.co2e_avoided_kg)
    assert totals["waste_prevented_kg"] == pytest.approx(central.waste_prevented_kg)
    later = call(client, "GET", "/api/v1/aggregates?start=2030-01-01", tokens["viewer"]).get_json()
    assert later["by_outcome"] == {} and later["co2e_avoided_kg"] == 0
    assert later["success_rate"] is None


def test_the_api_success_rate_is_the_reports_one(client, session, world, tokens):
    """Objects, not attempts: an object fixed at its second attempt is one success, and an
    object with no outcome yet is left out of the rate and shown in its coverage."""
    second_time_lucky = make_item(session, world)
    for outcome in ("repairable", "fixed"):
        repairs.record_repair_attempt(session, item_id=second_time_lucky.id, outcome=outcome,
                                      actor=world.actor(), now=NOW, key=new_key())
    make_item(session, world)  # still waiting: no outcome
    totals = call(client, "GET", "/api/v1/aggregates", tokens["viewer"]).get_json()
    assert totals["repair_attempts"] == 2 and totals["fixed"] == 1
    assert totals["success_rate"] == 1.0 and totals["outcome_known_share"] == 0.5
    home = dashboard.figures(session, actor=world.actor("viewer"))
    assert (home.success.rate, home.success.known_share) == (1.0, 0.5)


def test_openapi_document_and_docs_page(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/items", "/api/v1/items/{item_id}", "/api/v1/scans", "/api/v1/sessions",
            "/api/v1/parts", "/api/v1/aggregates",
            "/api/v1/items/{item_id}/repair-attempts"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Idempotency-Key" in text and "repair-attempts" in text


def test_api_is_rate_limited_with_a_problem(db_url, tmp_path, session, world):
    app = create_app(app_config(db_url, RATELIMIT_ENABLED=True,
                                security={"api_rate_limit": "2 per minute"}))
    try:
        client = app.test_client()
        raw = api_tokens.create_token(session, name="busy", actor=world.actor("fixer"),
                                      now=NOW)[1]
        statuses = [call(client, "GET", "/api/v1/items", raw).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        limited = call(client, "GET", "/api/v1/items", raw)
        assert limited.mimetype == PROBLEM and limited.get_json()["status"] == 429
        assert int(limited.headers["Retry-After"]) > 0
    finally:
        app.extensions["repaircafe.engine"].dispose()


def test_a_retried_scan_is_logged_once(client, session, world, tokens):
    from sqlmodel import select

    from repaircafe.models import ScanLog
    from repaircafe.tags.services.tags import current_tag

    code = current_tag(session, item_id=make_item(session, world).id).code
    first = call(client, "POST", "/api/v1/scans", tokens["fixer"], "scan-retry", json={"code": code})
    again = call(client, "POST", "/api/v1/scans", tokens["fixer"], "scan-retry", json={"code": code})
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    other = call(client, "POST", "/api/v1/scans", tokens["fixer"], "scan-retry",
                 json={"code": "7K3M-9QXA-2"})
    assert other.status_code == 409 and other.mimetype == PROBLEM
    call(client, "POST", "/api/v1/scans", tokens["fixer"], "scan-next", json={"code": code})
    session.rollback()
    logged = session.exec(select(ScanLog).where(ScanLog.channel == "api")).all()
    assert sorted(s.idempotency_key for s in logged) == ["scan-next", "scan-retry"]


def test_intake_details_are_corrected_with_a_correction_entry(client, session, world, tokens):
    item = make_item(session, world, category="lamp", brand="Ikae", weight="499")
    body = {"reason": "Typo at the door", "brand": "Ikea", "weight_kg": 1.2,
            "product_age_years": 4}
    response = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "p-1",
                    json=body)
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert (data["brand"], data["weight_kg"], data["product_age_years"]) == ("Ikea", 1.2, 4.0)
    kinds = [h["kind"] for h in data["history"]]
    assert kinds == ["registered", "correction"]
    correction = data["history"][1]
    assert correction["corrects_id"] == data["history"][0]["id"]
    assert correction["payload"]["previous"]["brand"] == "Ikae"
    again = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "p-1", json=body)
    assert [h["kind"] for h in again.get_json()["history"]] == kinds
    same = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "p-2", json=body)
    assert same.status_code == 200 and [h["kind"] for h in same.get_json()["history"]] == kinds
    viewer = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["viewer"], "p-3",
                  json={"reason": "x", "brand": "Y"})
    assert viewer.status_code == 403
    cleared = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "p-4",
                   json={"reason": "unknown age", "product_age_years": None})
    assert cleared.status_code == 200 and cleared.get_json()["product_age_years"] is None


def test_the_openapi_document_describes_corrections(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "patch" in document["paths"]["/api/v1/items/{item_id}"]
    assert "correction" in document["info"]["description"]


def test_a_correction_cannot_leave_the_object_undescribed_or_invent_a_category(
        client, session, world, tokens):
    item = make_item(session, world, category="toaster", brand="Dualit")
    empty = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "u-1",
                 json={"reason": "clear all", "category": None, "brand": ""})
    assert empty.status_code == 409 and "Choose a category" in empty.get_json()["detail"]
    unknown = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "u-2",
                   json={"reason": "x", "category": "spaceship"})
    assert unknown.status_code == 404
    no_consent = call(client, "PATCH", f"/api/v1/items/{item.id}", tokens["fixer"], "u-3",
                      json={"reason": "x", "owner": {"name": "Ann"}})
    assert no_consent.status_code == 422

"""Every route against another group's records, for every role that has a group or territory.

The routes come from `app.url_map` when the tests run, so a new route is probed as soon as it
exists. Each is called with the other group's ids in its address and in a form that names the
other group's records everywhere a form can (sessions, sites, bins, parts, recyclers,
batches, printers, labels, report scopes). A state-changing route must answer 403 or 404, or
refuse in its form, and leave every one of the other group's records as it was; a read must
answer 403 or 404, or show none of the other group's records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import or_
from sqlmodel import Session, col, select
from werkzeug.routing import Rule

from repaircafe.accounts.services import accounts, api_tokens
from repaircafe.models import (
    ApiToken,
    ImpactRecord,
    Item,
    LabelBatch,
    LifecycleEvent,
    Owner,
    Part,
    PrinterProfile,
    Recycler,
    RecyclingBatch,
    RecyclingRecord,
    RepairSession,
    ReportRun,
    ReportSubscription,
    SheetMapping,
    StockBin,
    Tag,
    User,
)
from repaircafe.objects.services import repairs
from repaircafe.objects.services.intake import OwnerContact
from repaircafe.parts.services import parts, stock
from repaircafe.recycling.services import recycling, recycling_batches
from repaircafe.reporting.services import subscriptions
from repaircafe.tags.services import printers, tags
from tests.factories import NOW, World, make_item

MARK = "Zforeign"
ROLES = ("coordinator", "fixer", "viewer")
# Routes that touch no group's records: signing in and out, the language, public pages (the
# "still working?" answers are open to whoever holds the object or its owner's link).
UNSCOPED = {"static", "auth.login", "auth.logout", "health.healthz", "language.choose",
            "public.passport", "public.data_licence", "owners.show", "owners.erase",
            "followups.on_label", "followups.owner_link", "followups.stop",
            "api.docs", "api.openapi", "scan.decode"}


@dataclass(frozen=True)
class Foreign:
    """Records of the other group (Swansea), which no Cardiff role may see or change."""

    world: World
    item: Item
    code: str
    event_id: int
    part: Part
    part_code: str
    stock_bin: StockBin
    bin_code: str
    recycler: Recycler
    batch: RecyclingBatch
    record_id: int
    printer: PrinterProfile
    label_batch: LabelBatch
    subscription: ReportSubscription
    run: ReportRun
    token: ApiToken
    blank_code: str


@pytest.fixture
def foreign(session: Session, world: World) -> Foreign:
    admin = world.actor("admin")
    other = accounts.create_user(session, username="swansea", password="demo-pass",
                                 role="coordinator", display_name="Swansea coordinator",
                                 now=NOW, group=world.other_group.name)
    item = make_item(session, world, repair_session=world.other_session, brand=f"{MARK} Kettle",
                     owner=OwnerContact(name="Dylan Morgan", email="dylan@example.org",
                                        consent=True))
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)).one()
    stock_bin = stock.create_bin(session, name=f"{MARK} Bin", group_id=world.other_group.id,
                                 site_id=world.other_site.id, actor=admin, now=NOW)
    donor = make_item(session, world, repair_session=world.other_session, category="vacuum",
                      weight=6.0, brand=f"{MARK} Vacuum", is_donor=True)
    _end_of_life(session, world, donor)
    part = parts.harvest_parts(session, item_id=donor.id, actor=admin, now=NOW,
                               key=uuid.uuid4().hex, parts=[parts.HarvestedPart(
                                   name=f"{MARK} Motor", weight=1.0, bin_id=stock_bin.id)])[0]
    recycler = recycling.add_recycler(session, territory_id=world.other_territory.id,
                                      name=f"{MARK} Metals", actor=admin)
    batch = recycling_batches.open_batch(session, recycler_id=recycler.id,
                                         group_id=world.other_group.id, actor=admin, now=NOW)
    scrap = make_item(session, world, repair_session=world.other_session, category="vacuum",
                      weight=3.0, brand=f"{MARK} Scrap")
    _end_of_life(session, world, scrap)
    record = recycling.recycle_item(session, item_id=scrap.id, recycler_id=recycler.id,
                                    actor=admin, now=NOW, key=uuid.uuid4().hex)
    printer = printers.save_profile(session, actor=admin, data=printers.ProfileInput(
        site_id=world.other_site.id, name=f"{MARK} Printer", layout="avery_l7160"))
    blank = tags.new_tags(session, count=1, group_id=world.other_group.id, now=NOW)[0]
    session.flush()
    label_batch = LabelBatch(kind="blank", group_id=world.other_group.id, layout="avery_l7160",
                             tag_ids=[blank.id], idempotency_key=uuid.uuid4().hex)
    session.add(label_batch)
    session.commit()
    subscription = subscriptions.create_subscription(
        session, name=f"{MARK} monthly", scope=f"group:#{world.other_group.id}",
        period_kind="month", formats="pdf", recipients="council@example.org", actor=admin,
        now=NOW)
    run = ReportRun(subscription_id=subscription.id, period_start=NOW.date(),
                    period_end=NOW.date(), status="done")
    session.add(run)
    session.commit()
    token, _raw = api_tokens.create_token(session, name=f"{MARK} token",
                                          actor=accounts.actor_for(other), now=NOW)
    return Foreign(
        world, item, tags.current_tag(session, item_id=item.id).code, event.id or 0, part,
        tags.current_tag(session, part_id=part.id).code, stock_bin,
        tags.current_tag(session, bin_id=stock_bin.id).code, recycler, batch, record.id or 0,
        printer, label_batch, subscription, run, token, blank.code)


def _end_of_life(session: Session, world: World, item: Item) -> None:
    repairs.record_repair_attempt(session, item_id=item.id, outcome="end_of_life", barrier=6,
                                  actor=world.actor("admin"), now=NOW, key=uuid.uuid4().hex)


def _params(rule: Rule, f: Foreign) -> dict[str, Any]:
    w = f.world
    batch_id = f.label_batch.id if rule.endpoint.startswith("labels.") else f.batch.id
    values = {
        "filename": "app.css", "item_id": f.item.id, "object_id": f.item.id, "kind": "item",
        "code": f.code, "event_id": f.event_id, "token": "x", "lang": "en",
        "repair_session_id": w.other_session.id, "session_id": w.other_session.id,
        "site_id": w.other_site.id, "group_id": w.other_group.id,
        "territory_id": w.other_territory.id, "user_id": 1, "part_id": f.part.id,
        "bin_id": f.stock_bin.id, "batch_id": batch_id, "profile_id": f.printer.id,
        "token_id": f.token.id, "run_id": f.run.id, "subscription_id": f.subscription.id,
        "fmt": "pdf", "name": "restart-2021",
    }
    if rule.endpoint == "parts.by_code":
        values["code"] = f.part_code
    if rule.endpoint == "stock.bin_by_code":
        values["code"] = f.bin_code
    return {name: values[name] for name in rule.arguments}


def _form(f: Foreign) -> dict[str, str]:
    """Every field any form reads, filled with the other group's records."""
    w = f.world
    return {
        "key": uuid.uuid4().hex, "diagnosis": "probe", "outcome": "fixed", "minutes": "5",
        "public_note": "probe", "internal_note": "probe", "to": "owner", "problem": "probe",
        "reason": "probe", "void": "yes", "new_code": f.blank_code,
        "repair_session_id": str(w.other_session.id), "session": str(w.other_session.id),
        "category": "toaster", "brand": "probe", "weight": "1", "tag_code": f.blank_code,
        "name_0": "probe part", "weight_0": "0.1", "bin_0": str(f.stock_bin.id),
        "tag_0": f.blank_code, "part_id": str(f.part.id), "part_code": f.part_code,
        "bin_id": str(f.stock_bin.id), "bin_code": f.bin_code, "bins": str(f.stock_bin.id),
        "recycler_id": str(f.recycler.id), "batch_id": str(f.batch.id),
        "record_id": str(f.record_id), "site_id": str(w.other_site.id),
        "territory_id": str(w.other_territory.id), "group_id": str(w.other_group.id),
        "name": "probe", "weight_ticket": "T1", "ticket_kg": "1", "codes": f.code,
        "count": "1", "layout": "avery_l7160", "profile": str(f.printer.id),
        "scope": f"group:{w.other_group.id}", "period_kind": "month", "formats": "pdf",
        "recipients": "probe@example.org", "active": "0", "code": f.code,
    }


def fingerprint(session: Session, f: Foreign) -> dict[str, list[str]]:
    """The other group's records, and anything pointing at them, as plain text."""
    w = f.world
    session.rollback()  # a fresh read: the app wrote through its own connection
    items = select(Item.id).where(or_(Item.group_id == w.other_group.id,
                                      Item.site_id == w.other_site.id,
                                      Item.current_session_id == w.other_session.id))
    part_ids = select(Part.id).where(or_(Part.group_id == w.other_group.id,
                                         col(Part.donor_item_id).in_(items),
                                         col(Part.installed_item_id).in_(items)))
    bins = select(StockBin.id).where(or_(StockBin.group_id == w.other_group.id,
                                         StockBin.site_id == w.other_site.id))
    recyclers = select(Recycler.id).where(Recycler.territory_id == w.other_territory.id)
    queries: dict[str, tuple[Any, Any]] = {
        "item": (Item, col(Item.id).in_(items)),
        "part": (Part, col(Part.id).in_(part_ids)),
        "stock_bin": (StockBin, col(StockBin.id).in_(bins)),
        "event": (LifecycleEvent, or_(
            col(LifecycleEvent.item_id).in_(items), col(LifecycleEvent.part_id).in_(part_ids),
            LifecycleEvent.repair_session_id == w.other_session.id)),
        "tag": (Tag, or_(Tag.group_id == w.other_group.id, col(Tag.item_id).in_(items),
                         col(Tag.part_id).in_(part_ids), col(Tag.bin_id).in_(bins))),
        "impact": (ImpactRecord, col(ImpactRecord.item_id).in_(items)),
        "owner": (Owner, col(Owner.id).in_(
            select(Item.owner_id).where(col(Item.id).in_(items)))),
        "recycler": (Recycler, col(Recycler.id).in_(recyclers)),
        "batch": (RecyclingBatch, or_(RecyclingBatch.group_id == w.other_group.id,
                                      col(RecyclingBatch.recycler_id).in_(recyclers))),
        "record": (RecyclingRecord, or_(
            RecyclingRecord.group_id == w.other_group.id,
            col(RecyclingRecord.recycler_id).in_(recyclers))),
        "printer": (PrinterProfile, PrinterProfile.site_id == w.other_site.id),
        "session": (RepairSession, RepairSession.site_id == w.other_site.id),
        "label_batch": (LabelBatch, LabelBatch.group_id == w.other_group.id),
        "subscription": (ReportSubscription, or_(
            ReportSubscription.scope_id == w.other_group.id,
            ReportSubscription.scope_id == w.other_territory.id,
            ReportSubscription.scope_id == w.other_site.id)),
        "run": (ReportRun, ReportRun.subscription_id == f.subscription.id),
        "token": (ApiToken, ApiToken.id == f.token.id),
        "mapping": (SheetMapping, SheetMapping.group_id == w.other_group.id),
        "users": (User, User.group_id == w.other_group.id),
    }
    ignore = {"last_used_at"}
    found = {}
    for name, (model, clause) in queries.items():
        columns = [c for c in model.__table__.columns if c.name not in ignore]
        found[name] = sorted(repr(tuple(row)) for row in session.execute(
            select(*columns).where(clause)).all())
    return found


def _rules(app: Any) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in UNSCOPED),
                  key=lambda r: (r.endpoint, r.rule))


def _sign_in(client: Any, role: str) -> None:
    response = client.post("/login", data={"username": role, "password": "demo-pass"})
    assert response.status_code == 302, f"{role} could not sign in"


def _token_for(session: Session, world: World, role: str) -> str:
    _token, raw = api_tokens.create_token(session, name=f"{role} probe",
                                          actor=world.actor(role), now=NOW)
    return raw


def _url(app: Any, rule: Rule, f: Foreign) -> str:
    with app.test_request_context():
        return app.url_for(rule.endpoint, **_params(rule, f))


def _call(client: Any, url: str, rule: Rule, f: Foreign, token: str, method: str) -> Any:
    if rule.endpoint.startswith("api."):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        body = {"api.register_item": {"repair_session_id": f.world.other_session.id,
                                      "category": "toaster", "brand": "probe"},
                "api.record_attempt": {"outcome": "fixed"},
                "api.scan": {"code": f.code}}.get(rule.endpoint, {})
        return client.open(url, method=method, headers=headers,
                           json=body if method == "POST" else None)
    query = {"scope": f"group:{f.world.other_group.id}", "q": "kettle", "site": str(
        f.world.other_site.id)} if method == "GET" else None
    return client.open(url, method=method, data=_form(f) if method == "POST" else None,
                       query_string=query)


def _refused_in_form(response: Any) -> bool:
    """A form answered with its refusal (shown again, or back to a page of this site)."""
    if response.status_code in (400, 422):
        return True
    return response.status_code in (302, 303) and "evil" not in response.headers.get(
        "Location", "")


@pytest.mark.parametrize("role", ROLES)
def test_no_route_changes_another_groups_records(app, client, session, world, foreign, role):
    token = _token_for(session, world, role)
    _sign_in(client, role)
    before = fingerprint(session, foreign)
    failures = []
    for rule in _rules(app):
        if "POST" not in (rule.methods or ()):
            continue
        response = _call(client, _url(app, rule, foreign), rule, foreign, token, "POST")
        response.close()
        status = response.status_code
        where = f"POST {rule.rule} ({rule.endpoint}) as {role}: {status}"
        after = fingerprint(session, foreign)
        changed = sorted(name for name in before if before[name] != after[name])
        if changed:
            failures.append(f"{where}, changed the other group's {', '.join(changed)}")
            before = after
        elif status >= 500:
            failures.append(f"{where}, a server error")
        elif rule.arguments - {"lang", "fmt", "name", "kind"} and status not in (403, 404):
            failures.append(f"{where}, expected 403 or 404 for another group's record")
        elif status not in (200, 201, 403, 404) and not _refused_in_form(response):
            failures.append(f"{where}, expected a refusal")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_route_shows_another_groups_records(app, client, session, world, foreign, role):
    token = _token_for(session, world, role)
    _sign_in(client, role)
    failures = []
    for rule in _rules(app):
        if "GET" not in (rule.methods or ()):
            continue
        url = _url(app, rule, foreign)
        response = _call(client, url, rule, foreign, token, "GET")
        status = response.status_code
        body = response.get_data(as_text=True) if response.mimetype.startswith(
            ("text/", "application/json", "application/problem")) else ""
        response.close()
        where = f"GET {rule.rule} ({rule.endpoint}) as {role}: {status}"
        if status >= 500:
            failures.append(f"{where}, a server error")
        elif MARK in body or any(code in body and code not in url
                                 for code in (foreign.code, foreign.part_code)):
            failures.append(f"{where}, shows the other group's records")
        elif rule.arguments - {"lang", "fmt", "name", "kind", "filename"} and status not in (
                302, 403, 404):
            failures.append(f"{where}, expected 403 or 404 for another group's record")
    assert not failures, "\n".join(failures)


def test_the_probe_records_are_visible_to_their_own_group(app, client, session, world, foreign):
    """The probes above mean something only if the same pages show these records to Swansea."""
    response = client.post("/login", data={"username": "swansea", "password": "demo-pass"})
    assert response.status_code == 302
    assert MARK in client.get(f"/items/{foreign.item.id}").get_data(as_text=True)
    assert MARK in client.get(f"/parts/{foreign.part.id}").get_data(as_text=True)
    assert MARK in client.get(f"/stock/bins/{foreign.stock_bin.id}").get_data(as_text=True)
    assert client.get(f"/recycling/batches/{foreign.batch.id}").status_code == 200
    assert client.post(f"/bench/{foreign.item.id}/note", data={
        "public_note": "written by its own group", "key": uuid.uuid4().hex}).status_code == 303
    session.rollback()
    notes = session.exec(select(LifecycleEvent.public_note).where(
        LifecycleEvent.item_id == foreign.item.id)).all()
    assert "written by its own group" in notes

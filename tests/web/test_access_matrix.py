"""Who may open what: every route of the app against every role, and the scope of each role.

The matrix is read from `app.url_map` when the tests run, so a new route is checked as soon as
it exists: it must be declared in ACCESS below with the roles that may reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import select
from werkzeug.routing import Rule

from repaircafe.models import LifecycleEvent, Owner
from repaircafe.objects.services.intake import OwnerContact
from repaircafe.tags.services.tags import current_tag
from tests.factories import World, make_item

ANONYMOUS = "anonymous"
ROLES = ("admin", "coordinator", "fixer", "viewer")
EVERYONE = frozenset({*ROLES, ANONYMOUS})
STAFF = frozenset(ROLES)
BENCH = frozenset({"admin", "coordinator", "fixer"})
COORDINATORS = frozenset({"admin", "coordinator"})
REPORT_READERS = frozenset({"admin", "coordinator", "viewer"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Access:
    """Who may reach a route with a signed-in session, and what everyone else gets.

    `refusal` is "login" for pages (anonymous visitors go to the sign-in page, signed-in roles
    without the right get 403) or "401" for JSON API routes, which only an API token opens.
    `signs_out` marks the route whose normal answer is the sign-in page; `redirects` a public
    route whose normal answer sends the visitor on (the language switch).
    """

    roles: frozenset[str]
    refusal: str = "login"
    signs_out: bool = False
    redirects: bool = False
    # A public page about one record named by a secret (a signed link, a photo's file name):
    # with the matrix's stand-in value it answers 404 instead of 200.
    named_by_secret: bool = False


PUBLIC = Access(EVERYONE)
PUBLIC_SECRET = Access(EVERYONE, named_by_secret=True)
TOKEN_ONLY = Access(frozenset(), refusal="401")

ACCESS: dict[str, Access] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": Access(EVERYONE, signs_out=True),
    "health.healthz": PUBLIC,
    "language.choose": Access(EVERYONE, redirects=True),
    "public.passport": PUBLIC,
    "public.data_licence": PUBLIC,
    "owners.show": PUBLIC,
    "owners.erase": PUBLIC,
    "api.docs": PUBLIC,
    "api.openapi": PUBLIC,
    "api.aggregates": TOKEN_ONLY,
    "api.get_item": TOKEN_ONLY,
    "api.list_items": TOKEN_ONLY,
    "api.list_parts": TOKEN_ONLY,
    "api.list_sessions": TOKEN_ONLY,
    "api.record_attempt": TOKEN_ONLY,
    "api.correct_item": TOKEN_ONLY,
    "api.register_item": TOKEN_ONLY,
    "api.scan": TOKEN_ONLY,
    "home.index": Access(STAFF),
    "items.index": Access(STAFF),
    "items.show": Access(STAFF),
    "items.by_code": Access(STAFF),
    "scan.index": Access(STAFF),
    "scan.decode": Access(STAFF),
    "board.choose": Access(STAFF),
    "board.open_session": Access(BENCH),
    "board.show": Access(STAFF),
    "board.state": Access(STAFF),
    "intake.new": Access(BENCH),
    "intake.create": Access(BENCH),
    "intake.done": Access(BENCH),
    "intake.qr": Access(BENCH),
    "intake.models": Access(BENCH),
    "bench.show": Access(STAFF),
    "bench.attempt": Access(BENCH),
    "bench.checkin": Access(BENCH),
    "bench.correct": Access(BENCH),
    "bench.correct_intake": Access(BENCH),
    "bench.take": Access(BENCH),
    "bench.diagnosis": Access(BENCH),
    "bench.handover": Access(BENCH),
    "bench.label": Access(BENCH),
    "bench.note": Access(BENCH),
    "parts.show": Access(STAFF),
    "parts.by_code": Access(STAFF),
    "parts.bin": Access(STAFF),
    "parts.harvest": Access(BENCH),
    "parts.install": Access(BENCH),
    "parts.remove": Access(BENCH),
    "parts.refurbished": Access(BENCH),
    "parts.handover": Access(BENCH),
    "parts.take_back": Access(BENCH),
    "stock.index": Access(STAFF),
    "stock.bin_page": Access(STAFF),
    "stock.bin_by_code": Access(STAFF),
    "stock.new_bin": Access(BENCH),
    "stock.move": Access(BENCH),
    "stock.write_off": Access(BENCH),
    "recycling.index": Access(STAFF),
    "recycling.batch": Access(STAFF),
    "recycling.transfer_note": Access(STAFF),
    "recycling.recycle_item": Access(BENCH),
    "recycling.recycle_part": Access(BENCH),
    "recycling.open_batch": Access(BENCH),
    "recycling.add": Access(BENCH),
    "recycling.close": Access(BENCH),
    "recycling.recyclers": Access(COORDINATORS),
    "labels.index": Access(COORDINATORS),
    "labels.blank": Access(COORDINATORS),
    "labels.reprint": Access(COORDINATORS),
    "labels.batch": Access(COORDINATORS),
    "labels.batch_pdf": Access(COORDINATORS),
    "labels.batch_preview": Access(COORDINATORS),
    "labels.single": Access(BENCH),
    "labels.single_pdf": Access(BENCH),
    "labels.single_preview": Access(BENCH),
    "printers.index": Access(COORDINATORS),
    "printers.create": Access(COORDINATORS),
    "printers.update": Access(COORDINATORS),
    "printers.delete": Access(COORDINATORS),
    "printers.calibration": Access(COORDINATORS),
    "imports.index": Access(COORDINATORS),
    "imports.mapping": Access(COORDINATORS),
    "imports.check": Access(COORDINATORS),
    "imports.run": Access(COORDINATORS),
    "imports.errors": Access(COORDINATORS),
    "exports.index": Access(REPORT_READERS),
    "exports.ords": Access(REPORT_READERS),
    "reports.index": Access(REPORT_READERS),
    "reports.download": Access(REPORT_READERS),
    "reports.archive": Access(REPORT_READERS),
    "reports.archived": Access(REPORT_READERS),
    "reports.factor_csv": Access(REPORT_READERS),
    "reports.subscriptions_page": Access(COORDINATORS),
    "reports.set_active": Access(COORDINATORS),
    "reports.factors": Access(ADMINS),
    "tokens.index": Access(STAFF),
    "tokens.revoke": Access(STAFF),
    "places.index": Access(COORDINATORS),
    "places.new_site": Access(COORDINATORS),
    "places.edit_site": Access(COORDINATORS),
    "places.move_site": Access(ADMINS),
    "places.new_territory": Access(ADMINS),
    "places.edit_territory": Access(ADMINS),
    "places.new_group": Access(ADMINS),
    "places.edit_group": Access(ADMINS),
    "places.assign": Access(ADMINS),
    "users.index": Access(COORDINATORS),
    "users.invite": Access(COORDINATORS),
    "users.show": Access(COORDINATORS),
    "users.role": Access(COORDINATORS),
    "users.deactivate": Access(COORDINATORS),
    "users.reactivate": Access(COORDINATORS),
    "users.new_link": Access(COORDINATORS),
    "users.welcome": PUBLIC,
    "cafe_sessions.index": Access(BENCH),
    "cafe_sessions.show": Access(BENCH),
    "cafe_sessions.summary": Access(BENCH),
    "cafe_sessions.summary_pdf": Access(BENCH),
    "cafe_sessions.new": Access(COORDINATORS),
    "cafe_sessions.create": Access(COORDINATORS),
    "cafe_sessions.edit": Access(COORDINATORS),
    "cafe_sessions.update": Access(COORDINATORS),
    "cafe_sessions.cancel": Access(COORDINATORS),
    "cafe_sessions.attendance_form": Access(COORDINATORS),
    "cafe_sessions.save_attendance": Access(COORDINATORS),
    "cafe_sessions.objects_form": Access(COORDINATORS),
    "cafe_sessions.enter_objects": Access(COORDINATORS),
    "cafe_sessions.mail_form": Access(COORDINATORS),
    "cafe_sessions.send_mail": Access(COORDINATORS),
    "followups.owner_link": PUBLIC_SECRET,
    "followups.stop": PUBLIC_SECRET,
    "followups.on_label": PUBLIC,
    "followups.at_the_cafe": Access(BENCH),
    "offline.service_worker": PUBLIC,
    "offline.state": Access(STAFF, refusal="401"),
    "photos.upload": Access(BENCH),
    "photos.publish": Access(BENCH),
    "photos.remove": Access(BENCH),
    "photos.image": Access(STAFF),
    "photos.thumb": Access(STAFF),
    "photos.public_image": PUBLIC_SECRET,
    "photos.public_thumb": PUBLIC_SECRET,
}


@dataclass
class Things:
    """Real objects to put in URLs, inside the scope of the signed-in roles."""

    world: World
    item: Any
    code: str
    event_id: int
    owner_token: str


# Records without a builder here (parts, bins, batches, printer profiles, tokens) get id 1:
# the right is checked before the record is looked up, so 403 still shows a refusal.
PARAMS: dict[str, Callable[[Things], Any]] = {
    "filename": lambda t: "app.css",
    "item_id": lambda t: t.item.id,
    "object_id": lambda t: t.item.id,
    "kind": lambda t: "item",
    "code": lambda t: t.code,
    "event_id": lambda t: t.event_id,
    "token": lambda t: t.owner_token,
    "lang": lambda t: "en",
    "repair_session_id": lambda t: t.world.repair_session.id,
    "session_id": lambda t: t.world.repair_session.id,
    "site_id": lambda t: t.world.site.id,
    "group_id": lambda t: t.world.group.id,
    "territory_id": lambda t: t.world.territory.id,
    "user_id": lambda t: t.world.users["fixer"].id,
    "part_id": lambda t: 1,
    "bin_id": lambda t: 1,
    "batch_id": lambda t: 1,
    "profile_id": lambda t: 1,
    "token_id": lambda t: 1,
    "run_id": lambda t: 1,
    "subscription_id": lambda t: 1,
    "fmt": lambda t: "pdf",
    "name": lambda t: "restart-2021",
}

OWNER = OwnerContact(name="Gwenllian Price", email="gwen.price@example.org",
                     phone="029 2087 1234", consent=True)


def _rules(app: Any) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


def _method(rule: Rule) -> str:
    methods = rule.methods or ()
    return "GET" if "GET" in methods else "PATCH" if "PATCH" in methods else "POST"


def _url(app: Any, rule: Rule, things: Things) -> str:
    missing = [name for name in rule.arguments if name not in PARAMS]
    assert not missing, (
        f"route {rule.rule} ({rule.endpoint}) takes {missing}: add a value for it to PARAMS "
        "in tests/web/test_access_matrix.py"
    )
    values = {name: PARAMS[name](things) for name in rule.arguments}
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values) if rule.endpoint != "public.passport" \
            else rule.rule.replace("<code>", str(values["code"]))


def _is_login_redirect(response: Any) -> bool:
    if response.status_code not in (301, 302, 303, 307, 308):
        return False
    return urlsplit(response.headers.get("Location", "")).path == "/login"


def _sign_in(client: Any, role: str) -> None:
    if role == ANONYMOUS:
        return
    response = client.post("/login", data={"username": role, "password": "demo-pass"})
    assert response.status_code == 302, f"{role} could not sign in"


@pytest.fixture
def things(session, world) -> Things:
    item = make_item(session, world, brand="Kenwood", model="Chef", owner=OWNER)
    event = session.exec(select(LifecycleEvent).where(LifecycleEvent.item_id == item.id)).first()
    owner = session.get(Owner, item.owner_id)
    return Things(world, item, current_tag(session, item_id=item.id).code, event.id,
                  owner.private_token)


def test_every_route_is_declared(app):
    undeclared = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ACCESS))
    assert not undeclared, (
        f"routes missing from ACCESS in tests/web/test_access_matrix.py: {undeclared}. "
        "Add each with the roles (admin, coordinator, fixer, viewer, anonymous) that may reach it."
    )


def test_every_declared_route_exists(app):
    stale = sorted(set(ACCESS) - {r.endpoint for r in app.url_map.iter_rules()})
    assert not stale, f"ACCESS in tests/web/test_access_matrix.py names routes that are gone: {stale}"


def test_every_url_argument_has_a_value(app):
    unknown = sorted({(a, r.endpoint) for r in app.url_map.iter_rules() for a in r.arguments
                      if a not in PARAMS})
    assert not unknown, (
        f"URL arguments without a value in PARAMS (tests/web/test_access_matrix.py): {unknown}"
    )


@pytest.mark.parametrize("role", [*ROLES, ANONYMOUS])
def test_role_route_matrix(app, client, things, role):
    """Anonymous: sign-in page (public pages 200); no right: 403; the right: the page itself."""
    rules = [r for r in _rules(app) if r.endpoint in ACCESS]
    # Reads first, as a POST may change what later pages show; signing out comes last.
    rules.sort(key=lambda r: (ACCESS[r.endpoint].signs_out, _method(r) != "GET"))
    _sign_in(client, role)
    failures = []
    for rule in rules:
        access = ACCESS[rule.endpoint]
        method = _method(rule)
        url = _url(app, rule, things)
        try:
            response = client.open(url, method=method)
        except Exception as exc:  # noqa: BLE001 - reported with the route it came from
            failures.append(f"{method} {url} ({rule.endpoint}) as {role}: raised {exc!r}")
            continue
        response.close()
        status = response.status_code
        allowed = role in access.roles
        where = f"{method} {url} ({rule.endpoint}) as {role}: got {status}"
        if status >= 500:
            failures.append(f"{where}, a server error")
        elif role == ANONYMOUS and allowed:
            if access.named_by_secret and status == 404:
                continue
            if method == "GET" and status != (302 if access.redirects else 200):
                failures.append(f"{where}, expected {302 if access.redirects else 200} "
                                "for a public page")
            elif access.redirects and _is_login_redirect(response):
                failures.append(f"{where}, sent to the sign-in page")
            elif status in (401, 403):
                failures.append(f"{where}, expected a public route to answer")
        elif access.refusal == "401" and not allowed:
            if status != 401:
                failures.append(f"{where}, expected 401 without an API token")
        elif role == ANONYMOUS:
            if not _is_login_redirect(response):
                failures.append(f"{where}, expected a redirect to /login")
        elif allowed and (status in (401, 403)
                          or (_is_login_redirect(response) and not access.signs_out)):
            failures.append(f"{where}, but {role} may reach it")
        elif not allowed and status != 403:
            failures.append(f"{where}, expected 403")
    assert not failures, "\n".join(failures)


@pytest.fixture
def elsewhere(session, world):
    """An object of the other group, registered at the other territory's café."""
    item = make_item(session, world, brand="Swan", model="Kettle", actor="admin",
                     repair_session=world.other_session, owner=OwnerContact(
                         name="Dylan Morgan", email="dylan@example.org", consent=True))
    return item, current_tag(session, item_id=item.id).code


@pytest.mark.parametrize("role", ["coordinator", "fixer", "viewer"])
def test_an_object_outside_the_scope_does_not_exist(client, things, elsewhere, role):
    other, other_code = elsewhere
    _sign_in(client, role)
    assert client.get(f"/items/{other.id}").status_code == 404
    assert client.get(f"/items/code/{other_code}", follow_redirects=True).status_code == 404
    listing = client.get("/items/").get_data(as_text=True)
    assert "Kenwood" in listing
    assert "Swan" not in listing
    assert "Swan" not in client.get("/items/?q=swan").get_data(as_text=True)


def test_admin_sees_every_group(client, things, elsewhere):
    other, _code = elsewhere
    _sign_in(client, "admin")
    page = client.get(f"/items/{other.id}")
    assert page.status_code == 200
    assert "Dylan Morgan" in page.get_data(as_text=True)
    listing = client.get("/items/").get_data(as_text=True)
    assert "Kenwood" in listing and "Swan" in listing


@pytest.mark.parametrize("role", ["admin", "coordinator", "fixer"])
def test_bench_roles_see_the_owner_contact(client, things, role):
    _sign_in(client, role)
    page = client.get(f"/items/{things.item.id}").get_data(as_text=True)
    for value in (OWNER.name, OWNER.email, OWNER.phone):
        assert value in page


def test_viewer_never_sees_owner_personal_data(client, things):
    _sign_in(client, "viewer")
    pages = [
        client.get(f"/items/{things.item.id}"),
        client.get(f"/items/code/{things.code}", follow_redirects=True),
        client.get("/items/"),
        client.get("/items/?q=kenwood"),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Kenwood" in text
        for value in (OWNER.name, OWNER.email, OWNER.phone, "Gwenllian", "gwen.price"):
            assert value not in text


def test_public_page_never_shows_owner_personal_data(client, things):
    for path in (f"/I/{things.code}", f"/i/{things.code.lower()}"):
        page = client.get(path)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Kenwood" in text
        for value in ("Gwenllian", "Price", "gwen.price", OWNER.phone):
            assert value not in text

"""Malformed numbers and NUL characters get a 400 or 404 with a message, never a 500, on every
database: ids beyond 64 bits, Unicode digits, NULs in paths, queries and forms."""

from __future__ import annotations

import re
from typing import Any

import pytest

from repaircafe.accounts.services import api_tokens
from tests.factories import NOW, make_item

HUGE = "9" * 23
BAD_NUMBERS = (HUGE, "9" * 400, str(2**63), str(2**31), "٣", "²", "１", "-1", "1e3", "0x10", " 7 ", "")
NUL_TEXT = "The request contains a NUL character"


def _signed_in(client: Any, role: str) -> Any:
    response = client.post("/login", data={"username": role, "password": "demo-pass"})
    assert response.status_code == 302
    return client


@pytest.fixture
def admin(client: Any, world: Any) -> Any:
    return _signed_in(client, "admin")


@pytest.fixture
def coordinator(client: Any, world: Any) -> Any:
    return _signed_in(client, "coordinator")


def _no_server_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def test_every_numeric_path_segment_refuses_bad_numbers(app, admin):
    rules = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert len(rules) > 30
    for rule in rules:
        method = "GET" if "GET" in (rule.methods or ()) else "POST"
        # Where one path has a GET rule and a POST rule, Werkzeug answers a path it cannot
        # convert with 405 for the method the first rule lacks: refused all the same.
        shared = any(r.rule == rule.rule and r is not rule for r in rules)
        refusals = (404, 405) if shared and method == "POST" else (404,)
        for bad in (HUGE, "9" * 400, str(2**63), str(2**31), "٣", "²", "１"):
            url = re.sub(r"<[^>]+>", lambda m, b=bad: b if m.group(0).startswith("<int:") else "item", rule.rule)  # noqa: E501
            response = admin.open(url, method=method)
            assert response.status_code in refusals, f"{method} {url}: {response.status_code}"


def test_the_largest_id_is_still_a_plain_not_found(admin):
    for number in (2**31 - 1, 2**31, 2**63 - 1, 2**63):
        assert admin.get(f"/items/{number}").status_code == 404
        assert admin.get(f"/bench/{number}").status_code == 404


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_id_fields_in_forms_and_queries_never_fail_the_server(coordinator, session, world, bad):
    item = make_item(session, world).id
    for method, path, data in (
        ("GET", "/items/", {"page": bad}),
        ("GET", "/intake/", {"session": bad}),
        ("GET", "/printers/", {"edit": bad}),
        ("POST", "/intake/", {"repair_session_id": bad, "category": "toaster",
                              "problem": "no heat", "key": "k-" + str(len(bad))}),
        ("POST", "/board/open", {"site_id": bad}),
        ("POST", "/stock/bins", {"name": "Shelf", "site_id": bad}),
        ("POST", f"/parts/install/{item}", {"part_id": bad}),
        ("POST", f"/parts/harvest/{item}", {"name_0": "motor", "bin_0": bad}),
        ("POST", "/recycling/batches", {"recycler_id": bad, "site_id": bad}),
        ("POST", "/recycling/batches/1/add", {"record_id": bad}),
        ("POST", "/recycling/recyclers", {"name": "R", "territory_id": bad}),
        ("POST", f"/recycling/item/{item}", {"recycler_id": bad, "batch_id": bad}),
        ("POST", "/printers/", {"name": "P", "layout": "avery_l7160", "site_id": bad}),
        ("POST", "/labels/blank", {"count": bad, "start": bad, "profile": bad}),
        ("POST", "/labels/reprint", {"session": bad, "bins": bad, "profile": bad}),
        ("POST", "/imports/", {"group_id": bad}),
        ("POST", f"/bench/{item}/correct/1", {"outcome": "end_of_life", "barrier": bad}),
        ("POST", f"/bench/{item}/attempt", {"outcome": "end_of_life", "barrier": bad}),
    ):
        if method == "GET":
            response = coordinator.get(path, query_string=data)
        else:
            response = coordinator.post(path, data=data)
        _no_server_error(response, f"{method} {path} {data}")


def test_a_large_page_number_shows_the_list_not_an_error(admin, world):
    assert admin.get("/items/", query_string={"page": HUGE}).status_code == 200
    assert admin.get("/items/", query_string={"page": "1000000000"}).status_code == 200


@pytest.mark.parametrize("path", ["/owner/a%00b", "/I/7K3M%009QXA2", "/items/code/a%00",
                                  "/items/?q=kettle%00", "/scan/?code=%00", "/items/?a%00=1"])
def test_nul_in_a_path_or_query_is_a_400_with_a_message(client, world, path):
    response = client.get(path)
    assert response.status_code == 400, path
    assert NUL_TEXT in response.text


def test_nul_in_a_form_field_is_a_400_with_a_message(admin, session, world):
    item = make_item(session, world).id
    for path, data in (("/intake/", {"category": "toaster", "brand": "Br\x00ville",
                                     "problem": "no heat", "key": "nul-intake"}),
                       (f"/bench/{item}/note", {"public_note": "a\x00b", "key": "nul-note"}),
                       ("/tokens/", {"name": "x\x00"}),
                       ("/login", {"username": "admin\x00", "password": "demo-pass"})):
        response = admin.post(path, data=data)
        assert response.status_code == 400, path
        assert NUL_TEXT in response.text
    french = admin.get("/owner/a%00b", headers={"Accept-Language": "fr"})
    assert french.status_code == 400 and "caractère NUL" in french.text


@pytest.fixture
def bearer(session: Any, world: Any) -> dict[str, str]:
    raw = api_tokens.create_token(session, name="fuzz", actor=world.actor("admin"), now=NOW)[1]
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/scans",
                                  "/api/v1/items/1/repair-attempts"])
def test_api_bodies_that_are_not_json_are_a_400_problem(client, bearer, path):
    for content_type, body in (("multipart/form-data", b"abc"),
                               ("multipart/form-data; boundary=x", b"--x--\r\n"),
                               ("application/x-www-form-urlencoded", b"code=1"),
                               ("text/plain", b"{}")):
        response = client.post(path, data=body, headers={
            **bearer, "Content-Type": content_type, "Idempotency-Key": "k1"})
        assert response.status_code == 400, (path, content_type)
        assert response.mimetype == "application/problem+json"
        assert "application/json" in response.get_json()["detail"]


def test_api_nul_in_json_or_query_is_a_400_problem(client, bearer):
    scan = client.post("/api/v1/scans", json={"code": "7K3M\x009QXA2"},
                       headers={**bearer, "Idempotency-Key": "nul-scan"})
    assert scan.status_code == 400 and scan.mimetype == "application/problem+json"
    assert NUL_TEXT in scan.get_json()["detail"]
    listed = client.get("/api/v1/items", query_string={"q": "a\x00"}, headers=bearer)
    assert listed.status_code == 400 and listed.mimetype == "application/problem+json"


@pytest.mark.parametrize("bad", ["²", "٣", "１", HUGE, "-1"])
def test_api_ids_must_be_ascii_numbers(client, bearer, session, world, bad):
    make_item(session, world)
    make_item(session, world)
    make_item(session, world)
    response = client.get(f"/api/v1/items/{bad}", headers=bearer)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"

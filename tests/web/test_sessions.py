"""Sessions end when they should: sign-out, deactivation and role changes reach every copy of a
cookie on its next request, and cookies are Flask's own signed ones."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask.sessions import SecureCookieSessionInterface
from sqlmodel import select

from repaircafe.accounts.services import accounts, api_tokens
from repaircafe.models import User
from tests.factories import NOW


def _sign_in(client: Any, role: str = "fixer") -> Any:
    response = client.post("/login", data={"username": role, "password": "demo-pass"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _sent_to_login(response: Any) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


def _replay(app: Any, cookie: str) -> Any:
    """A fresh browser carrying a saved copy of the session cookie."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_a_saved_cookie_stops_working_after_sign_out(app, client, world):
    _sign_in(client)
    saved = client.get_cookie("session").value
    assert _replay(app, saved).get("/items/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert _sent_to_login(client.get("/items/"))
    assert _sent_to_login(_replay(app, saved).get("/items/")), "the copied cookie still works"
    _sign_in(client)
    assert client.get("/items/").status_code == 200, "signing in again works"


def test_sign_out_ends_the_sessions_on_other_devices_too(app, world):
    tablet, laptop = app.test_client(), app.test_client()
    _sign_in(tablet)
    _sign_in(laptop)
    laptop.post("/logout")
    assert _sent_to_login(tablet.get("/items/"))


def test_deactivation_takes_effect_on_the_next_request(app, client, session, world):
    _sign_in(client)
    raw = api_tokens.create_token(session, name="t", actor=world.actor("fixer"), now=NOW)[1]
    bearer = {"Authorization": f"Bearer {raw}"}
    assert client.get("/items/").status_code == 200
    assert client.get("/api/v1/items", headers=bearer).status_code == 200
    accounts.deactivate_user(session, username="fixer")
    assert _sent_to_login(client.get("/items/"))
    assert client.get("/api/v1/items", headers=bearer).status_code == 401
    refused = client.post("/login", data={"username": "fixer", "password": "demo-pass"})
    assert refused.status_code == 200 and "Wrong user name or password." in refused.text


def test_a_role_change_takes_effect_on_the_next_request(app, client, session, world):
    _sign_in(client, "admin")
    assert client.get("/reports/factors").status_code == 200
    accounts.change_role(session, username="admin", role="viewer", territory="Cardiff")
    assert _sent_to_login(client.get("/reports/factors"))
    _sign_in(client, "admin")
    assert client.get("/reports/factors").status_code == 403
    session.expire_all()
    user = session.exec(select(User).where(User.username == "admin")).one()
    assert (user.role, user.territory_id, user.group_id) == ("viewer", world.territory.id, None)


def test_a_cookie_without_the_session_version_is_not_signed_in(app, world):
    """A cookie of the old form, correctly signed, names the user but not the version."""
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    user_id = world.users["admin"].id
    for value in (str(user_id), f"{user_id}:", f"{user_id}:7", f"{user_id}:٠", f"{user_id}:0:0"):
        forged = serializer.dumps({"_user_id": value, "_fresh": True})
        assert _sent_to_login(_replay(app, forged).get("/reports/factors")), value
    genuine = serializer.dumps({"_user_id": f"{user_id}:0", "_fresh": True})
    assert _replay(app, genuine).get("/reports/factors").status_code == 200


def test_sessions_are_flasks_own_signed_cookies(app, client, world):
    assert type(app.session_interface) is SecureCookieSessionInterface
    _sign_in(client)
    genuine = client.get_cookie("session").value
    payload, _sep, signature = genuine.rpartition(".")
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    for _ in range(2):
        assert _sent_to_login(_replay(app, forged).get("/scan/"))
        assert _replay(app, genuine).get("/scan/").status_code == 200


def test_pages_show_the_signed_in_user_and_no_one_after_sign_out(client, world):
    _sign_in(client)
    assert "Sign out" in client.get("/").text
    client.post("/logout")
    page = client.get("/login")
    assert page.status_code == 200 and "Sign out" not in page.text

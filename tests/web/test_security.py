"""Protection a visitor cannot see but relies on: CSRF, rate limits, headers, cookies, hashing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from repaircafe import create_app
from repaircafe.config import ConfigError
from repaircafe.models import User
from tests.conftest import app_config
from tests.factories import make_item

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _factory(url: str) -> Iterator[Any]:
    made: list[Any] = []

    def build(**extra: Any) -> Any:
        application = create_app(app_config(url, **extra))
        made.append(application)
        return application

    yield build
    for application in made:
        application.extensions["repaircafe.engine"].dispose()


@pytest.fixture
def make_app(db_url: str) -> Iterator[Any]:
    """Builds apps with extra settings; every app made is disposed of at the end."""
    yield from _factory(db_url)


@pytest.fixture
def make_sqlite_app(sqlite_template: Path, tmp_path: Path) -> Iterator[Any]:
    """The same on SQLite only, for behaviour that does not touch the database."""
    target = tmp_path / "limits.sqlite"
    shutil.copyfile(sqlite_template, target)
    yield from _factory(f"sqlite:///{target}")


def _token(client: Any, path: str = "/login") -> str:
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token in the form of {path}"
    return found.group(1)


def _sign_in(client: Any, role: str = "fixer", **data: str) -> Any:
    return client.post("/login", data={"username": role, "password": "demo-pass", **data})


# CSRF

def test_every_post_route_refuses_a_request_without_token(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    signed_in = _sign_in(client, "admin", csrf_token=_token(client))
    assert signed_in.status_code == 302
    posts = [r for r in app.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert posts
    for rule in posts:
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        response = client.post(url, data={"field": "value"})
        if response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
            # The JSON API ignores the session cookie and wants a token instead, so a forged
            # cross-site request carries nothing it would accept.
            assert response.status_code == 401, f"POST {url} ({rule.endpoint})"
            continue
        assert response.status_code == 400, f"POST {url} ({rule.endpoint}) without a CSRF token"
        assert "out of date" in response.get_data(as_text=True)


def test_a_post_with_its_token_goes_through(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    refused = _sign_in(client)
    assert refused.status_code == 400
    response = _sign_in(client, csrf_token=_token(client))
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    out = client.post("/logout", data={"csrf_token": _token(client, "/")})
    assert out.status_code == 302
    assert client.get("/").status_code == 302


def test_a_token_from_another_session_is_refused(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True)
    stolen = _token(app.test_client())
    assert _sign_in(app.test_client(), csrf_token=stolen).status_code == 400


# Rate limits

def _wrong_password(client: Any) -> int:
    return client.post("/login", data={"username": "nobody", "password": "guess"}).status_code


def test_login_is_rate_limited_with_a_readable_page(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    assert [_wrong_password(client) for _ in range(10)] == [200] * 10
    blocked = client.post("/login", data={"username": "fixer", "password": "demo-pass"})
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert "Too many requests" in page and "<html" in page
    assert int(blocked.headers["Retry-After"]) > 0
    assert client.get("/login").status_code == 200  # reading the form is not limited


def test_each_app_keeps_its_own_limits(make_sqlite_app):
    """Several apps in one process (as in these tests) never share or reset each other's limits."""
    limited = make_sqlite_app(RATELIMIT_ENABLED=True,
                              security={"login_rate_limit": "3 per minute"})
    first = limited.test_client()
    assert [_wrong_password(first) for _ in range(3)] == [200] * 3
    unlimited = make_sqlite_app(RATELIMIT_ENABLED=False)
    fresh = make_sqlite_app(RATELIMIT_ENABLED=True, security={"login_rate_limit": "3 per minute"})
    assert _wrong_password(first) == 429, "building another app reset or disabled the limit"
    assert [_wrong_password(unlimited.test_client()) for _ in range(5)] == [200] * 5
    assert [_wrong_password(fresh.test_client()) for _ in range(4)] == [200, 200, 200, 429]
    assert _wrong_password(first) == 429


def test_rate_limiting_is_on_unless_switched_off(make_sqlite_app):
    make_sqlite_app(RATELIMIT_ENABLED=False)
    config = app_config("sqlite://")
    del config["RATELIMIT_ENABLED"]
    app = create_app(config)
    try:
        assert app.config["RATELIMIT_ENABLED"] is True
    finally:
        app.extensions["repaircafe.engine"].dispose()


def test_public_object_pages_are_rate_limited(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=True, security={"public_rate_limit": "3 per minute"})
    client = app.test_client()
    answers = [client.get("/I/7K3M9QXA2") for _ in range(4)]
    assert 429 not in [a.status_code for a in answers[:3]] and answers[3].status_code == 429
    assert "Too many requests" in answers[3].get_data(as_text=True)
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    assert client.get("/healthz").status_code == 200
    # each public page counts on its own, and another address is not held back
    assert client.get("/owner/not-a-token").status_code == 404
    other = client.get("/I/7K3M9QXA2", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code != 429


def test_public_pages_are_not_limited_when_rate_limiting_is_off(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=False, security={"public_rate_limit": "1 per minute"})
    client = app.test_client()
    assert [client.get("/I/7K3M9QXA2").status_code for _ in range(3)].count(429) == 0


# Headers and cookies

def test_security_headers_on_every_kind_of_response(make_sqlite_app):
    client = make_sqlite_app().test_client()
    for path in ("/login", "/healthz", "/static/app.css", "/no-such-page"):
        response = client.get(path)
        response.close()
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp, path
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin",
                                              "no-referrer")


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "signing in set no session cookie"
    return cookies[-1]


def test_session_cookie_is_http_only_and_same_site_lax(client, world):
    cookie = _session_cookie(_sign_in(client))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_when_configured(make_app, world):
    app = make_app(security={"session_cookie_secure": True})
    cookie = _session_cookie(_sign_in(app.test_client()))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_passwords_are_stored_hashed(session, world):
    rows = session.execute(select(User.__table__.c.username, User.__table__.c.password_hash)).all()
    assert len(rows) == 4
    for _username, stored in rows:
        assert "demo-pass" not in stored
        assert stored.split(":")[0] in ("scrypt", "pbkdf2")
        assert check_password_hash(stored, "demo-pass")
    assert len({stored for _u, stored in rows}) == 4, "equal passwords must hash differently"


def test_wrong_password_and_unknown_user_get_the_same_answer(client, world):
    wrong = client.post("/login", data={"username": "fixer", "password": "nope"})
    unknown = client.post("/login", data={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong user name or password." in wrong.get_data(as_text=True)
    assert "Wrong user name or password." in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


# Redirects, sign-out, uploads

EVIL = ["https://evil.example/steal", "//evil.example/steal", "/\\evil.example/steal",
        "/\t/evil.example", "javascript:alert(1)", "http:/evil.example"]


def test_sign_in_never_redirects_to_another_site(app, world):
    for target in EVIL:
        client = app.test_client()
        response = client.post("/login", query_string={"next": target},
                               data={"username": "fixer", "password": "demo-pass"})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", (target, response.headers["Location"])


def test_sign_in_returns_to_a_local_page(client, world):
    response = client.post("/login", query_string={"next": "/items/?q=kettle"},
                           data={"username": "fixer", "password": "demo-pass"})
    assert urlsplit(response.headers["Location"]).path == "/items/"


def test_anonymous_visit_carries_the_page_to_return_to(client, world):
    response = client.get("/items/?q=kettle")
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "next=" in response.headers["Location"]


def test_logout_is_post_only(client, world):
    _sign_in(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200, "a GET must not sign anyone out"
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_upload_larger_than_the_limit_is_refused(make_app, world):
    app = make_app(WTF_CSRF_ENABLED=True, app={"environment": "testing",
                                               "secret_key": "test-secret",
                                               "public_base_url": "https://rc.example.org",
                                               "max_upload_mb": 1})
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    client = app.test_client()
    token = _token(client)
    big = client.post("/login", data={"csrf_token": token, "username": "fixer",
                                      "password": "x" * (1024 * 1024 + 10)})
    assert big.status_code == 413
    assert "too large" in big.get_data(as_text=True)
    small = client.post("/login", data={"csrf_token": token, "username": "fixer",
                                        "password": "demo-pass"})
    assert small.status_code == 302


def test_a_malformed_rate_limit_is_refused_at_start(make_sqlite_app):
    with pytest.raises(ConfigError, match="public_rate_limit"):
        make_sqlite_app(security={"public_rate_limit": "lots"})


def test_a_new_secret_key_signs_everyone_out(make_app, world):
    app = make_app()
    client = app.test_client()
    _sign_in(client)
    assert client.get("/scan/").status_code == 200
    app.secret_key = "another-secret-key-for-this-test-only"
    assert client.get("/scan/").status_code == 302


# Redirects after a refused action

def test_a_refused_action_never_redirects_to_the_referer(client, session, world):
    item = make_item(session, world).id  # registered, never lent: taking it back is refused
    _sign_in(client, "coordinator")
    response = client.post(f"/parts/take-back/{item}",
                           headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost") and "evil" not in response.headers["Location"]
    assert location.path == f"/items/{item}"
    with client.session_transaction() as kept:
        assert [category for category, _text in kept["_flashes"]] == ["error"]


# Rate limits by client address, and the proxies in front

def _api_status(client: Any, token: str, **kwargs: Any) -> int:
    return client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"},
                      **kwargs).status_code


def test_inventing_api_tokens_does_not_escape_the_rate_limit(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=True, security={"api_rate_limit": "5 per minute"})
    client = app.test_client()
    statuses = [_api_status(client, f"rc_bogus{n}") for n in range(8)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429] * 3
    no_token = client.get("/api/v1/items")
    assert no_token.status_code == 429 and no_token.mimetype == "application/problem+json"
    other_address = _api_status(client, "rc_bogus", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_address == 401, "another client is not held back"


def test_behind_a_proxy_each_forwarded_address_has_its_own_count(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=True, app={
        "environment": "testing", "secret_key": "test-secret", "proxies": 1,
        "public_base_url": "https://rc.example.org"}, security={"login_rate_limit": "2 per minute"})
    client = app.test_client()

    def attempt(address: str) -> int:
        return client.post("/login", data={"username": "nobody", "password": "guess"},
                           headers={"X-Forwarded-For": address}).status_code

    assert [attempt("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert [attempt("198.51.100.4") for _ in range(3)] == [200, 200, 429]
    forwarded = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in forwarded.headers, "the proxy's https is seen"


def test_without_proxies_forwarded_addresses_are_ignored(make_sqlite_app):
    app = make_sqlite_app(RATELIMIT_ENABLED=True, security={"login_rate_limit": "2 per minute"})
    client = app.test_client()
    statuses = [client.post("/login", data={"username": "nobody", "password": "guess"},
                            headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(3)]
    assert statuses == [200, 200, 429]
    assert "Strict-Transport-Security" not in client.get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}).headers

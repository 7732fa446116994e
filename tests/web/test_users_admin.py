"""Account administration on the web: who manages whose accounts, invitations with a one-time
password link, closing and reopening accounts, role changes that end sessions at once."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlmodel import select

from repaircafe.accounts.services import links, user_admin
from repaircafe.domain.errors import NotFound, NotPermitted, OutOfScope
from repaircafe.models import User
from repaircafe.places.services.fields import FieldErrors
from tests.factories import NOW


def _text(response):
    return unescape(response.get_data(as_text=True))


def _fresh(session):
    session.rollback()
    session.expire_all()


def _user(session, name):
    _fresh(session)
    return session.exec(select(User).where(User.username == name)).one()


def _link_in(page):
    return re.search(r'value="(https://rc\.example\.org/users/welcome\?t=[^"]+)"', page).group(1)


def test_admin_lists_every_account_and_a_coordinator_only_their_groups(
        client, session, world, login_as):
    user_admin.invite_user(session, actor=world.actor("admin"), username="swansea-fixer",
                           display_name="", wanted=user_admin.RoleInput(
                               "fixer", group_id=world.other_group.id))
    login_as("admin")
    page = _text(client.get("/users/"))
    assert all(name in page for name in ("admin", "coordinator", "viewer", "swansea-fixer"))
    client.post("/logout")
    login_as("coordinator")
    page = _text(client.get("/users/"))
    assert "fixer" in page and "swansea-fixer" not in page and "viewer" not in page
    assert client.get(f"/users/{world.users['admin'].id}").status_code == 404
    swansea = _user(session, "swansea-fixer")
    assert client.get(f"/users/{swansea.id}").status_code == 404
    assert client.post(f"/users/{swansea.id}/deactivate").status_code == 404
    assert client.post(f"/users/{swansea.id}/role", data={"role": "coordinator"}).status_code == 404
    assert _user(session, "swansea-fixer").is_active


@pytest.mark.parametrize("role", ["fixer", "viewer"])
def test_fixers_and_viewers_manage_no_accounts(client, world, login_as, role):
    login_as(role)
    assert client.get("/users/").status_code == 403
    assert client.get("/users/invite").status_code == 403
    assert client.post("/users/invite", data={"username": "x", "role": "fixer"}).status_code == 403
    assert client.post(f"/users/{world.users['fixer'].id}/deactivate").status_code == 403


def test_an_invitation_gives_a_one_time_link_that_sets_the_password(client, session, world,
                                                                     login_as):
    login_as("coordinator")
    made = client.post("/users/invite", data={
        "username": "sian", "display_name": "Sian H.", "role": "fixer",
        "group_id": str(world.other_group.id)})
    assert made.status_code == 200
    link = _link_in(_text(made))
    sian = _user(session, "sian")
    assert (sian.role, sian.group_id, sian.is_active) == ("fixer", world.group.id, True)
    client.post("/logout")
    assert client.post("/login", data={"username": "sian", "password": "x"}).status_code == 200
    path = link.removeprefix("https://rc.example.org")
    page = _text(client.get(path))
    assert "Choose your password" in page and "Sian H." in page
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 8 characters" in _text(short)
    assert client.post(path, data={"password": "kettle-fixer-1",
                                   "confirm": "kettle-fixer-1"}).status_code == 303
    assert client.post("/login", data={"username": "sian",
                                       "password": "kettle-fixer-1"}).status_code == 302
    client.post("/logout")
    again = client.get(path)
    assert "This link is not valid any more" in _text(again)
    assert client.post(path, data={"password": "taken-over-99",
                                   "confirm": "taken-over-99"}).status_code == 400
    assert client.post("/login", data={"username": "sian",
                                       "password": "taken-over-99"}).status_code == 200


def test_a_link_expires_after_seven_days(session, world):
    made = user_admin.invite_user(session, actor=world.actor("admin"), username="old",
                                  display_name="", wanted=user_admin.RoleInput(
                                      "fixer", group_id=world.group.id))
    token = links.password_token(made, secret="s", now=NOW)
    assert links.account_for(session, token=token, secret="s", now=NOW + timedelta(days=6)).id
    with pytest.raises(NotFound):
        links.account_for(session, token=token, secret="s", now=NOW + timedelta(days=8))
    with pytest.raises(NotFound):
        links.account_for(session, token=token, secret="other", now=NOW)
    with pytest.raises(NotFound):
        links.account_for(session, token=token[:-2] + "xx", secret="s", now=NOW)


def test_a_coordinator_gives_only_their_groups_roles(client, session, world, login_as):
    login_as("coordinator")
    form = client.get("/users/invite")
    assert 'value="viewer"' not in _text(form) and 'value="admin"' not in _text(form)
    for role in ("admin", "viewer"):
        refused = client.post("/users/invite", data={
            "username": f"new-{role}", "role": role, "territory_id": str(world.territory.id),
            "display_name": "Kept"})
        assert refused.status_code == 422, role
        page = _text(refused)
        assert f"Your role cannot make someone {role}." in page
        assert f'value="new-{role}"' in page and 'value="Kept"' in page
    _fresh(session)
    assert session.exec(select(User).where(User.username.like("new-%"))).all() == []


def test_only_an_admin_makes_admins_and_viewers(session, world):
    with pytest.raises(FieldErrors):
        user_admin.invite_user(session, actor=world.actor("coordinator"), username="boss",
                               display_name="", wanted=user_admin.RoleInput("admin"))
    viewer = user_admin.invite_user(session, actor=world.actor("admin"), username="council",
                                    display_name="", wanted=user_admin.RoleInput(
                                        "viewer", territory_id=world.other_territory.id))
    assert (viewer.role, viewer.territory_id, viewer.group_id) == (
        "viewer", world.other_territory.id, None)
    with pytest.raises(NotPermitted):
        user_admin.invite_user(session, actor=world.actor("fixer"), username="x",
                               display_name="", wanted=user_admin.RoleInput("fixer"))
    with pytest.raises(OutOfScope):
        user_admin.change_role(session, actor=world.actor("coordinator"),
                               user_id=viewer.id, wanted=user_admin.RoleInput("fixer"))


def test_closing_an_account_ends_its_session_and_reopening_restores_sign_in(
        app, session, world, login_as):
    fixer = app.test_client()
    assert fixer.post("/login", data={"username": "fixer", "password": "demo-pass"}
                      ).status_code == 302
    assert fixer.get("/scan/").status_code == 200
    client = login_as("coordinator")
    assert client.post(f"/users/{world.users['fixer'].id}/deactivate").status_code == 303
    assert not _user(session, "fixer").is_active
    assert fixer.get("/scan/").status_code == 302  # back to the sign-in page
    assert fixer.post("/login", data={"username": "fixer", "password": "demo-pass"}
                      ).status_code == 200
    assert client.post(f"/users/{world.users['fixer'].id}/reactivate").status_code == 303
    assert fixer.post("/login", data={"username": "fixer", "password": "demo-pass"}
                      ).status_code == 302


def test_a_role_change_takes_effect_at_once(app, session, world, login_as):
    fixer = app.test_client()
    fixer.post("/login", data={"username": "fixer", "password": "demo-pass"})
    client = login_as("coordinator")
    response = client.post(f"/users/{world.users['fixer'].id}/role",
                           data={"role": "coordinator"})
    assert response.status_code == 303
    assert _user(session, "fixer").role == "coordinator"
    assert fixer.get("/scan/").status_code == 302
    page = _text(client.get(f"/users/{world.users['fixer'].id}"))
    assert "coordinator" in page


def test_nobody_closes_or_demotes_their_own_account(client, session, world, login_as):
    login_as("admin")
    admin_id = world.users["admin"].id
    client.post(f"/users/{admin_id}/deactivate")
    refused = client.post(f"/users/{admin_id}/role", data={"role": "fixer",
                                                           "group_id": str(world.group.id)})
    assert refused.status_code == 303
    assert "cannot change your own role" in _text(client.get(refused.headers["Location"]))
    admin = _user(session, "admin")
    assert admin.is_active and admin.role == "admin"


def test_a_new_link_for_someone_who_lost_their_password(client, session, world, login_as):
    login_as("admin")
    page = _text(client.post(f"/users/{world.users['viewer'].id}/link"))
    link = _link_in(page).removeprefix("https://rc.example.org")
    client.post("/logout")
    assert client.post(link, data={"password": "council-2025",
                                   "confirm": "council-2025"}).status_code == 303
    assert client.post("/login", data={"username": "viewer",
                                       "password": "council-2025"}).status_code == 302


def test_the_link_is_mailed_when_mail_is_set_up(app, client, session, world, login_as,
                                                  monkeypatch):
    sent = []
    monkeypatch.setattr("repaircafe.reporting.services.mailer.send",
                        lambda settings, message: sent.append(message))
    settings = app.extensions["repaircafe.settings"]
    monkeypatch.setitem(app.extensions, "repaircafe.settings", type(settings)(
        **{**settings.__dict__, "smtp": type(settings.smtp)(host="smtp.example.org")}))
    login_as("admin")
    page = _text(client.post("/users/invite", data={
        "username": "gwen", "role": "viewer", "territory_id": str(world.territory.id),
        "email": "gwen@example.org"}))
    assert "It was also mailed" in page
    (message,) = sent
    assert message["To"] == "gwen@example.org"
    assert _link_in(page).split("=", 1)[1] in message.get_content()
    assert "gwen" in message.get_content()


def test_user_cli_lists_invites_links_and_reactivates(runner, client, session, world):
    from repaircafe.cli import cli

    listing = runner.invoke(cli, ["user", "list"])
    assert listing.exit_code == 0
    assert "fixer\tFixer\tfixer\tCardiff Fixers\tactive" in listing.output
    invited = runner.invoke(cli, ["user", "invite", "gwen", "--role", "viewer",
                                  "--territory", "Swansea"])
    assert invited.exit_code == 0, invited.output
    link = invited.output.strip().splitlines()[-1].removeprefix("https://rc.example.org")
    assert client.post(link, data={"password": "council-2025",
                                   "confirm": "council-2025"}).status_code == 303
    assert client.post("/login", data={"username": "gwen",
                                       "password": "council-2025"}).status_code == 302
    refused = runner.invoke(cli, ["user", "invite", "gwen", "--role", "fixer", "--group",
                                  "Cardiff Fixers"])
    assert refused.exit_code == 1 and "username: The user name “gwen” is taken." in refused.output
    assert runner.invoke(cli, ["user", "deactivate", "fixer"]).exit_code == 0
    assert "reactivate it first" in runner.invoke(cli, ["user", "link", "fixer"]).output
    assert runner.invoke(cli, ["user", "reactivate", "fixer"]).exit_code == 0
    assert _user(session, "fixer").is_active
    fresh = runner.invoke(cli, ["user", "link", "fixer"])
    assert fresh.exit_code == 0 and "/users/welcome?t=" in fresh.output


def test_closing_an_account_or_changing_its_role_voids_its_links(session, world):
    admin = world.actor("admin")
    for change in ("close", "role"):
        made = user_admin.invite_user(session, actor=admin, username=f"link-{change}",
                                      display_name="", wanted=user_admin.RoleInput(
                                          "fixer", group_id=world.group.id))
        token = links.password_token(made, secret="s", now=NOW)
        if change == "close":
            user_admin.set_active(session, actor=admin, user_id=made.id, active=False)
            user_admin.set_active(session, actor=admin, user_id=made.id, active=True)
        else:
            user_admin.change_role(session, actor=admin, user_id=made.id,
                                   wanted=user_admin.RoleInput("coordinator",
                                                               group_id=world.group.id))
        with pytest.raises(NotFound):
            links.set_password(session, token=token, password="new-password-1",
                               confirm="new-password-1", secret="s", now=NOW)

"""Accounts of other people: list, invite, close and reopen, change roles; the password link."""

from __future__ import annotations

import logging
import smtplib
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from repaircafe.accounts.services import links, user_admin
from repaircafe.db import get_session
from repaircafe.domain import permissions
from repaircafe.domain.errors import Refused
from repaircafe.models import User, utc_now
from repaircafe.places.services import groups, territories
from repaircafe.places.services.fields import FieldErrors
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("users", __name__, template_folder="../templates", url_prefix="/users")
log = logging.getLogger(__name__)


def _errors(exc: FieldErrors) -> dict[str, str]:
    return {name: refusal_text(refusal) for name, refusal in exc.errors.items()}


def _choices() -> dict[str, Any]:
    """The roles, groups and territories the signed-in manager may give."""
    session, who = get_session(), actor()
    admin = permissions.scope_kind(who.role) == "all"
    return {
        "role_options": [(role, _(role)) for role in permissions.grantable_roles(who.role)],
        "group_options": [(g.id, g.name) for g in groups.all_groups(session, actor=who)],
        "territory_options": [(t.id, t.name) for t in territories.all_territories(
            session, actor=who)] if admin else [],
    }


def _wanted() -> user_admin.RoleInput:
    form = request.form
    return user_admin.RoleInput(role=form.get("role", ""),
                                group_id=form.get("group_id", type=whole_number),
                                territory_id=form.get("territory_id", type=whole_number))


def _link(user: User) -> str:
    settings = current_app.extensions["repaircafe.settings"]
    token = links.password_token(user, secret=current_app.config["SECRET_KEY"], now=utc_now())
    return settings.app.public_base_url.rstrip("/") + url_for("users.welcome", t=token)


def _mail(user: User, link: str) -> bool | None:
    """Mail the link when an address was given and mail is configured (None: not tried)."""
    address = request.form.get("email", "").strip()
    smtp = current_app.extensions["repaircafe.settings"].smtp
    if not address or not smtp.host:
        return None
    try:
        links.send_invitation(smtp, recipient=address, language=str(get_locale() or "en"),
                              link=link, username=user.username, inviter=actor().name)
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return False
    except (smtplib.SMTPException, OSError):
        log.exception("the password link for %s could not be mailed", user.username)
        return False
    return True


@bp.get("/")
@requires("manage_users")
def index() -> ResponseReturnValue:
    """The accounts the signed-in manager looks after."""
    return render_template("users/index.html",
                           rows=user_admin.users_of(get_session(), actor=actor()))


@bp.route("/invite", methods=["GET", "POST"])
@requires("manage_users")
def invite() -> ResponseReturnValue:
    """Make an account and hand over a one-time link to choose its password."""
    if request.method == "POST":
        try:
            made = user_admin.invite_user(
                get_session(), actor=actor(), username=request.form.get("username", ""),
                display_name=request.form.get("display_name", ""), wanted=_wanted())
        except FieldErrors as exc:
            flash(_("Nothing was saved: correct the fields marked below."), "error")
            return render_template("users/invite.html", errors=_errors(exc), form=request.form,
                                   **_choices()), 422
        link = _link(made)
        return render_template("users/link.html", account=made, link=link,
                               mailed=_mail(made, link), invited=True)
    smtp = current_app.extensions["repaircafe.settings"].smtp
    return render_template("users/invite.html", errors={}, form={}, can_mail=bool(smtp.host),
                           **_choices())


@bp.get("/<int:user_id>")
@requires("manage_users")
def show(user_id: int) -> ResponseReturnValue:
    """One account: its role, closing or reopening it, a new password link."""
    row = user_admin.get_user(get_session(), user_id=user_id, actor=actor())
    return render_template("users/show.html", row=row, errors={}, form={}, **_choices())


@bp.post("/<int:user_id>/role")
@requires("manage_users")
def role(user_id: int) -> ResponseReturnValue:
    """Give an account another role; it is signed out everywhere."""
    session, who = get_session(), actor()
    try:
        changed = user_admin.change_role(session, actor=who, user_id=user_id, wanted=_wanted())
    except FieldErrors as exc:
        flash(_("Nothing was saved: correct the fields marked below."), "error")
        row = user_admin.get_user(session, user_id=user_id, actor=who)
        return render_template("users/show.html", row=row, errors=_errors(exc),
                               form=request.form, **_choices()), 422
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("users.show", user_id=user_id), code=303)
    flash(_("%(name)s is now %(role)s and signs in again.", name=changed.username,
            role=_(changed.role)), "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)


def _set_active(user_id: int, active: bool) -> ResponseReturnValue:
    try:
        changed = user_admin.set_active(get_session(), actor=actor(), user_id=user_id,
                                        active=active)
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("users.show", user_id=user_id), code=303)
    flash(_("%(name)s can sign in again.", name=changed.username) if active else
          _("%(name)s is closed: signed out everywhere, no more sign-ins.",
            name=changed.username), "success")
    return redirect(url_for("users.show", user_id=user_id), code=303)


@bp.post("/<int:user_id>/deactivate")
@requires("manage_users")
def deactivate(user_id: int) -> ResponseReturnValue:
    """Close an account at once."""
    return _set_active(user_id, False)


@bp.post("/<int:user_id>/reactivate")
@requires("manage_users")
def reactivate(user_id: int) -> ResponseReturnValue:
    """Reopen a closed account."""
    return _set_active(user_id, True)


@bp.post("/<int:user_id>/link")
@requires("manage_users")
def new_link(user_id: int) -> ResponseReturnValue:
    """A new one-time link for someone who has lost their password or their first link."""
    row = user_admin.get_user(get_session(), user_id=user_id, actor=actor())
    if not row.user.is_active:
        flash(_("Reopen the account first: a closed account cannot set a password."), "error")
        return redirect(url_for("users.show", user_id=user_id), code=303)
    link = _link(row.user)
    return render_template("users/link.html", account=row.user, link=link,
                           mailed=_mail(row.user, link), invited=False)


@bp.route("/welcome", methods=["GET", "POST"])
def welcome() -> ResponseReturnValue:
    """Where a password link leads: choose a password, then sign in with it."""
    token = request.values.get("t", "")
    session, secret = get_session(), current_app.config["SECRET_KEY"]
    try:
        account = links.account_for(session, token=token, secret=secret, now=utc_now())
    except Refused as exc:
        # A page that says what to do next; a POST through a dead link is a bad request.
        return render_template("users/welcome.html", account=None, token="", errors={},
                               problem=exc.translated(_)), 400 if request.method == "POST" else 200
    if request.method == "POST":
        try:
            links.set_password(session, token=token, password=request.form.get("password", ""),
                               confirm=request.form.get("confirm", ""), secret=secret,
                               now=utc_now())
        except FieldErrors as exc:
            return render_template("users/welcome.html", account=account, token=token,
                                   errors=_errors(exc), problem=None), 422
        flash(_("Your password is set: sign in with it."), "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("users/welcome.html", account=account, token=token, errors={},
                           problem=None)

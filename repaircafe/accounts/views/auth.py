"""Signing in and out."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from repaircafe.accounts.services import accounts
from repaircafe.db import get_session
from repaircafe.web.access import LoginUser, safe_next
from repaircafe.web.forms import LoginForm
from repaircafe.web.rate_limits import rate_limited

bp = Blueprint("auth", __name__, template_folder="../templates")


@bp.route("/login", methods=["GET", "POST"])
@rate_limited("login_rate_limit", methods=("POST",))
def login() -> ResponseReturnValue:
    """Sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(get_session(), username=form.username.data or "",
                                     password=form.password.data or "")
        if user is not None:
            login_user(LoginUser(user))
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        flash(_("Wrong user name or password."), "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """Sign out (a POST, so no link can sign someone out), ending every copy of the session."""
    if current_user.is_authenticated:
        accounts.end_sessions(get_session(), user_id=current_user.id)
    logout_user()
    return redirect(url_for("auth.login"))

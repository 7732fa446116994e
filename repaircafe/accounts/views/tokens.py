"""API tokens: each user creates tokens for their programs, sees each once, and revokes them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.accounts.services import api_tokens
from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.web.access import actor, refusal_text, requires

bp = Blueprint("tokens", __name__, template_folder="../templates", url_prefix="/tokens")


@bp.route("/", methods=["GET", "POST"])
@requires("use_api")
def index() -> ResponseReturnValue:
    """List tokens; a POST creates one and shows it this once."""
    created = None
    if request.method == "POST":
        try:
            _token, created = api_tokens.create_token(
                get_session(), name=request.form.get("name", ""), actor=actor(), now=utc_now())
        except Refused as exc:
            flash(refusal_text(exc), "error")
    tokens = api_tokens.tokens_of(get_session(), actor=actor())
    return render_template("tokens/index.html", tokens=tokens, created=created)


@bp.post("/<int:token_id>/revoke")
@requires("use_api")
def revoke(token_id: int) -> ResponseReturnValue:
    """Stop a token working."""
    token = api_tokens.revoke_token(get_session(), token_id=token_id, actor=actor(), now=utc_now())
    flash(_("Token “%(name)s” revoked: it no longer works.", name=token.name))
    return redirect(url_for("tokens.index"))

"""The owner's private link: their objects, and erasing their contact data on request."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.models import utc_now
from repaircafe.objects.services import owners as owner_service
from repaircafe.web.rate_limits import rate_limited

bp = Blueprint("owners", __name__, template_folder="../templates", url_prefix="/owner")



@bp.route("/<token>")
@rate_limited("public_rate_limit")
def show(token: str) -> ResponseReturnValue:
    """All objects this owner brought, each linking to its public page."""
    page = owner_service.owner_page(get_session(), token=token)
    return render_template("owners/show.html", page=page, token=token)


@bp.route("/<token>/erase", methods=["POST"])
@rate_limited("public_rate_limit")
def erase(token: str) -> ResponseReturnValue:
    """Erase the owner's contact data; the objects' histories stay, anonymous."""
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that your contact details should be erased."), "error")
        return redirect(url_for("owners.show", token=token), code=303)
    owner_service.erase_contact(get_session(), token=token, now=utc_now())
    flash(_("Your contact details have been erased. The repair histories stay, without your name."),
          "success")
    return redirect(url_for("owners.show", token=token), code=303)

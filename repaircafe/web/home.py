"""The home page: today's café sessions for volunteers, figures for viewers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import login_required

from repaircafe.db import get_session
from repaircafe.models import utc_now
from repaircafe.reporting.services import dashboard
from repaircafe.web.access import actor

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    """Home per role; the figures are the home scope's last twelve months, as the reports page
    opens on them."""
    session, who = get_session(), actor()
    now = utc_now()
    today = now.date()
    language = get_locale().language if get_locale() else "en"
    return render_template(
        "home/index.html",
        figures=dashboard.figures(session, actor=who, period=dashboard.default_period(today),
                                  language=language if language in ("en", "fr") else "en",
                                  now=now),
        sessions=dashboard.sessions_on(session, actor=who, day=today),
        sites=dashboard.sites_for(session, actor=who) if who.role != "viewer" else [],
        today=today,
    )

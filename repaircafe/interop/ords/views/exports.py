"""Exports: the ORDS v0.3 package a group sends to the networks it reports to."""

from __future__ import annotations

import tempfile

from flask import Blueprint, render_template, request, send_file
from flask.typing import ResponseReturnValue

from repaircafe.db import get_session
from repaircafe.domain.periods import parse_period
from repaircafe.interop.ords.services import ords_export
from repaircafe.models import utc_now
from repaircafe.reporting.services import scopes
from repaircafe.web.access import actor, requires

bp = Blueprint("exports", __name__, template_folder="../templates", url_prefix="/exports")


@bp.get("/")
@requires("view_reports")
def index() -> ResponseReturnValue:
    """Choose what to export."""
    choices = scopes.scope_choices(get_session(), actor=actor())
    return render_template("exports/index.html", scopes=[(c.key, c.label) for c in choices])


@bp.get("/ords.zip")
@requires("view_reports")
def ords() -> ResponseReturnValue:
    """Download the records, the unpowered summary and tableschema.json as one zip."""
    session = get_session()
    scope = scopes.parse_scope(session, request.args.get("scope") or "all")
    period_text = (request.args.get("period") or "").strip()
    period = parse_period(period_text) if period_text else None
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    name = ords_export.export_archive(session, spool, actor=actor(), scope=scope, period=period,
                                      now=utc_now())
    spool.seek(0)
    return send_file(spool, mimetype="application/zip", as_attachment=True, download_name=name)

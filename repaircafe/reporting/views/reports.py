"""Reports: the impact dashboard, downloads, the archive, subscriptions and factor sets."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from repaircafe import get_settings
from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.reporting.services import dashboard, factor_sets, reporting, scopes, subscriptions
from repaircafe.web.access import actor, refusal_text, requires
from reports import tables
from reports.pdf import attribution

bp = Blueprint("reports", __name__, template_folder="../templates", url_prefix="/reports")


def _language() -> str:
    lang = request.values.get("language") or get_locale().language
    return lang if lang in ("en", "fr") else "en"


@bp.route("/")
@requires("view_reports")
def index() -> ResponseReturnValue:
    """Figures and charts for a scope and period, with drill-down."""
    view = dashboard.impact_dashboard(
        get_session(), actor=actor(), scope=request.args.get("scope") or None,
        period=request.args.get("period") or None, category=request.args.get("category"),
        language=_language(), now=utc_now())
    error = refusal_text(view.period_error) if view.period_error else None
    return render_template("reports/index.html", d=view, r=view.report,
                           formats=reporting.FORMATS, period_error=error,
                           attribution=attribution, tables=tables)


@bp.route("/download")
@requires("view_reports")
def download() -> ResponseReturnValue:
    """Any report of the dashboard as a file, rendered now."""
    fmt = request.args.get("format", "pdf")
    view = dashboard.impact_dashboard(
        get_session(), actor=actor(), scope=request.args.get("scope") or None,
        period=request.args.get("period") or None, category=request.args.get("category"),
        language=_language(), now=utc_now())
    if view.period_error is not None:
        raise view.period_error  # a file is never made for another period than the one asked
    data = reporting.render(view.report, fmt)
    name = reporting.file_name(view.scope, view.period, fmt)
    return Response(data, mimetype=reporting.MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/archive")
@requires("view_reports")
def archive() -> ResponseReturnValue:
    """Reports produced by subscriptions, newest first."""
    runs = subscriptions.list_runs(get_session(), actor=actor())
    return render_template("reports/archive.html", runs=runs)


@bp.route("/runs/<int:run_id>/<fmt>")
@requires("view_reports")
def archived(run_id: int, fmt: str) -> ResponseReturnValue:
    """One archived file."""
    path, name = subscriptions.archived_file(
        get_session(), run_id=run_id, fmt=fmt, actor=actor(),
        folder=get_settings(current_app).reports.folder)
    return send_file(path, mimetype=reporting.MEDIA_TYPES.get(fmt), as_attachment=True,
                     download_name=name)


@bp.route("/subscriptions", methods=["GET", "POST"])
@requires("manage_reports")
def subscriptions_page() -> ResponseReturnValue:
    """List and add report subscriptions."""
    session = get_session()
    if request.method == "POST":
        form = request.form
        try:
            subscriptions.create_subscription(
                session, name=form.get("name", ""), scope=form.get("scope", ""),
                period_kind=form.get("period_kind", ""), formats=form.getlist("formats"),
                recipients=form.get("recipients", ""), language=form.get("language", "en"),
                factor_set=form.get("factor_set") or None, actor=actor(), now=utc_now())
        except Refused as exc:
            flash(refusal_text(exc), "error")
        else:
            flash(_("Subscription saved. Its first report will be produced shortly."), "ok")
            return redirect(url_for("reports.subscriptions_page"))
    return render_template(
        "reports/subscriptions.html",
        rows=subscriptions.list_subscriptions(session, actor=actor()),
        choices=scopes.scope_choices(session, actor=actor()),
        sets=factor_sets.list_factor_sets(session), formats=reporting.FORMATS)


@bp.route("/subscriptions/<int:subscription_id>/active", methods=["POST"])
@requires("manage_reports")
def set_active(subscription_id: int) -> ResponseReturnValue:
    """Pause or resume a subscription."""
    active = request.form.get("active") == "1"
    subscriptions.set_active(get_session(), subscription_id=subscription_id, active=active,
                             actor=actor())
    flash(_("Subscription resumed.") if active else _("Subscription paused."), "ok")
    return redirect(url_for("reports.subscriptions_page"))


@bp.route("/factors", methods=["GET", "POST"])
@requires("manage_factors")
def factors() -> ResponseReturnValue:
    """Factor sets, and adding one from a CSV file."""
    session = get_session()
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise Refused(_("Choose a CSV file."))
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise Refused(_("The file is not UTF-8 text.")) from None
            row = factor_sets.add_factor_set(session, csv_text=text, actor=actor(), now=utc_now())
        except Refused as exc:
            flash(refusal_text(exc), "error")
        else:
            flash(_("Factor set %(name)s v%(version)s added.", name=row.name,
                    version=row.version), "ok")
            return redirect(url_for("reports.factors"))
    return render_template("reports/factors.html", sets=factor_sets.list_factor_sets(session))


@bp.route("/factors/<name>.csv")
@requires("view_reports")
def factor_csv(name: str) -> ResponseReturnValue:
    """A factor set as CSV, every row with its source."""
    return Response(factor_sets.factor_set_csv(get_session(), name), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

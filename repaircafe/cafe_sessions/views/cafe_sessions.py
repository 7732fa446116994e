"""Café sessions: the schedule, one session's page, attendance, paper sheets and the summary."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from repaircafe.cafe_sessions.services import attendance, mailing, paper_sheets, schedule
from repaircafe.cafe_sessions.services import summary as summary_service
from repaircafe.cafe_sessions.services.schedule import READ, WRITE
from repaircafe.db import get_session
from repaircafe.domain import lifecycle
from repaircafe.domain.errors import Refused
from repaircafe.models import utc_now
from repaircafe.objects.services import suggestions
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("cafe_sessions", __name__, template_folder="../templates",
               url_prefix="/sessions")
BLANK_ROWS = 5
SESSION_FIELDS = ("held_on", "title", "opens_at", "closes_at")
ATTENDANCE_FIELDS = ("visitors", "volunteers", "volunteer_hours", "notes")


def _language() -> str:
    locale = get_locale()
    return locale.language if locale and locale.language in ("en", "fr") else "en"


@bp.route("/")
@requires(READ)
def index() -> ResponseReturnValue:
    """Upcoming and past sessions of the actor's sites, optionally of one site."""
    who, db = actor(), get_session()
    sites = schedule.sites_to_read(db, actor=who)
    site_id = request.args.get("site", type=whole_number)
    if site_id not in {s.id for s in sites}:
        site_id = None
    return render_template(
        "cafe_sessions/index.html", sites=sites, site_id=site_id, today=utc_now().date(),
        plan=schedule.schedule(db, actor=who, today=utc_now().date(), site_id=site_id))


def _session_form(values: dict[str, str], *, repair_session_id: int | None = None,
                  error: str | None = None, status: int = 200) -> ResponseReturnValue:
    sites = schedule.sites_to_plan(get_session(), actor=actor())
    return render_template("cafe_sessions/form.html", values=values, sites=sites, error=error,
                           repair_session_id=repair_session_id), status


def _session_input() -> schedule.SessionInput:
    form = request.form
    return schedule.SessionInput(**{name: form.get(name, "") for name in SESSION_FIELDS})


@bp.route("/new")
@requires(WRITE)
def new() -> ResponseReturnValue:
    """The form to plan a session (or to enter one that took place on paper)."""
    return _session_form({"held_on": request.args.get("held_on", "")[:10],
                          "site_id": request.args.get("site", "")[:10]})


@bp.route("/", methods=["POST"])
@requires(WRITE)
def create() -> ResponseReturnValue:
    try:
        created = schedule.create_session(
            get_session(), site_id=request.form.get("site_id", type=whole_number),
            data=_session_input(), actor=actor(), now=utc_now())
    except Refused as exc:
        return _session_form(request.form.to_dict(), error=refusal_text(exc), status=422)
    flash(_("Session saved."), "success")
    return redirect(url_for("cafe_sessions.show", session_id=created.id), code=303)


@bp.route("/<int:session_id>")
@requires(READ)
def show(session_id: int) -> ResponseReturnValue:
    """The session: when and where, who came, and the objects received at it."""
    detail = summary_service.session_detail(get_session(), repair_session_id=session_id,
                                            actor=actor())
    return render_template("cafe_sessions/show.html", d=detail, today=utc_now().date())


@bp.route("/<int:session_id>/edit")
@requires(WRITE)
def edit(session_id: int) -> ResponseReturnValue:
    rs = schedule.session_to_change(get_session(), repair_session_id=session_id, actor=actor())
    return _session_form({
        "held_on": rs.held_on.isoformat(), "title": rs.title, "site_id": str(rs.site_id),
        "opens_at": rs.opens_at.strftime("%H:%M") if rs.opens_at else "",
        "closes_at": rs.closes_at.strftime("%H:%M") if rs.closes_at else "",
    }, repair_session_id=session_id)


def _check_writable(session_id: int) -> None:
    """404 for a session the actor may read but not change (outside their group)."""
    schedule.session_to_change(get_session(), repair_session_id=session_id, actor=actor())


@bp.route("/<int:session_id>/edit", methods=["POST"])
@requires(WRITE)
def update(session_id: int) -> ResponseReturnValue:
    _check_writable(session_id)
    try:
        schedule.update_session(get_session(), repair_session_id=session_id,
                                data=_session_input(), actor=actor())
    except Refused as exc:
        return _session_form(request.form.to_dict(), repair_session_id=session_id,
                             error=refusal_text(exc), status=422)
    flash(_("Session saved."), "success")
    return redirect(url_for("cafe_sessions.show", session_id=session_id), code=303)


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@requires(WRITE)
def cancel(session_id: int) -> ResponseReturnValue:
    try:
        schedule.cancel_session(get_session(), repair_session_id=session_id, actor=actor())
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("cafe_sessions.show", session_id=session_id), code=303)
    flash(_("Session cancelled."), "success")
    return redirect(url_for("cafe_sessions.index"), code=303)


def _attendance_form(session_id: int, values: dict[str, str], *, error: str | None = None,
                     status: int = 200) -> ResponseReturnValue:
    detail = summary_service.session_detail(get_session(), repair_session_id=session_id,
                                            actor=actor())
    return render_template("cafe_sessions/attendance.html", d=detail, values=values,
                           error=error), status


@bp.route("/<int:session_id>/attendance")
@requires(WRITE)
def attendance_form(session_id: int) -> ResponseReturnValue:
    """Visitors, volunteers and hours, typed in after the day (empty: not recorded)."""
    rs = schedule.session_to_change(get_session(), repair_session_id=session_id, actor=actor())

    def text(value: float | int | None) -> str:
        if value is None:
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)

    return _attendance_form(session_id, {
        "visitors": text(rs.visitors), "volunteers": text(rs.volunteers),
        "volunteer_hours": text(rs.volunteer_hours), "notes": rs.notes})


@bp.route("/<int:session_id>/attendance", methods=["POST"])
@requires(WRITE)
def save_attendance(session_id: int) -> ResponseReturnValue:
    _check_writable(session_id)
    data = attendance.AttendanceInput(**{name: request.form.get(name, "")
                                         for name in ATTENDANCE_FIELDS})
    try:
        attendance.record_attendance(get_session(), repair_session_id=session_id, data=data,
                                     actor=actor())
    except Refused as exc:
        return _attendance_form(session_id, request.form.to_dict(), error=refusal_text(exc),
                                status=422)
    flash(_("Attendance saved."), "success")
    return redirect(url_for("cafe_sessions.show", session_id=session_id), code=303)


def _typed_rows() -> list[paper_sheets.SheetRow]:
    form = request.form
    count = min(form.get("rows", 0, type=whole_number), paper_sheets.MAX_ROWS)
    return [paper_sheets.SheetRow(**{name: form.get(f"{name}_{i}", "") for name in (
        "key", "category", "brand", "model", "problem", "weight", "outcome", "barrier",
        "tag_code")}) for i in range(count)]


def _sheet(session_id: int, results: list[paper_sheets.RowResult], *, error: str | None = None,
           status: int = 200) -> ResponseReturnValue:
    db, who = get_session(), actor()
    detail = summary_service.session_detail(db, repair_session_id=session_id, actor=who)
    categories = suggestions.categories_by_use(db, group_id=detail.site.group_id)
    return render_template(
        "cafe_sessions/objects.html", d=detail, error=error,
        results=[(r, refusal_text(r.refusal) if r.refusal else None) for r in results],
        top=[c for c in categories if c[2]][:8],
        categories=sorted(categories, key=lambda c: _(c[1]).lower()),
        category_names={slug: name for slug, name, _n in categories},
        outcomes=lifecycle.OUTCOMES, barriers=sorted(lifecycle.BARRIERS.items()),
    ), status


def _blank_rows(count: int) -> list[paper_sheets.RowResult]:
    return [paper_sheets.RowResult(paper_sheets.SheetRow(key=paper_sheets.row_key("")))
            for _i in range(count)]


@bp.route("/<int:session_id>/objects")
@requires(WRITE)
def objects_form(session_id: int) -> ResponseReturnValue:
    """The paper sheet: one row per object brought to a past session."""
    _check_writable(session_id)
    return _sheet(session_id, _blank_rows(BLANK_ROWS))


@bp.route("/<int:session_id>/objects", methods=["POST"])
@requires(WRITE)
def enter_objects(session_id: int) -> ResponseReturnValue:
    """Save every good row; refused rows come back with their reason and what was typed."""
    _check_writable(session_id)
    rows = _typed_rows()
    if request.form.get("action") == "more":
        kept = [paper_sheets.RowResult(row) for row in rows]
        return _sheet(session_id, kept + _blank_rows(BLANK_ROWS))
    try:
        results = paper_sheets.enter_objects(get_session(), repair_session_id=session_id,
                                             rows=rows, actor=actor(), now=utc_now(),
                                             today=utc_now().date())
    except Refused as exc:
        kept = [paper_sheets.RowResult(row) for row in rows]
        return _sheet(session_id, kept, error=refusal_text(exc), status=422)
    refused = [r for r in results if r.refusal is not None]
    saved = sum(1 for r in results if r.saved)
    if refused:
        message = _("%(saved)d saved, %(refused)d refused: correct the rows marked below and "
                    "send the sheet again.", saved=saved, refused=len(refused))
        return _sheet(session_id, results, error=message, status=422)
    flash(_("%(saved)d objects saved.", saved=saved), "success")
    return redirect(url_for("cafe_sessions.show", session_id=session_id), code=303)


@bp.route("/<int:session_id>/summary")
@requires(READ)
def summary(session_id: int) -> ResponseReturnValue:
    """The session's impact: objects by outcome, kilograms kept in use, CO2e, parts, people."""
    figures = summary_service.summary(get_session(), repair_session_id=session_id,
                                      actor=actor(), now=utc_now())
    template = ("cafe_sessions/summary_print.html" if request.args.get("print")
                else "cafe_sessions/summary.html")
    return render_template(template, s=figures)


@bp.route("/<int:session_id>/summary.pdf")
@requires(READ)
def summary_pdf(session_id: int) -> ResponseReturnValue:
    now = utc_now()
    figures = summary_service.summary(get_session(), repair_session_id=session_id,
                                      actor=actor(), now=now)
    data = summary_service.render_pdf(figures, language=_language(), now=now)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{summary_service.pdf_name(figures)}"'})


def _mail_form(session_id: int, values: dict[str, str], *, error: str | None = None,
               status: int = 200) -> ResponseReturnValue:
    figures = summary_service.summary(get_session(), repair_session_id=session_id,
                                      actor=actor(), now=utc_now())
    return render_template("cafe_sessions/mail.html", s=figures, values=values,
                           error=error), status


@bp.route("/<int:session_id>/mail")
@requires(WRITE)
def mail_form(session_id: int) -> ResponseReturnValue:
    """Send the summary to the session's volunteers."""
    _check_writable(session_id)
    return _mail_form(session_id, {})


@bp.route("/<int:session_id>/mail", methods=["POST"])
@requires(WRITE)
def send_mail(session_id: int) -> ResponseReturnValue:
    _check_writable(session_id)
    settings = current_app.extensions["repaircafe.settings"].smtp
    try:
        sent = mailing.mail_summary(get_session(), repair_session_id=session_id,
                                    recipients=request.form.get("recipients", ""),
                                    actor=actor(), language=_language(), settings=settings,
                                    now=utc_now())
    except Refused as exc:
        return _mail_form(session_id, request.form.to_dict(), error=refusal_text(exc),
                          status=422)
    flash(_("Summary sent to %(count)d addresses.", count=len(sent)), "success")
    return redirect(url_for("cafe_sessions.summary", session_id=session_id), code=303)

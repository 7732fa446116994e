"""Spreadsheet import: upload, match the columns, dry run, import, error file."""

from __future__ import annotations

from pathlib import Path

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
from flask_babel import gettext as _

from repaircafe.db import get_session
from repaircafe.domain.errors import Refused
from repaircafe.interop.sheets.services import sheet_planning, sheet_uploads
from repaircafe.interop.sheets.services.sheet_mapping import (
    DATE_ORDERS,
    FIELD_LABELS,
    FIELDS,
    OPTIONAL_FIELDS,
    ColumnMapping,
)
from repaircafe.interop.sheets.services.sheet_planning import Note
from repaircafe.models import utc_now
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import whole_number

bp = Blueprint("imports", __name__, template_folder="../templates", url_prefix="/imports")


def _folder() -> Path:
    return sheet_uploads.uploads_folder(
        current_app.extensions["repaircafe.settings"].app.instance_path)


def _mapping_from_form() -> ColumnMapping:
    form = request.form
    return ColumnMapping.from_dict({
        "columns": {name: form.get(f"col_{name}", "") for name in FIELDS},
        "key": form.get("key", ""), "date_order": form.get("date_order", "dmy"),
        "site_id": form.get("site_id") or None, "required": form.getlist("required"),
    })


def _note_text(note: Note) -> str:
    return note.text(_)


def _render(template: str, prepared: sheet_uploads.Prepared, **extra: object) -> str:
    return render_template(template, p=prepared, m=prepared.mapping, fields=FIELDS,
                           optional=OPTIONAL_FIELDS, labels=FIELD_LABELS,
                           date_orders=DATE_ORDERS, note_text=_note_text, **extra)


@bp.route("/", methods=["GET", "POST"])
@requires("import_data")
def index() -> ResponseReturnValue:
    """Upload a CSV or XLSX file."""
    if request.method == "POST":
        file = request.files.get("file")
        try:
            if file is None or not file.filename:
                raise Refused(_("Choose a file first."))
            upload = sheet_uploads.receive_upload(
                get_session(), _folder(), name=file.filename, data=file.read(), actor=actor(),
                group_id=request.form.get("group_id", type=whole_number))
        except Refused as exc:
            flash(refusal_text(exc), "error")
        else:
            return redirect(url_for("imports.mapping", token=upload.token))
    return render_template("imports/index.html",
                           groups=sheet_uploads.importable_groups(get_session(), actor=actor()))


@bp.get("/<token>")
@requires("import_data")
def mapping(token: str) -> ResponseReturnValue:
    """Which column holds what: guessed from the headers or the group's last import."""
    prepared = sheet_uploads.prepare_upload(get_session(), _folder(), token, actor=actor())
    return _render("imports/mapping.html", prepared)


@bp.post("/<token>/check")
@requires("import_data")
def check(token: str) -> ResponseReturnValue:
    """Dry run: what would be created, and every row that would be rejected."""
    prepared, report = sheet_uploads.import_upload(
        get_session(), _folder(), token, _mapping_from_form(), actor=actor(), now=utc_now(),
        dry_run=True)
    return _render("imports/check.html", prepared, report=report)


@bp.post("/<token>/run")
@requires("import_data")
def run(token: str) -> ResponseReturnValue:
    """Import for real, in one go; the mapping is kept for the group's next file."""
    prepared, report = sheet_uploads.import_upload(
        get_session(), _folder(), token, _mapping_from_form(), actor=actor(), now=utc_now(),
        dry_run=False)
    sheet_uploads.finish_upload(_folder(), prepared.upload, prepared.sheet, report)
    flash(_("Imported %(count)d objects.", count=len(report.planned)))
    return _render("imports/check.html", prepared, report=report)


@bp.post("/<token>/errors.csv")
@requires("import_data")
def errors(token: str) -> ResponseReturnValue:
    """The rejected rows with their reasons, to fix and upload again (after the import, the
    ones kept when the uploaded file was deleted)."""
    kept = sheet_uploads.imported_errors(_folder(), token, user_id=actor().id)
    if kept is not None:
        return Response(kept, mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="errors.csv"'})
    prepared, report = sheet_uploads.import_upload(
        get_session(), _folder(), token, _mapping_from_form(), actor=actor(), now=utc_now(),
        dry_run=True)
    name = Path(prepared.upload.name).stem + "_errors.csv"
    return Response(sheet_planning.error_file(prepared.sheet, report), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""Label sheets (blank codes, reprints) with a preview, and single labels from an object's page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

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

from labels import LabelContent
from repaircafe import get_settings
from repaircafe.db import get_session
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import utc_now
from repaircafe.tags.services import (
    label_batches,
    label_options,
    label_rendering,
    label_tags,
    layouts,
)
from repaircafe.web.access import actor, refusal_text, requires
from repaircafe.web.forms import is_whole_number, whole_numbers

bp = Blueprint("labels", __name__, template_folder="../templates", url_prefix="/labels")
KINDS = ("item", "part", "bin")


def _dirs() -> tuple[str, ...]:
    return get_settings(current_app).labels.layout_dirs


def _base_url() -> str:
    return get_settings(current_app).app.public_base_url


def _int(name: str, default: int | None = None, source: Any = None) -> int | None:
    """A whole number from the form or query string; None (or the default) when absent."""
    text = (source if source is not None else request.form).get(name, "").strip()
    if not text:
        return default
    if not is_whole_number(text):
        raise Refused(_("%(field)s must be a whole number.", field=name.replace("_", " ")))
    return int(text)


def _pdf(data: bytes, filename: str, *, download: bool) -> Response:
    response = Response(data, mimetype="application/pdf")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _png(data: bytes) -> Response:
    response = Response(data, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/")
@requires("manage_labels")
def index() -> ResponseReturnValue:
    """The label sheets page: blank labels and reprints."""
    return _index_page()


def _index_page(reprint_errors: list[str] | None = None) -> ResponseReturnValue:
    """The page, with a refused reprint's codes kept and every bad one listed."""
    options = label_options.sheet_options(get_session(), actor=actor(), extra_dirs=_dirs())
    return render_template(
        "labels/index.html", options=options, key=uuid.uuid4().hex,
        default_layout=get_settings(current_app).labels.default_layout,
        reprint_errors=reprint_errors or [],
        reprint_codes=request.form.get("codes", "") if reprint_errors else "",
    ), 422 if reprint_errors else 200


def _bad_codes(lines: list[str]) -> list[str]:
    """Every typed code that cannot be reprinted, each with its reason, so one pass fixes all."""
    session, who = get_session(), actor()
    problems = []
    for line in lines:
        try:
            label_tags.tags_for_codes(session, actor=who, texts=[line])
        except Refused as exc:
            session.rollback()
            problems.append(refusal_text(exc))
    return problems


@bp.route("/blank", methods=["POST"])
@requires("manage_labels")
def blank() -> ResponseReturnValue:
    """Issue fresh codes for a sheet (or roll) of blank labels, then show their preview."""
    session, who = get_session(), actor()
    try:
        how = layouts.calibration(
            session, actor=who, layout_name=request.form.get("layout") or None,
            profile_id=_int("profile"), start_at=_int("start", 1) or 1, extra_dirs=_dirs(),
        )
        batch = label_batches.issue_blank_batch(
            session, actor=who, count=_int("count", 0) or 0, how=how, now=utc_now(),
            key=request.form.get("key") or uuid.uuid4().hex,
        )
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("labels.index"))
    return redirect(url_for("labels.batch", batch_id=batch.id))


@bp.route("/reprint", methods=["POST"])
@requires("manage_labels")
def reprint() -> ResponseReturnValue:
    """Reprint the current labels of typed codes, a café session's objects, or bins."""
    session, who = get_session(), actor()
    lines = request.form.get("codes", "").replace(",", "\n").splitlines()
    problems = _bad_codes(lines)
    if problems:
        return _index_page(problems)
    try:
        how = layouts.calibration(
            session, actor=who, layout_name=request.form.get("layout") or None,
            profile_id=_int("profile"), start_at=_int("start", 1) or 1, extra_dirs=_dirs(),
        )
        tags = label_tags.tags_for_codes(session, actor=who, texts=lines)
        repair_session_id = _int("session")
        if repair_session_id:
            tags += label_tags.tags_for_session(
                session, actor=who, repair_session_id=repair_session_id
            )
        bin_ids = whole_numbers(request.form.getlist("bins"))
        tags += label_tags.tags_for_bins(session, actor=who, bin_ids=bin_ids)
        unique = list({t.id: t for t in tags}.values())
        batch = label_batches.reprint_batch(
            session, actor=who, tags=unique, how=how, now=utc_now(),
            key=request.form.get("key") or uuid.uuid4().hex,
        )
    except Refused as exc:
        flash(refusal_text(exc), "error")
        return redirect(url_for("labels.index"))
    return redirect(url_for("labels.batch", batch_id=batch.id))


def _batch_render(batch_id: int, *, preview: bool) -> tuple[bytes, layouts.Calibration]:
    session, who = get_session(), actor()
    batch = label_batches.batch_for(session, actor=who, batch_id=batch_id)
    how = label_batches.batch_calibration(batch, _dirs())
    contents = label_tags.label_contents(session, label_batches.batch_tags(session, batch))
    if preview:
        contents = label_rendering.first_page(contents, how)
    return label_rendering.render_pdf(contents, how, base_url=_base_url()), how


@bp.route("/batches/<int:batch_id>")
@requires("manage_labels")
def batch(batch_id: int) -> ResponseReturnValue:
    """A batch's preview before the PDF is downloaded."""
    session = get_session()
    found = label_batches.batch_for(session, actor=actor(), batch_id=batch_id)
    how = label_batches.batch_calibration(found, _dirs())
    tags = label_batches.batch_tags(session, found)
    return render_template(
        "labels/batch.html", batch=found, how=how, tags=tags,
        pages=label_rendering.page_count(len(tags), how),
    )


@bp.route("/batches/<int:batch_id>/preview.png")
@requires("manage_labels")
def batch_preview(batch_id: int) -> ResponseReturnValue:
    pdf, how = _batch_render(batch_id, preview=True)
    return _png(label_rendering.preview_png(pdf, how))


@bp.route("/batches/<int:batch_id>/labels.pdf")
@requires("manage_labels")
def batch_pdf(batch_id: int) -> ResponseReturnValue:
    pdf, _how = _batch_render(batch_id, preview=False)
    return _pdf(pdf, f"labels-{batch_id}.pdf", download=True)


def _single(
    kind: str, object_id: int, args: Mapping[str, str]
) -> tuple[list[LabelContent], layouts.Calibration]:
    """One label and how to print it, from the query string (printer, layout, start)."""
    if kind not in KINDS:
        raise NotFound(_("Labels exist for objects, parts and bins only."))
    session, who = get_session(), actor()
    tag = label_tags.tag_for(session, actor=who, kind=kind, object_id=object_id)
    how = layouts.calibration(
        session, actor=who, layout_name=args.get("layout") or None,
        profile_id=_int("profile", source=args), start_at=_int("start", 1, source=args) or 1,
        extra_dirs=_dirs(),
    )
    return label_tags.label_contents(session, [tag]), how


@bp.route("/<kind>/<int:object_id>")
@requires("record_repairs")
def single(kind: str, object_id: int) -> ResponseReturnValue:
    """Print one label for an object, part or bin: choose the printer, look, download."""
    session, who = get_session(), actor()
    options = label_options.sheet_options(session, actor=who, extra_dirs=_dirs())
    args = {k: v for k, v in request.args.items() if k in ("profile", "layout", "start")}
    if not args.get("profile") and not args.get("layout"):
        args = label_options.single_defaults(
            options, get_settings(current_app).labels.default_layout
        )
    error, content, how = None, None, None
    try:
        contents, how = _single(kind, object_id, args)
        content = contents[0]
        args = {**args, "layout": how.layout.name}
    except NotFound:
        raise
    except Refused as exc:
        error = refusal_text(exc)
    return render_template(
        "labels/single.html", kind=kind, object_id=object_id, options=options, args=args,
        content=content, how=how, error=error,
    )


@bp.route("/<kind>/<int:object_id>/preview.png")
@requires("record_repairs")
def single_preview(kind: str, object_id: int) -> ResponseReturnValue:
    contents, how = _single(kind, object_id, request.args)
    return _png(label_rendering.preview_png(
        label_rendering.render_pdf(contents, how, base_url=_base_url()), how
    ))


@bp.route("/<kind>/<int:object_id>/label.pdf")
@requires("record_repairs")
def single_pdf(kind: str, object_id: int) -> ResponseReturnValue:
    contents, how = _single(kind, object_id, request.args)
    pdf = label_rendering.render_pdf(contents, how, base_url=_base_url())
    return _pdf(pdf, f"label-{contents[0].code}.pdf", download=True)

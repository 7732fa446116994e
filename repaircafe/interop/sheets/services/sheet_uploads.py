"""Uploads waiting between the steps of a spreadsheet import (mapping, dry run, import): kept
per user under the instance folder, with the error file of the rejected rows afterwards, and
removed once stale."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.domain import permissions
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.interop.sheets.services.sheet_import import check_group, import_sheet, mapping_for
from repaircafe.interop.sheets.services.sheet_mapping import ColumnMapping
from repaircafe.interop.sheets.services.sheet_planning import ImportReport, error_file
from repaircafe.interop.sheets.services.sheet_reading import Sheet, read_sheet
from repaircafe.models import RepairGroup, Site

UPLOAD_MAX_AGE = timedelta(hours=24)
INCOMING = ".incoming"
ERRORS_FILE = "errors.csv"


def uploads_folder(instance_path: str | Path) -> Path:
    """Where uploads wait between the steps of an import: under the instance folder."""
    return Path(instance_path) / "uploads"


def receive_upload(session: Session, folder: Path, *, name: str, data: bytes, actor: Actor,
                   group_id: int | None) -> Upload:
    """Keep an upload that can be read (see upload_sheet); a refused one leaves no file behind.

    The file is first kept in a folder of its own under ``.incoming`` and moved among the
    uploads only once read, so a refusal (or a crash part-way) removes exactly this upload.
    """
    staging = folder / INCOMING / secrets.token_urlsafe(8)
    try:
        staged = upload_sheet(session, staging, name=name, data=data, actor=actor,
                              group_id=group_id)
        target = folder / staged.token
        (staging / staged.token).rename(target)
        return replace(staged, path=target / staged.path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def finish_upload(folder: Path, upload: Upload, sheet: Sheet, report: ImportReport) -> None:
    """After the import: the uploaded file goes; only its rejected rows stay for the error file
    (until remove_stale_uploads), since the user downloads them after seeing the result."""
    target = folder / upload.token
    if report.rejected:
        (target / ERRORS_FILE).write_text(error_file(sheet, report), encoding="utf-8")
    upload.path.unlink(missing_ok=True)


def imported_errors(folder: Path, token: str, *, user_id: int | None) -> str | None:
    """The error file kept by finish_upload for this user's imported upload, if any."""
    if not re.fullmatch(r"[\w-]{10,40}", token):
        return None
    target = folder / token
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
        if meta.get("user_id") != user_id:
            return None
        return (target / ERRORS_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def remove_stale_uploads(folder: Path, *, max_age: timedelta = UPLOAD_MAX_AGE,
                         now: datetime | None = None) -> int:
    """Delete uploads (and unfinished ones) untouched for max_age; returns how many.

    Uploads hold a café's records: they are kept only while someone is between the steps
    of an import, not for good.
    """
    cutoff = (now or datetime.now(UTC)).timestamp() - max_age.total_seconds()
    removed = 0
    for parent in (folder, folder / INCOMING):
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.name == INCOMING or not entry.is_dir():
                continue
            try:
                stale = entry.stat().st_mtime < cutoff
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
    return removed


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    name: str
    user_id: int | None
    group_id: int


def store_upload(folder: Path, *, name: str, data: bytes, user_id: int | None,
                 group_id: int) -> Upload:
    """Keep an uploaded file for the mapping and dry-run steps (the upload is the only copy)."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise Refused("Upload a CSV or XLSX file.")
    if not data:
        raise Refused("The file is empty.")
    token = secrets.token_urlsafe(16)
    target = folder / token
    target.mkdir(parents=True, exist_ok=True)
    (target / f"sheet{suffix}").write_bytes(data)
    clean = re.sub(r"[^\w.\- ]", "_", Path(name).name)[:120] or f"sheet{suffix}"
    (target / "meta.json").write_text(json.dumps(
        {"name": clean, "user_id": user_id, "group_id": group_id}), encoding="utf-8")
    return Upload(token, target / f"sheet{suffix}", clean, user_id, group_id)


def open_upload(folder: Path, token: str, *, user_id: int | None) -> Upload:
    """An upload kept earlier by the same user."""
    if not re.fullmatch(r"[\w-]{10,40}", token):
        raise NotFound("That upload does not exist.")
    target = folder / token
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    except OSError:
        raise NotFound("That upload does not exist (it may have been cleared).") from None
    if meta.get("user_id") != user_id:
        raise NotFound("That upload does not exist.")
    path = next((p for p in target.iterdir() if p.name.startswith("sheet")), None)
    if path is None:
        raise NotFound("That upload does not exist (it may have been cleared).")
    return Upload(token, path, meta["name"], user_id, int(meta["group_id"]))


def load_upload(folder: Path, token: str, *, user_id: int | None) -> tuple[Upload, Sheet]:
    upload = open_upload(folder, token, user_id=user_id)
    return upload, read_sheet(upload.path, upload.name)


@dataclass(frozen=True)
class Prepared:
    """An upload read and matched to a mapping, with the group's sites to choose from."""

    upload: Upload
    sheet: Sheet
    mapping: ColumnMapping
    sites: list[Site]


def prepare_upload(session: Session, folder: Path, token: str, *, actor: Actor,
                   mapping: ColumnMapping | None = None) -> Prepared:
    """Read a kept upload; the mapping is the one given, else the saved one, else a guess."""
    upload, sheet = load_upload(folder, token, user_id=actor.id)
    check_group(session, actor, upload.group_id)
    sites = list(session.exec(select(Site).where(Site.group_id == upload.group_id)
                              .order_by(col(Site.name))).all())
    chosen = mapping or mapping_for(session, sheet, group_id=upload.group_id)
    return Prepared(upload, sheet, chosen, sites)


def import_upload(session: Session, folder: Path, token: str, mapping: ColumnMapping, *,
                  actor: Actor, now: datetime, dry_run: bool) -> tuple[Prepared, ImportReport]:
    """Dry run or import of a kept upload with the mapping the user confirmed."""
    prepared = prepare_upload(session, folder, token, actor=actor, mapping=mapping)
    report = import_sheet(session, prepared.sheet, mapping, group_id=prepared.upload.group_id,
                          actor=actor, now=now, dry_run=dry_run)
    return prepared, report


def upload_sheet(session: Session, folder: Path, *, name: str, data: bytes, actor: Actor,
                 group_id: int | None) -> Upload:
    """Keep an upload for the actor's group (an admin names the group)."""
    if access.scope_kind(actor) != "all" or group_id is None:
        group_id = actor.group_id
    if group_id is None:
        raise Refused("Choose the group the file belongs to.")
    check_group(session, actor, group_id)
    upload = store_upload(folder, name=name, data=data, user_id=actor.id, group_id=group_id)
    read_sheet(upload.path, upload.name)
    return upload


def importable_groups(session: Session, *, actor: Actor) -> list[RepairGroup]:
    """Groups the actor may import into."""
    if not permissions.can(actor.role, "import_data"):
        return []
    stmt = select(RepairGroup).where(access.scope_filter(actor, RepairGroup, write=True))
    return list(session.exec(stmt.order_by(col(RepairGroup.name))).all())

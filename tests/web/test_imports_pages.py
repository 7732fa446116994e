"""Import, export and token pages: upload, mapping, dry run, import, error file, downloads."""

from __future__ import annotations

import csv
import io
import os
import re
import time
import zipfile
from pathlib import Path

from sqlmodel import func, select

from repaircafe.core.events import new_key
from repaircafe.models import ApiToken, Item
from repaircafe.objects.services import repairs
from tests.factories import NOW, make_item
from tests.sheet_files import write_dutch_xlsx

SHEET = ("Numéro;Date;Objet;Réparé ?;Poids\n"
         "1;01/06/2025;Grille-pain;oui;1,5\n"
         "2;02/06/2025;Soucoupe volante;peut-être;\n")


def upload(client):
    response = client.post("/imports/", data={
        "file": (io.BytesIO(SHEET.encode("utf-8")), "cafe.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def mapping_form(token_page: str) -> dict[str, str]:
    form = {}
    for name, block in re.findall(r'<select name="([^"]+)">(.*?)</select>', token_page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_upload_map_dry_run_import_and_error_file(login_as, session, world):
    client = login_as("coordinator")
    token = upload(client)
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    assert "Match columns" in page and "Grille-pain" in page
    form = mapping_form(page)
    assert form["col_date"] == "Date" and form["col_outcome"] == "Réparé ?"
    form["key"] = "Numéro"
    dry = client.post(f"/imports/{token}/check", data=form).get_data(as_text=True)
    assert "Dry run" in dry
    assert "is not an outcome" in dry
    assert session.exec(select(func.count()).select_from(Item)).one() == 0
    errors = client.post(f"/imports/{token}/errors.csv", data=form)
    assert errors.mimetype == "text/csv" and "Soucoupe volante" in errors.get_data(as_text=True)
    done = client.post(f"/imports/{token}/run", data=form).get_data(as_text=True)
    assert "Imported 1 objects" in done
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 1
    kept = client.post(f"/imports/{token}/errors.csv", data=form)
    assert kept.mimetype == "text/csv" and "Soucoupe volante" in kept.get_data(as_text=True)
    assert client.post(f"/imports/{token}/run", data=form).status_code == 404
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 1
    assert upload(client) != token


def mapping_table(page: str) -> list[tuple[str, str]]:
    """The dry run's column mapping as (our field, their column) pairs, tags removed."""
    table = re.search(r'<table class="data-table" id="column-mapping">(.*?)</table>', page, re.S)
    assert table, page
    rows = re.findall(r"<tr><td>(.*?)</td><td>← (.*?)</td></tr>", table.group(1), re.S)
    return [(re.sub(r"<[^>]+>", "", field).strip(), column) for field, column in rows]


def test_dry_run_of_a_dutch_workbook_shows_the_mapping_and_the_notes(
        login_as, session, world, tmp_path):
    client = login_as("coordinator")
    data = write_dutch_xlsx(tmp_path / "reparaties.xlsx").read_bytes()
    response = client.post("/imports/", data={"file": (io.BytesIO(data), "reparaties.xlsx")},
                           content_type="multipart/form-data")
    token = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/imports/{token}").get_data(as_text=True)
    form = mapping_form(page)
    assert form["col_problem"] == "KLACHT" and form["col_outcome"] == "Resultaat"
    assert 'name="required" value="weight"' in page
    form["key"] = "Nr"
    dry = client.post(f"/imports/{token}/check", data=form).get_data(as_text=True)
    assert mapping_table(dry) == [
        ("Date of the session (required)", "DATUM"), ("Category", "categorie"),
        ("Brand", "Merk"), ("Problem", "KLACHT"), ("Weight (kg)", "Gewicht (kg)"),
        ("Outcome (required)", "Resultaat"), ("Barrier (End of life)", "Reden"),
        ("Age or year of manufacture", "Leeftijd"), ("Key", "Nr"),
        ("Site for rows without one", "Cathays Library")]
    assert "Ignored columns: Opmerking" in dry
    assert "Not in the file: Site, Model" in dry
    notes = re.search(r'<table class="data-table" id="notes">(.*?)</table>', dry, re.S).group(1)
    assert "<td>3</td><td>Weight (kg) “ca. 2kg??” dropped, left empty: " in notes
    assert "“misschien” is not an outcome" in dry
    client.post("/language/fr", data={"next": "/imports/"})
    french = client.post(f"/imports/{token}/check", data=form).get_data(as_text=True)
    assert "Correspondance des colonnes" in french and "Colonnes ignorées : Opmerking" in french
    assert "Poids (kg) « ca. 2kg?? » écarté, laissé vide : " in french
    client.post("/language/en", data={"next": "/imports/"})
    form["required"] = ["weight"]
    strict = client.post(f"/imports/{token}/check", data=form).get_data(as_text=True)
    assert ("Weight (kg) (required)", "Gewicht (kg)") in mapping_table(strict)
    assert "“ca. 2kg??” is not a weight" in strict
    assert 'name="required" value="weight"' in strict
    assert session.exec(select(func.count()).select_from(Item)).one() == 0


def test_import_pages_need_the_import_right_and_the_uploader(login_as, client, world):
    assert login_as("fixer").get("/imports/").status_code == 403
    client.post("/logout")
    token = upload(login_as("coordinator"))
    client.post("/logout")
    assert login_as("admin").get(f"/imports/{token}").status_code == 404


def test_export_page_downloads_a_zip_of_the_ords_files(login_as, session, world):
    item = make_item(session, world)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    client = login_as("viewer")
    assert "Download ORDS files" in client.get("/exports/").get_data(as_text=True)
    response = client.get("/exports/ords.zip?scope=territory:Cardiff&period=2025")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    response.close()
    assert len(names) == 3 and "tableschema.json" in names
    assert any(n.endswith("_unpowered.csv") for n in names)
    client.post("/logout")
    assert login_as("fixer").get("/exports/").status_code == 403


def test_token_page_shows_a_new_token_once_and_revokes(login_as, session, world):
    client = login_as("fixer")
    created = client.post("/tokens/", data={"name": "Tablet sync"}).get_data(as_text=True)
    raw = re.search(r'value="(rc_[^"]+)"', created).group(1)
    assert client.get("/api/v1/items", headers={"Authorization": f"Bearer {raw}"}
                      ).status_code == 200
    listing = client.get("/tokens/").get_data(as_text=True)
    assert "Tablet sync" in listing and raw not in listing
    token_id = session.exec(select(ApiToken.id)).one()
    client.post(f"/tokens/{token_id}/revoke")
    assert client.get("/api/v1/items", headers={"Authorization": f"Bearer {raw}"}
                      ).status_code == 401


def uploads(client) -> Path:
    return Path(client.application.extensions["repaircafe.settings"].app.instance_path,
                "uploads")


def kept_files(client) -> set[str]:
    """Files under the uploads folder (shared by the tests: compare before and after)."""
    folder = uploads(client)
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()} \
        if folder.exists() else set()


def test_an_upload_over_the_size_limit_gets_a_readable_413(login_as, world):
    client = login_as("coordinator")
    before = kept_files(client)
    client.application.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/imports/", data={
        "file": (io.BytesIO(b"Date;Objet\n" + b"01/06/2025;x\n" * 200), "big.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert "That upload is too large." in response.get_data(as_text=True)
    assert kept_files(client) == before


def test_a_refused_upload_leaves_no_file_behind(login_as, world):
    client = login_as("coordinator")
    before = kept_files(client)
    wide = (",".join(["a"] * 5000) + "\n" + ",".join(["1"] * 5000) + "\n").encode()
    for name, data in [("wide.csv", wide), ("broken.xlsx", b"PK\x03\x04 not a zip"),
                       ("bad.csv", b"Date;Objet\n\x81\x8d\x8f;\x90\x9d\n")]:
        response = client.post("/imports/", data={"file": (io.BytesIO(data), name)},
                               content_type="multipart/form-data", follow_redirects=True)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "columns" in page or "cannot be read" in page or "UTF-8" in page, page
    assert kept_files(client) == before


def test_an_imported_upload_keeps_only_its_rejected_rows(login_as, session, world):
    client = login_as("coordinator")
    before = kept_files(client)
    token = upload(client)
    assert kept_files(client) - before == {f"{token}/meta.json", f"{token}/sheet.csv"}
    form = mapping_form(client.get(f"/imports/{token}").get_data(as_text=True))
    client.post(f"/imports/{token}/run", data=form)
    assert kept_files(client) - before == {f"{token}/errors.csv", f"{token}/meta.json"}
    assert client.get(f"/imports/{token}").status_code == 404


def test_the_error_file_writes_formulas_as_text(login_as, session, world):
    client = login_as("coordinator")
    sheet = ('Date;Objet;Marque;Réparé\n01/06/2025;=HYPERLINK("http://evil.example","x");'
             "+cmd|' /C calc'!A0;peut-être\n02/06/2025;@SUM(1+1);-2+3;peut-être\n")
    response = client.post("/imports/", data={
        "file": (io.BytesIO(sheet.encode()), "evil.csv")}, content_type="multipart/form-data")
    token = response.headers["Location"].rsplit("/", 1)[1]
    form = mapping_form(client.get(f"/imports/{token}").get_data(as_text=True))
    text = client.post(f"/imports/{token}/errors.csv", data=form).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][1:3] == ["'=HYPERLINK(\"http://evil.example\",\"x\")", "'+cmd|' /C calc'!A0"]
    assert rows[2][1:3] == ["'@SUM(1+1)", "'-2+3"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_maintenance_removes_uploads_untouched_for_a_day(login_as, world):
    from repaircafe.cli import cli

    client = login_as("coordinator")
    old, fresh = upload(client), upload(client)
    stale = uploads(client) / old
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    result = client.application.test_cli_runner().invoke(cli, ["maintenance"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 upload" in result.output
    assert not stale.exists() and (uploads(client) / fresh / "meta.json").exists()

"""Import, export and token pages: upload, mapping, dry run, import, error file, downloads."""

from __future__ import annotations

import io
import re
import zipfile

from sqlmodel import func, select

from repaircafe.models import ApiToken, Item
from repaircafe.services import repairs
from repaircafe.services.events import new_key
from tests.factories import NOW, make_item

SHEET = ("Numéro;Date;Objet;Réparé ?;Poids\n"
         "1;01/06/2025;Grille-pain;oui;1,5\n"
         "2;02/06/2025;Soucoupe volante;non;\n")


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
    assert "is not a category we know" in dry
    assert session.exec(select(func.count()).select_from(Item)).one() == 0
    errors = client.post(f"/imports/{token}/errors.csv", data=form)
    assert errors.mimetype == "text/csv" and "Soucoupe volante" in errors.get_data(as_text=True)
    done = client.post(f"/imports/{token}/run", data=form).get_data(as_text=True)
    assert "Imported 1 objects" in done
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 1
    again = client.post(f"/imports/{token}/run", data=form).get_data(as_text=True)
    assert "Imported 0 objects" in again
    session.rollback()
    assert session.exec(select(func.count()).select_from(Item)).one() == 1


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

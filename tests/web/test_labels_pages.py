"""Label pages: sheets with preview and download, single labels, printer profiles."""

from __future__ import annotations

import io
import re

from PIL import Image
from sqlmodel import select

from labels import label_positions, load_layout
from repaircafe.models import LabelBatch, PrinterProfile, Tag
from repaircafe.tags.services.tags import current_tag, issue_tags
from tests.factories import NOW, make_item
from tests.labels.support import decode_label, rasterise

PAYLOAD = "HTTPS://RC.EXAMPLE.ORG/I/"


def batch_id(response):
    match = re.search(r"/labels/batches/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_blank_sheet_preview_then_download_issues_codes_once(client, session, world, login_as):
    login_as("coordinator")
    page = client.get("/labels/")
    assert page.status_code == 200 and "Blank labels" in page.get_data(as_text=True)
    form = {"count": "5", "layout": "avery_l7160", "start": "20", "key": "abc"}
    posted = client.post("/labels/blank", data=form)
    assert posted.status_code == 302
    again = client.post("/labels/blank", data=form)
    assert batch_id(again) == batch_id(posted)
    number = batch_id(posted)
    assert len(session.exec(select(Tag)).all()) == 5
    shown = client.get(f"/labels/batches/{number}").get_data(as_text=True)
    assert f"/labels/batches/{number}/preview.png" in shown and "Download PDF" in shown
    preview = client.get(f"/labels/batches/{number}/preview.png")
    assert preview.mimetype == "image/png"
    assert Image.open(io.BytesIO(preview.data)).width == 900
    download = client.get(f"/labels/batches/{number}/labels.pdf")
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert len(session.exec(select(Tag)).all()) == 5
    codes = [t.code for t in session.exec(select(Tag).order_by(Tag.id)).all()]
    pages = rasterise(download.data)
    boxes = label_positions(load_layout("avery_l7160"), 5, 20)
    assert len(pages) == 2
    for code, box in zip(codes, boxes, strict=True):
        assert [t for t, _, _ in decode_label(pages[box.page], box)] == [PAYLOAD + code]


def test_reprint_by_code_and_session_with_printer_profile(client, session, world, login_as):
    first = make_item(session, world, brand="Dualit")
    second = make_item(session, world, brand="Kenwood")
    login_as("coordinator")
    created = client.post("/printers/", data={
        "site_id": world.site.id, "name": "Office laser", "layout": "avery_l7651",
        "offset_x_mm": "0.5", "offset_y_mm": "-0.5", "scale": "1",
    })
    assert created.status_code == 302
    profile = session.exec(select(PrinterProfile)).one()
    code = current_tag(session, item_id=second.id).code
    posted = client.post("/labels/reprint", data={
        "codes": code, "session": str(world.repair_session.id), "profile": str(profile.id),
        "start": "1", "key": "r1",
    })
    session.rollback()
    batch = session.get(LabelBatch, batch_id(posted))
    assert batch.layout == "avery_l7651" and batch.offset_x_mm == 0.5
    expected = [code, current_tag(session, item_id=first.id).code]
    pdf = client.get(f"/labels/batches/{batch.id}/labels.pdf").data
    page = rasterise(pdf)[0]
    boxes = label_positions(load_layout("avery_l7651"), 2, 1, (0.5, -0.5))
    assert [decode_label(page, b)[0][0] for b in boxes] == [PAYLOAD + c for c in expected]


def test_refusals_are_shown_not_raised(client, session, world, login_as):
    other = make_item(session, world, repair_session=world.other_session)
    login_as("coordinator")
    response = client.post("/labels/reprint", data={
        "codes": current_tag(session, item_id=other.id).code, "layout": "avery_l7160", "key": "x",
    }, follow_redirects=True)
    assert "belongs to another group" in response.get_data(as_text=True)
    response = client.post("/labels/blank", data={"count": "5", "layout": "avery_l7160",
                                                   "start": "22", "key": "y"},
                           follow_redirects=True)
    assert "Start position must be between 1 and 21" in response.get_data(as_text=True)
    assert session.exec(select(Tag).where(Tag.status == "issued")).all() == []


def test_broken_layout_file_shows_a_message(client, world, login_as, app, tmp_path):
    (tmp_path / "broken.toml").write_text("name = [")
    settings = app.extensions["repaircafe.settings"]
    from dataclasses import replace
    app.extensions["repaircafe.settings"] = replace(
        settings, labels=replace(settings.labels, layout_dirs=(str(tmp_path),))
    )
    login_as("coordinator")
    page = client.get("/labels/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "broken.toml" in text and "not valid TOML" in text
    refused = client.post("/labels/blank", data={"count": "1", "layout": "broken", "key": "z"},
                          follow_redirects=True)
    message = refused.get_data(as_text=True)
    assert "Layout broken cannot be used" in message and "not valid TOML" in message


def test_single_label_for_a_fixer(client, session, world, login_as):
    item = make_item(session, world)
    code = current_tag(session, item_id=item.id).code
    login_as("fixer")
    assert client.get("/labels/").status_code == 403
    show = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"/labels/item/{item.id}" in show
    page = client.get(f"/labels/item/{item.id}?layout=brother_ql_62").get_data(as_text=True)
    assert "Download PDF" in page
    assert client.get(f"/labels/item/{item.id}/preview.png?layout=brother_ql_62").mimetype == "image/png"
    pdf = client.get(f"/labels/item/{item.id}/label.pdf?layout=brother_ql_62").data
    pages = rasterise(pdf)
    assert len(pages) == 1
    box = label_positions(load_layout("brother_ql_62"), 1)[0]
    assert decode_label(pages[0], box)[0][0] == PAYLOAD + code
    other = make_item(session, world, repair_session=world.other_session)
    assert client.get(f"/labels/item/{other.id}").status_code == 404
    assert client.get(f"/labels/item/{other.id}/label.pdf?layout=brother_ql_62").status_code == 404


def test_printer_pages_and_calibration(client, session, world, login_as):
    login_as("coordinator")
    assert client.post("/printers/", data={"site_id": world.site.id, "name": "QL",
                                           "layout": "brother_ql_62", "scale": "3"}).status_code == 400
    client.post("/printers/", data={"site_id": world.site.id, "name": "QL",
                                    "layout": "brother_ql_62", "offset_x_mm": "1"})
    profile = session.exec(select(PrinterProfile)).one()
    listing = client.get("/printers/").get_data(as_text=True)
    assert "Print calibration page" in listing and "Cathays Library" in listing
    calibration = client.get(f"/printers/{profile.id}/calibration.pdf")
    assert calibration.mimetype == "application/pdf" and len(rasterise(calibration.data)) == 1
    client.post(f"/printers/{profile.id}", data={"site_id": world.site.id, "name": "QL 62",
                                                 "layout": "brother_ql_62", "offset_x_mm": "2"})
    session.rollback()
    session.refresh(profile)
    assert (profile.name, profile.offset_x_mm) == ("QL 62", 2.0)
    client.post(f"/printers/{profile.id}/delete")
    session.rollback()
    assert session.exec(select(PrinterProfile)).all() == []
    client.post("/logout")
    login_as("fixer")
    assert client.get("/printers/").status_code == 403


def test_a_refused_reprint_lists_every_bad_code_and_keeps_the_list(client, session, world,
                                                                   login_as):
    mine = make_item(session, world)
    other = make_item(session, world, repair_session=world.other_session)
    blank = issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    typed = "\n".join([current_tag(session, item_id=mine.id).code,
                       current_tag(session, item_id=other.id).code, blank.code])
    login_as("coordinator")
    response = client.post("/labels/reprint", data={"codes": typed, "layout": "avery_l7160",
                                                     "key": "r-bad"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "belongs to another group" in page and "is blank" in page
    assert f">{typed}</textarea>" in page

"""The café session pages: schedule, paper sheet, attendance, summary, mail, and who may see them."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlmodel import func, select

from repaircafe.cafe_sessions.services import paper_sheets, schedule
from repaircafe.core.events import new_key
from repaircafe.models import Item, LifecycleEvent, RepairSession
from tests.factories import NOW, make_item

TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_today(monkeypatch):
    """The pages read today's date: make it the test world's day."""
    from repaircafe.cafe_sessions.views import cafe_sessions

    monkeypatch.setattr(cafe_sessions, "utc_now", lambda: NOW)


def _past(session, world, days=14):
    return schedule.create_session(
        session, site_id=world.site.id, actor=world.actor("coordinator"), now=NOW,
        data=schedule.SessionInput(held_on=(TODAY - timedelta(days=days)).isoformat(),
                                   title="Paper café"))


def _sheet_form(rows):
    form = {"rows": str(len(rows)), "action": "save"}
    for i, row in enumerate(rows):
        for name, value in row.items():
            form[f"{name}_{i}"] = value
    return form


def test_a_coordinator_plans_a_session_and_finds_it_in_the_schedule(session, world, login_as):
    client = login_as("coordinator")
    assert client.get("/sessions/new").status_code == 200
    day = (TODAY + timedelta(days=7)).isoformat()
    response = client.post("/sessions/", data={
        "site_id": str(world.site.id), "held_on": day, "title": "Spring café",
        "opens_at": "14:00", "closes_at": "17:00"})
    assert response.status_code == 303
    session.rollback()
    session.expire_all()
    planned = session.exec(select(RepairSession).where(
        RepairSession.title == "Spring café")).one()
    assert response.headers["Location"].endswith(f"/sessions/{planned.id}")
    page = client.get("/sessions/").get_data(as_text=True)
    upcoming = page.split("Upcoming")[1].split("Past")[0]
    assert "Spring café" in upcoming and "14:00–17:00" in upcoming


def test_a_refused_session_form_keeps_what_was_typed(session, world, login_as):
    client = login_as("coordinator")
    response = client.post("/sessions/", data={
        "site_id": str(world.site.id), "held_on": "2025-07-01", "title": "Evening café",
        "opens_at": "19:00", "closes_at": "18:00"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The session must close after it opens." in page
    assert 'value="Evening café"' in page and 'value="19:00"' in page


def test_the_paper_sheet_refuses_a_bad_row_beside_it_keeps_every_row_and_saves_once(
        session, world, login_as):
    past = _past(session, world)
    client = login_as("coordinator")
    page = client.get(f"/sessions/{past.id}/objects").get_data(as_text=True)
    keys = re.findall(r'name="key_(\d+)" value="([0-9a-f]{32})"', page)
    assert len(keys) == 5
    rows = [
        {"key": keys[0][1], "category": "kettle", "brand": "Russell Hobbs", "weight": "1.2",
         "outcome": "fixed"},
        {"key": keys[1][1], "category": "lamp", "brand": "Anglepoise", "weight": "heavy",
         "outcome": "repairable"},
        {"key": keys[2][1], "category": "toaster", "brand": "Dualit", "outcome": "end_of_life",
         "barrier": "1"},
        {"key": keys[3][1]},
    ]
    response = client.post(f"/sessions/{past.id}/objects", data=_sheet_form(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2 saved, 1 refused" in page
    refused = page.split('data-row="1"')[1].split("</fieldset>")[0]
    assert "data-refused" in refused and "is not a weight" in refused
    assert 'value="heavy"' in refused and 'value="Anglepoise"' in refused
    assert page.count("data-saved ") + page.count("data-saved>") == 2
    assert 'value="Russell Hobbs"' in page and 'value="Dualit"' in page

    def recorded():
        session.rollback()
        session.expire_all()
        return session.exec(select(func.count()).select_from(LifecycleEvent).where(
            LifecycleEvent.repair_session_id == past.id)).one()

    assert recorded() == 4
    # the same sheet sent twice (a double tap): nothing new
    client.post(f"/sessions/{past.id}/objects", data=_sheet_form(rows))
    assert recorded() == 4
    rows[1]["weight"] = "2.4"
    response = client.post(f"/sessions/{past.id}/objects", data=_sheet_form(rows))
    assert response.status_code == 303
    assert recorded() == 6
    show = client.get(f"/sessions/{past.id}").get_data(as_text=True)
    assert "3 objects" in show
    for brand in ("Russell Hobbs", "Anglepoise", "Dualit"):
        assert brand in show


def test_more_rows_keeps_the_typed_rows_and_saves_nothing(session, world, login_as):
    past = _past(session, world)
    client = login_as("coordinator")
    response = client.post(f"/sessions/{past.id}/objects", data={
        **_sheet_form([{"key": new_key(), "category": "kettle", "brand": "Bosch",
                        "outcome": "fixed"}]), "action": "more"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Bosch"' in page
    assert page.count("data-row=") == 6
    session.rollback()
    session.expire_all()
    assert session.exec(select(func.count()).select_from(Item)).one() == 0


def test_attendance_is_saved_and_an_empty_count_shows_as_not_recorded(session, world,
                                                                      login_as):
    client = login_as("coordinator")
    rs = world.repair_session
    page = client.get(f"/sessions/{rs.id}").get_data(as_text=True)
    assert page.count("not recorded") == 3
    response = client.post(f"/sessions/{rs.id}/attendance", data={
        "visitors": "28", "volunteers": "", "volunteer_hours": "15,5", "notes": "Busy"})
    assert response.status_code == 303
    session.rollback()
    session.expire_all()
    saved = session.get(RepairSession, rs.id)
    assert (saved.visitors, saved.volunteers, saved.volunteer_hours) == (28, None, 15.5)
    facts = client.get(f"/sessions/{rs.id}").get_data(as_text=True).split(
        "data-attendance>")[1].split("</dl>")[0]
    assert "28" in facts and "15.5" in facts and facts.count("not recorded") == 1
    refused = client.post(f"/sessions/{rs.id}/attendance", data={
        "visitors": "lots", "volunteers": "4", "volunteer_hours": "", "notes": "Kept"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "is not a number of people" in text and 'value="lots"' in text and ">Kept<" in text


def test_the_summary_page_print_view_and_pdf(session, world, login_as):
    past = _past(session, world)
    paper_sheets.enter_objects(
        session, repair_session_id=past.id, actor=world.actor("coordinator"), now=NOW,
        today=TODAY, rows=[paper_sheets.SheetRow(key=new_key(), category="kettle",
                                                 weight="1.2", outcome="fixed"),
                           paper_sheets.SheetRow(key=new_key(), category="lamp",
                                                 outcome="unknown")])
    client = login_as("fixer")
    page = client.get(f"/sessions/{past.id}/summary").get_data(as_text=True)
    assert 'data-figure="objects">2<' in page and 'data-figure="fixed">1<' in page
    assert 'data-outcome="fixed"' in page and 'data-outcome="unknown"' in page
    assert "data-mail" not in page  # fixers read, coordinators send
    printable = client.get(f"/sessions/{past.id}/summary?print=1").get_data(as_text=True)
    assert "Paper café" in printable and 'class="topbar"' not in printable
    pdf = client.get(f"/sessions/{past.id}/summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_the_summary_is_mailed_from_its_page(session, world, app, login_as,
                                             inbox):  # noqa: F811
    handler, port = inbox
    smtp = app.extensions["repaircafe.settings"].smtp
    app.extensions["repaircafe.settings"] = dataclasses.replace(
        app.extensions["repaircafe.settings"],
        smtp=dataclasses.replace(smtp, host="127.0.0.1", port=port))
    make_item(session, world)
    client = login_as("coordinator")
    rs = world.repair_session
    refused = client.post(f"/sessions/{rs.id}/mail", data={
        "recipients": "ann@example.org\nnot-an-address"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Not an e-mail address: not-an-address." in text and "ann@example.org" in text
    assert handler.messages == []
    sent = client.post(f"/sessions/{rs.id}/mail", data={
        "recipients": "ann@example.org\nbob@example.org"})
    assert sent.status_code == 303
    [(rcpt, message)] = handler.messages
    assert {"ann@example.org", "bob@example.org"} <= set(rcpt)
    assert [p.get_content_type() for p in message.walk() if p.get_filename()] == [
        "application/pdf"]


@pytest.mark.parametrize("path", ["/sessions/new", "/sessions/{id}/edit",
                                  "/sessions/{id}/attendance", "/sessions/{id}/objects",
                                  "/sessions/{id}/mail"])
def test_fixers_read_sessions_but_do_not_change_them(session, world, login_as, path):
    client = login_as("fixer")
    rs = world.repair_session
    assert client.get(f"/sessions/{rs.id}").status_code == 200
    assert client.get(f"/sessions/{rs.id}/summary").status_code == 200
    assert client.get(path.format(id=rs.id)).status_code == 403
    assert client.post(f"/sessions/{rs.id}/cancel").status_code == 403
    session.rollback()
    session.expire_all()
    assert session.get(RepairSession, rs.id) is not None


def test_viewers_get_no_session_pages(session, world, login_as):
    client = login_as("viewer")
    assert client.get("/sessions/").status_code == 403
    assert client.get(f"/sessions/{world.repair_session.id}").status_code == 403
    assert client.get(f"/sessions/{world.repair_session.id}/summary").status_code == 403


def test_another_groups_session_is_not_found(session, world, login_as):
    client = login_as("coordinator")
    other = world.other_session.id
    for path in ("", "/summary", "/summary.pdf", "/edit", "/attendance", "/objects", "/mail"):
        assert client.get(f"/sessions/{other}{path}").status_code == 404, path
    for path in ("/edit", "/cancel", "/attendance", "/objects", "/mail"):
        assert client.post(f"/sessions/{other}{path}", data={
            "held_on": "2025-07-01", "visitors": "3", "recipients": "a@example.org",
            "rows": "1", "category_0": "kettle", "outcome_0": "fixed"}).status_code == 404, path
    refused = client.post("/sessions/", data={"site_id": str(world.other_site.id),
                                              "held_on": "2025-07-01"})
    assert refused.status_code == 404
    session.rollback()
    session.expire_all()
    assert session.exec(select(func.count()).select_from(RepairSession).where(
        RepairSession.site_id == world.other_site.id)).one() == 1


def test_an_admin_sees_every_groups_sessions(session, world, login_as):
    page = login_as("admin").get("/sessions/").get_data(as_text=True)
    assert "Cathays Library" in page and "Swansea Hub" in page


def test_a_planned_session_is_edited_then_cancelled_from_its_page(session, world, login_as):
    planned = schedule.create_session(
        session, site_id=world.site.id, actor=world.actor("coordinator"), now=NOW,
        data=schedule.SessionInput(held_on=(TODAY + timedelta(days=3)).isoformat()))
    client = login_as("coordinator")
    form = client.get(f"/sessions/{planned.id}/edit").get_data(as_text=True)
    assert 'value="2025-06-17"' in form
    response = client.post(f"/sessions/{planned.id}/edit", data={
        "held_on": "2025-06-18", "title": "Moved café", "opens_at": "09:30",
        "closes_at": "12:00"})
    assert response.status_code == 303
    page = client.get(f"/sessions/{planned.id}").get_data(as_text=True)
    assert "Moved café" in page and "09:30–12:00" in page and "data-cancel" in page
    assert client.post(f"/sessions/{planned.id}/cancel").status_code == 303
    session.rollback()
    assert session.exec(select(func.count()).select_from(RepairSession).where(
        RepairSession.id == planned.id)).one() == 0


def test_a_session_with_objects_is_not_cancelled(session, world, login_as):
    make_item(session, world)
    client = login_as("coordinator")
    rs = world.repair_session
    assert "data-cancel" not in client.get(f"/sessions/{rs.id}").get_data(as_text=True)
    response = client.post(f"/sessions/{rs.id}/cancel", follow_redirects=True)
    assert "so it cannot be cancelled" in response.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    assert session.get(RepairSession, rs.id) is not None


def test_the_schedule_shows_which_past_sessions_lack_attendance(session, world, login_as):
    counted = _past(session, world, days=7)
    _past(session, world, days=14)
    client = login_as("coordinator")
    client.post(f"/sessions/{counted.id}/attendance", data={"visitors": "1"})
    past = client.get("/sessions/").get_data(as_text=True).split("Past")[1]
    assert "1 visitor" in past and "1 visitors" not in past
    assert past.count("attendance not recorded") == 1

"""Café sessions: planned ahead, entered from paper sheets, attendance, summary and its mail."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlmodel import col, func, select

from repaircafe import get_settings
from repaircafe.board.services import board
from repaircafe.cafe_sessions.services import attendance, mailing, paper_sheets, schedule
from repaircafe.cafe_sessions.services import summary as summary_service
from repaircafe.core.events import new_key
from repaircafe.domain.errors import NotPermitted, OutOfScope, Refused
from repaircafe.models import ImpactRecord, Item, LifecycleEvent, RepairSession
from repaircafe.objects.services import repairs
from repaircafe.parts.services import parts
from repaircafe.reporting.services import impact as impact_service
from repaircafe.tags.services import tags
from tests.factories import NOW, make_item
from tests.services.parts_support import harvest, make_bin, make_donor

TODAY = NOW.date()


def _plan(session, world, day, role="coordinator", **fields):
    data = schedule.SessionInput(held_on=day.isoformat(), **fields)
    return schedule.create_session(session, site_id=world.site.id, data=data,
                                   actor=world.actor(role), now=NOW)


def _row(**fields):
    return paper_sheets.SheetRow(key=new_key(), **fields)


def _enter(session, world, repair_session, rows, role="coordinator"):
    return paper_sheets.enter_objects(session, repair_session_id=repair_session.id, rows=rows,
                                      actor=world.actor(role), now=NOW, today=TODAY)


def _count(session, model, *where):
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


# --------------------------------------------------------------------------- scheduling


def test_a_session_planned_ahead_is_listed_and_is_the_one_the_board_opens(session, world):
    day = TODAY + timedelta(days=7)
    planned = _plan(session, world, day, title="Spring repair café", opens_at="14:00",
                    closes_at="17:30")
    plan = schedule.schedule(session, actor=world.actor("fixer"), today=TODAY)
    assert [r.id for r in plan.upcoming] == [world.repair_session.id, planned.id]
    assert plan.upcoming[1].title == "Spring repair café"
    assert str(plan.upcoming[1].opens_at) == "14:00:00"
    opened = board.open_today(session, site_id=world.site.id, actor=world.actor("fixer"),
                              day=day, now=NOW)
    assert opened.id == planned.id and opened.title == "Spring repair café"
    assert _count(session, RepairSession, RepairSession.held_on == day) == 1


def test_the_schedule_lists_past_sessions_latest_first_and_by_site(session, world):
    older = _plan(session, world, TODAY - timedelta(days=30))
    newer = _plan(session, world, TODAY - timedelta(days=2))
    plan = schedule.schedule(session, actor=world.actor("coordinator"), today=TODAY,
                             site_id=world.site.id)
    assert [r.id for r in plan.past] == [newer.id, older.id]
    other_site = schedule.schedule(session, actor=world.actor("coordinator"), today=TODAY,
                                   site_id=world.other_site.id)
    assert other_site.upcoming == [] and other_site.past == []


@pytest.mark.parametrize(("fields", "message"), [
    ({"opens_at": "17:00", "closes_at": "14:00"}, "The session must close after it opens."),
    ({"opens_at": "5pm"}, "Opens at: “5pm” is not a time of day (for example 14:00)."),
])
def test_hours_that_make_no_sense_are_refused(session, world, fields, message):
    with pytest.raises(Refused) as refused:
        _plan(session, world, TODAY + timedelta(days=3), **fields)
    assert refused.value.message == message


def test_a_second_session_on_the_same_day_at_a_site_is_refused(session, world):
    with pytest.raises(Refused, match="Cathays Library already has a session on 2025-06-14"):
        _plan(session, world, TODAY)
    with pytest.raises(Refused, match="Date: “14/06/2025” is not a date"):
        schedule.create_session(session, site_id=world.site.id,
                                data=schedule.SessionInput(held_on="14/06/2025"),
                                actor=world.actor("coordinator"), now=NOW)


def test_a_session_is_edited_and_cancelled_only_while_nothing_was_recorded(session, world):
    later = _plan(session, world, TODAY + timedelta(days=10))
    moved = schedule.update_session(
        session, repair_session_id=later.id, actor=world.actor("coordinator"),
        data=schedule.SessionInput(held_on=(TODAY + timedelta(days=11)).isoformat(),
                                   title="Moved", opens_at="10:00", closes_at="12:00"))
    assert moved.held_on == TODAY + timedelta(days=11) and moved.title == "Moved"
    schedule.cancel_session(session, repair_session_id=later.id,
                            actor=world.actor("coordinator"))
    assert session.get(RepairSession, later.id) is None

    make_item(session, world)
    busy = world.repair_session.id
    with pytest.raises(Refused, match="cannot be cancelled"):
        schedule.cancel_session(session, repair_session_id=busy, actor=world.actor("coordinator"))
    with pytest.raises(Refused, match="its date cannot change"):
        schedule.update_session(session, repair_session_id=busy, actor=world.actor("coordinator"),
                                data=schedule.SessionInput(held_on="2025-06-20"))
    renamed = schedule.update_session(session, repair_session_id=busy,
                                      actor=world.actor("coordinator"),
                                      data=schedule.SessionInput(held_on=TODAY.isoformat(),
                                                                 title="Summer café"))
    assert renamed.title == "Summer café"


def test_fixers_read_the_schedule_and_coordinators_of_other_groups_cannot_touch_it(session,
                                                                                   world):
    with pytest.raises(NotPermitted):
        _plan(session, world, TODAY + timedelta(days=1), role="fixer")
    with pytest.raises(OutOfScope):
        schedule.create_session(session, site_id=world.other_site.id,
                                data=schedule.SessionInput(held_on="2025-07-01"),
                                actor=world.actor("coordinator"), now=NOW)
    with pytest.raises(OutOfScope):
        schedule.cancel_session(session, repair_session_id=world.other_session.id,
                                actor=world.actor("coordinator"))
    with pytest.raises(NotPermitted):
        schedule.schedule(session, actor=world.actor("viewer"), today=TODAY)
    plan = schedule.schedule(session, actor=world.actor("fixer"), today=TODAY)
    assert world.other_session.id not in [r.id for r in plan.upcoming + plan.past]
    assert _count(session, RepairSession) == 2


# --------------------------------------------------------------------------- paper sheets


def test_a_paper_sheet_saves_good_rows_refuses_a_bad_one_and_records_nothing_twice(session,
                                                                                    world):
    past = _plan(session, world, TODAY - timedelta(days=21), opens_at="10:00",
                 closes_at="13:00")
    kettle = _row(category="kettle", brand="Russell Hobbs", problem="No heat", weight="1.1",
                  outcome="fixed")
    lamp = _row(category="lamp", brand="Ikea", weight="1,5 kilo", outcome="repairable")
    radio = _row(category="portable-radio", brand="Roberts", outcome="end_of_life", barrier="1")
    blank = _row()
    results = _enter(session, world, past, [kettle, lamp, radio, blank])
    assert [r.saved for r in results] == [True, False, True, False]
    assert results[1].refusal.message.startswith("“1,5 kilo” is not a weight")
    assert results[3].refusal is None  # a blank row is left out, not refused
    received = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.repair_session_id == past.id).order_by(col(LifecycleEvent.id))).all()
    assert [e.kind for e in received] == ["registered", "repair_attempted"] * 2
    assert {e.occurred_at.isoformat() for e in received} == {"2025-05-24T10:00:00+00:00"}
    assert received[3].payload["barrier"] == 1
    assert tags.current_tag(session, item_id=results[0].item_id).code == results[0].code

    # The same sheet again, the bad row corrected: only that row is new.
    lamp = dataclasses.replace(lamp, weight="1.5")
    again = _enter(session, world, past, [kettle, lamp, radio, blank])
    assert [r.saved for r in again] == [True, True, True, False]
    assert [r.item_id for r in again[::2]] == [r.item_id for r in results[::2]]
    assert _count(session, Item, Item.current_session_id == past.id) == 3
    assert _count(session, LifecycleEvent, LifecycleEvent.repair_session_id == past.id) == 6
    assert _count(session, ImpactRecord, ImpactRecord.item_id == results[0].item_id,
                  ImpactRecord.factor_set == impact_service.CENTRAL_SET) == 1


@pytest.mark.parametrize(("row", "message"), [
    ({"category": "kettle"}, "Choose an outcome"),
    ({"outcome": "fixed", "weight": "2"}, "Choose a category or write the brand"),
    ({"category": "kettle", "outcome": "end_of_life"},
     "Choose the barrier that made it end of life."),
    ({"category": "kettle", "outcome": "fixed", "barrier": "2"},
     "A barrier can only be given when the outcome is End of life."),
    ({"category": "spaceship", "outcome": "fixed"}, "Unknown category “spaceship”."),
    ({"category": "kettle", "outcome": "fixed", "tag_code": "NOPE"}, ""),
])
def test_a_refused_row_writes_nothing(session, world, row, message):
    past = _plan(session, world, TODAY - timedelta(days=1))
    [result] = _enter(session, world, past, [_row(**row)])
    assert result.refusal is not None and result.refusal.message.startswith(message)
    assert _count(session, LifecycleEvent, LifecycleEvent.repair_session_id == past.id) == 0
    assert _count(session, Item, Item.current_session_id == past.id) == 0


def test_a_blank_label_from_the_sheet_is_claimed(session, world):
    past = _plan(session, world, TODAY - timedelta(days=3))
    blank = tags.new_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    session.commit()
    [result] = _enter(session, world, past, [_row(category="toaster", outcome="unknown",
                                                  tag_code=blank.code)])
    assert result.saved and result.code == blank.code


def test_objects_are_entered_only_for_a_session_that_took_place_and_only_by_coordinators(
        session, world):
    ahead = _plan(session, world, TODAY + timedelta(days=5))
    with pytest.raises(Refused, match="has not taken place yet"):
        _enter(session, world, ahead, [_row(category="kettle", outcome="fixed")])
    with pytest.raises(NotPermitted):
        _enter(session, world, world.repair_session, [_row(outcome="fixed")], role="fixer")
    with pytest.raises(OutOfScope):
        _enter(session, world, world.other_session, [_row(outcome="fixed")])


# --------------------------------------------------------------------------- attendance


def test_attendance_is_saved_and_an_empty_field_stays_not_recorded(session, world):
    rs = world.repair_session
    saved = attendance.record_attendance(
        session, repair_session_id=rs.id, actor=world.actor("coordinator"),
        data=attendance.AttendanceInput(visitors="34", volunteers="", volunteer_hours="12,5",
                                        notes="Rain all day"))
    assert (saved.visitors, saved.volunteers, saved.volunteer_hours, saved.notes) == (
        34, None, 12.5, "Rain all day")
    zero = attendance.record_attendance(
        session, repair_session_id=rs.id, actor=world.actor("coordinator"),
        data=attendance.AttendanceInput(visitors="0", volunteers="6"))
    assert (zero.visitors, zero.volunteers, zero.volunteer_hours) == (0, 6, None)
    with pytest.raises(Refused, match="Visitors: “a dozen” is not a number of people"):
        attendance.record_attendance(session, repair_session_id=rs.id,
                                     actor=world.actor("coordinator"),
                                     data=attendance.AttendanceInput(visitors="a dozen"))
    with pytest.raises(Refused, match="Volunteer hours"):
        attendance.record_attendance(session, repair_session_id=rs.id,
                                     actor=world.actor("coordinator"),
                                     data=attendance.AttendanceInput(volunteer_hours="-3"))
    with pytest.raises(NotPermitted):
        attendance.record_attendance(session, repair_session_id=rs.id,
                                     actor=world.actor("fixer"),
                                     data=attendance.AttendanceInput(visitors="3"))


# --------------------------------------------------------------------------- summary


def _busy_session(session, world):
    """Today's session: four objects by paper sheet, and a part fitted into a fifth."""
    rows = [_row(category="kettle", weight="1.1", outcome="fixed"),
            _row(category="furniture", weight="6", outcome="fixed"),
            _row(category="lamp", outcome="repairable"),
            _row(category="portable-radio", outcome="end_of_life", barrier="6")]
    _enter(session, world, world.repair_session, rows)
    donor = make_donor(session, world)
    [belt] = harvest(session, world, donor, make_bin(session, world), ("Drive belt", 0.2))
    recipient = make_item(session, world, category="vacuum", weight=5.0)
    parts.install_part(session, item_id=recipient.id, part_id=belt.id, actor=world.actor(),
                       now=NOW, key=new_key())
    repairs.record_repair_attempt(session, item_id=recipient.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    attendance.record_attendance(session, repair_session_id=world.repair_session.id,
                                 actor=world.actor("coordinator"),
                                 data=attendance.AttendanceInput(visitors="21", volunteers="7"))


def test_the_summary_adds_up_the_sessions_impact_records(session, world):
    _busy_session(session, world)
    # an object at another session counts there, not here
    past = _plan(session, world, TODAY - timedelta(days=7))
    _enter(session, world, past, [_row(category="kettle", weight="2", outcome="fixed")])
    figures = summary_service.summary(session, repair_session_id=world.repair_session.id,
                                      actor=world.actor("fixer"), now=NOW)
    events = select(LifecycleEvent.id).where(
        LifecycleEvent.repair_session_id == world.repair_session.id)
    stored = session.exec(select(ImpactRecord).where(
        col(ImpactRecord.event_id).in_(events), col(ImpactRecord.is_void).is_(False),
        ImpactRecord.factor_set == impact_service.CENTRAL_SET)).all()
    repairs_ = [r for r in stored if r.kind == "repair"]
    reuse = [r for r in stored if r.kind == "part_reuse"]
    assert len(repairs_) == 3 and len(reuse) == 1
    assert figures.co2e_avoided_kg == pytest.approx(sum(r.co2e_avoided_kg for r in repairs_))
    assert figures.co2e_avoided_conservative_kg == pytest.approx(
        sum(r.co2e_avoided_conservative_kg for r in repairs_))
    assert figures.kg_in_use == pytest.approx(sum(r.waste_prevented_kg for r in repairs_))
    assert figures.parts_reused == 1
    assert figures.parts_reused_kg == pytest.approx(0.2)
    assert figures.parts_co2e_avoided_kg == pytest.approx(reuse[0].co2e_avoided_kg)
    assert figures.total_co2e_avoided_kg == pytest.approx(
        sum(r.co2e_avoided_kg for r in stored))
    # the donor was received at the session too: six objects in all
    assert {line.outcome: line.objects for line in figures.lines} == {
        "fixed": 3, "repairable": 1, "end_of_life": 2}
    assert (figures.objects, figures.fixed, figures.visitors, figures.volunteers,
            figures.volunteer_hours) == (6, 3, 21, 7, None)


def test_the_summary_pdf_says_what_the_page_says(session, world, tmp_path):
    _busy_session(session, world)
    figures = summary_service.summary(session, repair_session_id=world.repair_session.id,
                                      actor=world.actor("coordinator"), now=NOW)
    for language, words in (("en", ["Café session summary", "Objects by outcome",
                                    "End of life", "not recorded"]),
                            ("fr", ["Bilan de la séance", "Fin de vie", "non relevé"])):
        pdf = summary_service.render_pdf(figures, language=language, now=NOW)
        path = tmp_path / f"summary-{language}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert "Cathays Library" in text
        for word in words:
            assert word in text, (language, word)


def test_a_summary_of_another_groups_session_is_not_found(session, world):
    with pytest.raises(OutOfScope):
        summary_service.summary(session, repair_session_id=world.other_session.id,
                                actor=world.actor("fixer"), now=NOW)


# --------------------------------------------------------------------------- mail


def _smtp(app, port):
    base = get_settings(app).smtp
    return dataclasses.replace(base, host="127.0.0.1", port=port,
                               from_address="cafe@cardiff.example")


def test_the_summary_is_mailed_once_with_its_pdf(session, world, app, inbox):  # noqa: F811
    handler, port = inbox
    _busy_session(session, world)
    sent = mailing.mail_summary(
        session, repair_session_id=world.repair_session.id, actor=world.actor("coordinator"),
        recipients="ann@example.org,\nBob@Example.org; ann@example.org", language="en",
        settings=_smtp(app, port), now=NOW)
    assert sent == ["ann@example.org", "bob@example.org"]
    [(rcpt, message)] = handler.messages
    # the café's own address keeps a copy; volunteers see no one else's address
    assert sorted(rcpt) == ["ann@example.org", "bob@example.org", "cafe@cardiff.example"]
    assert message["To"] == "cafe@cardiff.example" and message["Bcc"] is None
    assert str(make_header(decode_header(message["Subject"]))) == "Café session summary: Cathays Library, 2025-06-14"
    [pdf] = [p for p in message.walk() if p.get_filename()]
    assert pdf.get_filename() == "cathays-library_2025-06-14.pdf"
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
    body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "Objects: 6, fixed: 3" in body.get_payload(decode=True).decode()


def test_a_wrong_address_is_refused_and_nothing_is_sent(session, world, app, inbox):  # noqa: F811
    handler, port = inbox
    for recipients, message in (
            ("ann@example.org, bob_at_example.org", "Not an e-mail address: bob_at_example.org."),
            ("", "Give at least one e-mail address."),
            ("ann@example.org\r\nBcc: x@evil.example", "Not an e-mail address: Bcc:.")):
        with pytest.raises(Refused) as refused:
            mailing.mail_summary(session, repair_session_id=world.repair_session.id,
                                 actor=world.actor("coordinator"), recipients=recipients,
                                 language="en", settings=_smtp(app, port), now=NOW)
        assert refused.value.message == message
    with pytest.raises(NotPermitted):
        mailing.mail_summary(session, repair_session_id=world.repair_session.id,
                             actor=world.actor("fixer"), recipients="ann@example.org",
                             language="en", settings=_smtp(app, port), now=NOW)
    assert handler.messages == []

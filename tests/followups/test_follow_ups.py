""""Still working?" follow-ups: planned at hand-over, mailed once, answered as lifecycle events."""

import dataclasses
from datetime import date, timedelta

import pytest
from sqlmodel import select

from repaircafe import get_settings, jobs
from repaircafe.core.events import new_key
from repaircafe.followups.services import followups, lasting, mails
from repaircafe.models import FollowUp, LifecycleEvent, Owner, Tag
from repaircafe.objects.services import owners
from tests.factories import NOW, make_item
from tests.followups.helpers import planned, went_home
from tests.mail_server import free_port


def mailing_settings(app, port):
    base = get_settings(app)
    return dataclasses.replace(base, smtp=dataclasses.replace(
        base.smtp, host="127.0.0.1", port=port, from_address="cafe@repair.example"))


def test_a_fixed_object_going_home_gets_its_follow_ups(session, world):
    item = went_home(session, world)
    rows = planned(session, item)
    assert [(r.months, r.due_on, r.status) for r in rows] == [
        (3, date(2025, 9, 14), "pending"), (6, date(2025, 12, 14), "pending"),
        (12, date(2026, 6, 14), "pending")]


def test_no_follow_up_without_consent_an_address_or_a_repair(session, world):
    assert planned(session, went_home(session, world, consent=False)) == []
    assert planned(session, went_home(session, world, email="")) == []
    assert planned(session, went_home(session, world, outcome="end_of_life")) == []


def test_due_questions_are_mailed_exactly_once(session, world, app, inbox):
    handler, port = inbox
    settings = mailing_settings(app, port)
    item = went_home(session, world)
    later = NOW + timedelta(days=100)
    assert mails.send_due_mails(session, settings, now=later).sent == 1
    assert mails.send_due_mails(session, settings, now=later).sent == 0
    assert len(handler.messages) == 1
    recipients, message = handler.messages[0]
    assert recipients == ["owner@example.org"]
    assert "still working" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    link = next(w for w in body.split() if w.startswith("https://rc.example.org/still-working/"))
    token = link.rsplit("/", 1)[1]
    assert followups.follow_up_id(settings.app.secret_key, token) == planned(session, item)[0].id
    statuses = [r.status for r in planned(session, item)]
    assert statuses == ["sent", "pending", "pending"]
    # A year on, the two others go, each once.
    assert mails.send_due_mails(session, settings, now=NOW + timedelta(days=400)).sent == 2
    assert len(handler.messages) == 3


def test_the_scheduler_sends_them_every_hour(app, session, world, inbox):
    handler, port = inbox
    went_home(session, world)
    context = jobs.JobContext(app.extensions["repaircafe.engine"], mailing_settings(app, port),
                              "test")
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = jobs.build_scheduler(context, BackgroundScheduler)
    job = scheduler.get_job(jobs.FOLLOW_UPS_JOB)
    assert job is not None and job.trigger.interval == timedelta(hours=1)
    session.execute(FollowUp.__table__.update().values(due_on=date(2000, 1, 1)))
    session.commit()
    assert jobs.send_follow_ups(context) == 3
    assert jobs.send_follow_ups(context) == 0
    assert len(handler.messages) == 3


def test_a_mail_server_that_refuses_leaves_the_question_for_the_next_pass(session, world, app):
    settings = mailing_settings(app, free_port())  # nobody listens there
    item = went_home(session, world)
    result = mails.send_due_mails(session, settings, now=NOW + timedelta(days=100))
    assert (result.sent, result.failed) == (0, 1)
    assert planned(session, item)[0].status == "pending"


def test_the_owners_answer_is_an_event_and_the_first_one_counts(session, world):
    item = went_home(session, world)
    first = planned(session, item)[0]
    event = followups.answer_by_link(session, first.id, works=False, comment="It hums again",
                                     now=NOW + timedelta(days=95), key=new_key())
    assert event.kind == "follow_up_answered"
    assert event.payload["still_works"] is False and event.payload["months"] == 3
    again = followups.answer_by_link(session, first.id, works=True, comment="",
                                     now=NOW + timedelta(days=96), key=new_key())
    assert again.id == event.id
    session.expire_all()
    assert planned(session, item)[0].status == "answered"


def test_stopping_or_erasure_means_no_more_mail(session, world, app, inbox):
    handler, port = inbox
    settings = mailing_settings(app, port)
    stopped = went_home(session, world)
    erased = went_home(session, world, email="other@example.org")
    followups.stop_by_link(session, planned(session, stopped)[0].id, now=NOW)
    token = session.exec(select(Owner.private_token).where(Owner.id == erased.owner_id)).one()
    owners.erase_contact(session, token=token, now=NOW)
    result = mails.send_due_mails(session, settings, now=NOW + timedelta(days=400))
    assert result.sent == 0
    assert handler.messages == []
    session.expire_all()
    assert {r.status for r in planned(session, stopped) + planned(session, erased)} == {"stopped"}


def test_survival_comes_from_the_answers_and_silence_is_not_success(session, world):
    lasted = went_home(session, world)
    broke = went_home(session, world)
    went_home(session, world)  # never answers
    followups.answer_by_link(session, planned(session, lasted)[2].id, works=True, comment="",
                             now=NOW + timedelta(days=370), key=new_key())
    followups.answer_by_link(session, planned(session, broke)[0].id, works=False, comment="",
                             now=NOW + timedelta(days=100), key=new_key())
    table = lasting.table(session, site_ids=None, until=NOW + timedelta(days=400))
    assert table.not_followed == 1
    everything = table.rows[-1]
    assert (everything.followed, everything.broke, everything.censored) == (2, 1, 1)
    at_3, at_6, at_12 = everything.checkpoints
    # "Broke again", answered a few days late to the three-month question, counts at 3 months.
    assert at_3.survival == pytest.approx(0.5)
    assert at_6.survival == pytest.approx(0.5) and at_12.survival == pytest.approx(0.5)
    assert (at_3.at_risk, at_12.at_risk) == (2, 1)
    # The answer to the twelve-month question, given on the day it fell due, counts at 12 months.
    on_the_day = went_home(session, world)
    due = planned(session, on_the_day)[2]
    followups.answer_by_link(session, due.id, works=True, comment="",
                             now=NOW.replace(year=NOW.year + 1), key=new_key())
    table = lasting.table(session, site_ids=None, until=NOW + timedelta(days=400))
    assert table.rows[-1].checkpoints[2].at_risk == 2
    # A breakdown told on the label page counts on the day it was told (3 months and 8 days).
    told = went_home(session, world)
    followups.answer_on_label_page(session, told.id, works=False,
                                   now=NOW + timedelta(days=100), key=new_key())
    table = lasting.table(session, site_ids=None, until=NOW + timedelta(days=400))
    assert (table.followed, table.rows[-1].broke) == (4, 2)
    assert table.rows[-1].checkpoints[0].survival == pytest.approx(3 / 4)
    # A report for an earlier period knows only what was said by then.
    table = lasting.table(session, site_ids=None, until=NOW + timedelta(days=200))
    assert table.followed == 2 and table.not_followed == 3


def test_owner_link_page_takes_one_tap(client, session, world, app):
    item = went_home(session, world)
    follow_up = planned(session, item)[0]
    link = mails.answer_link(get_settings(app), follow_up.id)
    path = link.removeprefix("https://rc.example.org")
    page = client.get(path)
    assert page.status_code == 200 and b"Still works" in page.data
    done = client.post(path, data={"answer": "works", "key": new_key()})
    assert done.status_code == 303
    assert b"you told us it still works" in client.get(path).data
    assert client.get("/still-working/not-a-token").status_code == 404
    session.rollback()
    answers = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == item.id, LifecycleEvent.kind == "follow_up_answered")).all()
    assert len(answers) == 1


def test_whoever_holds_the_object_can_answer_from_its_label(client, session, world):
    item = went_home(session, world)
    code = session.exec(select(Tag.code).where(Tag.item_id == item.id)).one()
    page = client.get(f"/I/{code}/still-working")
    assert page.status_code == 200 and b"Broke again" in page.data
    done = client.post(f"/I/{code}/still-working", data={"answer": "broke", "key": "k1"})
    assert b"Thank you" in done.data
    client.post(f"/I/{code}/still-working", data={"answer": "broke", "key": "k1"})
    session.rollback()
    answers = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "follow_up_answered")).all()
    assert [(a.payload["source"], a.payload["still_works"]) for a in answers] == [
        ("public_page", False)]
    not_repaired = make_item(session, world)
    other = session.exec(select(Tag.code).where(Tag.item_id == not_repaired.id)).one()
    assert b"nothing to follow up" in client.get(f"/I/{other}/still-working").data


def test_a_volunteer_records_the_answer_when_the_object_comes_back(client, session, world,
                                                                  login_as):
    item = went_home(session, world)
    login_as("fixer")
    response = client.post(f"/followups/items/{item.id}",
                           data={"answer": "works", "comment": "Back for a check", "key": "v1"})
    assert response.status_code == 303
    session.rollback()
    event = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "follow_up_answered")).one()
    assert event.payload["source"] == "volunteer" and event.actor_name == "Fixer"


def test_the_object_is_named_without_repeating_its_category():
    asked = followups.Question(
        follow_up_id=1, item_id=1, months=3, category="Lamp", brand="Lamp", model="lamp ",
        code=None, handed_over_on=date(2025, 6, 14), status="sent", answered_at=None,
        still_works=None, owner_id=None)
    assert asked.what(str) == "Lamp"
    assert dataclasses.replace(asked, brand="Anglepoise", model="Type 75").what(str) == (
        "Lamp Anglepoise Type 75")
    assert dataclasses.replace(asked, category=None, brand="Dyson").what(
        lambda text: {"Object": "Objet"}.get(text, text)) == "Objet Dyson lamp"

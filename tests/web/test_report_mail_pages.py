"""What a person sees of report mails: a refused name, and a mail to check with recipients."""

from datetime import date

from sqlmodel import select

from repaircafe.models import ReportRun
from repaircafe.reporting.services import subscriptions
from tests.factories import NOW


def test_a_subscription_name_on_two_lines_is_refused_in_the_form(session, world, login_as):
    client = login_as("coordinator")
    response = client.post("/reports/subscriptions", data={
        "name": "Fixers monthly\r\nBcc: spy@example.org", "scope": f"group:{world.group.id}",
        "period_kind": "month", "formats": ["csv"], "language": "en",
        "factor_set": "restart-2021", "recipients": ""})
    assert response.status_code == 200
    assert "Give the subscription a name on one line" in response.get_data(as_text=True)
    assert subscriptions.list_subscriptions(session, actor=world.actor("coordinator")) == []


def test_the_archive_asks_to_check_a_mail_whose_delivery_is_unknown(session, world,
                                                                     login_as):
    sub = subscriptions.create_subscription(
        session, name="Fixers monthly", scope=f"group:#{world.group.id}", period_kind="month",
        formats="csv", recipients="council@example.org", starts_on=date(2025, 5, 1),
        actor=world.actor("admin"), now=NOW)
    for start, end, mail in ((date(2025, 5, 1), date(2025, 5, 31), "sent"),
                             (date(2025, 6, 1), date(2025, 6, 30), "sending")):
        session.add(ReportRun(subscription_id=sub.id, period_start=start, period_end=end,
                              status="done", mail_status=mail, started_at=NOW,
                              error=subscriptions.MAIL_UNCERTAIN if mail == "sending" else ""))
    session.commit()
    page = login_as("coordinator").get("/reports/archive").get_data(as_text=True)
    assert page.count("mail-unconfirmed") == 1
    assert "Check with the recipients." in page
    assert len(session.exec(select(ReportRun)).all()) == 2

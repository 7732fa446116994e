"""The reports pages: dashboard per role, downloads, subscriptions, archive, factor sets."""

import dataclasses
import io
import re
from datetime import timedelta

import pytest

from repaircafe.core.events import new_key
from repaircafe.models import utc_now
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import reporting, subscriptions
from tests.factories import NOW, make_item


def _data(session, world):
    item = make_item(session, world, category="laptop", weight=None)
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                  actor=world.actor(), now=NOW, key=new_key())
    other = make_item(session, world, category="toaster", actor="admin",
                      repair_session=world.other_session)
    repairs.record_repair_attempt(session, item_id=other.id, outcome="end_of_life", barrier=1,
                                  actor=world.actor("admin"), now=NOW, key=new_key())


def test_viewer_sees_its_territory_figures_and_charts(session, world, login_as):
    _data(session, world)
    client = login_as("viewer")
    page = client.get("/reports/?period=2025").get_data(as_text=True)
    assert "Cardiff" in page and "Swansea Hub" not in page
    assert "<svg" in page and "Laptop" in page
    assert "133" in page  # kg CO2e of one fixed laptop, Restart 2021 (265.32 x 0.5)
    assert "Owner" not in page
    assert client.get(f"/reports/?scope=territory:{world.other_territory.id}").status_code == 404
    site = client.get(f"/reports/?scope=site:{world.site.id}&period=2025").get_data(as_text=True)
    assert "Cathays Library" in site


def test_dashboard_drills_down_to_a_category(session, world, login_as):
    _data(session, world)
    page = login_as("admin").get("/reports/?scope=all&period=2025&category=toaster")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Toaster" in text and "Laptop" not in text


def test_download_any_report_from_the_dashboard(session, world, login_as):
    _data(session, world)
    client = login_as("viewer")
    csv = client.get("/reports/download?format=csv&period=2025-06")
    assert csv.status_code == 200 and "cardiff_2025-06.csv" in csv.headers["Content-Disposition"]
    assert "laptop" in csv.get_data(as_text=True)
    pdf = client.get("/reports/download?format=pdf&period=2025-Q2")
    assert pdf.data.startswith(b"%PDF")
    assert client.get("/reports/download?format=doc&period=2025").status_code == 400


def test_coordinator_adds_a_subscription_and_sees_its_archive(session, world, login_as, app,
                                                                tmp_path):
    base = app.extensions["repaircafe.settings"]
    settings = dataclasses.replace(base, reports=dataclasses.replace(base.reports,
                                                                     folder=str(tmp_path)))
    app.extensions["repaircafe.settings"] = settings
    client = login_as("coordinator")
    response = client.post("/reports/subscriptions", data={
        "name": "Fixers monthly", "scope": f"group:{world.group.id}", "period_kind": "month",
        "formats": ["csv"], "language": "en", "factor_set": "restart-2021", "recipients": ""})
    assert response.status_code == 302
    [sub] = subscriptions.list_subscriptions(session, actor=world.actor("coordinator"))
    now = utc_now()
    runs = subscriptions.run_due_periods(session, sub.id, now=now, worker="t", settings=settings)
    assert [r.status for r in runs] == ["done"]
    last_month = reporting.previous_period("month", now.date())
    assert runs[0].period_start == last_month.start
    archive = client.get("/reports/archive").get_data(as_text=True)
    assert "Fixers monthly" in archive and last_month.label("en") in archive
    got = client.get(f"/reports/runs/{runs[0].id}/csv")
    assert got.status_code == 200 and got.data.startswith(b"period,scope")
    got.close()
    viewer = app.test_client()
    viewer.post("/login", data={"username": "viewer", "password": "demo-pass"})
    assert viewer.get(f"/reports/runs/{runs[0].id}/csv").status_code == 404


def test_admin_adds_a_factor_set_from_csv(session, world, login_as):
    from repaircafe.domain.factor_sets import FACTORS_DIR

    text = (FACTORS_DIR / "conservative-2021.csv").read_text(encoding="utf-8")
    text = text.replace("meta,name,conservative-2021", "meta,name,council-2025")
    client = login_as("admin")
    response = client.post("/reports/factors", data={
        "file": (io.BytesIO(text.encode()), "council.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "council-2025" in client.get("/reports/factors").get_data(as_text=True)
    bad = client.post("/reports/factors", data={
        "file": (io.BytesIO(b"kind,key\nmeta,name\n"), "bad.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "missing column" in bad.get_data(as_text=True)
    client.post("/logout")
    assert login_as("coordinator").get("/reports/factors").status_code == 403


# ------------------------------------------------------------------ one figure, one definition

TODAY = NOW + timedelta(days=6)  # 20 June 2025: the data of 14 June is in its last 12 months


@pytest.fixture
def frozen_today(monkeypatch):
    import repaircafe.reporting.views.reports as report_views
    import repaircafe.web.home as home

    monkeypatch.setattr(home, "utc_now", lambda: TODAY)
    monkeypatch.setattr(report_views, "utc_now", lambda: TODAY)


def _outcomes(session, world, plan):
    for category, weight, outcome in plan:
        item = make_item(session, world, category=category, weight=weight)
        if outcome:
            repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                          barrier=1 if outcome == "end_of_life" else None,
                                          actor=world.actor(), now=NOW, key=new_key())


def _rate(page: str) -> str:
    return re.search(r"data-success-rate>([^<]*)<", page)[1]


def test_home_and_dashboard_show_the_same_success_rate(session, world, login_as, frozen_today):
    # 3 fixed, 1 repairable, 1 end of life, 2 not yet attempted: 3 / 5 known = 60.0%
    _outcomes(session, world, [("toaster", 1.2, "fixed"), ("laptop", None, "fixed"),
                               ("kettle", None, "fixed"), ("kettle", None, "repairable"),
                               ("lamp", None, "end_of_life"), ("lamp", None, None),
                               ("fan", None, None)])
    client = login_as("viewer")
    home = client.get("/").get_data(as_text=True)
    dashboard_page = client.get("/reports/").get_data(as_text=True)
    assert _rate(home) == _rate(dashboard_page) == "60.0%"
    for page in (home, dashboard_page):
        assert "60.0% of known outcomes; 28.6% unknown" in page
    assert "Cardiff · Last 12 months, ending today (Jun 21, 2024 – Jun 20, 2025)" in home
    assert "Last 12 months, ending today (Jun 21, 2024 – Jun 20, 2025)" in dashboard_page


def test_a_bad_period_is_explained_on_the_form(session, world, login_as, frozen_today):
    _data(session, world)
    response = login_as("viewer").get("/reports/?period=2025-13")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-period-error" in page and "Unknown period" in page
    assert 'value="2025-13"' in page and "Last 12 months, ending today" in page
    assert login_as("viewer").get("/reports/download?format=pdf&period=2025-13").status_code \
        == 400


def test_quarters_can_be_typed_the_french_way(session, world, login_as):
    _data(session, world)
    page = login_as("viewer").get("/reports/?period=2025-T2", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "T2 2025" in page.get_data(as_text=True)


def test_the_dashboard_discloses_stand_ins_doubtful_weights_and_the_licence(
        session, world, login_as):
    _outcomes(session, world, [("battery-charger-adapter", None, "fixed"),
                               ("toaster", None, "fixed"), ("lamp", 499, "fixed")])
    client = login_as("coordinator")
    page = client.get("/reports/?period=2025-06").get_data(as_text=True)
    assert 'data-assumption="battery-charger-adapter"' in page
    assert "Battery/charger/adapter scored as PC accessory" in page
    assert "data-doubtful-weights" in page and "(Lamp, 499\u00a0kg recorded)" in page
    assert "Not recorded" in page  # no parts, no recycling recorded here
    assert "data-licence" not in page
    item = make_item(session, world, category="kettle")
    item.source_provider, item.source_id = "Repair Café Wales", "rcwales_9"
    session.add(item)
    session.commit()
    page = client.get("/reports/?period=2025-06").get_data(as_text=True)
    assert "data-licence" in page and "Repair Café Wales, licensed under CC BY-SA 4.0" in page
    assert "even when a weight was measured or estimated" in page  # the methodology

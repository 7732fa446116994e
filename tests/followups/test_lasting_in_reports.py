"""The survival table in reports: PDF, XLSX and the dashboard, per scope, category and period."""

import io
import subprocess
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from repaircafe.core.events import new_key
from repaircafe.domain.actors import Actor
from repaircafe.followups.services import followups
from repaircafe.interop.ords.services import ords_export
from repaircafe.reporting.services import reporting, scopes
from reports.tables import lasting_lines, lasting_row_name
from tests.followups.helpers import planned, went_home

LATER = datetime(2026, 7, 20, 9, tzinfo=UTC)


def answer(session, item, question: int, works: bool, when: datetime) -> None:
    """The owner answers the question asked `question` months after the hand-over."""
    follow_up = next(f for f in planned(session, item) if f.months == question)
    followups.answer_by_link(session, follow_up.id, works=works, comment="", now=when,
                             key=new_key())


@pytest.fixture
def answered(session, world):
    """Cardiff: six toasters (one broke by the 3-month question, five still worked at 6 months)
    and a lamp; Swansea: a toaster that broke again."""
    toasters = [went_home(session, world) for _ in range(6)]
    answer(session, toasters[0], 3, False, datetime(2025, 9, 16, 9, tzinfo=UTC))
    for item in toasters[1:]:
        answer(session, item, 3, True, datetime(2025, 9, 15, 9, tzinfo=UTC))
        answer(session, item, 6, True, datetime(2025, 12, 14, 18, tzinfo=UTC))
    lamp = went_home(session, world, category="lamp")
    answer(session, lamp, 3, True, datetime(2025, 9, 20, 9, tzinfo=UTC))
    went_home(session, world)  # never answers
    elsewhere = went_home(session, world, repair_session=world.other_session)
    answer(session, elsewhere, 3, False, datetime(2025, 9, 14, 9, tzinfo=UTC))
    return toasters


def cardiff_report(session, period="2026", **kwargs):
    scope = scopes.parse_scope(session, "territory:Cardiff")
    return reporting.make_report(session, scope=scope, period=reporting.parse_period(period),
                                 now=LATER, **kwargs)


def test_the_report_follows_its_scopes_objects_only(session, world, answered):
    table = cardiff_report(session).lasting
    assert table is not None and table.known_at == LATER.date()
    toaster, other, everything = table.rows
    assert (toaster.category, toaster.followed, toaster.broke, toaster.censored) == (
        "Toaster", 6, 1, 5)
    assert (other.kind, other.followed) == ("other", 1)  # one lamp: too few to read alone
    assert (everything.kind, everything.followed, everything.broke) == ("all", 7, 1)
    assert table.not_followed == 1  # the Swansea toaster belongs to another territory
    at_3, at_6, at_12 = toaster.checkpoints
    assert (at_3.survival, at_3.at_risk) == (pytest.approx(5 / 6), 6)
    assert (at_6.survival, at_6.at_risk) == (pytest.approx(5 / 6), 5)
    assert (at_12.survival, at_12.at_risk) == (None, 0)


def test_a_category_report_and_an_earlier_period_know_less(session, world, answered):
    toasters_only = cardiff_report(session, category="toaster").lasting
    assert [r.kind for r in toasters_only.rows] == ["category", "all"]
    assert toasters_only.rows[-1].followed == 6
    # A report on the third quarter of 2025 reads what had been said by 30 September: the
    # three-month answers count, the six-month ones of December do not.
    table = cardiff_report(session, period="2025-Q3").lasting
    assert table.known_at.isoformat() == "2025-09-30"
    assert table.rows[-1].followed == 7
    assert table.rows[0].checkpoints[1].at_risk == 0  # nobody was six months out yet


def test_before_the_first_question_falls_due_nobody_counts_as_silent(session, world, answered):
    report = cardiff_report(session, period="2025-08")  # the first questions fall due in Sept.
    assert report.lasting.rows == () and report.lasting.not_followed == 0
    assert lasting_lines(report)[0].startswith("No owner has answered a follow-up in this scope")
    book = load_workbook(io.BytesIO(reporting.render(report, "xlsx")))
    assert book["Lasting repairs"].max_row == 1  # the header alone


def test_the_pdf_and_the_workbook_show_the_table(session, world, answered, tmp_path):
    report = cardiff_report(session)
    path = tmp_path / "report.pdf"
    path.write_bytes(reporting.render(report, "pdf"))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert "How long repairs last" in text
    assert "Toaster 6 1 5 83% (6) 83% (5) – (0)" in text
    assert "All objects 7 1 6" in text
    assert "1 more went home fixed and their owners, asked, have not answered" in text
    assert "Kaplan-Meier" in text and "censored" in text

    book = load_workbook(io.BytesIO(reporting.render(report, "xlsx")))
    sheet = book["Lasting repairs"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["category_name", "followed", "broke_again", "censored"]
    toaster = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert toaster["category_name"].value == "Toaster"
    assert toaster["still_working_3m"].value == pytest.approx(5 / 6)
    assert toaster["still_working_3m"].number_format == "0.0%"
    assert toaster["at_risk_6m"].value == 5
    assert toaster["still_working_12m"].value is None
    coverage = {row[0].value: row[1].value for row in book["Coverage"].iter_rows(min_row=2)}
    assert coverage["never_heard_of_after_repair"] == 1


def test_the_french_report_names_its_rows_in_french(session, world, answered):
    report = cardiff_report(session, language="fr")
    assert lasting_row_name(report, report.lasting.rows[-1]) == "Tous les objets"
    assert lasting_row_name(report, report.lasting.rows[0]) == "Grille-pain"
    assert "Kaplan-Meier" in lasting_lines(report)[1]


def test_the_dashboard_shows_the_table_of_the_viewers_territory(client, login_as, session, world,
                                                                answered):
    page = login_as("viewer").get("/reports/?period=2026").get_data(as_text=True)
    assert "How long repairs last" in page and "data-survival" in page
    assert "83% (6)" in page
    assert 'data-survival-row="all"' in page


def test_follow_up_answers_leave_the_ords_export_unchanged(session, world, tmp_path):
    def exported(name: str) -> bytes:
        result = ords_export.export_ords(session, tmp_path / name, actor=Actor.system("test"))
        assert result.rows == 2
        return result.records.read_bytes()

    kept, broke = went_home(session, world), went_home(session, world)
    before = exported("before.csv")
    answer(session, kept, 3, True, datetime(2025, 9, 15, 9, tzinfo=UTC))
    answer(session, broke, 3, False, datetime(2025, 9, 15, 9, tzinfo=UTC))
    followups.answer_on_label_page(session, kept.id, works=True, now=LATER, key=new_key())
    assert exported("after.csv") == before

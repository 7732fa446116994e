"""French is complete: every message the code marks has a French translation, and pages,
reports and report mails come out in French from the one catalogue."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import pkgutil
import re
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import repaircafe
from repaircafe.domain import codes, lifecycle, vocabulary
from repaircafe.domain.errors import MESSAGE_KEYWORDS, Refused, TransitionRefused
from repaircafe.i18n import compile_catalogues
from repaircafe.objects.services import repairs
from repaircafe.reporting.services import scopes
from repaircafe.tags.services.tags import current_tag
from tests.factories import NOW, make_item, new_key

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "repaircafe"
FRENCH = PACKAGE / "translations" / "fr" / "LC_MESSAGES" / "messages.po"


def _every_module() -> list[str]:
    """Import every module of the package, so that every Refused subclass is defined."""
    names = [info.name for info in pkgutil.walk_packages(repaircafe.__path__, "repaircafe.")]
    for name in names:
        importlib.import_module(name)
    return names


def _subclasses(cls: type) -> set[type]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


_every_module()
REFUSALS = {"Refused"} | {cls.__name__ for cls in _subclasses(Refused)}
# Flask-Babel's lazy_gettext, imported as _l, on top of gettext/ngettext/_, N_ and the refusals.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None,
            **{name: None for name in REFUSALS}}


def _method_map() -> list[tuple[str, str]]:
    """babel.cfg's sections (patterns relative to the repository root)."""
    sections = re.findall(r"^\[(\w+):\s*(\S+)\]", (ROOT / "babel.cfg").read_text(), re.M)
    return [(pattern, method) for method, pattern in sections]


def extracted_messages() -> dict[str | tuple[str, ...], str]:
    """Every msgid the code, the templates and the reports mark, with where it was found."""
    found: dict[str | tuple[str, ...], str] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            ROOT, _method_map(), keywords=KEYWORDS, comment_tags=()):
        msgid = message if isinstance(message, str) else tuple(m for m in message if m)
        if msgid:
            found.setdefault(msgid, f"{filename}:{line}")
    return found


def test_extraction_keywords_name_every_refusal_class() -> None:
    """A new Refused subclass must be a pybabel keyword, or its messages never get translated."""
    assert set(MESSAGE_KEYWORDS) == REFUSALS | {"N_"}
    readme = (ROOT / "README.md").read_text()
    assert all(f"-k {name}" in readme for name in MESSAGE_KEYWORDS), "README's pybabel command"


def test_extraction_covers_the_reports_package() -> None:
    where = extracted_messages()
    assert where["Data coverage"].startswith("reports/")
    assert "Batteries (portable)" in where and "Circularity report" in where


def french_catalogue():  # type: ignore[no-untyped-def]
    with FRENCH.open("rb") as source:
        return read_po(source, locale="fr")


def test_every_marked_message_has_a_french_translation() -> None:
    catalogue = french_catalogue()
    missing = []
    for msgid, where in sorted(extracted_messages().items(), key=lambda kv: str(kv[0])):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key)
        strings = entry.string if entry is not None else None
        if isinstance(strings, tuple | list):
            translated = len(strings) == 2 and all(s.strip() for s in strings)
        else:
            translated = bool(strings and strings.strip())
        if entry is None or entry.fuzzy or not translated:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, (f"{len(missing)} message(s) without a French translation in "
                         f"{FRENCH.relative_to(ROOT)}:\n" + "\n".join(missing))


def test_french_catalogue_is_consistent_and_compiles(tmp_path: Path) -> None:
    catalogue = french_catalogue()
    problems = [f"{message.id!r}: {error}" for message, errors in catalogue.check()
                for error in errors]
    assert not problems, "\n".join(problems)
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
    compile_catalogues(tmp_path)
    with (tmp_path / "fr" / "LC_MESSAGES" / "messages.mo").open("rb") as compiled:
        assert len(read_mo(compiled)) >= len(catalogue) - 1


def _built_message(node: ast.expr) -> bool:
    """An f-string, a concatenation, `%` or `.format()`: text the catalogue cannot look up."""
    if isinstance(node, ast.JoinedStr | ast.BinOp):
        return True
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")


def test_no_refusal_builds_its_message_in_place() -> None:
    """Every module of the package: a refusal's message is a template with %(name)s and keyword
    values, never text built where it is raised (it could not be translated on a page)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in REFUSALS and _built_message(node.args[0]):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def test_catalogue_lists_every_category_of_the_data_file() -> None:
    import csv

    with (PACKAGE / "data" / "categories.csv").open(encoding="utf-8") as source:
        rows = {row["slug"]: row["name"] for row in csv.DictReader(source)}
    assert vocabulary.CATEGORY_NAMES == rows
    french = french_catalogue()
    assert all(french.get(name) and french.get(name).string for name in rows.values())


def test_refusals_translate_their_template_and_phrases() -> None:
    refusal = TransitionRefused("Cannot %(action)s: %(why)s.", action=lifecycle.N_("recycle it"),
                                why=lifecycle.N_("it is already fixed"))
    assert refusal.message == str(refusal) == "Cannot recycle it: it is already fixed."
    french = {entry.id: entry.string for entry in french_catalogue() if entry.id}
    assert refusal.translated(lambda text: french.get(text) or text) == (
        "On ne peut pas le recycler : il est déjà réparé.")
    plain = Refused("100% sure")
    assert plain.translated(lambda text: text) == "100% sure"


# Pages in French

FRENCH_BROWSER = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
ENGLISH_WORDS = re.compile(r"\b(the|and|with|Its story|Brought|repair café|Fixed|Registered|"
                           r"Waiting|Object)\b")


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.fixture
def repaired(session, world):  # type: ignore[no-untyped-def]
    """An object fixed at the world's café on 14 June 2025, with its label code."""
    item = make_item(session, world, category="kettle", brand="Morphy Richards",
                     problem="Ne s'arrête plus")
    repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed", minutes=30,
                                  public_note="Thermostat remplacé", actor=world.actor("fixer"),
                                  now=NOW, key=new_key())
    return item, current_tag(session, item_id=item.id).code


def test_public_passport_in_french_has_no_english_left(client, repaired) -> None:
    _item, code = repaired
    page = client.get(f"/I/{code}", headers=FRENCH_BROWSER)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = _visible_text(html)
    assert '<html lang="fr"' in html
    assert "Bouilloire" in text and "Son histoire" in text and "Apporté au Repair Café" in text
    assert "Réparé" in text and "14 juin 2025" in text
    assert not ENGLISH_WORDS.search(text), ENGLISH_WORDS.findall(text)


def test_english_browser_gets_english_and_british_dates(client, repaired) -> None:
    _item, code = repaired
    text = _visible_text(client.get(f"/I/{code}", headers={"Accept-Language": "en-GB,en"})
                         .get_data(as_text=True))
    assert "Its story" in text and "Kettle" in text and "14 June 2025" in text
    american = _visible_text(client.get(f"/I/{code}", headers={"Accept-Language": "en-US"})
                             .get_data(as_text=True))
    assert "June 14, 2025" in american


def test_the_switch_in_the_page_wins_over_the_browser(client, repaired) -> None:
    _item, code = repaired
    client.post("/language/fr", data={"next": f"/I/{code}"})
    text = _visible_text(client.get(f"/I/{code}", headers={"Accept-Language": "en-GB"})
                         .get_data(as_text=True))
    assert "Son histoire" in text and "14 juin 2025" in text
    client.post("/language/en", data={"next": f"/I/{code}"})
    text = _visible_text(client.get(f"/I/{code}", headers=FRENCH_BROWSER).get_data(as_text=True))
    assert "Its story" in text


def test_the_public_page_switches_language_by_link_without_a_session(client, repaired) -> None:
    """An owner at home switches with a plain link: no account, no form, no session cookie."""
    _item, code = repaired
    page = client.get(f"/I/{code}", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    link = re.search(r'href="([^"]*/language/fr[^"]*)"', page)
    assert link, "no link to the French page"
    switched = client.get(unescape(link.group(1)))
    assert switched.status_code == 302 and switched.headers["Location"] == f"/I/{code}"
    assert not any(c.startswith("session=") for c in switched.headers.getlist("Set-Cookie"))
    text = _visible_text(client.get(f"/I/{code}", headers={"Accept-Language": "en-GB"})
                         .get_data(as_text=True))
    assert "Son histoire" in text
    away = client.get("/language/en?next=//evil.example/")
    assert away.headers["Location"] == "/"


@pytest.mark.parametrize("headers, cookie", [(FRENCH_BROWSER, None), ({}, "fr")],
                         ids=["accept-language", "cookie"])
def test_staff_pages_in_french(client, session, world, login_as, repaired, headers,
                               cookie) -> None:
    item, code = repaired
    if cookie:
        client.set_cookie("lang", cookie)
    assert "Se connecter" in client.get("/login", headers=headers).get_data(as_text=True)
    login_as("admin")
    wrong_check = "X" if code[-1] != "X" else "Y"
    pages = {
        "/": "Accueil",
        "/scan/": "Scanner une étiquette",
        f"/scan/?code={codes.display(code)[:-1]}{wrong_check}": "faute de frappe",
        f"/intake/?session={world.repair_session.id}": "Nouvel objet",
        "/board/?change=1": "Séances du café d'aujourd'hui",
        f"/bench/{item.id}": "Tentative de réparation",
        f"/items/{item.id}": "Historique",
        "/reports/": "Chiffres clés",
    }
    for path, expected in pages.items():
        response = client.get(path, headers=headers)
        text = _visible_text(response.get_data(as_text=True))
        assert expected in text, (path, response.status_code, text[:600])
        assert "Sign out" not in text and "Se déconnecter" in text, path
    bench = _visible_text(client.get(f"/bench/{item.id}", headers=headers).get_data(as_text=True))
    assert "14 juin 2025" in bench


def test_refusals_are_shown_in_french(client, session, world, login_as, repaired) -> None:
    item, _code = repaired
    client.set_cookie("lang", "fr")
    login_as("fixer")
    page = client.get(f"/bench/{item.id}")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    data = {"outcome": "fixed", "minutes": "abc", "key": new_key()}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post(f"/bench/{item.id}/attempt", data=data, follow_redirects=True)
    text = _visible_text(response.get_data(as_text=True))
    assert "« abc » n'est pas un nombre de minutes." in text, text[:800]


# Reports and report mails in French: the same catalogue as the pages

PAGE_WORDS = ("Kettle", "Batteries (portable)", "Spare parts not available", "End of life",
              "Electrical and electronic equipment", "Page %(page)s of %(total)s")


def _page_words(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """What Flask-Babel writes on a French page for each of PAGE_WORDS."""
    import flask_babel

    with app.test_request_context("/", headers=FRENCH_BROWSER):
        return {msgid: flask_babel.gettext(msgid) for msgid in PAGE_WORDS}


def _french_report():  # type: ignore[no-untyped-def]
    import datetime as dt

    import pandas as pd

    import reports
    from repaircafe.i18n import translations
    from repaircafe.reporting.services.reporting import NAMES

    records = pd.DataFrame({
        "month": ["2025-05", "2025-05"], "site": ["Cathays", "Cathays"],
        "category": ["kettle", "toaster"], "category_name": ["Kettle", "Toaster"],
        "outcome": ["fixed", "end_of_life"], "barrier": [None, 1],
        "waste_prevented_kg": [1.25, 0.0], "co2e_avoided_kg": [22.2, 0.0],
        "back_in_use": [True, False],
        "eu_reuse_category": ["electrical_and_electronic_equipment"] * 2})
    recycling = pd.DataFrame({"month": ["2025-05"], "material": ["batteries"], "kg": [0.4],
                              "co2e_credit_central_kg": [1.0], "co2e_credit_low_kg": [0.5]})
    meta = reports.ReportMeta(title="Rapport", scope_label="Cardiff", period_label="Mai 2025",
                              period_start=dt.date(2025, 5, 1), period_end=dt.date(2025, 5, 31),
                              language="fr", names=NAMES)
    return reports.build_report(records, None, recycling, meta, translations("fr"))


def test_a_french_report_uses_the_words_of_the_french_pages(app) -> None:
    """PDF and XLSX name categories, materials, barriers and outcomes exactly as the pages do;
    the CSV is tidy data in codes, the same in every language."""
    import io

    import openpyxl
    import pypdfium2 as pdfium

    import reports

    page = _page_words(app)
    assert page["Batteries (portable)"] == "Piles et batteries (portables)"
    report = _french_report()
    pdf = pdfium.PdfDocument(reports.render_pdf(report))
    text = " ".join(p.get_textpage().get_text_range() for p in pdf).replace("\u00a0", " ")
    for msgid in PAGE_WORDS[:-1]:
        assert page[msgid] in text, msgid
    assert page["Page %(page)s of %(total)s"] % {"page": 1, "total": len(pdf)} in text
    workbook = openpyxl.load_workbook(io.BytesIO(reports.render_xlsx(report)))
    cells = {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True)
             for c in row}
    for msgid in PAGE_WORDS[:-1]:
        assert page[msgid] in cells, msgid
    english = dataclasses.replace(report.meta, language="en")
    assert reports.render_csv(report) == reports.render_csv(
        dataclasses.replace(report, meta=english, words=reports.Words("en")))


def test_a_french_report_mail_uses_the_catalogue(app) -> None:
    import flask_babel

    from repaircafe.reporting.services import mailer, reporting

    message = mailer.build_message(
        sender="rapports@ville.example", recipients=["mairie@ville.example"], language="fr",
        title="Bilan", scope=scopes.scope_label(reporting.Scope("all", None, ""), "fr"),
        period="Mai 2025", attachments=[], links=["https://rc.example/reports/runs/1/pdf"])
    with app.test_request_context("/", headers=FRENCH_BROWSER):
        attached = flask_babel.gettext(
            "The circularity report for %(scope)s, %(period)s, is attached.",
            scope="Tous les groupes", period="Mai 2025")
        footer = flask_babel.gettext("This message was sent by repaircafe because you are on "
                                     "the list of recipients of this report.")
    assert message["Subject"] == "Bilan : Tous les groupes, Mai 2025"
    body = message.get_content()
    assert body.startswith("Bonjour,") and attached in body and footer in body

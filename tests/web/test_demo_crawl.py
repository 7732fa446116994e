"""Every page of the demo, opened as each role: nothing answers with a server error.

The demo is built once into a SQLite file; each role signs in and opens every GET route with
real ids, codes and tokens from the demo, then follows the links those pages show (a few per
route), as someone clicking around would.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, col, func, select

from repaircafe import create_app
from repaircafe.accounts.services import accounts, api_tokens
from repaircafe.demo.builder import build_demo
from repaircafe.models import (
    FactorSet,
    Item,
    LabelBatch,
    Owner,
    Part,
    PrinterProfile,
    RecyclingBatch,
    RepairGroup,
    RepairSession,
    ReportRun,
    Site,
    StockBin,
    Tag,
    Territory,
    User,
    utc_now,
)
from tests.conftest import app_config

pytestmark = pytest.mark.slow

ROLES = ("admin", "coordinator", "fixer", "viewer")
LINKS_PER_ROUTE = 3  # links followed per endpoint, beyond the route's own sample values
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("demo-crawl")
    reports = folder / "reports"
    config = app_config(f"sqlite:///{folder / 'demo.sqlite'}", reports={"folder": str(reports)})
    app = create_app(config)
    app.instance_path = str(folder / "instance")
    engine = app.extensions["repaircafe.engine"]
    build_demo(engine, now=utc_now(), reports_folder=str(reports))
    yield app
    engine.dispose()


def _first(session: Session, column: Any, *where: Any, limit: int = 1) -> list[Any]:
    query = select(column)
    for condition in where:
        query = query.where(condition)
    return list(session.exec(query.limit(limit)).all())


def _samples(session: Session) -> dict[str, list[Any]]:
    """Real values for each route argument: one object per state, one part per state, ..."""
    item_ids = [session.exec(select(func.min(Item.id)).where(Item.state == state)).one()
                for state in session.exec(select(Item.state).distinct()).all()]
    part_ids = [session.exec(select(func.min(Part.id)).where(Part.state == state)).one()
                for state in session.exec(select(Part.state).distinct()).all()]
    bin_ids = _first(session, StockBin.id, limit=3)
    codes = [
        *_first(session, Tag.code, col(Tag.item_id).in_(item_ids), Tag.status == "linked",
                limit=len(item_ids)),
        *_first(session, Tag.code, col(Tag.part_id).in_(part_ids), limit=len(part_ids)),
        *_first(session, Tag.code, col(Tag.bin_id).is_not(None)),
        *_first(session, Tag.code, Tag.status == "retired"),
        *_first(session, Tag.code, Tag.status == "issued"),
        "7K3M-9QXA-2", "not-a-code",
    ]
    runs = session.exec(select(ReportRun).limit(6)).all()
    return {
        "item_id": item_ids,
        "part_id": part_ids,
        "bin_id": bin_ids,
        "code": codes,
        "repair_session_id": _first(session, RepairSession.id,
                                    RepairSession.held_on == utc_now().date(), limit=4)
        + _first(session, RepairSession.id),
        "label_batch": _first(session, LabelBatch.id, limit=2),
        "recycling_batch": _first(session, RecyclingBatch.id, limit=3),
        "profile_id": _first(session, PrinterProfile.id, limit=2),
        "owner_token": _first(session, Owner.private_token, limit=2),
        "factor_name": _first(session, FactorSet.name, limit=3),
        "runs": [(run.id, entry.get("format")) for run in runs for entry in run.files or []]
        + [(runs[0].id if runs else 1, "nonsense")],
        "territory_id": _first(session, Territory.id, limit=3),
        "group_id": _first(session, RepairGroup.id, limit=2),
        "site_id": _first(session, Site.id, limit=3),
        "user_id": _first(session, User.id, limit=3),
        "session_id": _first(session, RepairSession.id, limit=3),
        "labels": [("item", i) for i in item_ids[:2]] + [("part", p) for p in part_ids[:2]]
        + [("bin", b) for b in bin_ids[:1]] + [("nonsense", 1)],
    }


def _route_urls(app: Any, s: dict[str, list[Any]]) -> list[str]:
    """Every GET route, with each sample value its arguments can take."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        args = set(rule.arguments)
        path = rule.rule
        if not args:
            urls.append(path)
        elif args == {"item_id"}:
            urls += [path.replace("<int:item_id>", str(i)).replace("<item_id>", str(i))
                     for i in s["item_id"]]
        elif args == {"part_id"}:
            urls += [path.replace("<int:part_id>", str(i)) for i in s["part_id"]]
        elif args == {"bin_id"} and rule.endpoint.startswith(("stock.", "parts.")):
            urls += [path.replace("<int:bin_id>", str(i)) for i in s["bin_id"]]
        elif args == {"batch_id"}:
            key = "label_batch" if rule.endpoint.startswith("labels.") else "recycling_batch"
            urls += [path.replace("<int:batch_id>", str(i)) for i in s[key]]
        elif args == {"code"}:
            urls += [path.replace("<code>", c) for c in s["code"]]
        elif args == {"repair_session_id"}:
            urls += [path.replace("<int:repair_session_id>", str(i))
                     for i in s["repair_session_id"]]
        elif args == {"profile_id"}:
            urls += [path.replace("<int:profile_id>", str(i)) for i in s["profile_id"]]
        elif args == {"token"}:
            values = s["owner_token"] if rule.endpoint.startswith("owners.") else []
            urls += [path.replace("<token>", t) for t in [*values, "no-such-token"]]
        elif args == {"name"}:
            urls += [path.replace("<name>", n) for n in [*s["factor_name"], "nonsense"]]
        elif args == {"run_id", "fmt"}:
            urls += [path.replace("<int:run_id>", str(r)).replace("<fmt>", f)
                     for r, f in s["runs"]]
        elif len(args) == 1 and next(iter(args)) in ("territory_id", "group_id", "site_id",
                                                       "user_id", "session_id"):
            name = next(iter(args))
            urls += [path.replace(f"<int:{name}>", str(i)) for i in s[name]]
        elif args in ({"item_id", "name"}, {"code", "name"}):  # photos: the demo has none
            urls += [path.replace("<int:item_id>", str(s["item_id"][0]))
                     .replace("<code>", s["code"][0]).replace("<name>", "no-such-photo")]
        elif args == {"lang"}:  # the public pages' switch; English again last
            urls += [path.replace("<lang>", lang) + "?next=/items/" for lang in ("fr", "xx", "en")]
        elif args == {"kind", "object_id"}:
            urls += [path.replace("<kind>", k).replace("<int:object_id>", str(i))
                     for k, i in s["labels"]]
        else:
            raise AssertionError(f"no sample values for {rule.rule}: add them to the crawl")
    return urls


def _crawl(app: Any, client: Any, start: list[str], headers: dict[str, str]) -> list[str]:
    """GET the start URLs, then a few links of each endpoint they show; the server errors."""
    adapter = app.url_map.bind("localhost")
    seen, errors, followed = set(), [], Counter[str]()
    queue = list(start)
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            with client.get(url, headers=headers) as response:
                status, html = response.status_code, response.mimetype == "text/html"
                body = response.get_data(as_text=True) if html else ""
        except Exception as exc:  # noqa: BLE001 — testing apps raise what would be a 500
            errors.append(f"{type(exc).__name__} {url}: {exc}")
            continue
        if status >= 500:
            errors.append(f"{status} {url}")
            continue
        for href in HREF.findall(body):
            link = unescape(href)
            path = urlsplit(link).path
            if link in seen or path.startswith("/static/"):
                continue
            try:
                endpoint, _args = adapter.match(path, method="GET")
            except Exception:  # noqa: BLE001 — a link to a POST-only or unknown path
                continue
            if followed[endpoint] < LINKS_PER_ROUTE:
                followed[endpoint] += 1
                queue.append(link)
    return errors


def test_no_page_of_the_demo_answers_with_a_server_error(demo_app):
    engine = demo_app.extensions["repaircafe.engine"]
    with Session(engine, expire_on_commit=False) as session:
        samples = _samples(session)
        tokens = {}
        for role in ROLES:
            user = session.exec(select(User).where(User.username == role)).one()
            tokens[role] = api_tokens.create_token(
                session, name="crawl", actor=accounts.actor_for(user), now=utc_now())[1]
    urls = _route_urls(demo_app, samples)
    assert len(urls) > 100
    errors = []
    anonymous = demo_app.test_client()
    errors += [f"anonymous: {e}" for e in _crawl(demo_app, anonymous, urls, {})]
    for role in ROLES:
        client = demo_app.test_client()
        signed_in = client.post("/login", data={"username": role, "password": "demo"})
        assert signed_in.status_code == 302, role
        pages = [u for u in urls if not u.startswith("/api/")]
        errors += [f"{role}: {e}" for e in _crawl(demo_app, client, pages, {})]
        api = [u for u in urls if u.startswith("/api/")]
        bearer = {"Authorization": f"Bearer {tokens[role]}"}
        errors += [f"{role} (API): {e}" for e in _crawl(demo_app, client, api, bearer)]
    assert errors == []


def test_the_crawl_reaches_the_demo_reports_archive(demo_app):
    """The archived demo reports are on disk where the crawl's app looks for them."""
    folder = Path(demo_app.extensions["repaircafe.settings"].reports.folder)
    assert any(folder.rglob("*.pdf"))

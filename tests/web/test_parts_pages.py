"""Parts, stock and recycling pages: each renders, each form does its one thing."""

import re

from sqlmodel import select

from repaircafe.models import Part, RecyclingRecord
from repaircafe.parts.services.stock import code_of
from tests.factories import make_item
from tests.services.parts_support import make_bin, make_donor, make_recycler


def test_harvest_install_recycle_through_the_pages(client, session, world, login_as):
    login_as("fixer")
    donor = make_donor(session, world, weight=6.0)
    belts = make_bin(session, world, "Belts A")
    recycler = make_recycler(session, world)
    page = client.get(f"/parts/harvest/{donor.id}")
    assert page.status_code == 200 and "Belts A" in page.get_data(as_text=True)
    done = client.post(f"/parts/harvest/{donor.id}", data={
        "key": "k-harvest", "name_0": "Drive belt 5 mm", "type_0": "belt", "weight_0": "0,05",
        "condition_0": "tested", "bin_1": str(belts.id), "bin_0": str(belts.id),
        "name_1": "Motor", "weight_1": "1.5"})
    assert done.status_code == 303
    assert {p.name for p in session.exec(select(Part)).all()} == {"Drive belt 5 mm", "Motor"}
    belt = session.exec(select(Part).where(Part.name == "Drive belt 5 mm")).one()

    listing = client.get("/stock/?q=5+mm+belt+philips").get_data(as_text=True)
    assert "Drive belt 5 mm" in listing and "Motor" not in listing
    assert "Drive belt 5 mm" in client.get(f"/stock/bins/{belts.id}").get_data(as_text=True)

    recipient = make_item(session, world, category="vacuum", brand="Hoover")
    assert "Drive belt 5 mm" in client.get(f"/parts/install/{recipient.id}").get_data(as_text=True)
    fitted = client.post(f"/parts/install/{recipient.id}", follow_redirects=True,
                         data={"key": "k-install", "part_code": code_of(session, part_id=belt.id)})
    assert "Part installed." in fitted.get_data(as_text=True), fitted.get_data(as_text=True)[-3000:]
    session.rollback()  # end the test's read snapshot to see what the request wrote
    session.refresh(belt)
    assert belt.state == "installed" and belt.installed_item_id == recipient.id
    again = client.post(f"/parts/install/{recipient.id}", follow_redirects=True,
                        data={"key": "k-install-2", "part_id": str(belt.id)})
    assert "already installed" in again.get_data(as_text=True)

    item_page = client.get(f"/items/{recipient.id}").get_data(as_text=True)
    assert "Drive belt 5 mm" in item_page and "Received" in item_page
    assert "Given" in client.get(f"/items/{donor.id}").get_data(as_text=True)
    assert client.get(f"/parts/{belt.id}").status_code == 200

    form = client.get(f"/recycling/item/{donor.id}").get_data(as_text=True)
    assert "4.45 kg to recycle" in form and "Cardiff Metal Recovery" in form
    client.post(f"/recycling/item/{donor.id}", data={"key": "k-recycle",
                                                     "recycler_id": str(recycler.id)})
    session.rollback()
    record = session.exec(select(RecyclingRecord)).one()
    assert record.is_estimated and abs(record.total_kg - 4.45) < 1e-9
    client.post("/recycling/batches", data={"recycler_id": str(recycler.id)})
    batch_page = client.get("/recycling/batches/1").get_data(as_text=True)
    assert "RB-00001" in batch_page
    client.post("/recycling/batches/1/add", data={"record_id": str(record.id)})
    client.post("/recycling/batches/1/close", data={"weight_ticket": "WT-1", "ticket_kg": "4.5"})
    pdf = client.get("/recycling/batches/1/transfer-note.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "RB-00001" in client.get("/recycling/").get_data(as_text=True)

    donor_code = code_of(session, item_id=donor.id)
    public = client.get(f"/I/{donor_code}").get_data(as_text=True)
    assert "Drive belt 5 mm" in public and code_of(session, item_id=recipient.id) in public


def test_viewer_cannot_change_stock(client, session, world, login_as):
    donor = make_donor(session, world)
    login_as("viewer")
    assert client.get(f"/parts/harvest/{donor.id}").status_code == 403
    assert client.post("/stock/bins", data={"name": "X"}).status_code == 403


def test_recyclers_are_managed_per_territory(client, session, world, login_as):
    login_as("coordinator")
    client.post("/recycling/recyclers", data={"territory_id": str(world.territory.id),
                                               "name": "Valleys WEEE", "permit_number": "P-9",
                                               "weee": ["2", "5"]})
    page = client.get("/recycling/recyclers").get_data(as_text=True)
    assert "Valleys WEEE" in page and "2,5" in page
    refused = client.post("/recycling/recyclers", follow_redirects=True,
                          data={"territory_id": str(world.other_territory.id), "name": "Elsewhere"})
    assert "Choose one of your territories" in refused.get_data(as_text=True)


def test_from_the_bench_each_parts_flow_returns_to_the_bench(client, session, world, login_as):
    login_as("fixer")
    donor = make_donor(session, world, weight=6.0)
    belts = make_bin(session, world, "Belts B")
    make_recycler(session, world)
    bench = client.get(f"/bench/{donor.id}").get_data(as_text=True)
    assert f"/parts/harvest/{donor.id}?back=bench" in bench
    assert f"/recycling/item/{donor.id}?back=bench" in bench
    harvested = client.post(f"/parts/harvest/{donor.id}?back=bench", data={
        "key": "k-h", "name_0": "Belt", "weight_0": "0.1", "bin_0": str(belts.id)})
    assert harvested.headers["Location"].endswith(f"/bench/{donor.id}#history")
    belt = session.exec(select(Part).where(Part.name == "Belt")).one()
    recipient = make_item(session, world, category="vacuum")
    install_page = client.get(f"/parts/install/{recipient.id}?back=bench").get_data(as_text=True)
    assert f"/parts/install/{recipient.id}?back=bench" in install_page  # the stock list's buttons
    assert f'href="/bench/{recipient.id}"' in install_page
    fitted = client.post(f"/parts/install/{recipient.id}?back=bench", data={
        "key": "k-i", "part_code": code_of(session, part_id=belt.id)})
    assert fitted.headers["Location"].endswith(f"/bench/{recipient.id}#history")
    plain = client.post(f"/parts/harvest/{donor.id}", data={
        "key": "k-h2", "name_0": "Motor", "weight_0": "1", "bin_0": str(belts.id)})
    assert plain.headers["Location"].endswith(f"/items/{donor.id}#parts")


def test_a_refused_recycling_names_the_material_and_keeps_every_mass(client, session, world,
                                                                   login_as):
    login_as("fixer")
    donor = make_donor(session, world, weight=6.0)
    recycler = make_recycler(session, world)
    response = client.post(f"/recycling/item/{donor.id}?back=bench", data={
        "key": "k-r", "recycler_id": str(recycler.id), "kg_steel": "2", "kg_plastics": "-1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mixed WEEE plastics: The weight must be more than 0 kg" in page
    assert 'name="kg_steel" inputmode="decimal" autocomplete="off" value="2"' in page
    assert re.search(r'name="kg_plastics"[^>]*value="-1"[^>]*aria-invalid="true"', page)
    assert session.exec(select(RecyclingRecord)).all() == []
    done = client.post(f"/recycling/item/{donor.id}?back=bench", data={
        "key": "k-r2", "recycler_id": str(recycler.id), "kg_steel": "2"})
    assert done.headers["Location"].endswith(f"/bench/{donor.id}#history")


def test_code_fields_carry_the_shared_scanner_script(client, session, world, login_as):
    login_as("fixer")
    donor = make_donor(session, world)
    page = client.get(f"/parts/harvest/{donor.id}").get_data(as_text=True)
    assert "js/codefields.js" in page and page.count("data-code-field") == 6
    assert "js/codefields.js" in client.get("/stock/").get_data(as_text=True)

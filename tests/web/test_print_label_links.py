"""Part and bin pages offer "Print label" to everyone who records repairs, and the link works."""

from __future__ import annotations

import re

import pytest

from tests.services.parts_support import harvest, make_bin, make_donor


@pytest.fixture
def stocked(session, world):
    belts = make_bin(session, world, "Belts A")
    donor = make_donor(session, world, weight=6.0)
    [belt] = harvest(session, world, donor, belts, ("Drive belt 5 mm", 0.05))
    return belt, belts


def _print_link(html: str) -> str | None:
    match = re.search(r'href="([^"]+)">Print label<', html)
    return match.group(1) if match else None


@pytest.mark.parametrize("role", ["fixer", "coordinator"])
def test_part_and_bin_pages_link_to_a_working_label_page(client, login_as, stocked, role):
    belt, belts = stocked
    login_as(role)
    for page, kind, object_id in ((f"/parts/{belt.id}", "part", belt.id),
                                  (f"/stock/bins/{belts.id}", "bin", belts.id)):
        link = _print_link(client.get(page).get_data(as_text=True))
        assert link == f"/labels/{kind}/{object_id}", page
        label_page = client.get(link)
        assert label_page.status_code == 200
        pdf = re.search(r'href="([^"]+label\.pdf[^"]*)"', label_page.get_data(as_text=True))
        assert pdf, label_page.get_data(as_text=True)[-2000:]
        download = client.get(pdf.group(1).replace("&amp;", "&"))
        assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_viewer_sees_no_print_label_link(client, login_as, stocked):
    belt, belts = stocked
    login_as("viewer")
    assert _print_link(client.get(f"/parts/{belt.id}").get_data(as_text=True)) is None
    assert _print_link(client.get(f"/stock/bins/{belts.id}").get_data(as_text=True)) is None
    assert client.get(f"/labels/part/{belt.id}").status_code == 403

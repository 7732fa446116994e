"""Label contents from the database, blank batches issued once, printer profiles per site."""

from __future__ import annotations

import pytest
from sqlmodel import select

from repaircafe.domain import codes
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.models import LabelBatch, Part, PrinterProfile, StockBin, Tag
from repaircafe.tags.services import label_batches, label_rendering, label_tags, layouts
from repaircafe.tags.services import printers as printer_service
from repaircafe.tags.services.tags import current_tag, issue_tags
from tests.factories import NOW, make_item
from tests.labels.support import decode_label, rasterise

BASE = "https://rc.example.org"


def linked_tag(session, *, group_id, **owner):
    kind = next(k for k in ("item", "part", "bin") if f"{k}_id" in owner)
    tag = Tag(code=codes.new_code(), status="linked", kind=kind, group_id=group_id,
              issued_at=NOW, linked_at=NOW, **owner)
    session.add(tag)
    session.commit()
    return tag


def make_part(session, world, donor=None, name="Heating element"):
    part = Part(group_id=world.group.id, name=name, state="in_stock",
                donor_item_id=donor.id if donor else None)
    session.add(part)
    session.commit()
    linked_tag(session, group_id=world.group.id, part_id=part.id)
    return part


def make_bin(session, world, name="Shelf A"):
    stock_bin = StockBin(group_id=world.group.id, site_id=world.site.id, name=name)
    session.add(stock_bin)
    session.commit()
    linked_tag(session, group_id=world.group.id, bin_id=stock_bin.id)
    return stock_bin


def how(layout="avery_l7160", start=1):
    return layouts.Calibration(layouts.find_layout(layout), start)


def test_second_lines_and_kinds(session, world):
    item = make_item(session, world, category="toaster", brand="Dualit")
    donor_code = current_tag(session, item_id=item.id).code
    from_donor = make_part(session, world, donor=item)
    loose = make_part(session, world, name="Fuse 13 A")
    stock_bin = make_bin(session, world, name="Shelf A")
    blank = issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    tags = [current_tag(session, item_id=item.id), current_tag(session, part_id=from_donor.id),
            current_tag(session, part_id=loose.id), current_tag(session, bin_id=stock_bin.id), blank]
    got = [(c.kind, c.second_line) for c in label_tags.label_contents(session, tags)]
    assert got == [
        ("item", "Toaster"),
        ("part", f"part of {codes.display(donor_code)}"),
        ("part", "Fuse 13 A"),
        ("bin", "Shelf A"),
        ("blank", None),
    ]


def test_blank_batch_is_issued_once_per_key(session, world):
    actor = world.actor("coordinator")
    first = label_batches.issue_blank_batch(session, actor=actor, count=5, how=how(start=3),
                                            now=NOW, key="k-1")
    again = label_batches.issue_blank_batch(session, actor=actor, count=5, how=how(start=3),
                                            now=NOW, key="k-1")
    assert again.id == first.id and len(first.tag_ids) == 5
    tags = session.exec(select(Tag)).all()
    assert len(tags) == 5 and {t.status for t in tags} == {"issued"}
    assert {t.group_id for t in tags} == {world.group.id}
    assert len(session.exec(select(LabelBatch)).all()) == 1
    with pytest.raises(Refused):
        label_batches.issue_blank_batch(session, actor=actor, count=0, how=how(), now=NOW, key="k-2")
    assert len(session.exec(select(Tag)).all()) == 5


def test_batch_pdf_scans_and_preview_is_first_page(session, world):
    actor = world.actor("coordinator")
    batch = label_batches.issue_blank_batch(session, actor=actor, count=4,
                                            how=how("avery_l7651", start=64), now=NOW, key="p")
    calibration = label_batches.batch_calibration(batch)
    tags = label_batches.batch_tags(session, batch)
    contents = label_tags.label_contents(session, tags)
    pdf = label_rendering.render_pdf(contents, calibration, base_url=BASE)
    pages = rasterise(pdf)
    assert len(pages) == 2 == label_rendering.page_count(4, calibration)
    from labels import label_positions
    boxes = label_positions(calibration.layout, 4, 64)
    for tag, box in zip(tags, boxes, strict=True):
        assert [t for t, _, _ in decode_label(pages[box.page], box)] == [f"{BASE.upper()}/I/{tag.code}"]
    first = label_rendering.first_page(contents, calibration)
    assert [c.code for c in first] == [t.code for t in tags[:2]]
    png = label_rendering.preview_png(label_rendering.render_pdf(first, calibration, base_url=BASE),
                                      calibration)
    assert png.startswith(b"\x89PNG")


def test_codes_are_scoped_to_the_group(session, world):
    mine = make_item(session, world)
    theirs = make_item(session, world, repair_session=world.other_session)
    coordinator = world.actor("coordinator")
    my_code = current_tag(session, item_id=mine.id).code
    their_code = current_tag(session, item_id=theirs.id).code
    found = label_tags.tags_for_codes(session, actor=coordinator,
                                      texts=[codes.display(my_code).lower(), my_code, ""])
    assert [t.code for t in found] == [my_code]
    with pytest.raises(NotFound):
        label_tags.tags_for_codes(session, actor=coordinator, texts=[their_code])
    with pytest.raises(NotFound):
        label_tags.tag_for(session, actor=coordinator, kind="item", object_id=theirs.id)
    admin = world.actor("admin")
    assert label_tags.tags_for_codes(session, actor=admin, texts=[their_code])[0].code == their_code
    with pytest.raises(NotFound):
        label_tags.tags_for_session(session, actor=coordinator,
                                    repair_session_id=world.other_session.id)
    session_tags = label_tags.tags_for_session(session, actor=coordinator,
                                               repair_session_id=world.repair_session.id)
    assert [t.code for t in session_tags] == [my_code]


def test_blank_code_cannot_be_reprinted_as_an_object(session, world):
    blank = issue_tags(session, count=1, group_id=world.group.id, now=NOW)[0]
    with pytest.raises(Refused, match="blank"):
        label_tags.tags_for_codes(session, actor=world.actor("coordinator"), texts=[blank.code])


def test_broken_user_layout_is_named_not_fatal(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\ntitle = "Bad"\nkind = "sheet"\n')
    (tmp_path / "good.toml").write_text(
        'name = "tiny_roll"\ntitle = "Tiny roll"\nkind = "roll"\nlabel_width_mm = 50.0\n'
        'label_height_mm = 25.0\nprintable_margin_mm = 1.0\n'
    )
    catalogue = layouts.layout_catalogue([tmp_path])
    assert "tiny_roll" in catalogue.layouts and "avery_l7160" in catalogue.layouts
    assert len(catalogue.problems) == 1 and "bad.toml" in catalogue.problems[0]
    assert "missing key" in catalogue.problems[0]
    with pytest.raises(layouts.LayoutProblem, match="Unknown label layout"):
        layouts.find_layout("nope", [tmp_path])


def test_printer_profiles_per_site(session, world):
    coordinator = world.actor("coordinator")
    data = printer_service.ProfileInput(site_id=world.site.id, name="Office laser",
                                        layout="avery_l7160", offset_x_mm="1,5",
                                        offset_y_mm="-0.8", scale="1")
    profile = printer_service.save_profile(session, actor=coordinator, data=data)
    assert (profile.offset_x_mm, profile.offset_y_mm, profile.scale) == (1.5, -0.8, 1.0)
    assert printer_service.save_profile(session, actor=coordinator, data=data).id == profile.id
    changed = printer_service.ProfileInput(site_id=world.site.id, name="Office laser",
                                           layout="avery_l7160", offset_x_mm="3")
    with pytest.raises(Refused, match="already has a printer"):
        printer_service.save_profile(session, actor=coordinator, data=changed)
    printer_service.save_profile(session, actor=coordinator, data=changed, profile_id=profile.id)
    session.refresh(profile)
    assert profile.offset_x_mm == 3.0
    for bad, message in ((dict(scale="2"), "Scale"), (dict(offset_y_mm="abc"), "number"),
                         (dict(layout="nope"), "Unknown label layout"),
                         (dict(site_id=world.other_site.id), "your sites")):
        fields = dict(site_id=world.site.id, name="Other", layout="avery_l7160") | bad
        with pytest.raises(Refused, match=message):
            printer_service.save_profile(session, actor=coordinator,
                                         data=printer_service.ProfileInput(**fields))
    rows = printer_service.profiles_for(session, actor=coordinator)
    assert [r.profile.name for r in rows] == ["Office laser"]
    how_ = layouts.calibration(session, actor=coordinator, layout_name=None,
                               profile_id=profile.id)
    assert how_.layout.name == "avery_l7160" and how_.offset_mm == (3.0, 0.0)
    with pytest.raises(layouts.LayoutProblem, match="calibrated for layout"):
        layouts.calibration(session, actor=coordinator, layout_name="avery_l7651",
                            profile_id=profile.id)
    other = world.actor("coordinator")
    printer_service.delete_profile(session, actor=other, profile_id=profile.id)
    assert session.exec(select(PrinterProfile)).all() == []

"""Photos at the bench on a tablet: a photo chosen through the file input shows as a thumbnail
in the history, and once marked public on the object's public page."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.tablet import fits_the_width, make_team, open_today


@pytest.fixture(scope="module")
def team(live_server):
    return make_team(live_server, "Photos")


def camera_jpeg() -> bytes:
    """A tablet-camera-like JPEG: large, sideways by its EXIF orientation, with a GPS tag."""
    image = Image.new("RGB", (3200, 2400), (236, 232, 220))
    image.paste((40, 40, 48), (600, 500, 2600, 1900))  # a kettle's dark body
    image.paste((200, 60, 40), (1400, 300, 1800, 500))  # its red lid
    exif = image.getexif()
    exif[0x0112] = 6
    exif.get_ifd(0x8825)[2] = (51.0, 28.0, 40.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def _register(page, brand: str) -> str:
    page.goto("/intake/")
    page.get_by_text("Kettle", exact=True).click()
    page.get_by_label("Brand").fill(brand)
    page.get_by_label("Problem").fill("Lid does not close")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/intake/done/*")
    return page.locator("[data-code]").inner_text()


def test_a_photo_taken_at_the_bench_shows_in_the_history(page, live_server, team, screenshot):
    sign_in(page, team.fixer)
    open_today(page, team)
    code = _register(page, "Russell Hobbs")
    page.get_by_role("link", name="Open at the bench").click()
    page.wait_for_url("**/bench/*")

    form = page.locator("form.photo-add")
    camera = form.locator("input[data-photo-camera]")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    form.locator("input[data-photo-files]").set_input_files(files=[{
        "name": "IMG_20250614_101500.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}])
    form.get_by_label("Caption (optional)").fill("Lid hinge snapped")
    screenshot(page, "photos-00-chosen")
    form.get_by_role("button", name="Save the photos").click()
    expect(page.get_by_text("Photo added.")).to_be_visible()

    entry = page.locator("#history li.k-photo_added")
    thumb = entry.locator("img[data-photo]")
    expect(thumb).to_be_visible()
    expect(entry.get_by_text("Lid hinge snapped")).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())
    # upright (portrait after the EXIF rotation) and thumbnail-sized
    natural = thumb.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert natural == [240, 320]
    assert fits_the_width(page)
    for button in entry.locator("button, summary").all():
        if button.is_visible():
            assert button.bounding_box()["height"] >= 44
    entry.scroll_into_view_if_needed()
    screenshot(page, "photos-01-bench")

    # private until marked public
    visitor = page.context.browser.new_context(viewport={"width": 768, "height": 1024},
                                               base_url=live_server.url)
    public = visitor.new_page()
    public.goto(f"/I/{code}")
    expect(public.locator("img[data-public-photo]")).to_have_count(0)

    entry.get_by_role("button", name="Show on the public page").click()
    expect(page.get_by_text("The photo is now shown on the public page.")).to_be_visible()
    # the passport may be kept by the browser for a minute: ask for it afresh
    public.goto(f"/I/{code}?again")
    shown = public.locator("img[data-public-photo]")
    expect(shown).to_have_count(1)
    public.wait_for_function("img => img.complete && img.naturalWidth > 0",
                             arg=shown.element_handle())
    expect(public.get_by_text("Lid hinge snapped")).to_be_visible()
    assert fits_the_width(public)
    screenshot(public, "photos-02-passport")
    visitor.close()

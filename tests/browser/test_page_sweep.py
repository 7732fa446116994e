"""Every page a volunteer, coordinator or officer opens fits a tablet and a phone.

Each GET route the signed-in admin can open is visited at 768 px and at 390 px wide (with an
owner whose e-mail address is long), and must not scroll sideways; its buttons and fields must
be large enough to tap (44 px), and its text must keep a 4.5:1 contrast with its background.
"""

from __future__ import annotations

from typing import Any

import pytest

from repaircafe.objects.services.intake import OwnerContact
from repaircafe.tags.services.tags import current_tag
from tests.browser.conftest import sign_in
from tests.factories import make_item

WIDTHS = (768, 390)
LONG = OwnerContact(name="Gwenllian Angharad Pritchard-Llewellyn",
                    email="gwenllian.pritchard-llewellyn.longaddress@example.org",
                    phone="029 2087 1234", consent=True)

# Buttons and fields smaller than 44 px high or wide, with where they are.
SMALL_TARGETS = """
() => [...document.querySelectorAll('button, input:not([type=hidden]), select, textarea, summary, a.btn')]
  .filter(e => e.offsetParent !== null)
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.width > 0 && (r.height < 43.5 || r.width < 43.5)
          && !(e.type === 'checkbox' || e.type === 'radio') )
  .map(([e, r]) => `${e.tagName.toLowerCase()} "${(e.innerText || e.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)
"""

LOW_CONTRAST = """
() => {
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = e => { for (let n = e; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3); } return [255, 255, 255]; };
  const found = [];
  for (const e of document.querySelectorAll('body *')) {
    if (!e.offsetParent || ![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const style = getComputedStyle(e); const fg = rgb(style.color);
    if (fg.length === 4 && fg[3] < 0.9) continue;
    const [a, b] = [lum(fg.slice(0, 3)), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) found.push(`"${e.innerText.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
  }
  return found;
}
"""


def _pages(live_server: Any, item_id: int, code: str) -> list[str]:
    """Every GET page without arguments, plus the pages of one object."""
    paths = []
    for rule in live_server.app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "auth.logout",
                                                                   "offline.service_worker",
                                                                   "offline.state"):
            continue
        if rule.rule.startswith("/api/") or rule.endpoint.startswith("language."):
            continue
        if rule.rule.endswith((".zip", ".pdf", ".csv", ".xlsx", ".js", ".json")):
            continue
        if not rule.arguments:
            paths.append(rule.rule)
        elif set(rule.arguments) == {"item_id"} and "photos" not in rule.rule:
            paths.append(rule.rule.replace("<int:item_id>", str(item_id)))
        elif rule.endpoint in ("public.passport", "followups.on_label"):
            paths.append(rule.rule.replace("<code>", code))
    return sorted(set(paths))


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_and_every_target_is_big_enough(browser, live_server, width):
    with live_server.session() as session:
        item = make_item(session, live_server.world, repair_session=live_server.world.other_session,
                         actor="admin", brand="Morphy Richards Accents Collection",
                         model="43777-XL-LongModelName", owner=LONG)
        code = current_tag(session, item_id=item.id).code
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": width, "height": 1024})
    page = context.new_page()
    sign_in(page, "admin")
    overflow, small, faint = [], [], []
    for path in _pages(live_server, item.id, code):
        try:
            response = page.goto(path)
        except Exception:  # noqa: BLE001 - a download, not a page
            continue
        if response is None or response.status >= 400 or "pdf" in (
                response.headers.get("content-type") or "") or not (
                response.headers.get("content-type") or "").startswith("text/html"):
            continue
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            overflow.append(f"{path}: {page.evaluate('document.documentElement.scrollWidth')} px")
        small += [f"{path}: {t}" for t in page.evaluate(SMALL_TARGETS)]
        faint += [f"{path}: {t}" for t in page.evaluate(LOW_CONTRAST)]
    context.close()
    assert not overflow, f"pages wider than {width} px:\n" + "\n".join(overflow)
    assert not small, "touch targets under 44 px:\n" + "\n".join(small[:80])
    assert not faint, "text under 4.5:1 contrast:\n" + "\n".join(faint[:80])

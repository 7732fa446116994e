"""Arranging the tablet-flow browser tests: a café team of their own, labels, a fake camera.

Each test module gets its own group and site (in the world's second territory), so what it
registers never shows up in other tests' lists of the first group.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from PIL import Image

from repaircafe.accounts.services import accounts
from repaircafe.models import RepairGroup, Site, utc_now
from repaircafe.tags.services import tags

PASSWORD = "demo-pass"
LABEL_BASE_URL = "https://rc.example.org"


@dataclass(frozen=True)
class Team:
    group_id: int
    site_id: int
    site_name: str
    fixer: str
    coordinator: str


def make_team(live_server: Any, name: str) -> Team:
    """A group with one site and a fixer and a coordinator account (password demo-pass)."""
    suffix = uuid.uuid4().hex[:6]
    with live_server.session() as session:
        group = RepairGroup(name=f"{name} {suffix}")
        session.add(group)
        session.flush()
        site = Site(name=f"{name} Hall", group_id=group.id,
                    territory_id=live_server.world.other_territory.id)
        session.add(site)
        session.commit()
        users = {}
        for role in ("fixer", "coordinator"):
            users[role] = f"{role}-{suffix}"
            accounts.create_user(session, username=users[role], password=PASSWORD, role=role,
                                 group=group.name, display_name=f"{name} {role}", now=utc_now())
        return Team(group.id, site.id, site.name, users["fixer"], users["coordinator"])


def blank_labels(live_server: Any, team: Team, count: int) -> list[str]:
    """Fresh pre-printed codes for the team's group."""
    with live_server.session() as session:
        issued = tags.issue_tags(session, count=count, group_id=team.group_id, now=utc_now())
        return [tag.code for tag in issued]


def open_today(page: Any, team: Team) -> None:
    """Open today's session for the site, or join it when another tablet already has."""
    page.goto("/board/?change=1")
    opening = page.get_by_role("button", name=team.site_name)
    joining = page.get_by_role("link", name=team.site_name, exact=True)
    opening.or_(joining).first.click()
    page.wait_for_url("**/board/*")


def label_url(code: str) -> str:
    return f"{LABEL_BASE_URL}/I/{code}"


def fake_camera_video(path: Path, payload: str, frames: int = 20) -> Path:
    """A Y4M clip of a printed label held in front of the camera, for Chromium's fake camera."""
    qr = qrcode.make(payload, border=4).get_image().convert("RGB").resize((220, 220),
                                                                         Image.NEAREST)
    label = Image.new("RGB", (260, 290), "white")
    label.paste(qr, (20, 10))
    canvas = Image.new("RGB", (640, 480), (128, 128, 128))
    canvas.paste(label, ((640 - 260) // 2, (480 - 290) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (320, 240)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with path.open("wb") as out:
        out.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
        for _ in range(frames):
            out.write(b"FRAME\n" + planes)
    return path


def fits_the_width(page: Any) -> bool:
    """No horizontal scrolling at the tablet's width."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))

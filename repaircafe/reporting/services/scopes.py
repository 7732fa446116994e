"""Which places a report covers: scopes read from what users write, and who may read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from repaircafe import i18n
from repaircafe.core import access
from repaircafe.domain import periods, vocabulary
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, OutOfScope, Refused
from repaircafe.domain.messages import N_
from repaircafe.domain.periods import Scope
from repaircafe.models import (
    RepairGroup,
    Site,
    Territory,
)

_SCOPE_MODELS: dict[str, Any] = {"territory": Territory, "group": RepairGroup, "site": Site}
# The scope kinds as refusals name them (the ORDS export's scopes too).
SCOPE_KIND_NAMES = {"territory": N_("territory"), "group": N_("group"), "site": N_("site")}


def parse_scope(session: Session, value: str) -> Scope:
    """The scope a user wrote (see `periods.parse_scope`), looked up by name or id: the one
    reader of scopes for reports, dashboards, subscriptions and exports."""
    ref = periods.parse_scope(value)
    if ref.kind == "all":
        return periods.ALL
    model = _SCOPE_MODELS[ref.kind]
    if ref.id is not None:
        row = session.get(model, ref.id)
        rows = [row] if row is not None else []
    else:
        rows = list(session.exec(select(model).where(model.name == ref.name)).all())
    if not rows:
        raise NotFound("No %(kind)s named “%(name)s”.", kind=SCOPE_KIND_NAMES[ref.kind],
                       name=ref.name or f"#{ref.id}")
    if len(rows) > 1:
        ids = ", ".join(f"{ref.kind}:#{r.id}" for r in rows)
        raise Refused("More than one %(kind)s is named “%(name)s”; use one of %(ids)s.",
                      kind=SCOPE_KIND_NAMES[ref.kind], name=ref.name, ids=ids)
    return Scope(ref.kind, rows[0].id, rows[0].name)


def scope_sites(session: Session, scope: Scope) -> list[int] | None:
    """Site ids inside a scope (None: no restriction)."""
    if scope.kind == "all":
        return None
    if scope.kind == "site":
        return [scope.id or 0]
    column = Site.territory_id if scope.kind == "territory" else Site.group_id
    ids = session.exec(select(col(Site.id)).where(col(column) == scope.id)).all()
    return [site_id for site_id in ids if site_id is not None]  # ids are never NULL


def check_scope(session: Session, actor: Actor, scope: Scope) -> Scope:
    """The scope itself, if the actor may read its figures (see core.access)."""
    if not access.report_scope_allowed(session, actor, scope.kind, scope.id):
        raise OutOfScope("This report is outside your area.")
    return scope


def home_scope(session: Session, actor: Actor) -> Scope:
    """The widest scope an actor may see: theirs, or everything for an admin."""
    kind = access.scope_kind(actor)
    if kind == "territory" and actor.territory_id:
        return parse_scope(session, f"territory:#{actor.territory_id}")
    if kind == "group" and actor.group_id:
        return parse_scope(session, f"group:#{actor.group_id}")
    if kind == "all":
        return periods.ALL
    raise NotFound("Your account is not attached to a group or territory.")


@dataclass(frozen=True)
class ScopeChoice:
    key: str  # as parse_scope reads it: ``territory:3``
    label: str
    depth: int  # 0 = the actor's own scope, 1 = inside it


def scope_choices(session: Session, *, actor: Actor) -> list[ScopeChoice]:
    """The scopes an actor may choose, for reports, subscriptions and exports alike: their own
    first, then what lies inside it (sites; for admins, every territory and group too)."""
    home = home_scope(session, actor)
    choices = [ScopeChoice(home.key, home.name or vocabulary.ALL_GROUPS, 0)]
    if home.kind == "all":
        choices += [ScopeChoice(f"territory:{t.id}", t.name, 1)
                    for t in session.exec(select(Territory).order_by(col(Territory.name))).all()]
        choices += [ScopeChoice(f"group:{g.id}", g.name, 1)
                    for g in session.exec(select(RepairGroup).order_by(col(RepairGroup.name)))]
    ids = scope_sites(session, home)
    sites = select(Site).order_by(col(Site.name))
    if ids is not None:
        sites = sites.where(col(Site.id).in_(ids))
    choices += [ScopeChoice(f"site:{s.id}", s.name, 1) for s in session.exec(sites).all()]
    return choices


def scope_label(scope: Scope, language: str) -> str:
    """The scope's name in a report or a mail: a place's own name, or "All groups" translated."""
    if scope.kind == "all":
        return i18n.translations(language).gettext(vocabulary.ALL_GROUPS)
    return scope.name

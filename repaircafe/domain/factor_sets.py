"""Impact factor sets as data: the file format, its checks, and the shipped reference files.

A **factor set** is a versioned CSV shipped in ``repaircafe/factors/`` (or uploaded by an admin):
``meta`` rows (name, version, displacement, per-kg ratios, weight policy) and one ``category`` row
per product category (average weight, pre-use footprint, source). Numbers live in the data files,
never here. Beside the sets, ``factors/`` holds the recycling credits per material
(``materials.csv``), our categories' place in the Restart, EU and ORDS classifications
(``category_map.csv``) and default material splits (``material_splits.csv``).
The rules that turn a record into savings with a set are in ``impact``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from repaircafe.domain.errors import Refused

FACTORS_DIR = Path(__file__).resolve().parent.parent / "factors"
_NOT_SETS = {"materials.csv", "category_map.csv", "material_splits.csv"}

OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")
WEIGHT_POLICIES = ("restart", "measured_first")
EU_REUSE_CATEGORIES = (
    "textiles",
    "electrical_and_electronic_equipment",
    "furniture",
    "construction_materials_and_products",
    "other_products",
)
ORDS_UNPOWERED_GROUPS = ("Bicycle", "Furniture", "Household", "Jewellery", "Textile", "Other")
SET_COLUMNS = (
    "kind",
    "key",
    "value",
    "restart_id",
    "powered",
    "cluster",
    "avg_weight_kg",
    "footprint_kg_co2e",
    "source",
    "note",
)
REQUIRED_META = (
    "name",
    "version",
    "displacement",
    "ratio_powered_kg_co2e_per_kg",
    "ratio_unpowered_kg_co2e_per_kg",
    "weight_policy",
)


class FactorSetError(Refused):
    """A factor-set file that cannot be used; the message names the line and the problem."""


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class CategoryFactor:
    name: str
    powered: bool
    avg_weight_kg: float
    footprint_kg_co2e: float
    source: str
    note: str = ""
    restart_id: int | None = None

    @property
    def is_misc(self) -> bool:
        """A category with no average (Restart's Misc rows): scored by weight or not at all."""
        return self.avg_weight_kg <= 0 or self.footprint_kg_co2e <= 0


@dataclass(frozen=True)
class FactorSet:
    name: str
    version: str
    displacement: float
    ratio_powered: float
    ratio_unpowered: float
    weight_policy: str
    categories: Mapping[str, CategoryFactor]
    description: str = ""
    sources: tuple[str, ...] = ()
    counted_outcomes: tuple[str, ...] = ("fixed",)
    meta_sources: Mapping[str, str] = field(default_factory=dict)  # meta key -> its source

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def category(self, name: str) -> CategoryFactor:
        try:
            return self.categories[name]
        except KeyError:
            raise FactorSetError("factor set %(label)s has no category '%(name)s'",
                                 label=self.label, name=name) from None



@dataclass(frozen=True)
class MaterialCredit:
    material: str
    label: str
    central: float
    low: float
    unit: str
    central_source: str
    central_year: int
    low_source: str
    low_year: int
    note: str = ""


@dataclass(frozen=True)
class MaterialCredits:
    """Recycling credits, kg CO2e avoided per kg of material sent to recycling."""

    rows: Mapping[str, MaterialCredit]

    def factor(self, material: str, value: str = "central") -> float:
        if value not in ("central", "low"):
            raise ValueError(f"value must be 'central' or 'low', not {value!r}")
        try:
            row = self.rows[material]
        except KeyError:
            known = ", ".join(sorted(self.rows))
            raise FactorSetError("unknown material '%(material)s'; known: %(known)s",
                                 material=material, known=known) from None
        return row.central if value == "central" else row.low

    @property
    def sources(self) -> tuple[str, ...]:
        return self.sources_for(self.rows)

    def sources_for(self, materials: Iterable[str]) -> tuple[str, ...]:
        """The sources of the credits of some materials (an iterable of keys), each once."""
        seen: dict[str, None] = {}
        for material in materials:
            row = self.rows.get(material)
            if row is None:
                continue
            for source in (row.central_source, row.low_source):
                if source.strip():
                    seen.setdefault(source, None)
        return tuple(seen)



@dataclass(frozen=True)
class CategoryMapping:
    slug: str
    name: str
    powered: bool
    ords_id: int | None
    restart_category: str
    eu_reuse_category: str
    ords_unpowered_group: str
    weee_category: int | None
    split_profile: str
    note: str = ""
    # "substitute": no factor row of its own, the nearest category's row stands in;
    # "size": one size of several is assumed (a medium laptop). Empty: scored as itself.
    assumption: str = ""


# --------------------------------------------------------------------------- parsing


def _number(text: str, what: str, line: int, *, minimum: float = 0.0) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise FactorSetError("line %(line)s: %(what)s must be a number, got '%(text)s'",
                             line=line, what=what, text=text) from None
    if math.isnan(value) or math.isinf(value):
        raise FactorSetError("line %(line)s: %(what)s must be a finite number, got '%(text)s'",
                             line=line, what=what, text=text)
    if value < minimum:
        raise FactorSetError("line %(line)s: %(what)s must be at least %(minimum)s, got %(text)s",
                             line=line, what=what, minimum=f"{minimum:g}", text=text)
    return value


def parse_factor_set_csv(text: str) -> FactorSet:
    """Read a factor-set CSV; raise :class:`FactorSetError` naming the first problem found.

    Columns: ``kind,key,value,restart_id,powered,cluster,avg_weight_kg,footprint_kg_co2e,
    source,note``.
    ``kind`` is ``meta`` (key/value pairs) or ``category`` (one row per category, ``powered``
    Y/N, weights and footprints in kg, a non-empty ``source``).
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in SET_COLUMNS if c not in header]
    if missing:
        raise FactorSetError("line 1: missing column(s) %(missing)s; expected header: %(header)s",
                             missing=", ".join(missing), header=",".join(SET_COLUMNS))
    meta: dict[str, str] = {}
    at: dict[str, int] = {}  # meta key -> line
    sources: dict[str, None] = {}
    meta_sources: dict[str, str] = {}
    categories: dict[str, CategoryFactor] = {}
    for line, row in enumerate(reader, start=2):
        kind = (row.get("kind") or "").strip()
        key = (row.get("key") or "").strip()
        source = (row.get("source") or "").strip()
        if not kind and not key:
            continue  # blank line
        if not key:
            raise FactorSetError("line %(line)s: empty key", line=line)
        if kind == "meta":
            if key in meta:
                raise FactorSetError("line %(line)s: meta '%(key)s' given twice", line=line, key=key)
            meta[key] = (row.get("value") or "").strip()
            at[key] = line
            if source:
                sources.setdefault(source, None)
                meta_sources[key] = source
        elif kind == "category":
            if key in categories:
                raise FactorSetError("line %(line)s: category '%(key)s' given twice",
                                     line=line, key=key)
            powered = (row.get("powered") or "").strip().upper()
            if powered not in ("Y", "N"):
                raise FactorSetError(
                    "line %(line)s: powered must be Y or N for '%(key)s', got '%(powered)s'",
                    line=line, key=key, powered=powered,
                )
            if not source:
                raise FactorSetError("line %(line)s: category '%(key)s' has no source",
                                     line=line, key=key)
            rid = (row.get("restart_id") or "").strip()
            categories[key] = CategoryFactor(
                name=key,
                powered=powered == "Y",
                avg_weight_kg=_number(row.get("avg_weight_kg") or "", "avg_weight_kg", line),
                footprint_kg_co2e=_number(row.get("footprint_kg_co2e") or "", "footprint_kg_co2e", line),
                source=source,
                note=(row.get("note") or "").strip(),
                restart_id=int(_number(rid, "restart_id", line)) if rid else None,
            )
            sources.setdefault(source, None)
        else:
            raise FactorSetError(
                "line %(line)s: kind must be 'meta' or 'category', got '%(kind)s'",
                line=line, kind=kind)
    absent = [k for k in REQUIRED_META if not meta.get(k)]
    if absent:
        raise FactorSetError("missing meta row(s): %(rows)s", rows=", ".join(absent))
    if not categories:
        raise FactorSetError("no category rows")
    displacement = _number(meta["displacement"], "displacement", at["displacement"])
    if not 0 < displacement <= 1:
        raise FactorSetError(
            "line %(line)s: displacement must be in (0, 1], got %(value)s",
            line=at["displacement"], value=meta["displacement"],
        )
    policy = meta["weight_policy"]
    if policy not in WEIGHT_POLICIES:
        raise FactorSetError(
            "line %(line)s: weight_policy must be one of %(policies)s, got '%(policy)s'",
            line=at["weight_policy"], policies=", ".join(WEIGHT_POLICIES), policy=policy,
        )
    counted = tuple(
        o.strip() for o in meta.get("counted_outcomes", "fixed").split(";") if o.strip()
    )
    bad = [o for o in counted if o not in OUTCOMES]
    if bad:
        raise FactorSetError("counted_outcomes: unknown outcome(s) %(outcomes)s",
                             outcomes=", ".join(bad))
    return FactorSet(
        name=meta["name"],
        version=meta["version"],
        displacement=displacement,
        ratio_powered=_number(
            meta["ratio_powered_kg_co2e_per_kg"],
            "ratio_powered_kg_co2e_per_kg",
            at["ratio_powered_kg_co2e_per_kg"],
        ),
        ratio_unpowered=_number(
            meta["ratio_unpowered_kg_co2e_per_kg"],
            "ratio_unpowered_kg_co2e_per_kg",
            at["ratio_unpowered_kg_co2e_per_kg"],
        ),
        weight_policy=policy,
        categories=categories,
        description=meta.get("description", ""),
        sources=tuple(sources),
        counted_outcomes=counted,
        meta_sources=meta_sources,
    )


def available_factor_sets() -> list[str]:
    """Names of the factor sets shipped with the package."""
    return sorted(p.stem for p in FACTORS_DIR.glob("*.csv") if p.name not in _NOT_SETS)


def load_factor_set(name_or_path: str | Path) -> FactorSet:
    """Load a shipped set by name (``"restart-2021"``) or any factor-set CSV by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = FACTORS_DIR / f"{name_or_path}.csv"
        if not path.is_file():
            raise FactorSetError(
                "no factor set '%(name)s'; available: %(available)s", name=name_or_path,
                available=", ".join(available_factor_sets()),
            )
    return _load_path(str(path.resolve()))


@cache
def _load_path(path: str) -> FactorSet:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FactorSetError("cannot read factor set %(path)s: %(error)s", path=path,
                             error=exc.strerror) from None
    return parse_factor_set_csv(text)


@cache
def load_material_credits(path: str | None = None) -> MaterialCredits:
    p = Path(path) if path else FACTORS_DIR / "materials.csv"
    rows: dict[str, MaterialCredit] = {}
    with p.open(encoding="utf-8", newline="") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            central = _number(r["central"], "central", line)
            low = _number(r["low"], "low", line)
            if low > central:
                raise FactorSetError("line %(line)s: low (%(low)s) above central (%(central)s)",
                                     line=line, low=low, central=central)
            # A material credited nothing (residual waste) needs no source; any other does.
            if central > 0 and (not r["central_source"].strip() or not r["low_source"].strip()):
                raise FactorSetError("line %(line)s: material '%(material)s' has no source",
                                     line=line, material=r["material"])
            rows[r["material"]] = MaterialCredit(
                material=r["material"],
                label=r["label"],
                central=central,
                low=low,
                unit=r["unit"],
                central_source=r["central_source"],
                central_year=int(r["central_year"]),
                low_source=r["low_source"],
                low_year=int(r["low_year"]),
                note=r.get("note") or "",
            )
    return MaterialCredits(rows=rows)


@cache
def load_category_map() -> dict[str, CategoryMapping]:
    """Our category slugs -> Restart category, EU 2021/19 group, ORDS group, WEEE category."""
    out: dict[str, CategoryMapping] = {}
    with (FACTORS_DIR / "category_map.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[r["slug"]] = CategoryMapping(
                slug=r["slug"],
                name=r["name"],
                powered=r["powered"] == "Y",
                ords_id=int(r["ords_id"]) if r["ords_id"] else None,
                restart_category=r["restart_category"],
                eu_reuse_category=r["eu_reuse_category"],
                ords_unpowered_group=r["ords_unpowered_group"],
                weee_category=int(r["weee_category"]) if r["weee_category"] else None,
                split_profile=r["split_profile"],
                note=r["note"],
                assumption=(r.get("assumption") or "").strip(),
            )
    return out


@cache
def load_material_splits() -> dict[str, dict[str, float]]:
    """Default material split per category slug (shares sum to 1)."""
    out: dict[str, dict[str, float]] = {}
    with (FACTORS_DIR / "material_splits.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["category"], {})[r["material"]] = float(r["share"])
    return out



@dataclass(frozen=True)
class FactorSetSummary:
    """Plain data describing a set, for reports (which must not import this package)."""

    name: str
    version: str
    displacement: float
    weight_policy: str
    sources: tuple[str, ...] = field(default_factory=tuple)


def summarise(factor_set: FactorSet) -> FactorSetSummary:
    return FactorSetSummary(
        factor_set.name,
        factor_set.version,
        factor_set.displacement,
        factor_set.weight_policy,
        factor_set.sources,
    )

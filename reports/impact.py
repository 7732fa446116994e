"""Frames -> report figures (pandas). See the package docstring for the input contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from reports.i18n import N_, Catalogue, English, Words, check_language
from reports.survival import Lasting

OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")
# The five product groups of Commission Implementing Decision (EU) 2021/19, in report order.
EU_CATEGORIES = {
    "textiles": N_("Textiles"),
    "electrical_and_electronic_equipment": N_("Electrical and electronic equipment"),
    "furniture": N_("Furniture"),
    "construction_materials_and_products": N_("Construction materials and products"),
    "other_products": N_("Other products"),
}
EU_ORDER = tuple(EU_CATEGORIES)
SUM_COLUMNS = ("waste_prevented_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg")
TIDY_COLUMNS = [
    "period",
    "scope",
    "category",
    "outcome",
    "objects",
    "waste_prevented_kg",
    "co2e_avoided_kg",
    "co2e_avoided_conservative_kg",
    "objects_with_weight",
    "back_in_use_objects",
    "factor_set",
]


@dataclass(frozen=True)
class Names:
    """The English names of the application's vocabulary, as its pages show them.

    They are the catalogue's message ids, so the report's catalogue translates them exactly as
    the pages do. A value missing here falls back to its code, made readable.
    """

    outcomes: Mapping[str, str] = field(default_factory=dict)
    barriers: Mapping[int, str] = field(default_factory=dict)
    materials: Mapping[str, str] = field(default_factory=dict)

    def outcome(self, slug: str) -> str:
        return self.outcomes.get(slug) or slug.replace("_", " ").capitalize()

    def material(self, slug: str) -> str:
        return self.materials.get(slug) or slug.replace("_", " ").capitalize()


@dataclass(frozen=True)
class CategoryAssumption:
    """A category scored through another category's factor row, as the app's category map says.

    ``kind`` is ``substitute`` (no row of its own: the nearest category stands in) or ``size``
    (one size of several is assumed, e.g. a medium laptop). ``scored_as`` is the English name of
    the row used.
    """

    category: str
    kind: str
    scored_as: str


@dataclass(frozen=True)
class DoubtfulWeight:
    """A recorded weight that is probably a typing mistake (see the app's plausibility rule)."""

    code: str  # the object's label code as printed, or "#<id>" when it has no label
    category_name: str
    weight_kg: float
    typical_kg: float | None
    kind: str  # too_heavy / too_light


@dataclass(frozen=True)
class ReportMeta:
    """Everything a report states about itself; plain data, filled in by the app."""

    title: str
    scope_label: str
    period_label: str
    period_start: dt.date
    period_end: dt.date  # inclusive
    language: str = "en"
    factor_set_name: str = "restart-2021"
    factor_set_version: str = "1"
    displacement: float = 0.5
    conservative_set_name: str = "conservative-2021"
    conservative_displacement: float = 0.3
    sources: tuple[str, ...] = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    recomputed_label: str | None = None  # e.g. "restart-2021 v1" when figures were recomputed
    names: Names = field(default_factory=Names)
    # How the central set turns a record into a figure: "restart" (category average for every
    # powered object outside Misc) or "measured_first" (a recorded weight wins).
    weight_policy: str = "restart"
    ratio_powered: float = 32.06679233
    ratio_unpowered: float = 17.70147059
    # Every category scored through another category's row; the report keeps those present.
    assumptions: tuple[CategoryAssumption, ...] = ()
    # Credited objects by the weight their figure rests on: category_average / recorded / none.
    weight_basis: Mapping[str, int] | None = None
    doubtful_weights: tuple[DoubtfulWeight, ...] = ()
    # Providers of imported Open Repair Data Standard records in scope (CC BY-SA 4.0).
    data_providers: tuple[str, ...] = ()
    # Which flows the scope records at all ("parts", "recycling"); None: judged from the frames.
    recorded_flows: frozenset[str] | None = None

    @property
    def factor_set_label(self) -> str:
        return f"{self.factor_set_name} v{self.factor_set_version}"

    @property
    def central_is_conservative(self) -> bool:
        """Figures recomputed under the conservative set itself: there is no range to show."""
        return self.factor_set_name == self.conservative_set_name


@dataclass(frozen=True)
class SuccessRate:
    """The one definition of a repair success rate: fixed objects / objects with a known
    outcome (fixed, repairable or end of life), shown with the share whose outcome is known."""

    fixed: int
    known: int
    objects: int

    @property
    def rate(self) -> float | None:
        return self.fixed / self.known if self.known else None

    @property
    def known_share(self) -> float | None:
        return self.known / self.objects if self.objects else None

    @property
    def unknown_share(self) -> float | None:
        return (self.objects - self.known) / self.objects if self.objects else None


def success_rate(fixed: int, repairable: int, end_of_life: int, unknown: int) -> SuccessRate:
    """Objects counted by outcome -> their success rate (home page, dashboard and reports)."""
    known = int(fixed) + int(repairable) + int(end_of_life)
    return SuccessRate(int(fixed), known, known + int(unknown))


@dataclass(frozen=True)
class Headline:
    objects_received: int
    fixed: int
    repairable: int
    end_of_life: int
    unknown: int
    repair_success_rate: float | None  # fixed / objects with a known outcome
    kg_kept_in_use: float
    co2e_avoided_kg: float
    co2e_avoided_conservative_kg: float
    back_in_use_objects: int
    parts_harvested: int
    parts_reused: int
    parts_reused_kg: float
    parts_co2e_avoided_kg: float
    parts_co2e_avoided_conservative_kg: float
    kg_recycled: float
    recycling_co2e_central_kg: float
    recycling_co2e_low_kg: float
    eu_reused_tonnes: float
    parts_recorded: bool = True  # False: the scope records no parts at all ("Not recorded")
    recycling_recorded: bool = True

    @property
    def success(self) -> SuccessRate:
        return success_rate(self.fixed, self.repairable, self.end_of_life, self.unknown)


@dataclass(frozen=True)
class Coverage:
    objects: int
    with_category: int
    with_weight: int
    fixed: int
    fixed_without_weight: int

    @property
    def share_with_category(self) -> float | None:
        return self.with_category / self.objects if self.objects else None

    @property
    def share_with_weight(self) -> float | None:
        return self.with_weight / self.objects if self.objects else None

    @property
    def without_weight(self) -> int:
        return self.objects - self.with_weight

    @property
    def share_without_weight(self) -> float | None:
        return self.without_weight / self.objects if self.objects else None


@dataclass(frozen=True)
class Report:
    meta: ReportMeta
    headline: Headline
    coverage: Coverage
    monthly: pd.DataFrame
    by_category: pd.DataFrame
    by_outcome: pd.DataFrame
    by_barrier: pd.DataFrame
    by_site: pd.DataFrame
    hierarchy: pd.DataFrame
    recycling_by_material: pd.DataFrame
    eu_reuse: pd.DataFrame
    tidy: pd.DataFrame
    words: Words = field(default_factory=Words)
    # The trend in buckets a chart can show: months up to two years, then quarters, then years.
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend_unit: str = "month"
    # Categories of this report scored through another category's row, with their share.
    assumptions: pd.DataFrame = field(default_factory=pd.DataFrame)
    # How long repairs last, from owners' follow-up answers; None: not asked for.
    lasting: Lasting | None = None


# --------------------------------------------------------------------------- normalisation


def _months(meta: ReportMeta) -> list[str]:
    start = pd.Period(meta.period_start, freq="M")
    end = pd.Period(meta.period_end, freq="M")
    return [str(p) for p in pd.period_range(start, end, freq="M")]


def _month_column(frame: pd.DataFrame, date_column: str) -> pd.Series:
    if "month" in frame.columns:
        col = frame["month"]
        if pd.api.types.is_datetime64_any_dtype(col):
            return col.dt.strftime("%Y-%m")
        return col.map(lambda v: str(pd.Period(v, freq="M")) if pd.notna(v) else None)
    if date_column in frame.columns:
        return pd.to_datetime(frame[date_column]).dt.strftime("%Y-%m")
    raise ValueError(f"frame needs a 'month' or a '{date_column}' column")


def _in_period(frame: pd.DataFrame, column: str, meta: ReportMeta) -> pd.Series:
    dates = pd.to_datetime(frame[column])
    return (
        dates.notna()
        & (dates >= pd.Timestamp(meta.period_start))
        & (dates < pd.Timestamp(meta.period_end) + pd.Timedelta(days=1))
    )


def normalise_records(records: pd.DataFrame) -> pd.DataFrame:
    """Bring a per-record or pre-aggregated records frame to the aggregated shape."""
    df = records.copy()
    if "outcome" not in df.columns:
        raise ValueError("records frame needs an 'outcome' column")
    out = pd.DataFrame(index=df.index)
    out["month"] = _month_column(df, "occurred_on")
    out["objects"] = df["objects"].astype("int64") if "objects" in df.columns else 1
    out["site"] = df["site"].fillna("–").astype(str) if "site" in df.columns else "–"
    category = df["category"] if "category" in df.columns else pd.Series(None, index=df.index)
    out["category"] = category.astype(object).where(category.notna(), None)
    if "category_name" in df.columns:
        out["category_name"] = df["category_name"].where(
            df["category_name"].notna(), out["category"]
        )
    else:
        out["category_name"] = out["category"]
    outcome = df["outcome"].fillna("unknown").astype(str)
    bad = sorted(set(outcome) - set(OUTCOMES))
    if bad:
        raise ValueError(f"unknown outcome(s) {', '.join(bad)}; expected {', '.join(OUTCOMES)}")
    out["outcome"] = outcome
    barrier = df["barrier"] if "barrier" in df.columns else pd.Series(None, index=df.index)
    out["barrier"] = pd.to_numeric(barrier, errors="coerce").astype("Int64")
    for col in SUM_COLUMNS:
        out[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0) if col in df.columns else 0.0
    if "objects_with_weight" in df.columns:
        out["objects_with_weight"] = df["objects_with_weight"].fillna(0).astype("int64")
    elif "weight_kg" in df.columns:
        w = pd.to_numeric(df["weight_kg"], errors="coerce")
        out["objects_with_weight"] = ((w > 0) & w.notna()).astype("int64") * out["objects"]
    else:
        out["objects_with_weight"] = 0
    biu = df["back_in_use"] if "back_in_use" in df.columns else pd.Series(False, index=df.index)
    out["back_in_use"] = biu.fillna(False).astype(bool)
    if "back_in_use_objects" in df.columns:
        out["back_in_use_objects"] = df["back_in_use_objects"].fillna(0).astype("int64")
    else:
        out["back_in_use_objects"] = out["objects"].where(out["back_in_use"], 0)
    if "back_in_use_kg" in df.columns:
        out["back_in_use_kg"] = pd.to_numeric(df["back_in_use_kg"], errors="coerce").fillna(0.0)
    else:
        out["back_in_use_kg"] = out["waste_prevented_kg"].where(out["back_in_use"], 0.0)
    eu = df["eu_reuse_category"] if "eu_reuse_category" in df.columns else None
    out["eu_reuse_category"] = (
        eu.fillna("other_products").astype(str) if eu is not None else "other_products"
    )
    unknown_eu = sorted(set(out["eu_reuse_category"]) - set(EU_ORDER))
    if unknown_eu:
        raise ValueError(f"unknown eu_reuse_category {', '.join(unknown_eu)}")
    return out


def normalise_parts(parts: pd.DataFrame | None, meta: ReportMeta) -> pd.DataFrame:
    """-> one row per event: month, event (harvested/installed), parts, weight_kg, co2e columns."""
    cols = [
        "month",
        "event",
        "site",
        "parts",
        "weight_kg",
        "co2e_avoided_kg",
        "co2e_avoided_conservative_kg",
    ]
    if parts is None or parts.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    df = parts.copy()
    for col in ("weight_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0) if col in df else 0.0
    if "site" not in df:
        df["site"] = "–"
    if "event" in df.columns:
        df["month"] = _month_column(df, "occurred_on")
        df["parts"] = df["parts"].astype("int64") if "parts" in df else 1
        return df[cols].reset_index(drop=True)
    frames = []
    if "harvested_on" in df.columns:
        h = df[_in_period(df, "harvested_on", meta)].copy()
        h["month"] = pd.to_datetime(h["harvested_on"]).dt.strftime("%Y-%m")
        h["event"], h["parts"] = "harvested", 1
        h[["weight_kg", "co2e_avoided_kg", "co2e_avoided_conservative_kg"]] = 0.0
        frames.append(h[cols])
    if "installed_on" in df.columns:
        i = df[_in_period(df, "installed_on", meta)].copy()
        i["month"] = pd.to_datetime(i["installed_on"]).dt.strftime("%Y-%m")
        i["event"], i["parts"] = "installed", 1
        frames.append(i[cols])
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return pd.concat(frames, ignore_index=True)


def normalise_recycling(recycling: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["month", "site", "material", "kg", "co2e_credit_central_kg", "co2e_credit_low_kg"]
    if recycling is None or recycling.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    df = recycling.copy()
    df["month"] = _month_column(df, "recycled_on")
    if "site" not in df:
        df["site"] = "–"
    for col in ("kg", "co2e_credit_central_kg", "co2e_credit_low_kg"):
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0) if col in df else 0.0
    return df[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- aggregation


def _outcome_pivot(rec: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    counts = rec.pivot_table(
        index=keys,
        columns="outcome",
        values="objects",
        aggfunc="sum",
        fill_value=0,
        observed=True,
        dropna=False,
    )
    for o in OUTCOMES:
        if o not in counts.columns:
            counts[o] = 0
    return counts[list(OUTCOMES)].astype("int64")


def _success_rate(fixed: pd.Series | int, known: pd.Series | int):
    if isinstance(known, pd.Series):
        return (fixed / known.where(known > 0)).astype("float64")
    return fixed / known if known else None


def _grouped(rec: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    sums = rec.groupby(keys, dropna=False, observed=True)[
        ["objects", *SUM_COLUMNS, "objects_with_weight", "back_in_use_objects"]
    ].sum()
    piv = _outcome_pivot(rec, keys)
    out = sums.join(piv, how="left").fillna({o: 0 for o in OUTCOMES})
    known = out["fixed"] + out["repairable"] + out["end_of_life"]
    out["success_rate"] = _success_rate(out["fixed"], known)
    return out.reset_index()


def build_report(
    records: pd.DataFrame,
    parts: pd.DataFrame | None,
    recycling: pd.DataFrame | None,
    meta: ReportMeta,
    catalogue: Catalogue | None = None,
    lasting: Lasting | None = None,
) -> Report:
    """Aggregate the three frames into every figure and table a report shows.

    `catalogue` translates into the report's language (see :mod:`reports.i18n`); without one
    the report is in English. `lasting` (see :mod:`reports.survival`) is shown as it is: it
    follows objects from their hand-over, not within the period.
    """
    words = Words(check_language(meta.language), catalogue or English())
    _ = words
    rec = normalise_records(records)
    prt = normalise_parts(parts, meta)
    rcy = normalise_recycling(recycling)
    months = _months(meta)

    total = int(rec["objects"].sum())
    by_outcome_n = rec.groupby("outcome")["objects"].sum().reindex(list(OUTCOMES), fill_value=0)
    fixed_rows = rec["outcome"] == "fixed"

    harvested = prt[prt["event"] == "harvested"]
    installed = prt[prt["event"] == "installed"]

    # EU 2021/19 re-use: objects actually back in use, by the five product categories.
    eu = (
        rec[rec["back_in_use_objects"] > 0]
        .groupby("eu_reuse_category")[["back_in_use_objects", "back_in_use_kg"]]
        .sum()
        .reindex(list(EU_ORDER), fill_value=0)
        .reset_index()
        .rename(
            columns={
                "eu_reuse_category": "eu_category",
                "back_in_use_objects": "objects",
                "back_in_use_kg": "reused_kg",
            }
        )
    )
    eu["objects"] = eu["objects"].astype("int64")
    eu["reused_tonnes"] = eu["reused_kg"] / 1000.0
    eu.insert(1, "label", [words(EU_CATEGORIES[c]) for c in eu["eu_category"]])

    recorded = meta.recorded_flows
    parts_recorded = not prt.empty if recorded is None else "parts" in recorded
    recycling_recorded = not rcy.empty if recorded is None else "recycling" in recorded
    headline = Headline(
        objects_received=total,
        fixed=int(by_outcome_n["fixed"]),
        repairable=int(by_outcome_n["repairable"]),
        end_of_life=int(by_outcome_n["end_of_life"]),
        unknown=int(by_outcome_n["unknown"]),
        repair_success_rate=success_rate(*(int(by_outcome_n[o]) for o in OUTCOMES)).rate,
        kg_kept_in_use=float(rec["waste_prevented_kg"].sum()),
        co2e_avoided_kg=float(rec["co2e_avoided_kg"].sum()),
        co2e_avoided_conservative_kg=float(rec["co2e_avoided_conservative_kg"].sum()),
        back_in_use_objects=int(rec["back_in_use_objects"].sum()),
        parts_harvested=int(harvested["parts"].sum()),
        parts_reused=int(installed["parts"].sum()),
        parts_reused_kg=float(installed["weight_kg"].sum()),
        parts_co2e_avoided_kg=float(installed["co2e_avoided_kg"].sum()),
        parts_co2e_avoided_conservative_kg=float(installed["co2e_avoided_conservative_kg"].sum()),
        kg_recycled=float(rcy["kg"].sum()),
        recycling_co2e_central_kg=float(rcy["co2e_credit_central_kg"].sum()),
        recycling_co2e_low_kg=float(rcy["co2e_credit_low_kg"].sum()),
        eu_reused_tonnes=float(eu["reused_tonnes"].sum()),
        parts_recorded=parts_recorded,
        recycling_recorded=recycling_recorded,
    )
    coverage = Coverage(
        objects=total,
        with_category=int(rec.loc[rec["category"].notna(), "objects"].sum()),
        with_weight=int(rec["objects_with_weight"].sum()),
        fixed=int(by_outcome_n["fixed"]),
        fixed_without_weight=int(
            (rec.loc[fixed_rows, "objects"] - rec.loc[fixed_rows, "objects_with_weight"]).sum()
        ),
    )

    # Monthly trend over every month of the period, empty months included.
    monthly = _grouped(rec, ["month"]).set_index("month")
    monthly = monthly.reindex(sorted(set(months) | set(monthly.index)), fill_value=0)
    monthly["parts_reused"] = installed.groupby("month")["parts"].sum()
    monthly["kg_recycled"] = rcy.groupby("month")["kg"].sum()
    monthly = monthly.fillna({"parts_reused": 0, "kg_recycled": 0.0})
    monthly["parts_reused"] = monthly["parts_reused"].astype("int64")
    known_m = monthly["fixed"] + monthly["repairable"] + monthly["end_of_life"]
    monthly["success_rate"] = _success_rate(monthly["fixed"], known_m)
    monthly = monthly.rename_axis("month").reset_index()[
        ["month", "objects", *OUTCOMES, "success_rate", *SUM_COLUMNS, "parts_reused", "kg_recycled"]
    ]
    unit = trend_unit(meta.period_start, meta.period_end)

    cat = rec.assign(
        category=rec["category"].fillna(""),
        category_name=[words.name(name, fallback=str(slug or ""))
                       for slug, name in zip(rec["category"], rec["category_name"].fillna(""),
                                             strict=True)],
    )
    by_category = _grouped(cat, ["category", "category_name"])
    by_category.loc[by_category["category"] == "", "category_name"] = _("No category")
    by_category = by_category.sort_values(["objects", "category_name"], ascending=[False, True])
    by_category = by_category[
        [
            "category",
            "category_name",
            "objects",
            *OUTCOMES,
            "success_rate",
            *SUM_COLUMNS,
            "objects_with_weight",
        ]
    ].reset_index(drop=True)

    by_outcome = (
        rec.groupby("outcome")[["objects", *SUM_COLUMNS]]
        .sum()
        .reindex(list(OUTCOMES), fill_value=0)
        .rename_axis("outcome")
        .reset_index()
    )
    by_outcome["objects"] = by_outcome["objects"].astype("int64")
    by_outcome.insert(1, "label", [words(meta.names.outcome(o)) for o in OUTCOMES])
    by_outcome["share"] = by_outcome["objects"] / total if total else float("nan")

    eol = rec[rec["outcome"] == "end_of_life"]
    by_barrier = (
        eol.groupby("barrier", dropna=False)["objects"].sum().reset_index()
        if not eol.empty
        else pd.DataFrame(
            {"barrier": pd.Series(dtype="Int64"), "objects": pd.Series(dtype="int64")}
        )
    )
    by_barrier["label"] = [_barrier_label(b, meta.names, words) for b in by_barrier["barrier"]]
    eol_total = int(eol["objects"].sum())
    by_barrier["share"] = by_barrier["objects"] / eol_total if eol_total else float("nan")
    by_barrier = by_barrier.sort_values("barrier", na_position="last")[
        ["barrier", "label", "objects", "share"]
    ].reset_index(drop=True)

    by_site = _grouped(rec, ["site"])
    recycled_by_site = rcy.groupby("site")["kg"].sum().to_dict()
    by_site["kg_recycled"] = [float(recycled_by_site.get(site, 0.0)) for site in by_site["site"]]
    by_site = by_site.sort_values(["objects", "site"], ascending=[False, True])[
        ["site", "objects", *OUTCOMES, "success_rate", *SUM_COLUMNS, "kg_recycled"]
    ].reset_index(drop=True)

    refurbished_kg = float(rec.loc[~fixed_rows, "back_in_use_kg"].sum())
    hierarchy = pd.DataFrame(
        {
            "level": ["prevention", "preparing_reuse", "recycling", "not_recorded"],
            "label": [
                _("Prevention: repaired and kept in use"),
                _("Preparing for re-use: refurbished objects and reused parts"),
                _("Recycling"),
                _("End of life, fate not recorded"),
            ],
            "kg": [
                headline.kg_kept_in_use - refurbished_kg,
                refurbished_kg + headline.parts_reused_kg,
                headline.kg_recycled if recycling_recorded else float("nan"),
                float("nan"),
            ],
            "objects": [
                headline.fixed,
                headline.back_in_use_objects
                - int(rec.loc[fixed_rows, "back_in_use_objects"].sum())
                + headline.parts_reused,
                pd.NA,
                headline.end_of_life,
            ],
        }
    )

    recycling_by_material = (
        rcy.groupby("material")[["kg", "co2e_credit_central_kg", "co2e_credit_low_kg"]]
        .sum()
        .sort_values("kg", ascending=False)
        .reset_index()
    )
    recycling_by_material.insert(
        1, "label", [words(meta.names.material(m)) for m in recycling_by_material["material"]]
    )

    tidy = (
        rec.assign(category=rec["category"].fillna("uncategorised"))
        .groupby(["month", "category", "outcome"], observed=True)[
            ["objects", *SUM_COLUMNS, "objects_with_weight", "back_in_use_objects"]
        ]
        .sum()
        .reset_index()
        .rename(columns={"month": "period"})
    )
    tidy.insert(1, "scope", meta.scope_label)
    tidy["factor_set"] = meta.factor_set_label
    tidy = tidy.sort_values(["period", "category", "outcome"]).reset_index(drop=True)[TIDY_COLUMNS]

    return Report(
        meta=meta,
        headline=headline,
        coverage=coverage,
        monthly=monthly,
        by_category=by_category,
        by_outcome=by_outcome,
        by_barrier=by_barrier,
        by_site=by_site,
        hierarchy=hierarchy,
        recycling_by_material=recycling_by_material,
        eu_reuse=eu,
        tidy=tidy,
        words=words,
        trend=_trend(monthly, unit, words),
        trend_unit=unit,
        assumptions=_assumptions(by_category, meta, headline.co2e_avoided_kg, words),
        lasting=lasting,
    )


MONTHLY_UP_TO = 24  # months; a longer period is shown by quarter
QUARTERLY_UP_TO = 72  # months; a longer period still is shown by year
TREND_COLUMNS = ["objects", *OUTCOMES, *SUM_COLUMNS, "parts_reused", "kg_recycled"]


def trend_unit(start: dt.date, end: dt.date) -> str:
    """The bucket a trend chart reads best in: month, quarter or year, by the period's length."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    if months <= MONTHLY_UP_TO:
        return "month"
    return "quarter" if months <= QUARTERLY_UP_TO else "year"


def bucket_of(month: str, unit: str) -> str:
    """'2025-08' -> '2025-08', '2025-Q3' or '2025'."""
    if unit == "month":
        return month
    if unit == "quarter":
        return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"
    return month[:4]


def _trend(monthly: pd.DataFrame, unit: str, words: Words) -> pd.DataFrame:
    """The monthly rows summed into `unit` buckets, with a success rate per bucket."""
    frame = monthly.assign(bucket=[bucket_of(m, unit) for m in monthly["month"]])
    out = frame.groupby("bucket", sort=True)[TREND_COLUMNS].sum().reset_index()
    out["success_rate"] = _success_rate(
        out["fixed"], out["fixed"] + out["repairable"] + out["end_of_life"])
    if unit == "quarter" and words.language == "fr":
        out["label"] = [b.replace("-Q", "-T") for b in out["bucket"]]
    else:
        out["label"] = out["bucket"]
    return out[["bucket", "label", *TREND_COLUMNS[:5], "success_rate", *TREND_COLUMNS[5:]]]


def _assumptions(by_category: pd.DataFrame, meta: ReportMeta, total_co2e: float,
                 words: Words) -> pd.DataFrame:
    """Categories of the report scored through another category's row: objects, CO2e and the
    share of the report's CO2e that rests on the stand-in row."""
    columns = ["category", "category_name", "kind", "scored_as", "objects", "fixed",
               "co2e_avoided_kg", "share_of_co2e"]
    present = by_category.set_index("category")
    rows = []
    for a in meta.assumptions:
        if a.category not in present.index:
            continue
        r = present.loc[a.category]
        co2e = float(r["co2e_avoided_kg"])
        rows.append((a.category, r["category_name"], a.kind, words.name(a.scored_as),
                     int(r["objects"]), int(r["fixed"]), co2e,
                     co2e / total_co2e if total_co2e > 0 else float("nan")))
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["kind", "co2e_avoided_kg"], ascending=[False, False]
                             ).reset_index(drop=True)


def _barrier_label(code: object, names: Names, words: Words) -> str:
    """The barrier's name, or "No barrier recorded" for an end-of-life object without one."""
    try:
        name = names.barriers.get(int(float(str(code))))
    except (TypeError, ValueError):
        name = None
    return words(name) if name else words(N_("No barrier recorded"))

"""A small, hand-computed fixture: ten objects, three parts, three recycling lines, Q1 2025."""

import datetime as dt

import pandas as pd
import pytest

from repaircafe.i18n import translations
from repaircafe.reporting.services.reporting import NAMES
from reports import ReportMeta

U = 17.70147059  # Restart's unpowered per-kg ratio


def _records() -> pd.DataFrame:
    rows = [
        # date, site, category, name, outcome, barrier, weight, source, waste, co2, cons, biu, eu
        (
            "2025-01-10",
            "Site A",
            "laptop",
            "Laptop",
            "fixed",
            None,
            None,
            None,
            1.83,
            132.66,
            79.596,
            True,
            "electrical_and_electronic_equipment",
        ),
        (
            "2025-01-10",
            "Site A",
            "kettle",
            "Kettle",
            "fixed",
            None,
            1.3,
            "measured",
            1.25,
            22.16,
            13.296,
            True,
            "electrical_and_electronic_equipment",
        ),
        (
            "2025-01-24",
            "Site B",
            "toaster",
            "Toaster",
            "end_of_life",
            1,
            None,
            None,
            0,
            0,
            0,
            False,
            "electrical_and_electronic_equipment",
        ),
        (
            "2025-02-07",
            "Site A",
            "bicycle",
            "Bicycle",
            "fixed",
            None,
            None,
            None,
            15.1,
            74.8,
            44.88,
            True,
            "other_products",
        ),
        (
            "2025-02-07",
            "Site B",
            "clothing-textile",
            "Clothing/textile",
            "fixed",
            None,
            0.5,
            "estimated",
            0.5,
            0.5 * U * 0.5,
            0.5 * U * 0.3,
            True,
            "textiles",
        ),
        (
            "2025-02-21",
            "Site B",
            None,
            None,
            "unknown",
            None,
            None,
            None,
            0,
            0,
            0,
            False,
            "other_products",
        ),
        (
            "2025-03-07",
            "Site A",
            "mobile",
            "Mobile",
            "repairable",
            None,
            None,
            None,
            0,
            0,
            0,
            False,
            "electrical_and_electronic_equipment",
        ),
        (
            "2025-03-07",
            "Site A",
            "vacuum",
            "Vacuum",
            "end_of_life",
            2,
            7.0,
            "measured",
            0,
            0,
            0,
            False,
            "electrical_and_electronic_equipment",
        ),
        (
            "2025-03-21",
            "Site B",
            "furniture",
            "Furniture",
            "fixed",
            None,
            None,
            None,
            29.81,
            33.565,
            20.139,
            True,
            "furniture",
        ),
        (
            "2025-03-21",
            "Site B",
            "lamp",
            "Lamp",
            "end_of_life",
            None,
            None,
            None,
            0,
            0,
            0,
            False,
            "electrical_and_electronic_equipment",
        ),
    ]
    cols = [
        "occurred_on",
        "site",
        "category",
        "category_name",
        "outcome",
        "barrier",
        "weight_kg",
        "weight_source",
        "waste_prevented_kg",
        "co2e_avoided_kg",
        "co2e_avoided_conservative_kg",
        "back_in_use",
        "eu_reuse_category",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df.insert(0, "record_id", range(1, len(df) + 1))
    df["occurred_on"] = pd.to_datetime(df["occurred_on"]).dt.date
    return df


@pytest.fixture
def records() -> pd.DataFrame:
    return _records()


@pytest.fixture
def parts() -> pd.DataFrame:
    return _parts()


@pytest.fixture
def recycling() -> pd.DataFrame:
    return _recycling()


def _parts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "harvested_on": pd.to_datetime(["2025-01-24", "2025-02-07", "2024-12-01"]),
            "installed_on": pd.to_datetime(["2025-03-07", None, "2025-02-21"]),
            "weight_kg": [0.2, 0.4, 0.1],
            "co2e_avoided_kg": [14.5, 0.0, 5.0],
            "co2e_avoided_conservative_kg": [8.7, 0.0, 3.0],
            "category": ["laptop", "vacuum", "kettle"],
        }
    )


def _recycling() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recycled_on": pd.to_datetime(["2025-01-24", "2025-03-07", "2025-03-07"]),
            "site": ["Site B", "Site A", "Site A"],
            "material": ["steel", "glass", "aluminium"],
            "kg": [5.0, 2.0, 1.0],
            "co2e_credit_central_kg": [10.1, 0.62, 10.06],
            "co2e_credit_low_kg": [10.1, 0.40, 7.93],
        }
    )


def make_meta(language: str = "en", **kw) -> ReportMeta:
    base = dict(
        title="Circularity report" if language == "en" else "Rapport de circularité",
        scope_label="Ville de Testbourg",
        period_label="Q1 2025" if language == "en" else "1er trimestre 2025",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 3, 31),
        language=language,
        sources=(
            "Restart Project, Fixometer reference data (2021), DOI 10.5281/zenodo.5900046",
            "US EPA WARM v16 (2023)",
        ),
        generated_at=dt.datetime(2025, 4, 1, 6, 0, tzinfo=dt.UTC),
        names=NAMES,
    )
    base.update(kw)
    return ReportMeta(**base)


@pytest.fixture
def meta() -> ReportMeta:
    return make_meta()


@pytest.fixture
def meta_for():
    """make_meta as a fixture: meta_for("fr", period_label=...)."""
    return make_meta


@pytest.fixture
def french():
    """The application's French catalogue, as the app hands it to the reports."""
    return translations("fr")

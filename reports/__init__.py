"""Impact aggregation and report rendering: plain frames in, bytes out (no Flask, no database).

Entry points::

    report = build_report(records, parts, recycling, meta, catalogue)   # -> Report
    render_pdf(report) -> bytes      render_csv(report) -> bytes      render_xlsx(report) -> bytes

Impact figures are computed by the app when a record is made (``repaircafe.domain.impact``) and
stored; reports only **sum** them, so a published report never changes when factors change.

Input contract
--------------
``records`` - the primary input is **pre-aggregated** (the app groups in SQL for 1M-row scale):
one row per (month, site, category, outcome, barrier, back_in_use, eu_reuse_category) group.
A per-record frame is the special case ``objects == 1`` and works unchanged.

===============================  ==========================================================
column                           meaning
===============================  ==========================================================
``month`` *or* ``occurred_on``   ``"YYYY-MM"`` / Period / date; or a date per record
``objects``                      number of objects in the group (default 1)
``outcome``                      ``fixed`` / ``repairable`` / ``end_of_life`` / ``unknown``
                                 (null = unknown; anything else is refused)
``site``                         site name (optional; also ``group``/``territory`` are ignored)
``category``                     our category slug, null when the object has none
``category_name``                English name, as the catalogue knows it (default: slug)
``barrier``                      ORDS barrier code 1-6 or null (end of life only)
``waste_prevented_kg``           sum of stored waste-prevented kg (central set)
``co2e_avoided_kg``              sum of stored CO2e avoided, central factor set
``co2e_avoided_conservative_kg`` sum of stored CO2e avoided, conservative factor set
``objects_with_weight``          objects with a recorded weight (per-record frames may give
                                 ``weight_kg`` instead: non-null and > 0 counts)
``back_in_use``                  bool: repaired and returned, or refurbished and handed over
``back_in_use_objects``          optional count (default: ``objects`` where ``back_in_use``)
``back_in_use_kg``               optional mass back in use (default: ``waste_prevented_kg``
                                 where ``back_in_use``)
``eu_reuse_category``            one of the five EU 2021/19 groups: ``textiles``,
                                 ``electrical_and_electronic_equipment``, ``furniture``,
                                 ``construction_materials_and_products``, ``other_products``
                                 (from ``repaircafe/factors/category_map.csv``; default other)
===============================  ==========================================================

``parts`` (optional) - either events ``month, event ("harvested"|"installed"), parts, weight_kg,
co2e_avoided_kg, co2e_avoided_conservative_kg[, site]`` (pre-aggregated), or one row per part
with ``harvested_on, installed_on, weight_kg, co2e_avoided_kg, co2e_avoided_conservative_kg``;
per-part dates are filtered to the report period, a part counts as harvested in the month it was
harvested and as reused (with its weight and CO2e) in the month it was installed.

``recycling`` (optional) - ``month`` or ``recycled_on``, ``material`` (slug of
``materials.csv``), ``kg``, ``co2e_credit_central_kg``, ``co2e_credit_low_kg``[, ``site``].

``meta`` - :class:`ReportMeta`: title, scope and period labels, period start/end (inclusive),
language (``en``/``fr``), central and conservative factor-set names, version, displacements,
the list of sources for the appendix, ``generated_at`` and an optional "recomputed under set X"
label, and :class:`Names`: the English names of outcomes, barriers and materials. What the
report discloses beside its figures is plain data too: the central set's weight policy and
per-kg ratios (for the methodology), :class:`CategoryAssumption` rows (categories scored through
another category's row; the report keeps those present and computes their share of the CO2e),
the credited objects by the weight they rest on, :class:`DoubtfulWeight` rows, the providers of
imported Open Repair Data Standard records (CC BY-SA 4.0 attribution) and the flows the area
records at all (a flow it never records reads "Not recorded", not 0).
Records and recycling frames are expected to be already filtered to scope and period;
the monthly trend shows every month from ``period_start`` to ``period_end``.

``lasting`` (optional) - :class:`reports.survival.Lasting`: how long repairs last, a
Kaplan–Meier table per category from owners' "still working?" answers, with counts at risk, the
objects censored and those never heard of. It follows objects from their hand-over up to its
``known_at`` day, so it is not cut to the period.

``catalogue`` - the translations of ``meta.language`` (anything with ``gettext``: the
application's catalogue, see :mod:`reports.i18n`). Every text of a report, and every English
name given as data (``category_name``, :class:`Names`), goes through it; without one the report
is in English.
"""

from reports.i18n import Words
from reports.impact import (
    CategoryAssumption,
    Coverage,
    DoubtfulWeight,
    Headline,
    Names,
    Report,
    ReportMeta,
    SuccessRate,
    build_report,
    success_rate,
)
from reports.pdf import render_pdf
from reports.survival import Followed, Lasting, lasting
from reports.tables import SHEETS, render_csv, render_xlsx

__all__ = [
    "CategoryAssumption",
    "Coverage",
    "DoubtfulWeight",
    "Followed",
    "Lasting",
    "lasting",
    "SuccessRate",
    "success_rate",
    "Headline",
    "Names",
    "Report",
    "ReportMeta",
    "SHEETS",
    "build_report",
    "render_csv",
    "render_pdf",
    "render_xlsx",
    "Words",
]

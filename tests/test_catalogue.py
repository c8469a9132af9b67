"""The catalogue is the contract: every KPI is well-formed, computable, tested and documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kpi.catalogue import CATALOGUE, KPI, Dim, Direction, Formula, Unit, get_kpi
from kpi.sources import RELATIONS

ROOT = Path(__file__).resolve().parent.parent
ISSUE_KPIS = {
    "scrap_rate", "rework_rate", "yield", "availability", "performance", "oee", "oee_quality",
    "downtime_minutes", "unplanned_downtime_minutes", "stops", "mttr_minutes", "mtbf_minutes",
    "units_produced", "units_scrapped", "otd", "otif", "days_late", "supplier_otd", "supplier_otif",
    "defects",
    "defects_per_unit",
}  # fmt: skip
ALL = list(CATALOGUE.values())


def test_issue_kpis_are_all_declared():
    assert set(CATALOGUE) == ISSUE_KPIS


@pytest.mark.parametrize("kpi", ALL, ids=lambda k: k.name)
def test_entry_is_well_formed(kpi: KPI):
    assert isinstance(kpi.unit, Unit) and isinstance(kpi.direction, Direction)
    assert kpi.label and kpi.definition and kpi.inputs and kpi.dims
    assert all(isinstance(d, Dim) for d in kpi.dims)
    assert (kpi.denominator is None) == (kpi.formula is Formula.SUM)
    assert all(f in CATALOGUE for f in kpi.factors)


@pytest.mark.parametrize("kpi", ALL, ids=lambda k: k.name)
def test_expressions_use_only_source_measures(kpi: KPI):
    for rel in RELATIONS[kpi.source]:
        names = set(rel.measures)
        for expr in (kpi.numerator, kpi.denominator or "", kpi.empty_when or ""):
            words = set(re.findall(r"[a-z_]+", expr.lower())) - {"nullif"}
            assert words <= names, (rel.name, words - names)


@pytest.mark.parametrize("kpi", ALL, ids=lambda k: k.name)
def test_dims_served_by_the_raw_relation(kpi: KPI):
    raw = RELATIONS[kpi.source][-1]
    assert raw.raw and set(kpi.dims) <= set(raw.dims)


@pytest.mark.parametrize("name", sorted(ISSUE_KPIS))
def test_every_kpi_has_a_golden_case_and_docs(name: str):
    golden = (ROOT / "tests" / "test_metrics_golden.py").read_text()
    assert f'"{name}"' in golden, f"{name} has no golden test"
    readme = (ROOT / "README.md").read_text()
    docs = readme[readme.index("## KPI definitions") :]
    assert f"`{name}`" in docs, f"{name} is not documented in the README's KPI definitions"


def test_unknown_kpi_message_lists_choices():
    with pytest.raises(KeyError, match="choose from"):
        get_kpi("oeee")

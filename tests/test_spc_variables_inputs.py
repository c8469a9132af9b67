"""Bad readings and impossible settings give one clear message naming row and column."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi.spc_rules import Rule
from kpi.spc_variables import VariablesError, suggest_chart, variables_chart
from tests.pistonrings import readings


def test_bad_values_are_reported_by_row_and_column_all_at_once():
    data = readings([(1.0, 2.0), (3.0, 4.0)]).astype({"value": object, "subgroup_start": object})
    data.loc[1, "value"] = "1_5"
    data.loc[3, "subgroup_start"] = "yesterday"
    with pytest.raises(VariablesError) as err:
        variables_chart(data, "xbar-r")
    message = str(err.value)
    assert "row 2, column value: '1_5' is not a finite number" in message
    assert "row 4, column subgroup_start: 'yesterday' is not a date/time" in message


def test_missing_columns_are_named():
    with pytest.raises(VariablesError, match="subgroup_start"):
        variables_chart(pd.DataFrame({"subgroup": [1], "value": [1.0]}), "imr")


@pytest.mark.parametrize(
    ("groups", "chart", "message"),
    [
        ([(1.0, 2.0), (1.0, 2.0, 3.0)], "xbar-r", "use xbar-s"),
        ([tuple(range(11)), tuple(range(11))], "xbar-r", "between 2 and 10"),
        ([(1.0,), (1.0, 2.0)], "xbar-s", "use imr"),
        ([(1.0, 2.0), (3.0,)], "imr", "one reading per subgroup"),
    ],
)
def test_a_chart_that_does_not_fit_the_subgroups_says_which_to_use(groups, chart, message):
    with pytest.raises(VariablesError, match=message):
        variables_chart(readings(groups), chart)


def test_a_baseline_without_subgroups_or_backwards_is_refused():
    data = readings([(1.0, 2.0), (3.0, 4.0)])
    with pytest.raises(VariablesError, match="no subgroup is left"):
        variables_chart(data, "xbar-r", baseline=("2020-01-01", "2020-01-02"))
    with pytest.raises(VariablesError, match="after it ends"):
        variables_chart(data, "xbar-r", baseline=("2026-02-01", "2026-01-01"))


def test_no_readings_give_an_empty_chart_not_an_error():
    empty = readings([]).reindex(columns=["subgroup", "subgroup_start", "value"])
    chart = variables_chart(empty, "xbar-s")
    assert chart.empty and chart.signals == [] and chart.explain().empty


def test_subgroups_are_ordered_by_start_and_nelson_rules_can_be_chosen():
    """Nine increasing-in-time subgroups above the centre fire Nelson 2 at the ninth."""
    groups = [(0.0, 0.2)] * 9 + [(-1.0, -0.8)] * 9
    data = readings(groups).sample(frac=1.0, random_state=3)  # shuffled rows
    chart = variables_chart(data, "xbar-r", rules="nelson")
    assert list(chart.frame["subgroup"]) == list(range(1, 19))
    assert Rule.N2 in {s.rule for s in chart.signals if s.index == 8}
    assert set(chart.explain()["panel"]) == {"location"}


def test_start_times_given_as_text_are_refused_not_guessed():
    """pandas would read 3/1/2026 as 1 March; text must be parsed by the data side."""
    data = readings([(1.0, 2.0), (3.0, 4.0)]).astype({"subgroup_start": object})
    data.loc[0, "subgroup_start"] = "3/1/2026"
    with pytest.raises(VariablesError, match="row 1, column subgroup_start: '3/1/2026'"):
        variables_chart(data, "xbar-r")
    data.loc[0, "subgroup_start"] = dt.date(2026, 1, 5)  # a date object is a time, though
    assert len(variables_chart(data, "xbar-r").frame) == 2


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([(1.0,), (2.0,)], "imr"),
        ([(1.0, 2.0), (3.0, 4.0)], "xbar-r"),
        ([(1.0, 2.0), (3.0, 4.0, 5.0)], "xbar-s"),
        ([tuple(range(12))] * 2, "xbar-s"),
    ],
)
def test_suggested_chart_follows_the_subgroup_sizes(groups, expected):
    assert suggest_chart(readings(groups)) == expected

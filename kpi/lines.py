"""A line is a line of a plant: (plant, line) is its identity, and a machine's is
(plant, line, machine).

Why: line names repeat across plants (the demo has L2 in Plant 1 and in Plant 2).
Grouping or filtering by ``line`` alone pooled them, and a plant's target reached a
line only when the query also split by plant. So every query that splits or filters by
line or machine also splits by what they belong to, unless it filters on it: the rows
then carry their plant, labels name it, and targets are inherited from it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kpi.catalogue import Dim

# a dimension and the dimensions it belongs to, outermost first
OWNERS: dict[Dim, tuple[Dim, ...]] = {
    Dim.LINE: (Dim.PLANT,),
    Dim.MACHINE: (Dim.PLANT, Dim.LINE),
}
LABEL = "line_label"


class AmbiguousLine(ValueError):
    """A line (or machine) name filtered without its plant matches lines of several plants."""


def one_plant(df: pd.DataFrame, where: dict[str, str]) -> None:
    """Raise ``AmbiguousLine`` when a frame asked for one line holds several plants' lines."""
    if "plant" in df.columns and df["plant"].nunique() > 1:
        plants = ", ".join(sorted(map(str, df["plant"].unique())))
        named = ", ".join(f"{k}={v}" for k, v in sorted(where.items()))
        raise AmbiguousLine(f"{named} exists in {plants}: choose a plant too (plant=...)")


def with_owners(
    by: Iterable[Dim], where: Iterable[Dim], applicable: Iterable[Dim]
) -> tuple[Dim, ...]:
    """``by`` with the owners of every line/machine split or filter added in front of it,
    except owners the query filters on (one value) or that do not apply to the KPIs."""
    by, fixed, ok = tuple(by), set(where), set(applicable)
    out: list[Dim] = []
    for dim in (*by, *fixed):
        if dim in by or dim in OWNERS:
            for owner in OWNERS.get(dim, ()):
                if owner in ok and owner not in fixed and owner not in out:
                    out.append(owner)
        if dim in by and dim not in out:
            out.append(dim)
    return tuple(out)


def line_label(plant: object, line: object) -> str:
    """How a line is named where lines of several plants may appear: 'Plant 2 · L2'."""
    return f"{plant} · {line}" if plant is not None and plant == plant else str(line)


def add_line_label(df: pd.DataFrame) -> pd.DataFrame:
    """A ``line_label`` column for frames split by line (charts colour and group by it)."""
    if "line" not in df.columns:
        return df
    plants = df["plant"] if "plant" in df.columns else pd.Series(None, index=df.index)
    labels = [line_label(p, ln) for p, ln in zip(plants, df["line"], strict=True)]
    return df.assign(**{LABEL: labels})

"""A line is a line of a plant: stored scopes naming only a line get that line's plant.

SPC baselines and exclusions and corrective actions saved before lines were keyed by
(plant, line) store scopes like ``line=L5``; charts now ask for ``line=L5;plant=Plant 2``,
so those baselines would silently stop applying. A line name that exactly one plant has
gets that plant; a name that several plants share is left as it was (it was ambiguous).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

_SCOPED = ("spc_baselines", "spc_exclusions", "corrective_actions")


def upgrade() -> None:
    bind = op.get_bind()
    pairs = bind.execute(sa.text("SELECT DISTINCT plant, line FROM production")).all()
    owners: dict[str, set[str]] = {}
    for plant, line in pairs:
        owners.setdefault(line, set()).add(plant)
    for table in _SCOPED:
        for (scope,) in bind.execute(sa.text(f"SELECT DISTINCT scope FROM {table}")).all():
            new = _with_plant(scope, owners)
            if new != scope:
                bind.execute(
                    sa.text(  # never onto a scope already saved the new way (keys)
                        f"UPDATE {table} SET scope = :new WHERE scope = :old "
                        f"AND :new NOT IN (SELECT scope FROM {table})"
                    ),
                    {"new": new, "old": scope},
                )


def _with_plant(scope: str, owners: dict[str, set[str]]) -> str:
    if not scope or scope == "all":
        return scope
    parts = dict(part.split("=", 1) for part in scope.split(";"))
    plants = owners.get(parts.get("line", ""), set())
    if "line" not in parts or "plant" in parts or len(plants) != 1:
        return scope
    parts["plant"] = next(iter(plants))
    return ";".join(f"{k}={v}" for k, v in sorted(parts.items()))


def downgrade() -> None:
    """Nothing to undo: the plant is implied by the line either way."""

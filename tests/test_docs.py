"""The README documents every input column and every CLI command (sqlite-utils habit)."""

from __future__ import annotations

import re

from kpi.cli import build_parser
from kpi.schema import KINDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def test_every_input_column_is_documented() -> None:
    formats = _section("Data formats")
    for spec in KINDS.values():
        assert f"**`{spec.kind.value}`**" in formats
        for column in spec.columns:
            assert f"`{column.name}`" in formats, f"{spec.kind.value}.{column.name}"


def test_every_cli_command_is_documented() -> None:
    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    documented = set(re.findall(r"python -m kpi (\w+)", README))
    assert set(commands) <= documented, set(commands) - documented


def test_readme_opens_with_the_two_commands_and_ci_runs_the_same_tests() -> None:
    first_block = README.split("```")[1]
    assert "streamlit run app.py" in first_block
    test_command = "pip install -r requirements-dev.txt && python -m pytest"
    assert test_command in first_block
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_lazy_command_map_matches_what_modules_register() -> None:
    import argparse
    import importlib
    import pkgutil

    import kpi.commands
    from kpi.cli import COMMAND_MODULES

    registered = {}
    for module in pkgutil.iter_modules(kpi.commands.__path__):
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"kpi.commands.{module.name}").register(sub)
        registered.update({command: module.name for command in sub.choices})
    assert registered == COMMAND_MODULES

"""Features stay platform-neutral: nothing under cogs/ imports a platform SDK or DB driver."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "aiosqlite", "asyncpg", "sqlalchemy")
ROOT = Path(__file__).resolve().parents[1]


def forbidden_imports(tree_root: Path) -> list[str]:
    found = []
    for path in sorted(tree_root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute | ast.Name)
                and getattr(node.func, "attr", getattr(node.func, "id", ""))
                in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names = [str(node.args[0].value)]
            for name in names:
                if name.split(".")[0] in FORBIDDEN:
                    found.append(f"{path.relative_to(tree_root)}:{node.lineno} imports {name}")
    return found


def test_cogs_import_no_platform_sdk_or_database_driver() -> None:
    assert (ROOT / "cogs").is_dir()
    assert forbidden_imports(ROOT / "cogs") == []


def test_the_rule_catches_every_form_of_import(tmp_path: Path) -> None:
    (tmp_path / "feature").mkdir()
    (tmp_path / "feature" / "bad.py").write_text(
        "import discord\n"
        "from slack_sdk.web import WebClient\n"
        "import os, aiosqlite\n"
        "def later():\n    import sqlalchemy.sql\n"
        "import importlib\nimportlib.import_module('asyncpg')\n"
        "from . import sibling\n"
    )
    found = forbidden_imports(tmp_path)
    assert len(found) == 5, found
    assert {line.split(" imports ")[1].split(".")[0] for line in found} == {
        "discord",
        "slack_sdk",
        "aiosqlite",
        "sqlalchemy",
        "asyncpg",
    }

"""The folders are the architecture: imports point one way, and the schema the migrations
build is the schema the models describe."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.db import Base

ROOT = Path(__file__).resolve().parents[1]
# package -> the project packages it must never import
FORBIDDEN = {
    "engine": {"documents", "api", "tasks", "forms"},
    "documents": {"api", "tasks", "fastapi", "starlette"},
    "forms": {"engine", "documents", "api", "tasks"},
    "tasks": {"api"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_levels(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_engine_imports_spiffworkflow():
    users = [str(p.relative_to(ROOT)) for pkg in ("documents", "api", "tasks", "forms")
             for p in (ROOT / pkg).rglob("*.py") if "SpiffWorkflow" in imported_top_levels(p)]
    assert users == []


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_engines_tables_are_private_to_the_engine():
    """The domain, the API and the workers ask the runtime (engine.runtime) for what they need;
    only the schema module registers the engine's tables on the shared metadata."""
    allowed = {"documents/schema.py"}
    users = [str(p.relative_to(ROOT)) for pkg in ("documents", "api", "tasks", "forms")
             for p in (ROOT / pkg).rglob("*.py") if "engine.models" in imported_modules(p)]
    assert sorted(set(users) - allowed) == []


def test_migrations_match_the_models(system):
    with system.db.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []

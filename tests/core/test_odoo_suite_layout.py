# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo runs only the test modules ``tests/__init__.py`` imports: a file it forgets would never run."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_odoo_test_module_is_imported():
    tree = ast.parse((TESTS / "__init__.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert sorted(path.stem for path in TESTS.glob("test_*.py")) == sorted(
        name for name in imported if name.startswith("test_"))

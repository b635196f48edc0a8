# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No SQL statement is built by formatting strings: names go through ``SQL.identifier`` / ``sql.Identifier``.

A statement made with an f-string, ``%`` or ``str.format`` puts whatever a
name holds into the SQL text; a table or column name can come from a file's
header or a manager's input. This test reads the sources of the import and of
the Odoo models and migrations and fails on any such string that looks like SQL.
"""

import ast
import re
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKED = ("cegid_import", "cegid_data_access", "models", "wizard", "migrations", "script-externe")
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT INTO|UPDATE|DELETE FROM|CREATE|ALTER|DROP|COPY|LOCK TABLE|GRANT|COMMENT ON|TRUNCATE)\b")


def looks_like_sql(text):
    return bool(SQL_WORDS.search(text))


def quotes_a_name(parts):
    """True when an f-string puts a value between double quotes: an identifier quoted by hand."""
    return any(isinstance(part, ast.FormattedValue) and 0 < number < len(parts) - 1
               and isinstance(parts[number - 1], ast.Constant) and str(parts[number - 1].value).endswith('"')
               and isinstance(parts[number + 1], ast.Constant) and str(parts[number + 1].value).startswith('"')
               for number, part in enumerate(parts))


def formatted_sql(source):
    """The line numbers where ``source`` formats a string that looks like SQL."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            literal = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
            if ((looks_like_sql(literal) and any(isinstance(part, ast.FormattedValue) for part in node.values))
                    or quotes_a_name(node.values)):
                found.append(node.lineno)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
            sides = [side for side in (node.left, node.right) if isinstance(side, ast.Constant)
                     and isinstance(side.value, str)]
            if any(looks_like_sql(side.value) for side in sides) and len(sides) < 2:
                found.append(node.lineno)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
              and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
              and looks_like_sql(node.func.value.value)):
            found.append(node.lineno)
    return found


@pytest.mark.parametrize("path", sorted(path.relative_to(REPO_ROOT) for folder in CHECKED
                                        for path in (REPO_ROOT / folder).rglob("*.py")), ids=str)
def test_no_statement_is_formatted(path):
    assert formatted_sql((REPO_ROOT / path).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    'cursor.execute(f\'DELETE FROM "{table}"\')',
    'cursor.execute(\'LOCK TABLE "%s" IN EXCLUSIVE MODE\' % table)',
    'cursor.execute("ALTER TABLE {} ADD COLUMN x int".format(table))',
    'statement = "DROP TABLE " + table',
    'name = f\'"{table}"\'',
])
def test_the_check_finds_each_way_of_formatting_a_statement(source):
    assert formatted_sql(source) == [1]


@pytest.mark.parametrize("source", [
    'cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))',
    'env.cr.execute(SQL("SELECT %s FROM %s", name, SQL.identifier(table)))',
    '_logger.warning("%s: replaced in place (DELETE + COPY)", table)',
    'raise ValueError(f"not a table name: {name!r}")',
])
def test_composed_statements_and_plain_messages_pass(source):
    assert formatted_sql(source) == []

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a new snapshot changed, compared in PostgreSQL at the swap: rows added and removed as multisets, totals."""

import datetime
import json
from decimal import Decimal

import psycopg2
import pytest
from exportfiles import open_export, write

from cegid_import import changes
from cegid_import.catalogue import AMOUNT, DATE, FLOAT, INTEGER, KNOWN_BY_NAME
from cegid_import.pg_replace import replace_table

ECRITURE = KNOWN_BY_NAME["ECRITURE"]
SQL_TYPES = {DATE: "date", AMOUNT: "numeric", FLOAT: "float8", INTEGER: "int4"}
OLD = [
    ("2025-01-15", "P1", "Achat", "401000", "0", "120"),
    ("2025-01-15", "P1", "Achat", "606000", "120", "0"),
    ("2025-01-20", "P2", "Frais", "625000", "10", "0"),  # twice: one of the two goes
    ("2025-01-20", "P2", "Frais", "625000", "10", "0"),
    ("2025-02-03", "P3", "Vente", "706000", "0", "500"),  # changed
]
NEW = [
    ("2025-01-15", "P1", "Achat", "401000", "0", "120"),
    ("2025-01-15", "P1", "Achat", "606000", "120", "0"),
    ("2025-01-20", "P2", "Frais", "625000", "10", "0"),
    ("2025-02-03", "P3", "Vente", "706000", "0", "550"),
    ("2025-03-01", "P4", "Banque", "512000", "80", "0"),  # new
]


@pytest.fixture
def connect(cluster):
    connections = []

    def connect():
        connection = psycopg2.connect(**cluster.dsn())
        connections.append(connection)
        return connection

    setup = connect()
    with setup.cursor() as cursor:
        columns = ", ".join(f"{column.field} {SQL_TYPES.get(column.kind, 'varchar')}" for column in ECRITURE.columns)
        cursor.execute(f"DROP TABLE IF EXISTS {ECRITURE.table}; CREATE TABLE {ECRITURE.table} "
                       f"(id serial PRIMARY KEY, {columns})")
    setup.commit()
    yield connect
    for connection in connections:
        connection.close()


def ecriture_file(tmp_path, rows, name="ECRITURE.csv"):
    """An ECRITURE export with these rows (the other columns empty)."""
    header = [column.name for column in ECRITURE.columns]
    lines = [";".join(header)]
    for date, piece, label, account, debit, credit in rows:
        values = dict(zip(("E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_DEBIT", "E_CREDIT"),
                          (date, piece, label, account, debit, credit), strict=True))
        lines.append(";".join(values.get(name, "") for name in header))
    return open_export(write(tmp_path, "\n".join(lines) + "\n", name))


def load(cursor, tmp_path, rows, name, compare=None):
    return replace_table(cursor, ecriture_file(tmp_path, rows, name), compare=compare)


def compared(connect, tmp_path, old_rows, new_rows, in_place=False):
    """[((added, removed), totals)] of the comparison made when ``new_rows`` replace ``old_rows`` (rolled back).

    ``in_place``: the table has a trigger, so that it is filled in place, not swapped.
    """
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    seen = []

    def compare(old, new):
        comparison = changes.Comparison(cursor, old, new, fields, detail_limit=10)
        seen.append(((comparison.added, comparison.removed), comparison.totals(changes.CHANGE_SPECS["ECRITURE"])))

    with connection.cursor() as cursor:
        load(cursor, tmp_path, old_rows, "old.csv")
        if in_place:
            cursor.execute("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; "
                           f"CREATE TRIGGER noop BEFORE INSERT ON {ECRITURE.table} FOR EACH ROW EXECUTE FUNCTION "
                           "noop()")
        load(cursor, tmp_path, new_rows, "new.csv", compare)
    connection.rollback()
    return seen


def test_a_new_snapshot_is_compared_row_by_row_as_a_multiset(tmp_path, connect):
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    seen = {}
    spec = changes.CHANGE_SPECS["ECRITURE"]

    def compare(old, new):
        comparison = changes.Comparison(cursor, old, new, fields, detail_limit=3)
        seen["counts"] = (comparison.added, comparison.removed)
        seen["totals"] = comparison.totals(spec)
        # a closed period: the rows dated on or before it are told apart
        seen["closed"] = [row[0] for row in comparison.totals(spec, datetime.date(2025, 1, 31)) if row[-1]]
        cursor.execute("CREATE TABLE details (id serial, kind text, row_values jsonb, import_id int)")
        seen["kept"] = comparison.keep_details("details", {"import_id": 7})
        comparison.forget()

    with connection.cursor() as cursor:
        load(cursor, tmp_path, OLD, "old.csv")
        load(cursor, tmp_path, NEW, "new.csv", compare)
        assert seen["counts"] == (2, 2)
        assert seen["totals"] == [
            ("512000", datetime.date(2025, 3, 1), Decimal("80"), Decimal("0"), 1, False),
            ("625000", datetime.date(2025, 1, 1), Decimal("-10"), Decimal("0"), 1, False),
            ("706000", datetime.date(2025, 2, 1), Decimal("0"), Decimal("50"), 2, False)]
        assert seen["closed"] == ["625000"]
        assert seen["kept"] == 3
        # the rows added first, each kind in the order of its file
        cursor.execute("SELECT kind, row_values, import_id FROM details ORDER BY id")
        kept = [(kind, dict(zip(fields, values, strict=True)), import_id) for kind, values, import_id in cursor]
        assert [(kind, values["e_general"], values["e_credit"], import_id) for kind, values, import_id in kept] == [
            ("added", "706000", "550", 7), ("added", "512000", "0", 7), ("removed", "625000", "0", 7)]
        # each value as text (a date in ISO), in the order of the columns compared; an empty cell is null
        assert [kept[0][1][field] for field in ("e_datecomptable", "e_refinterne", "e_debit", "e_auxiliaire")] == [
            "2025-02-03", "P3", "0", None]
        cursor.execute("SELECT to_regclass('pg_temp.cegid_changed')")
        assert cursor.fetchone() == (None,)
    connection.rollback()


def test_identical_lines_count_as_many_rows(tmp_path, connect):
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    seen = {}

    def compare(old, new):
        comparison = changes.Comparison(cursor, old, new, fields, detail_limit=10)
        seen["counts"] = (comparison.added, comparison.removed)
        cursor.execute("CREATE TABLE details (id serial, kind text, row_values jsonb, import_id int)")
        comparison.keep_details("details", {"import_id": 1})

    line = ("2025-01-20", "P2", "Frais", "625000", "10", "0")
    with connection.cursor() as cursor:
        load(cursor, tmp_path, [line, line], "old.csv")
        load(cursor, tmp_path, [line] * 5, "new.csv", compare)
        assert seen["counts"] == (3, 0)
        cursor.execute("SELECT kind, row_values->>%s FROM details", (fields.index("e_refinterne"),))
        assert cursor.fetchall() == [("added", "P2")] * 3
    connection.rollback()


def test_the_same_snapshot_again_changes_nothing(tmp_path, connect):
    assert compared(connect, tmp_path, NEW, NEW) == [((0, 0), [])]


def test_a_table_filled_in_place_is_compared_too(tmp_path, connect):
    """A table the swap cannot rebuild (a trigger on it) is filled in place: its previous rows are kept to compare."""
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    counts = []

    def compare(old, new):
        comparison = changes.Comparison(cursor, old, new, fields, detail_limit=10)
        counts.append((comparison.added, comparison.removed))

    with connection.cursor() as cursor:
        load(cursor, tmp_path, OLD, "old.csv")
        cursor.execute("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; "
                       f"CREATE TRIGGER noop BEFORE INSERT ON {ECRITURE.table} FOR EACH ROW EXECUTE FUNCTION noop()")
        load(cursor, tmp_path, NEW, "new.csv", compare)
        assert counts == [(2, 2)]
        cursor.execute(f"SELECT count(*) FROM {ECRITURE.table}")
        assert cursor.fetchone() == (5,)
        cursor.execute("SELECT to_regclass('pg_temp.cegid_previous_rows')")
        assert cursor.fetchone() == (None,)
    connection.rollback()


# identical lines on both sides, a line both hold more often in one, lines only one file holds repeated, changes
# in January (closed) and later, and lines of June each file holds alone (so that most rows changed)
MANY_OLD = [*OLD, OLD[0], ("2024-12-31", "P0", "Report", "890000", "7", "0"), ("2025-02-10", "P5", "Vente", "706000",
                                                                            "0", "30")] * 2 + [
    ("2025-06-30", "Q1", "Divers", "471000", str(number), "0") for number in range(45)]
MANY_NEW = [*NEW, NEW[1], NEW[1], ("2025-01-31", "P6", "Avoir", "706000", "12.5", "0"), ("2025-02-10", "P5", "Vente",
                                                                                      "706000", "0", "31")] * 2 + [
    ("2025-06-30", "Q2", "Divers", "471000", str(number), "0") for number in range(45)]


@pytest.mark.parametrize("limit", [2, 7, 200])
def test_keeping_either_side_of_the_groups_gives_the_same_results(tmp_path, connect, limit):
    """Alike rows kept (most rows changed) or changed rows kept (few changed): same counts and totals, and the detail
    the same rows when the limit holds them all; below it, each side's first rows (a line only one file holds, when
    repeated, is listed at its first place with the changed rows kept, at each of its places with the alike ones)."""
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    spec = changes.CHANGE_SPECS["ECRITURE"]
    seen = {}

    def compare(old, new):
        cursor.execute("CREATE TABLE details (id serial, kind text, row_values jsonb, import_id int)")
        for number, (keep, detail_limit) in enumerate(
                (keep, detail_limit) for keep in (changes.KEEP_CHANGED, changes.KEEP_ALIKE) for detail_limit in
                (limit, 200)):
            comparison = changes.Comparison(cursor, old, new, fields, detail_limit=detail_limit, keep=keep)
            kept = comparison.keep_details("details", {"import_id": number})
            seen[keep, detail_limit] = (comparison.keep, comparison.added, comparison.removed, kept,
                                        comparison.totals(spec), comparison.totals(spec, datetime.date(2025, 1, 31)))
            comparison.forget()
        cursor.execute("SELECT import_id, array_agg(kind || ' ' || row_values::text ORDER BY id) FROM details "
                       "GROUP BY import_id ORDER BY import_id")
        seen["details"] = [row[1] for row in cursor.fetchall()]

    with connection.cursor() as cursor:
        load(cursor, tmp_path, MANY_OLD, "old.csv")
        load(cursor, tmp_path, MANY_NEW, "new.csv", compare)
    connection.rollback()
    changed, alike = seen[changes.KEEP_CHANGED, limit], seen[changes.KEEP_ALIKE, limit]
    assert (changed[0], alike[0]) == (changes.KEEP_CHANGED, changes.KEEP_ALIKE)
    assert changed[1:] == alike[1:]
    assert changed[1:4] == (57, 55, min(limit, 112))
    # closed: the four accounts changed in January, and December's report
    assert [row[0] for row in changed[5] if row[-1]] == ["401000", "606000", "625000", "706000", "890000"]
    by_changed, all_by_changed, by_alike, all_by_alike = seen["details"]
    assert sorted(all_by_changed) == sorted(all_by_alike)
    assert (by_changed, by_alike) == (all_by_changed[:limit], all_by_alike[:limit])
    # the line both files hold, 4 more times in the new one, at its first place; the others at each of their places
    assert [(detail.split()[0], json.loads(detail.split(" ", 1)[1])[fields.index("e_refinterne")])
            for detail in all_by_alike[:12]] == [("added", "P1")] * 4 + [("added", ref) for ref in ("P3", "P4", "P6",
                                                                                                   "P5") * 2]


def test_the_side_guessed_is_the_smaller_one_last_time():
    """Few rows changed last time: the changed groups are kept; most of them: the groups alike."""
    assert changes.side_to_keep(1000, 10, 12) == changes.KEEP_CHANGED
    assert changes.side_to_keep(1000, 1000, 990) == changes.KEEP_ALIKE
    assert changes.side_to_keep(1000, 600, 600) == changes.KEEP_ALIKE


@pytest.mark.parametrize(("copies", "kept"), [(3, changes.KEEP_ALIKE), (4, changes.KEEP_CHANGED)])
def test_the_changed_groups_are_kept_when_too_many_rows_pair_up(tmp_path, connect, copies, kept):
    """Asked for the alike groups, a line both files hold n times makes n x n pairs: more pairs than a quarter of the
    rows compared and the changed groups are kept instead; the results are those of the changed groups either way."""
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    repeated = [("2025-04-01", "P7", "Banque", "512000", "5", "0")] * copies
    seen = []

    def compare(old, new):
        for keep in (changes.KEEP_ALIKE, changes.KEEP_CHANGED):
            comparison = changes.Comparison(cursor, old, new, fields, detail_limit=3, keep=keep)
            cursor.execute("CREATE TEMP TABLE details (id serial, kind text, row_values jsonb, import_id int)")
            comparison.keep_details("details", {"import_id": 1})
            cursor.execute("SELECT kind, row_values->>%s FROM details ORDER BY id", (fields.index("e_refinterne"),))
            seen.append((comparison.keep, comparison.added, comparison.removed, cursor.fetchall(),
                         comparison.totals(changes.CHANGE_SPECS["ECRITURE"])))
            cursor.execute("DROP TABLE details")
            comparison.forget()

    def alone(ref):  # 20 lines only one file holds
        return [("2025-05-02", ref, "Divers", "471000", str(number), "0") for number in range(20)]

    with connection.cursor() as cursor:
        load(cursor, tmp_path, repeated + OLD + alone("Q1"), "old.csv")  # 25 + copies rows, as many in the new file
        load(cursor, tmp_path, repeated + NEW + alone("Q2"), "new.csv", compare)  # copies x copies + 4 pairs
    connection.rollback()
    asked_alike, asked_changed = seen
    assert (asked_alike[0], asked_changed[0]) == (kept, changes.KEEP_CHANGED)
    assert asked_alike[1:] == asked_changed[1:]
    assert asked_changed[1:4] == (22, 22, [("added", "P3"), ("added", "P4"), ("added", "Q2")])


@pytest.mark.parametrize("keep", [changes.KEEP_CHANGED, changes.KEEP_ALIKE])
def test_columns_named_like_the_groups_columns_are_compared_as_columns(connect, keep):
    """A table whose columns are named h, delta, new_id (names the comparison's own table uses) compares alike."""
    connection = connect()
    with connection.cursor() as cursor:
        for table, rows in (("old_rows", [*"abbc", *"opqrst"]), ("new_rows", [*"abdd", *"uvwxyz"])):
            cursor.execute(f"CREATE TABLE {table} (id serial PRIMARY KEY, h text, delta int, new_id text)")
            cursor.executemany(f"INSERT INTO {table} (h, delta, new_id) VALUES (%s, 1, 'x')", [(row,) for row in rows])
        comparison = changes.Comparison(cursor, "old_rows", "new_rows", ["h", "delta", "new_id"], detail_limit=10,
                                        keep=keep)
        cursor.execute("CREATE TEMP TABLE details (id serial, kind text, row_values jsonb, import_id int)")
        comparison.keep_details("details", {"import_id": 1})
        cursor.execute("SELECT kind, row_values->>0 FROM details ORDER BY id")
        assert (comparison.keep, comparison.added, comparison.removed, cursor.fetchall()) == (
            keep, 8, 8, [("added", value) for value in "dduvwxyz"] + [("removed", "b"), ("removed", "c")])
    connection.rollback()


def test_values_moved_from_one_column_to_another_are_a_change(tmp_path, connect):
    """A debit that became a credit of the same amount, and two texts swapped: each row removed and added."""
    old = [("2025-01-15", "P1", "Achat", "401000", "10", "0"), ("2025-01-16", "P2", "P3", "401000", "5", "5")]
    new = [("2025-01-15", "P1", "Achat", "401000", "0", "10"), ("2025-01-16", "P3", "P2", "401000", "5", "5")]
    seen = compared(connect, tmp_path, old, new)
    assert seen == [((2, 2), [("401000", datetime.date(2025, 1, 1), Decimal("-10"), Decimal("10"), 4, False)])]



def test_an_amount_written_otherwise_is_no_change(tmp_path, connect):
    """10 then 10,00: the same number for PostgreSQL's numeric, hashed alike."""
    old = [("2025-01-15", "P1", "Achat", "401000", "10", "0,5")]
    new = [("2025-01-15", "P1", "Achat", "401000", "10,00", "0.50")]
    assert compared(connect, tmp_path, old, new) == [((0, 0), [])]

def test_a_table_filled_in_place_tells_the_rows_added_from_the_rows_removed(tmp_path, connect):
    """Filled in place (a trigger on it), the table's previous rows are the old side of the comparison."""
    line = ("2025-01-20", "P2", "Frais", "625000", "10", "0")
    assert [counts for counts, _totals in compared(connect, tmp_path, [line] * 2, [line] * 5, in_place=True)] == [
        (3, 0)]


@pytest.mark.parametrize("keep", [changes.KEEP_CHANGED, changes.KEEP_ALIKE])
def test_the_comparison_leaves_the_settings_of_the_transaction_as_they_were(tmp_path, connect, keep):
    """Its memory, parallel workers, JIT and plan choices are for its own statements, not the rest of the import."""
    connection = connect()
    fields = [column.field for column in ECRITURE.columns]
    names = sorted({*changes.COMPARE_SETTINGS, *changes.GROUPING_SETTINGS, *changes.PAIRING_SETTINGS,
                    *changes.TOTALS_SETTINGS})
    seen = []

    def settings():
        cursor.execute("SELECT array_agg(current_setting(name) ORDER BY name) FROM unnest(%s::text[]) name", (names,))
        return cursor.fetchone()[0]

    def compare(old, new):
        seen.append(settings())
        comparison = changes.Comparison(cursor, old, new, fields, detail_limit=10, keep=keep)
        cursor.execute("CREATE TEMP TABLE details (id serial, kind text, row_values jsonb, import_id int)")
        comparison.keep_details("details", {"import_id": 1})
        comparison.totals(changes.CHANGE_SPECS["ECRITURE"])
        seen.append(settings())

    with connection.cursor() as cursor:
        load(cursor, tmp_path, MANY_OLD, "old.csv")
        load(cursor, tmp_path, MANY_NEW, "new.csv", compare)
    connection.rollback()
    assert seen[0] == seen[1] and seen[0][names.index("work_mem")] != "256MB"

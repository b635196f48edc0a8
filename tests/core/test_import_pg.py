# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""replace_table on a real PostgreSQL, with concurrent readers: they see the old rows or the new ones."""

import dataclasses
import threading

import psycopg2
import pytest
from exportfiles import open_export

from cegid_import import pg_readers
from cegid_import.catalogue import KNOWN_BY_NAME
from cegid_import.errors import ExportRowError, ImportFailure
from cegid_import.pg_copy import copy_sql
from cegid_import.pg_replace import identifier, replace_table

STRUCTURE = """
SELECT (SELECT array_agg(conname || ' ' || pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint
        WHERE conrelid = 'is_cegid_histocumsal'::regclass),
       (SELECT array_agg(indexdef ORDER BY indexname) FROM pg_indexes WHERE tablename = 'is_cegid_histocumsal'),
       pg_get_serial_sequence('is_cegid_histocumsal', 'id'),
       obj_description('is_cegid_histocumsal'::regclass, 'pg_class'),
       (SELECT array_agg(column_name || ' ' || coalesce(column_default, '-') ORDER BY ordinal_position)
        FROM information_schema.columns WHERE table_name = 'is_cegid_histocumsal')
"""


def count(connection):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM is_cegid_histocumsal")
        return cursor.fetchone()[0]


def export(tmp_path, *rows, name="HISTOCUMSAL.csv"):
    path = tmp_path / name
    path.write_text("PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n" + "".join(f"{row}\n" for row in rows),
                    encoding="utf-8")
    return open_export(path)


def test_readers_see_the_old_rows_or_the_new_ones_never_an_empty_table(tmp_path, connect):
    importer, early, late = connect(), connect("REPEATABLE READ"), connect()
    early.cursor().execute("SELECT 1")  # its snapshot is taken before the import commits; the table not read yet
    with importer.cursor() as cursor:
        cursor.execute(STRUCTURE)
        before = cursor.fetchone()
        count_ = replace_table(cursor, export(tmp_path, "10;B;1,5", "11;B;2", "12;B;", "13;B;4", "14;B;5"),
                               {"create_uid": 1, "write_uid": 1})
    assert count_ == 5
    seen = []
    # the swap holds the table until the commit: this reader waits, then reads the new table
    waiting = threading.Thread(target=lambda: seen.append(count(late)))
    waiting.start()
    importer.commit()
    waiting.join(60)
    assert seen == [5]
    # frozen rows are visible to a snapshot older than the commit: new rows, not an empty table
    assert count(early) == 5
    with importer.cursor() as cursor:
        cursor.execute(STRUCTURE)
        assert cursor.fetchone() == before
        cursor.execute("SELECT phc_salarie, phc_montant, create_uid FROM is_cegid_histocumsal ORDER BY id")
        assert cursor.fetchall()[2] == ("12", 0, 1)


def test_a_bad_row_or_an_unknown_user_leaves_the_table_untouched(tmp_path, connect):
    importer, reader = connect(), connect()
    for bad, extra in ((export(tmp_path, "10;B;1", "11;B;x"), {}),
                       (export(tmp_path, "10;B;1", name="ok.csv"), {"create_uid": 999})):
        with importer.cursor() as cursor, pytest.raises((ExportRowError, psycopg2.IntegrityError)) as caught:
            replace_table(cursor, bad, extra)
        importer.rollback()
        assert count(reader) == 3
    assert "is not present in table" in str(caught.value)


def converting_threads():
    return [thread for thread in threading.enumerate() if thread.name.startswith("cegid-copy-convert")]


def test_a_failure_deep_in_a_big_file_stops_the_conversion_and_leaves_the_table(tmp_path, connect):
    """Batches are converted ahead of the COPY: a failure on either side stops both and keeps the old rows."""
    importer, reader = connect(), connect()
    rows = [f"{index};B;{index % 100},5" for index in range(40_000)]
    bad_value = export(tmp_path, *rows[:30_000], "30000;B;12,3,4", *rows[30_000:])
    with importer.cursor() as cursor, pytest.raises(ExportRowError) as caught:
        replace_table(cursor, bad_value, {"create_uid": 1, "write_uid": 1})
    importer.rollback()
    assert (caught.value.line, caught.value.value) == (30_002, "12,3,4")
    assert converting_threads() == []
    # the server refuses a row (a CHECK the table has) while the client still has batches to convert
    with importer.cursor() as cursor:
        cursor.execute("ALTER TABLE is_cegid_histocumsal ADD CONSTRAINT small CHECK (phc_montant < 100)")
    importer.commit()
    refused = export(tmp_path, *rows[:30_000], "30000;B;500", *rows[30_000:], name="refused.csv")
    with importer.cursor() as cursor, pytest.raises(psycopg2.IntegrityError, match="small"):
        replace_table(cursor, refused, {"create_uid": 1, "write_uid": 1})
    importer.rollback()
    assert count(reader) == 3
    assert converting_threads() == []


def test_copy_sql_names_its_table_and_columns_as_identifiers(connect):
    export_def = KNOWN_BY_NAME["HISTOCUMSAL"]
    connection = connect()
    assert copy_sql(export_def, ["create_uid"]).as_string(connection) == (
        'COPY "is_cegid_histocumsal" ("phc_salarie", "phc_cumulpaie", "phc_montant", "create_uid") '
        "FROM STDIN WITH (FORMAT text, NULL '')")
    assert copy_sql(export_def, (), "x", freeze=True).as_string(connection).endswith(
        "FROM STDIN WITH (FORMAT text, NULL '', FREEZE)")


@pytest.mark.parametrize("name", ['x_salaire") FROM STDIN; CREATE TABLE t(a int); --', "X_SALAIRE", "", "a b",
                                  "é", "x" * 64, None, 'a"b'])
def test_a_name_the_catalogue_cannot_make_is_refused_before_any_statement(name):
    with pytest.raises(ImportFailure) as raised:
        identifier(name)
    assert (raised.value.code, raised.value.params) == ("import.unsafe_name", {"name": repr(name)})


def test_a_hostile_column_name_never_reaches_the_server(tmp_path, connect):
    importer, reader = connect(), connect()
    hostile = export(tmp_path, "10;B;1")
    columns = list(hostile.export.columns)
    columns[-1] = dataclasses.replace(columns[-1], field='phc_montant") FROM STDIN; CREATE TABLE t(a int); --')
    hostile.export = dataclasses.replace(hostile.export, columns=tuple(columns))
    with importer.cursor() as cursor, pytest.raises(ImportFailure, match="import.unsafe_name"):
        replace_table(cursor, hostile, {"create_uid": 1, "write_uid": 1})
    importer.rollback()
    assert count(reader) == 3
    with reader.cursor() as cursor:
        cursor.execute("SELECT to_regclass('t')")
        assert cursor.fetchone() == (None,)


def test_the_swap_waits_for_readers_without_a_failed_statement(tmp_path, connect, monkeypatch):
    """A reader holding the table makes the swap wait; no statement of the import fails meanwhile."""
    monkeypatch.setattr(pg_readers, "SWAP_LOCK_ATTEMPTS", 2)
    importer, holder = connect(), connect()
    holder.cursor().execute("SELECT count(*) FROM is_cegid_histocumsal")  # its lock lasts until it ends
    with importer.cursor() as cursor:
        replace_table(cursor, export(tmp_path, "10;B;1", "11;B;2"), {"create_uid": 1, "write_uid": 1})
        cursor.execute("SELECT current_setting('lock_timeout')")
        assert cursor.fetchone() == ("0",)  # the attempts' short timeout did not outlive them
        # the transaction is still usable: nothing failed, the rows were put in place
        cursor.execute("SELECT count(*) FROM is_cegid_histocumsal")
        assert cursor.fetchone() == (2,)
        # copied in place, the columns the import sets for every row included
        cursor.execute("SELECT DISTINCT create_uid, write_uid FROM is_cegid_histocumsal")
        assert cursor.fetchall() == [(1, 1)]
    importer.commit()
    holder.rollback()
    assert count(holder) == 2


def test_grants_and_sequences_follow_the_swapped_table(tmp_path, connect):
    setup = connect()
    with setup.cursor() as cursor:
        cursor.execute("DROP ROLE IF EXISTS \"Cegid Reader\"")
        cursor.execute("CREATE ROLE \"Cegid Reader\"")
        cursor.execute("GRANT SELECT ON is_cegid_histocumsal TO \"Cegid Reader\", PUBLIC")
    setup.commit()
    importer = connect()
    with importer.cursor() as cursor:
        replace_table(cursor, export(tmp_path, "10;B;1"), {"create_uid": 1, "write_uid": 1})
        cursor.execute("SELECT has_table_privilege('Cegid Reader', 'is_cegid_histocumsal', 'SELECT'), "
                       "pg_get_serial_sequence('is_cegid_histocumsal', 'id') IS NOT NULL, "
                       "(SELECT relacl::text LIKE '%=r/%' FROM pg_class WHERE relname = 'is_cegid_histocumsal')")
        assert cursor.fetchone() == (True, True, True)
    importer.rollback()


def test_the_swapped_table_keeps_its_storage_options_unique_keys_and_grant_options(tmp_path, connect):
    importer = connect()
    with importer.cursor() as cursor:  # all in one transaction, rolled back: the role too
        cursor.execute("ALTER TABLE is_cegid_histocumsal SET (fillfactor = 70); "
                       "ALTER TABLE is_cegid_histocumsal ADD CONSTRAINT is_cegid_histocumsal_cumul_uniq "
                       "UNIQUE (phc_salarie, phc_cumulpaie); "
                       "CREATE UNIQUE INDEX is_cegid_histocumsal__big_amount ON is_cegid_histocumsal (phc_montant) "
                       "WHERE phc_montant > 100; "
                       "CREATE ROLE cegid_manager; "
                       "GRANT SELECT ON is_cegid_histocumsal TO cegid_manager WITH GRANT OPTION")
        cursor.execute(STRUCTURE)
        before = cursor.fetchone()
        replace_table(cursor, export(tmp_path, "10;B;1", "11;B;200"), {"create_uid": 1, "write_uid": 1})
        cursor.execute(STRUCTURE)
        assert cursor.fetchone() == before
        cursor.execute("SELECT reloptions, has_table_privilege('cegid_manager', 'is_cegid_histocumsal', "
                       "'SELECT WITH GRANT OPTION') FROM pg_class WHERE relname = 'is_cegid_histocumsal'")
        assert cursor.fetchone() == (["fillfactor=70"], True)
        cursor.execute("SAVEPOINT duplicate")
        with pytest.raises(psycopg2.IntegrityError, match="is_cegid_histocumsal_cumul_uniq"):
            cursor.execute("INSERT INTO is_cegid_histocumsal (phc_salarie, phc_cumulpaie) VALUES ('10', 'B')")
        cursor.execute("ROLLBACK TO SAVEPOINT duplicate")
    importer.rollback()


@pytest.mark.parametrize(("obstacle", "still_there"), [
    ("CREATE TABLE cegid_pointing (line int REFERENCES is_cegid_histocumsal (id))",
     "SELECT count(*) FROM pg_constraint WHERE confrelid = 'is_cegid_histocumsal'::regclass"),
    ("CREATE VIEW cegid_employees AS SELECT phc_salarie FROM is_cegid_histocumsal",
     "SELECT count(*) - 1 FROM cegid_employees"),
    ("CREATE FUNCTION cegid_noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$; "
     "CREATE TRIGGER cegid_noop BEFORE INSERT ON is_cegid_histocumsal FOR EACH ROW EXECUTE FUNCTION cegid_noop()",
     "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'is_cegid_histocumsal'::regclass AND NOT tgisinternal"),
], ids=["foreign-key", "view", "trigger"])
def test_a_table_the_swap_would_break_is_filled_in_place_what_depends_on_it_kept(tmp_path, connect, obstacle,
                                                                                  still_there):
    """A foreign key pointing at the table, a view on it, a trigger: the table itself takes the new rows."""
    importer = connect()
    with importer.cursor() as cursor:  # rolled back: nothing left depending on the table for the next test
        cursor.execute(obstacle)
        cursor.execute("SELECT 'is_cegid_histocumsal'::regclass::oid")
        oid = cursor.fetchone()
        assert replace_table(cursor, export(tmp_path, "10;B;1", "11;B;2"), {"create_uid": 1, "write_uid": 1}) == 2
        cursor.execute("SELECT 'is_cegid_histocumsal'::regclass::oid")
        assert cursor.fetchone() == oid
        cursor.execute("SELECT phc_salarie, create_uid FROM is_cegid_histocumsal ORDER BY id")
        assert cursor.fetchall() == [("10", 1), ("11", 1)]
        cursor.execute(still_there)
        assert cursor.fetchone() == (1,)
    importer.rollback()


def test_a_backslash_is_stored_as_it_is_written(tmp_path, connect):
    """A text holding backslashes only (no tab or line break): COPY would read "\\n" as a line break, "\\N" as NULL."""
    importer = connect()
    with importer.cursor() as cursor:
        replace_table(cursor, export(tmp_path, r"10;C:\new\table;1", r"11;\N;2"), {"create_uid": 1, "write_uid": 1})
        cursor.execute("SELECT phc_cumulpaie FROM is_cegid_histocumsal ORDER BY id")
        assert cursor.fetchall() == [("C:\\new\\table",), ("\\N",)]
    importer.rollback()


@pytest.mark.parametrize("dropped, extra", [("phc_montant", {"create_uid": 1}),
                                            ("write_uid", {"create_uid": 1, "write_uid": 1})])
def test_a_table_lacking_a_column_the_rows_go_to_is_refused_with_its_name(tmp_path, connect, dropped, extra):
    importer, reader = connect(), connect()
    with importer.cursor() as cursor:
        cursor.execute(f"ALTER TABLE is_cegid_histocumsal DROP COLUMN {dropped}")  # a table changed by hand
        with pytest.raises(ImportFailure) as raised:
            replace_table(cursor, export(tmp_path, "10;B;1"), extra)
    assert (raised.value.code, raised.value.params) == (
        "import.table_lacks_columns", {"table": "is_cegid_histocumsal", "columns": dropped})
    importer.rollback()
    assert count(reader) == 3

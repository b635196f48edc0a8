# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A replacement by parts (replace_in_parts): loaded over several transactions, swapped in whole, resumed."""

import dataclasses
import re
import threading
import time

import psycopg2
import pytest
from exportfiles import open_export
from test_import_pg import count

from cegid_import import pg_readers, text_file
from cegid_import.pg_replace import LoadProgress, replace_in_parts, replace_table
from cegid_import.reader import COPY_BATCH_ROWS, line_offset

EXTRA = {"create_uid": 1, "write_uid": 1}
PAST = 0  # a deadline long gone: each part loads one batch, the least a part does
ROWS = 2 * COPY_BATCH_ROWS + 123


def big_export(tmp_path, rows=ROWS, name="HISTOCUMSAL.csv", newline="\r\n", label="C"):
    """An export of ``rows`` rows, every eleventh with a quoted line break, written with ``newline``."""
    lines = ["PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT"]
    for number in range(rows):
        cumul = f'"{label}{newline}{number}"' if number % 11 == 0 else f"{label}{number}"
        lines.append(f"{number};{cumul};{number},5")
    path = tmp_path / name
    path.write_bytes(newline.join(lines).encode("cp1252") + newline.encode())
    return path


def autocommit(connection):
    """A reader that holds no lock between its reads (an idle transaction would hold the swap back)."""
    connection.autocommit = True
    return connection


def options(connection, table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.reloptions || t.reloptions FROM pg_class c LEFT JOIN pg_class t "
                       "ON t.oid = c.reltoastrelid WHERE c.relname = %s", (table,))
        return cursor.fetchone()[0]


def table_rows(connection, table="is_cegid_histocumsal"):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phc_salarie, phc_cumulpaie, phc_montant, create_uid FROM {table} ORDER BY id")
        return cursor.fetchall()


def part(importer, path, progress=None, until=PAST, **options):
    """One call of replace_in_parts, committed; its progress."""
    with importer.cursor() as cursor:
        progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=until, **options)
    importer.commit()
    return progress


def in_parts(importer, path, progress=None, until=PAST, calls=20, **options):
    """Call replace_in_parts until it is done, committing after each call; the progress of each call."""
    seen = []
    for _call in range(calls):
        progress = part(importer, path, progress, until, **options)
        seen.append(progress)
        if progress.done:
            return seen
    raise AssertionError(f"not done after {calls} calls: {seen[-1]}")


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_a_part_resumes_on_the_line_after_the_last_one_loaded(tmp_path, newline):
    path = big_export(tmp_path, rows=40, newline=newline)
    reader = open_export(path)
    whole = [row for text, _count, _line in reader.copy_parts(batch_rows=7) for row in text.splitlines()]
    parts, line = [], 0
    while True:
        batch = next(open_export(path).copy_parts(batch_rows=7, start_line=line), None)
        if batch is None:
            break
        text, rows, line = batch
        parts.extend(text.splitlines())
        assert rows == len(text.splitlines())
    assert parts == whole and len(whole) == 40
    assert line_offset(path, 0) == 0
    assert line_offset(path, 30, (10, line_offset(path, 10))) == line_offset(path, 30) > line_offset(path, 10)
    assert line_offset(path, 10_000) == path.stat().st_size


def test_a_file_loaded_in_parts_gives_the_table_of_a_file_loaded_at_once(tmp_path, connect):
    path = big_export(tmp_path)
    importer, reader = connect(), autocommit(connect())
    steps = in_parts(importer, path)
    # a batch per part (the deadline is always past), then the end of the file, each of the four keys and
    # indexes (the key, two foreign keys, an index), the swap: a part each
    assert [step.rows for step in steps] == [COPY_BATCH_ROWS, 2 * COPY_BATCH_ROWS] + [ROWS] * 7
    assert [(step.finished, step.keys, step.keyed, step.done) for step in steps] == [(False, 0, False, False)] * 3 + [
        (True, keys, keys == 4, False) for keys in range(5)] + [(True, 4, True, True)]
    in_parts_rows = table_rows(reader)
    with importer.cursor() as cursor:
        assert replace_table(cursor, open_export(path), EXTRA) == ROWS
    importer.commit()
    assert table_rows(reader) == in_parts_rows and len(in_parts_rows) == ROWS
    assert in_parts_rows[11][1] == "C\r\n11"  # a quoted line break across a part's lines


def test_readers_see_the_old_rows_until_the_swap(tmp_path, connect):
    path = big_export(tmp_path)
    importer, reader = connect(), autocommit(connect())
    progress = None
    for _call in range(3):
        with importer.cursor() as cursor:
            progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
        importer.commit()
        assert count(reader) == 3 and not progress.done  # the three rows the table had
    assert options(reader, "is_cegid_histocumsal__cegid_load") == [
        "autovacuum_enabled=false", "autovacuum_enabled=false"]  # the table and its TOAST: not vacuumed between parts
    in_parts(importer, path, progress)
    assert count(reader) == ROWS
    assert options(reader, "is_cegid_histocumsal") is None  # the table's own options


def test_a_part_killed_midway_loses_that_part_only(tmp_path, connect):
    path = big_export(tmp_path)
    importer = connect()
    with importer.cursor() as cursor:
        first = replace_in_parts(cursor, open_export(path), EXTRA, until=PAST)
    importer.commit()
    with importer.cursor() as cursor:  # the next part is under way when the worker dies
        replace_in_parts(cursor, open_export(path), EXTRA, progress=first, until=PAST)
    importer.rollback()
    steps = in_parts(importer, path, first)
    assert steps[0].rows == 2 * COPY_BATCH_ROWS  # resumed after the first part, not from the start
    assert count(autocommit(connect())) == ROWS
    assert len({row[0] for row in table_rows(autocommit(connect()))}) == ROWS  # no row twice


def test_a_load_whose_indexes_changed_after_its_keys_were_built_starts_again(tmp_path, connect):
    path = big_export(tmp_path, rows=10)
    importer = connect()
    with importer.cursor() as cursor:
        progress = None
        while progress is None or not progress.keyed:
            progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
        assert not progress.done
        cursor.execute("CREATE INDEX is_cegid_histocumsal__phc_montant_index ON is_cegid_histocumsal (phc_montant)")
    importer.commit()
    steps = in_parts(importer, path, progress)
    assert steps[0].table_oid != progress.table_oid
    with importer.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'is_cegid_histocumsal'")
        assert cursor.fetchone()[0] == 3  # the key, the employee's, the new one


def test_a_load_whose_table_changed_starts_again(tmp_path, connect):
    path = big_export(tmp_path)
    importer = connect()
    with importer.cursor() as cursor:
        first = replace_in_parts(cursor, open_export(path), EXTRA, until=PAST)
        cursor.execute("ALTER TABLE is_cegid_histocumsal ADD COLUMN x_new varchar")  # an upgrade between two runs
    importer.commit()
    steps = in_parts(importer, path, first)
    assert steps[0].rows == COPY_BATCH_ROWS and steps[0].table_oid != first.table_oid
    assert count(autocommit(connect())) == ROWS


def test_a_new_load_replaces_the_one_left_behind(tmp_path, connect):
    importer = connect()
    with importer.cursor() as cursor:
        replace_in_parts(cursor, open_export(big_export(tmp_path)), EXTRA, until=PAST)
    importer.commit()
    newer = big_export(tmp_path, rows=50, name="HISTOCUMSAL_2.csv", label="N")
    in_parts(importer, newer)
    assert [row[1] for row in table_rows(autocommit(connect()))][1:3] == ["N1", "N2"]
    assert count(autocommit(connect())) == 50


def test_the_swap_waits_for_the_snapshots_older_than_the_last_part(tmp_path, connect):
    path = big_export(tmp_path)
    importer, early = connect(), connect("REPEATABLE READ")
    early.cursor().execute("SET application_name = 'held back'")
    early.commit()
    progress = None
    while progress is None or not progress.keyed:  # the whole file loaded and keyed, not swapped yet
        with importer.cursor() as cursor:
            progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
        importer.commit()
        if progress.rows == COPY_BATCH_ROWS:
            early.cursor().execute("SELECT 1")  # a snapshot taken before the second part: it would not see it
    assert not progress.done
    with importer.cursor() as cursor:
        progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
    importer.commit()
    assert not progress.done and count(early) == 3  # still the old rows for that reader
    assert progress.held_by == [[early.get_backend_pid(), "held back"]]  # who holds it, to be told
    early.commit()
    steps = in_parts(importer, path, progress)
    assert len(steps) == 1 and count(early) == ROWS


def test_the_swap_goes_on_when_the_older_snapshot_ends_while_it_waits(tmp_path, connect):
    """Each attempt looks at the sessions anew (PostgreSQL keeps a transaction's first look at them)."""
    path = big_export(tmp_path)
    importer, early = connect(), connect("REPEATABLE READ")
    progress = part(importer, path)
    early.cursor().execute("SELECT 1")  # a snapshot taken before the second part: it would not see it
    while not progress.keyed:
        progress = part(importer, path, progress)
    ends = threading.Timer(1.0, early.commit)  # within the few seconds the swap waits
    ends.start()
    progress = part(importer, path, progress)
    ends.join()
    assert progress.done and count(early) == ROWS


def test_a_last_part_loaded_without_freeze_is_not_swapped_in_its_own_transaction(tmp_path, connect):
    """A reader whose snapshot begins before that transaction commits would find the new table without its rows."""
    path = big_export(tmp_path)
    importer, reader = connect(), connect("REPEATABLE READ")
    progress = part(importer, path)  # the first part (FREEZE)
    progress = part(importer, path, progress)  # the second, not frozen
    assert not progress.finished
    with importer.cursor() as cursor:  # the last part, with time enough for the keys and the swap
        progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress,
                                    until=time.monotonic() + 600)
    reader.cursor().execute("SELECT 1")  # a request begins (Odoo's REPEATABLE READ) before the import commits
    importer.commit()
    assert count(reader) == 3  # the old rows, whole
    assert progress.finished and not progress.done
    reader.commit()
    steps = in_parts(importer, path, progress)
    assert len(steps) == 1 and steps[0].done and count(reader) == ROWS


def test_the_caller_own_sessions_do_not_hold_the_swap(tmp_path, connect):
    path = big_export(tmp_path)
    importer, own = connect(), connect("REPEATABLE READ")
    own.cursor().execute("SET application_name = 'odoo-4242'")
    own.commit()
    own.cursor().execute("SELECT 1")  # the caller's own session (an Odoo cron's), its snapshot older than any part
    steps = in_parts(importer, path, ignored_sessions=("odoo-4242",))
    assert steps[-1].done and len(steps) == 9


def test_progress_survives_as_a_dict():
    progress = LoadProgress(line=12, rows=10, finished=True, table_oid=42, xid=7)
    assert LoadProgress.from_dict(progress.as_dict()) == progress
    assert LoadProgress.from_dict({"line": 1, "unknown": 2}) is None
    assert LoadProgress.from_dict(None) is None


def test_a_load_resumed_after_another_file_began_its_own_starts_again(tmp_path, connect):
    """The progress of a load whose table a newer load replaced meanwhile resumes nothing: no mix of two files."""
    older, newer = big_export(tmp_path), big_export(tmp_path, name="HISTOCUMSAL_2.csv", label="N")
    importer = connect()
    stale = part(importer, older)
    part(importer, newer)  # its own load table, its first part
    steps = in_parts(importer, older, stale)
    assert steps[0].table_oid != stale.table_oid
    rows = table_rows(autocommit(connect()))
    assert len(rows) == ROWS and not [row for row in rows if row[1].startswith("N")]


def test_a_load_whose_built_keys_were_lost_starts_again(tmp_path, connect):
    path = big_export(tmp_path, rows=10)
    importer = connect()
    progress = None
    while progress is None or not progress.keys:  # the first key built on the load table, not the others
        progress = part(importer, path, progress)
    assert not progress.keyed
    with importer.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint "
                       "WHERE conrelid = 'is_cegid_histocumsal__cegid_load'::regclass")
        (built,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE is_cegid_histocumsal__cegid_load DROP CONSTRAINT {built}")
    importer.commit()
    steps = in_parts(importer, path, progress)
    assert steps[0].table_oid != progress.table_oid
    with importer.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = 'is_cegid_histocumsal'::regclass")
        assert cursor.fetchone() == (3,)  # the key and the two foreign keys


def test_the_swap_waits_for_a_snapshot_taken_while_the_last_part_loaded(tmp_path, connect, monkeypatch):
    """A snapshot taken while the last part's transaction runs (its xmin that transaction's) does not see its rows."""
    monkeypatch.setattr(pg_readers, "SWAP_LOCK_ATTEMPTS", 2)
    path = big_export(tmp_path)
    importer, during = connect(), connect("REPEATABLE READ")
    progress = None
    while progress is None or progress.rows < ROWS:
        with importer.cursor() as cursor:
            progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
        if progress.rows == ROWS:  # the last rows loaded, not committed yet
            during.cursor().execute("SELECT 1")
        importer.commit()
    with during.cursor() as cursor:
        cursor.execute("SELECT backend_xmin::text::bigint FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        assert cursor.fetchone() == (progress.xid,)
    while not progress.keyed:
        progress = part(importer, path, progress)
    progress = part(importer, path, progress)
    assert not progress.done and count(during) == 3  # still the old rows for that reader
    during.commit()
    steps = in_parts(importer, path, progress)
    assert len(steps) == 1 and count(during) == ROWS


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", "\r\r\n"])
def test_a_line_end_across_two_chunks_is_one_line_end(tmp_path, monkeypatch, newline):
    """Wherever the chunks of the search cut the file (a "\\r\\n" in two), each line starts where it starts."""
    path = big_export(tmp_path, rows=12, newline=newline)
    data = path.read_bytes()
    # where each line starts, as the csv module's text source splits them
    starts = [0] + [match.end() for match in re.finditer(rb"\r\n|\n|\r", data)]
    for chunk in range(1, 9):
        monkeypatch.setattr(text_file, "READ_CHUNK", chunk)
        assert [line_offset(path, line) for line in range(len(starts))] == starts, chunk


def export_with_a_line_end_at(tmp_path, newline, byte, after=3):
    """An export of long rows written with ``newline``, a line end starting at ``byte``; its rows before that end."""
    lines = ["PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT"]
    size = len(lines[0])  # where the line end of the last line starts
    while size < byte:
        number, left = len(lines), byte - size - len(newline)
        bare = f"{number};C;{number},5"
        # rows of about 1 kB, the last one as long as it takes to end at ``byte``
        lines.append(f"{number};C{'x' * (999 if left > 2000 else left - len(bare))};{number},5")
        size += len(newline) + len(lines[-1])
    before = len(lines) - 1
    lines += [f"{number};C;{number},5" for number in range(before + 1, before + 1 + after)]
    path = tmp_path / "HISTOCUMSAL.csv"
    path.write_bytes(newline.join(lines).encode() + newline.encode())
    return path, before


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r", "\r\r\n"])
def test_a_load_resumed_after_a_line_end_across_two_chunks_reads_each_row_once(tmp_path, newline):
    """Resumed after any line near the first chunk's end (wherever that end cuts a line end), the rows read are the
    rest of the file's: "\r\r\n" (CRLF text written again in Windows text mode) is two line ends, the csv
    module's count, not three."""
    for cut in range(len(newline) + 1):  # the chunk's end before, inside or after the line end
        path, before = export_with_a_line_end_at(tmp_path, newline, text_file.READ_CHUNK - cut)
        whole = list(open_export(path).column_batches(batch_rows=1))
        assert len(whole) == before + 3, cut
        for index in range(before - 2, len(whole)):
            resumed = list(open_export(path).column_batches(batch_rows=1, start_line=whole[index][2]))
            assert resumed == whole[index + 1:], (cut, index)


def test_a_part_under_way_holds_off_a_change_of_the_table_not_its_readers(tmp_path, connect):
    """While a part loads, the first or a resumed one, a module upgrade's ALTER TABLE waits for it; readers do not."""
    path = big_export(tmp_path)
    importer, upgrade = connect(), autocommit(connect())
    progress = None
    with upgrade.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    for _call in range(2):
        with importer.cursor() as cursor:
            progress = replace_in_parts(cursor, open_export(path), EXTRA, progress=progress, until=PAST)
        with upgrade.cursor() as cursor:
            with pytest.raises(psycopg2.errors.LockNotAvailable):
                cursor.execute("ALTER TABLE is_cegid_histocumsal ADD COLUMN x_new varchar")
            cursor.execute("SELECT count(*) FROM is_cegid_histocumsal")
            assert cursor.fetchone() == (3,)
        importer.commit()
    assert progress.rows == 2 * COPY_BATCH_ROWS


def test_keys_resumed_in_a_run_leave_the_comparison_and_the_swap_to_the_next(tmp_path, connect):
    """The time the swap takes is told by the time of all the keys: a run that built only the last ones cannot tell
    it, and stops there whatever its deadline."""
    path = big_export(tmp_path, rows=10)
    importer = connect()
    progress = None
    while progress is None or not progress.keys:
        progress = part(importer, path, progress)
    later = time.monotonic() + 600
    progress = part(importer, path, progress, until=later)
    assert (progress.keyed, progress.done) == (True, False)
    assert part(importer, path, progress, until=later).done


def test_a_patient_call_leaves_a_step_foreseen_too_long_to_the_next_call(tmp_path, connect):
    path = big_export(tmp_path)
    importer = connect()
    progress = None
    while progress is None or not progress.finished:
        progress = part(importer, path, progress)
    assert (progress.keys, progress.load_seconds > 0) == (0, True)
    # rows that took 1,000 s to load: keys foreseen at 350 s, with 30 s left
    slow = dataclasses.replace(progress, load_seconds=1000.0)
    assert part(importer, path, slow, until=time.monotonic() + 30, patient=True) == slow
    # what held the swap back at an earlier try is not said of a call that did not try it
    held = dataclasses.replace(slow, held_by=[[4242, "psql"]])
    assert part(importer, path, held, until=time.monotonic() + 30, patient=True) == slow
    # each call takes at least one step otherwise
    keyed = part(importer, path, slow, until=time.monotonic() + 30)
    assert keyed.keyed and keyed.key_seconds > 0
    # the keys' measured time foresees the swap's: short enough for a patient call
    assert in_parts(importer, path, keyed, until=time.monotonic() + 30, patient=True)[0].done

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A staging table replaced by the rows of an export file, readers never blocked for long, never shown a mix.

The rows go into a new, hidden table (``COPY ... FREEZE`` when it was created
in the same transaction, no index to maintain row by row), then its primary
key, indexes and foreign keys are built in one pass each, and it takes the
old table's place (sequence, grants, names): see :func:`replace_table`. A
file too long for one transaction is loaded by parts, each committed by the
caller, and swapped in once whole: see :func:`replace_in_parts`. The COPY
itself is ``pg_copy``'s, the catalogue of the copy ``pg_like``'s, the waits
for the table's readers ``pg_readers``'.
"""

import dataclasses
import logging
import time

from psycopg2 import sql

from .errors import ImportFailure
from .pg_copy import PartStream, converted_ahead, copy_rows, copy_sql
from .pg_like import (
    builds_like,
    finish_like,
    hand_over_sequences,
    identifier,
    regclass,
    renames_like,
    shape,
    swap_obstacle,
)
from .pg_readers import lock_exclusively, older_snapshot_sessions
from .reader import collector_eased
from .text_file import READ_CHUNK, line_offset

_logger = logging.getLogger(__name__)

LOAD_SUFFIX = "__cegid_load"
PREVIOUS_ROWS = "cegid_previous_rows"  # a temporary copy, when the table is filled in place and compared
# what the steps after the load take, measured (bench/README.md): the keys and indexes about this share of the
# time the rows took to load, the comparison and the swap about this share of the time of the keys
KEYS_SHARE = 0.35
SWAP_SHARE = 1.5


@dataclasses.dataclass(frozen=True)
class LoadProgress:
    """Where a replacement by parts stands (:func:`replace_in_parts`); stored between the parts as a dict.

    ``line``: the file's last line loaded (the next part reads from the line
    after, at byte ``offset``); ``rows``: the rows loaded; ``finished``: the whole file is in the
    load table; ``keys``: how many of the table's keys and indexes it has
    (built one statement at a time), ``keyed``: all of them, its defaults,
    options and grants too; ``done``: the table was replaced; ``shape``: the
    table's (constraints, indexes) when the load began, ``built``: the load
    table's after its last keys; ``table_oid``: the load
    table the parts fill (a resumption checks it is still there, the same);
    ``xid``: the transaction of the last part loaded without FREEZE, whose
    rows a snapshot older than it would not see; ``held_by``: the database
    sessions whose older transactions held the swap back at its last try
    (``[process id, application name]`` pairs), or None; ``load_seconds``,
    ``key_seconds``: the time the rows and the keys built so far took, from
    which the next step's is foreseen.
    """

    line: int = 0
    offset: int = 0
    rows: int = 0
    finished: bool = False
    keys: int = 0
    keyed: bool = False
    done: bool = False
    table_oid: int | None = None
    xid: int | None = None
    shape: list | None = None
    built: list | None = None
    held_by: list | None = None
    load_seconds: float = 0.0
    key_seconds: float = 0.0

    def next_step_seconds(self):
        """About how long the next step after the load takes (0 when nothing measured says)."""
        if not self.keyed:
            # the first key is foreseen as long as them all: a margin, as a step too long is a step cut
            return self.key_seconds / self.keys if self.keys else KEYS_SHARE * self.load_seconds
        return SWAP_SHARE * self.key_seconds

    def as_dict(self):
        """The progress as a plain dict (JSON)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values):
        """The progress :meth:`as_dict` gave, or None for anything else."""
        try:
            return cls(**values) if isinstance(values, dict) else None
        except TypeError:
            return None


def replace_table(cursor, reader, extra=None, compare=None):
    """Replace the content of the reader's table with the file's rows; return the row count.

    ``cursor`` is a psycopg2 cursor; ``extra`` maps more columns to one value
    for every row (create_uid, create_date...). The caller owns the
    transaction: run it inside a savepoint or a transaction and roll back on
    error, so that the table keeps its old rows. ``compare(old, new)``, when
    given, is called with the names of the tables that hold the previous rows
    and the new ones, once both are there and before either is gone.

    The rows go into a new table created in the same transaction (``COPY
    FREEZE``, no index to maintain row by row), then its primary key, indexes
    and foreign keys are built in one pass each, and it takes the old table's
    place (sequence, grants, names). Readers keep reading the old table until
    the swap; the swap itself holds an exclusive lock on it until the commit,
    an instant. Frozen rows are visible to every snapshot, so a reader whose
    transaction began before the commit sees the new rows, never an empty
    table. A table the swap cannot rebuild faithfully (views or foreign keys
    pointing at it, triggers, policies...), or whose readers do not let go of
    it, is filled with DELETE and INSERT instead, which MVCC keeps invisible
    until the commit.
    """
    return replace_in_parts(cursor, reader, extra, compare).rows


def replace_in_parts(cursor, reader, extra=None, compare=None, progress=None, until=None, ignored_sessions=(),
                     patient=False):
    """One part of a replacement that may take several transactions; its :class:`LoadProgress`.

    Without ``until`` (a ``time.monotonic()`` deadline) the whole replacement
    is done at once, as :func:`replace_table` says. With it, the rows are
    loaded into the hidden load table until the deadline, at the end of a
    batch; ``done`` false: the caller commits (the rows loaded stay there,
    invisible to readers) and calls again, in a later transaction, with the
    ``progress`` returned, and the load goes on from the next line. Once the
    file is in whole, the load table takes the old one's place in one
    transaction, when the time left allows it (else in the next call): readers
    see the previous rows or the new ones, never a mix. The rows of a part
    after the first are not frozen, so the swap is never in the transaction
    that loaded such rows (a snapshot begun before its commit would not see
    them) and first waits for the transactions whose snapshot is older than
    the last part to end (those of ``ignored_sessions``, application names of
    the caller's own sessions, that read no staging table, aside). A ``progress`` whose load table is gone or
    no longer has the table's columns starts the load again.

    Each call takes at least one step (a batch of rows, a key, the swap),
    unless ``patient``: then a step after the load that is not foreseen to end
    before ``until`` is left to the next call (a caller that had other work in
    its run: its next run has the whole time).
    """
    extra = extra or {}
    table = reader.export.table
    fresh = progress is None or not _still_loading(cursor, table, progress)
    if fresh:
        _check_columns(cursor, reader, extra)
        obstacle = swap_obstacle(cursor, table)
        if obstacle:
            # slower, and the old rows stay behind as dead rows for autovacuum: worth the administrator's eye
            _logger.warning("%s: replaced in place (DELETE + COPY), not swapped: %s", table, obstacle)
            count = _replace_in_place(cursor, reader, extra, compare)
            return LoadProgress(rows=count, finished=True, done=True)
        progress = _begin_load(cursor, table, extra)
    else:
        # no DDL on the old table meanwhile (module upgrade); readers are not blocked by this mode
        cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(identifier(table)))
        if patient and progress.finished and not _time_for(progress.next_step_seconds(), until):
            _logger.info("%s: its next step (about %.0f s) is left to the next run", table,
                         progress.next_step_seconds())
            return dataclasses.replace(progress, held_by=None)  # not tried: nothing is known of who holds it
    started, loaded = time.monotonic(), progress.rows
    unfrozen = False  # rows loaded by this call without FREEZE: no snapshot taken before its commit sees them
    if not progress.finished:
        progress = _load_part(cursor, reader, progress, until, freeze=fresh)
        elapsed = time.monotonic() - started
        progress = dataclasses.replace(progress, load_seconds=progress.load_seconds + elapsed)
        _logger.info("%s: %d rows loaded in %.1f s (%d in all)", table, progress.rows - loaded, elapsed,
                     progress.rows)
        unfrozen = not fresh and progress.rows > loaded
        if not progress.finished or not _time_for(KEYS_SHARE * progress.rows / max(progress.rows - loaded, 1)
                                                  * elapsed, until):
            return progress
    if not progress.keyed:
        keying, keys = time.monotonic(), progress.keys
        progress = _key_load(cursor, table, extra, progress, until)
        _logger.info("%s: %d of the keys and indexes of %d rows built in %.1f s", table, progress.keys - keys,
                     progress.rows, time.monotonic() - keying)
        # the comparison and the swap in the same run only when the keys were too (their time tells theirs)
        if not progress.keyed or not _time_for(SWAP_SHARE * (time.monotonic() - keying), until) or (
                until is not None and keys):
            return progress
    # rows loaded now, unfrozen: a reader whose snapshot begins before this transaction commits would find the new
    # table without them, so the swap waits for a transaction of its own, which can wait for such readers to end
    holding = [] if unfrozen or progress.xid is None else older_snapshot_sessions(cursor, progress.xid,
                                                                                   ignored_sessions)
    if unfrozen or holding:
        _logger.info("%s: loaded whole; swapped later, once no transaction older than its last part runs", table)
        return dataclasses.replace(progress, held_by=holding or None)
    swapped = time.monotonic()
    _swap_load(cursor, reader, extra, compare)
    _logger.info("%s: compared and swapped in %.1f s", table, time.monotonic() - swapped)
    return dataclasses.replace(progress, done=True)


def _load_name(table):
    return f"{table}{LOAD_SUFFIX}"


def drop_load(cursor, table):
    """Drop the loading copy of ``table`` a load by parts left behind, if any."""
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(identifier(_load_name(table))))


def _begin_load(cursor, table, extra):
    """Create the (empty) load table like ``table``, ``extra`` as its columns' defaults; its first progress.

    No autovacuum on it while it loads: each part would have it vacuum and
    analyse the rows loaded so far, beside the next part's load.
    """
    old, new = identifier(table), identifier(_load_name(table))
    # no DDL on the old table meanwhile (module upgrade); readers are not blocked by this mode
    cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(old))
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(new))  # what a load given up left
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                           "INCLUDING STORAGE INCLUDING COMMENTS) "
                           "WITH (autovacuum_enabled = false, toast.autovacuum_enabled = false)").format(new, old))
    _constant_defaults(cursor, _load_name(table), extra)
    cursor.execute("SELECT quote_ident(%s)::regclass::oid", (regclass(_load_name(table)),))
    return LoadProgress(table_oid=cursor.fetchone()[0], shape=list(shape(cursor, table)))


def _still_loading(cursor, table, progress):
    """True when ``progress``'s load table is still there, the same, with what ``table`` has now.

    Its columns and the table's keys and indexes (a module upgrade between
    two runs may change either), and the keys the copy was given so far.
    """
    if progress.done or progress.table_oid is None:
        return False
    cursor.execute("SELECT to_regclass(quote_ident(%s))::oid", (regclass(_load_name(table)),))
    if cursor.fetchone()[0] != progress.table_oid:
        return False
    if _columns(cursor, table) != _columns(cursor, _load_name(table)):
        return False
    if progress.shape is not None and list(shape(cursor, table)) != progress.shape:
        return False
    return not progress.keys or list(shape(cursor, _load_name(table))) == progress.built


def _check_columns(cursor, reader, extra):
    """Refuse a table that lacks a column the rows go to (changed behind Odoo's back): its names, not SQL's error."""
    table = reader.export.table
    wanted = [column.field for column in reader.export.columns] + list(extra)
    for name in wanted:
        identifier(name)  # a name the catalogue cannot make is refused as such, before any statement names it
    present = {name for name, _type in _columns(cursor, table)}
    missing = sorted(set(wanted) - present)
    if missing:
        raise ImportFailure("import.table_lacks_columns", table=table, columns=", ".join(missing))


def _columns(cursor, table):
    cursor.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                   "WHERE attrelid = quote_ident(%s)::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                   (regclass(table),))
    return cursor.fetchall()


def _load_part(cursor, reader, progress, until, freeze):
    """COPY the file's rows after ``progress.line`` into the load table until ``until``; the new progress.

    FREEZE when the load table was created in this transaction; else the
    part's transaction is noted (see :class:`LoadProgress`).
    """
    parts = reader.copy_parts(start_line=progress.line, start_offset=progress.offset)
    stream = None
    try:
        with collector_eased(), converted_ahead(parts) as ahead:
            stream = PartStream(ahead, until)
            cursor.copy_expert(copy_sql(reader.export, (), _load_name(reader.export.table), freeze), stream,
                               size=READ_CHUNK)
    except Exception:
        if stream is not None and stream.error is not None:
            raise stream.error from None
        raise
    xid = progress.xid
    if not freeze and stream.rows:
        cursor.execute("SELECT pg_current_xact_id()::xid::text::bigint")
        xid = cursor.fetchone()[0]
    line = stream.line or progress.line
    # where the next part begins, found from where this one began: each part reads its own bytes once more
    offset = line_offset(reader.path, line, (progress.line, progress.offset)) if stream.stopped else progress.offset
    return dataclasses.replace(progress, line=line, offset=offset, rows=progress.rows + stream.rows,
                               finished=not stream.stopped, xid=xid)


def _time_for(seconds, until):
    """True when a step of about ``seconds`` ends before ``until`` (None: no deadline)."""
    return until is None or time.monotonic() + seconds < until


def _key_load(cursor, table, extra, progress, until):
    """Build the keys and indexes of ``table`` on its loading copy, from ``progress.keys`` on; the new progress.

    One statement after another while the time lasts (the next one is
    expected to take as long as the last one); once all are built, the
    copy's defaults, options and grants become the table's (``keyed``).
    """
    new = _load_name(table)
    statements = builds_like(cursor, table, new)
    keys = progress.keys
    seconds = progress.key_seconds
    for statement in statements[keys:]:
        began = time.monotonic()
        cursor.execute(statement)
        keys, took = keys + 1, time.monotonic() - began
        seconds += took
        if keys < len(statements) and not _time_for(took, until):
            return dataclasses.replace(progress, keys=keys, key_seconds=seconds, built=list(shape(cursor, new)))
    _restore_defaults(cursor, table, new, extra)
    finish_like(cursor, table, new)
    return dataclasses.replace(progress, keys=keys, keyed=True, key_seconds=seconds, built=list(shape(cursor, new)))


def _swap_load(cursor, reader, extra, compare):
    """Compare the keyed loading copy with the table, and swap it in (or copy it in, when readers hold the table)."""
    table = reader.export.table
    old, new_name = identifier(table), _load_name(table)
    new = identifier(new_name)
    renames = renames_like(cursor, table, new_name)
    if compare:
        compare(table, new_name)
    if lock_exclusively(cursor, table):
        hand_over_sequences(cursor, table, new_name)
        cursor.execute(sql.SQL("DROP TABLE {}").format(old))
        cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(new, old))
        for statement in renames:
            cursor.execute(statement)
        return
    _logger.warning("%s: readers held the table for too long: replaced in place (DELETE + INSERT)", table)
    columns = sql.SQL(", ").join(map(identifier, [column.field for column in reader.export.columns]
                                     + list(extra)))
    cursor.execute(sql.SQL("DELETE FROM {}").format(old))
    cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(old, columns, columns, new))
    cursor.execute(sql.SQL("DROP TABLE {}").format(new))


def _replace_in_place(cursor, reader, extra, compare):
    """DELETE the old rows and COPY the new ones into the table itself (comparing through a temporary copy)."""
    table = reader.export.table
    old = identifier(table)
    if compare:
        cursor.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{previous}; "
                               "CREATE TEMP TABLE {previous} AS SELECT * FROM {old}").format(
                                   previous=identifier(PREVIOUS_ROWS), old=old))
    cursor.execute(sql.SQL("DELETE FROM {}").format(old))
    count = copy_rows(cursor, reader, extra)
    if compare:
        compare(PREVIOUS_ROWS, table)
        cursor.execute(sql.SQL("DROP TABLE {}").format(identifier(PREVIOUS_ROWS)))
    return count


def _constant_defaults(cursor, table, values):
    """Make ``values`` (column -> value) the defaults of ``table``'s columns.

    A column the same for every row is then filled by the server from one
    constant, instead of being sent, parsed and converted a million times
    (about a third of the COPY text of an ECRITURE row).
    """
    if not values:
        return
    cursor.execute(sql.SQL("ALTER TABLE {} {}").format(identifier(table), sql.SQL(", ").join(
        sql.SQL("ALTER COLUMN {} SET DEFAULT {}").format(identifier(name), sql.Literal(value))
        for name, value in values.items())))


def _restore_defaults(cursor, table, new, columns):
    """Give ``new``'s ``columns`` the defaults they have in ``table`` (:func:`_constant_defaults` changed them)."""
    if not columns:
        return
    cursor.execute("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                   "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                   "WHERE a.attrelid = quote_ident(%s)::regclass AND a.attname = ANY(%s)",
                   (regclass(table), list(columns)))
    previous = dict(cursor.fetchall())  # every column there: _check_columns, then _still_loading, saw to it
    # the defaults are expressions PostgreSQL itself printed (pg_get_expr), put back as they were
    cursor.execute(sql.SQL("ALTER TABLE {} {}").format(identifier(new), sql.SQL(", ").join(
        sql.SQL("ALTER COLUMN {} {}").format(identifier(name), sql.SQL("SET DEFAULT ") + sql.SQL(previous[name])
                                             if previous[name] else sql.SQL("DROP DEFAULT"))
        for name in columns)))

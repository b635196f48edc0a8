# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A staging table replaced by the rows of an export file, in one transaction, readers never blocked for long.

The rows go into a new table created in the same transaction (``COPY ...
FREEZE``, no index to maintain row by row), then its primary key, indexes and
foreign keys are built in one pass each, and it takes the old table's place
(sequence, grants, names): see :func:`replace_table`. The rows are converted
in a thread of their own, a couple of batches ahead of the COPY
(:func:`converted_ahead`): the client converts while the server parses,
instead of each waiting for the other.
"""

import contextlib
import logging
import queue
import re
import threading
import time

from psycopg2 import sql

from .reader import READ_CHUNK, collector_eased

_logger = logging.getLogger(__name__)

COPY_BATCHES_AHEAD = 2
LOAD_SUFFIX = "__cegid_load"
PREVIOUS_ROWS = "cegid_previous_rows"  # a temporary copy, when the table is filled in place and compared
SWAP_LOCK_ATTEMPTS = 10
SWAP_LOCK_TIMEOUT_MS = 500
# every name this module puts in a statement: what the catalogue makes, and nothing a header could smuggle in
SAFE_NAME = re.compile(r"[a-z0-9_]{1,63}")
PRIVILEGES = frozenset(("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"))


def identifier(name):
    """``name`` as an SQL identifier; ValueError for anything but lower-case letters, digits and underscores."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise ValueError(f"not a table or column name the import makes: {name!r}")
    return sql.Identifier(name)


class CopyStream:
    """A file-like object for ``copy_expert`` over an iterator of COPY text; keeps the error that stopped it.

    When reading fails, psycopg2 aborts the COPY with a generic message; the
    original error stays in ``error`` so that the caller can report it.
    """

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self.error = None

    # a file object for psycopg2, not an Odoo model: there is no super().read to call
    def read(self, _size=-1):  # pylint: disable=method-required-super
        """The next chunk of COPY text ('' at the end)."""
        try:
            return next(self._chunks, "")
        except Exception as err:
            self.error = err
            raise

    def readline(self, size=-1):
        """psycopg2 only calls read(); defined for file-like completeness."""
        return self.read(size)


@contextlib.contextmanager
def converted_ahead(chunks, ahead=COPY_BATCHES_AHEAD):
    """Run the iterator ``chunks`` in a thread of its own, at most ``ahead`` items ahead; yield their iterator.

    psycopg2 lets go of the GIL while it sends a batch and waits for the
    server to take it: meanwhile the next batch is converted, so that the
    conversion (Python) and the COPY (the server) work side by side instead
    of in turns. Memory stays at ``ahead`` + 2 batches. An error of the
    thread is raised by the iterator; leaving the block early stops and
    closes ``chunks``.
    """
    handover = queue.Queue(ahead)
    stopped = threading.Event()

    def offer(item):
        while not stopped.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for chunk in chunks:
                if not offer((chunk, None)):
                    return
            offer((None, None))
        except BaseException as err:  # handed to the consumer, which raises it
            offer((None, err))
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def consume():
        while True:
            chunk, error = handover.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk

    producer = threading.Thread(target=produce, name="cegid-copy-convert", daemon=True)
    producer.start()
    try:
        yield consume()
    finally:
        stopped.set()
        producer.join()


def copy_sql(export, extra_columns=(), table=None, freeze=False):
    """The COPY statement loading ``export``'s columns then ``extra_columns`` into ``table`` (its own by default).

    Text format with ``NULL ''``: an empty value is NULL (what the ORM stores for an empty text or date).
    """
    columns = [column.field for column in export.columns] + list(extra_columns)
    return sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT text, NULL ''{})").format(
        identifier(table or export.table), sql.SQL(", ").join(map(identifier, columns)),
        sql.SQL(", FREEZE" if freeze else ""))


def _copy(cursor, reader, extra, table=None, freeze=False):
    """COPY the reader's rows into ``table``; re-raise the reader's own error rather than the driver's."""
    batches = reader.copy_batches([str(value) for value in extra.values()])
    stream = None
    try:
        with collector_eased(), converted_ahead(batches) as ahead:
            stream = CopyStream(ahead)
            cursor.copy_expert(copy_sql(reader.export, extra.keys(), table, freeze), stream, size=READ_CHUNK)
    except Exception:
        if stream is not None and stream.error is not None:
            raise stream.error from None
        raise
    return reader.row_count


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
    extra = extra or {}
    table = reader.export.table
    old = identifier(table)
    obstacle = swap_obstacle(cursor, table)
    if obstacle:
        # slower, and the old rows stay behind as dead rows for autovacuum: worth the administrator's eye
        _logger.warning("%s: replaced in place (DELETE + COPY), not swapped: %s", table, obstacle)
        if compare:
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{previous}; "
                                   "CREATE TEMP TABLE {previous} AS SELECT * FROM {old}").format(
                                       previous=identifier(PREVIOUS_ROWS), old=old))
        cursor.execute(sql.SQL("DELETE FROM {}").format(old))
        count = _copy(cursor, reader, extra)
        if compare:
            compare(PREVIOUS_ROWS, table)
            cursor.execute(sql.SQL("DROP TABLE {}").format(identifier(PREVIOUS_ROWS)))
        return count
    # no DDL on the old table meanwhile (module upgrade); readers are not blocked by this mode
    cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(old))
    new_name = f"{table}{LOAD_SUFFIX}"
    new = identifier(new_name)
    cursor.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                           "INCLUDING STORAGE INCLUDING COMMENTS)").format(new, old))
    restore_defaults = _constant_defaults(cursor, new_name, extra)
    count = _copy(cursor, reader, {}, new_name, freeze=True)
    cursor.execute(restore_defaults)
    renames = _rebuild_like(cursor, table, new_name)
    if compare:
        compare(table, new_name)
    if _lock_for_swap(cursor, table):
        _hand_over_sequences(cursor, table, new_name)
        cursor.execute(sql.SQL("DROP TABLE {}").format(old))
        cursor.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(new, old))
        for statement in renames:
            cursor.execute(statement)
    else:
        _logger.warning("%s: readers held the table for too long: replaced in place (DELETE + INSERT)", table)
        columns = sql.SQL(", ").join(map(identifier, [column.field for column in reader.export.columns]
                                         + list(extra)))
        cursor.execute(sql.SQL("DELETE FROM {}").format(old))
        cursor.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(old, columns, columns, new))
        cursor.execute(sql.SQL("DROP TABLE {}").format(new))
    return count


def _constant_defaults(cursor, table, values):
    """Make ``values`` (column -> value) the defaults of ``table``'s columns; return the SQL that restores them.

    A column the same for every row is then filled by the server from one
    constant, instead of being sent, parsed and converted a million times
    (about a third of the COPY text of an ECRITURE row).
    """
    if not values:
        return sql.SQL("SELECT 1")
    cursor.execute("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                   "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                   "WHERE a.attrelid = quote_ident(%s)::regclass AND a.attname = ANY(%s)",
                   (regclass(table), list(values)))
    previous = dict(cursor.fetchall())
    if set(previous) != set(values):
        raise RuntimeError(f"{table} lacks a column among {', '.join(sorted(values))}")
    target = identifier(table)
    cursor.execute(sql.SQL("ALTER TABLE {} {}").format(target, sql.SQL(", ").join(
        sql.SQL("ALTER COLUMN {} SET DEFAULT {}").format(identifier(name), sql.Literal(value))
        for name, value in values.items())))
    # the previous defaults are expressions PostgreSQL itself printed (pg_get_expr), put back as they were
    return sql.SQL("ALTER TABLE {} {}").format(target, sql.SQL(", ").join(
        sql.SQL("ALTER COLUMN {} {}").format(identifier(name), sql.SQL("SET DEFAULT ") + sql.SQL(previous[name])
                                             if previous[name] else sql.SQL("DROP DEFAULT"))
        for name in values))


def regclass(table):
    """``table``, checked, as the parameter of ``quote_ident(%s)::regclass`` (the server quotes it: no case folding)."""
    identifier(table)
    return table


# what a swap could not carry over to the new table: then the table is filled in place
_OBSTACLES = (
    ("it is not a plain permanent table", "SELECT 1 FROM pg_class WHERE oid = quote_ident(%(t)s)::regclass "
     "AND (relkind <> 'r' OR relpersistence <> 'p' OR relrowsecurity OR relhassubclass)"),
    ("another role owns it", "SELECT 1 FROM pg_class WHERE oid = quote_ident(%(t)s)::regclass "
     "AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)"),
    ("a foreign key points at it", "SELECT 1 FROM pg_constraint WHERE confrelid = quote_ident(%(t)s)::regclass"),
    ("a view or rule depends on it", "SELECT 1 FROM pg_depend WHERE refobjid = quote_ident(%(t)s)::regclass "
     "AND classid = 'pg_rewrite'::regclass"),
    ("it has triggers", "SELECT 1 FROM pg_trigger WHERE tgrelid = quote_ident(%(t)s)::regclass AND NOT tgisinternal"),
    ("it has policies", "SELECT 1 FROM pg_policy WHERE polrelid = quote_ident(%(t)s)::regclass"),
    ("it inherits", "SELECT 1 FROM pg_inherits WHERE inhrelid = quote_ident(%(t)s)::regclass"),
    ("it is published", "SELECT 1 FROM pg_publication_rel WHERE prrelid = quote_ident(%(t)s)::regclass"),
    ("it has column privileges", "SELECT 1 FROM pg_attribute WHERE attrelid = quote_ident(%(t)s)::regclass "
     "AND attacl IS NOT NULL"),
    ("it has extended statistics", "SELECT 1 FROM pg_statistic_ext WHERE stxrelid = quote_ident(%(t)s)::regclass"),
)


def swap_obstacle(cursor, table):
    """Why ``table`` cannot be swapped for a freshly loaded copy (a sentence), or None."""
    for reason, query in _OBSTACLES:
        cursor.execute(query, {"t": regclass(table)})
        if cursor.fetchone():
            return reason
    return None


def _rebuild_like(cursor, table, new):
    """Give ``new`` the constraints, indexes, options, grants and sequences of ``table``, under temporary names.

    Returns the statements that give the constraints and indexes their
    original names once ``table`` is gone. The definitions are SQL that
    PostgreSQL itself prints from its catalogue (``pg_get_constraintdef``,
    ``pg_get_indexdef``), replayed as they are.
    """
    renames = []
    target, original = identifier(new), identifier(table)
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = quote_ident(%s)::regclass AND contype IN ('p', 'u', 'x', 'f') "
                   "ORDER BY contype = 'f', conname", (regclass(table),))
    for number, (name, definition) in enumerate(cursor.fetchall()):
        temporary = sql.Identifier(f"{new}_c{number}")
        # a foreign key is checked here in one pass over the loaded rows, not row by row
        cursor.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(target, temporary, sql.SQL(definition)))
        renames.append(sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
            original, temporary, sql.Identifier(name)))
    cursor.execute("SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = quote_ident(%s)::regclass "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                   "AND k.conrelid = i.indrelid) ORDER BY c.relname", (regclass(table),))
    for number, (name, unique, definition) in enumerate(cursor.fetchall()):
        temporary = sql.Identifier(f"{new}_i{number}")
        # "CREATE [UNIQUE] INDEX name ON schema.table USING method (...)": keep what follows USING
        _head, using, method = definition.partition(" USING ")
        if not using:
            raise RuntimeError(f"cannot read the definition of index {name}: {definition}")
        cursor.execute(sql.SQL("CREATE {}INDEX {} ON {} USING {}").format(
            sql.SQL("UNIQUE " if unique else ""), temporary, target, sql.SQL(method)))
        renames.append(sql.SQL("ALTER INDEX {} RENAME TO {}").format(temporary, sql.Identifier(name)))
    _copy_options_and_grants(cursor, table, new)
    return renames


def _copy_options_and_grants(cursor, table, new):
    """Comment, storage options and grants of ``table`` onto ``new`` (LIKE copies the columns' comments only)."""
    target = identifier(new)
    cursor.execute("SELECT obj_description(quote_ident(%s)::regclass, 'pg_class')", (regclass(table),))
    cursor.execute(sql.SQL("COMMENT ON TABLE {} IS %s").format(target), (cursor.fetchone()[0],))
    cursor.execute("SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = quote_ident(%s)::regclass "
                   "AND reloptions IS NOT NULL", (regclass(table),))
    for (options,) in cursor.fetchall():
        # storage parameters as PostgreSQL prints them (fillfactor=70, ...)
        cursor.execute(sql.SQL("ALTER TABLE {} SET ({})").format(target, sql.SQL(options)))
    cursor.execute("SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN NULL "
                   "ELSE pg_get_userbyid(a.grantee) END, a.is_grantable "
                   "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = quote_ident(%s)::regclass "
                   "AND a.grantee <> c.relowner", (regclass(table),))
    for privilege, grantee, grantable in cursor.fetchall():
        if privilege not in PRIVILEGES:
            raise RuntimeError(f"unknown privilege on {table}: {privilege}")
        cursor.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(privilege), target, sql.Identifier(grantee) if grantee else sql.SQL("PUBLIC"),
            sql.SQL(" WITH GRANT OPTION" if grantable else "")))


def _hand_over_sequences(cursor, table, new):
    """The sequences ``table`` owns (its id's) become ``new``'s, so that dropping ``table`` keeps them."""
    cursor.execute("SELECT s.oid, a.attname FROM pg_depend d "
                   "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                   "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                   "WHERE d.classid = 'pg_class'::regclass AND d.refobjid = quote_ident(%s)::regclass "
                   "AND d.deptype = 'a'",
                   (regclass(table),))
    for sequence, column in cursor.fetchall():
        cursor.execute("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                       "WHERE c.oid = %s", (sequence,))
        schema, name = cursor.fetchone()
        cursor.execute(sql.SQL("ALTER SEQUENCE {} OWNED BY {}").format(
            sql.Identifier(schema, name), sql.Identifier(new, column)))


def _lock_for_swap(cursor, table):
    """Take ``table``'s exclusive lock for the swap, waiting a little at a time; False when readers keep it.

    A lock request waiting in the queue would block every new reader behind
    it: short waits let them through between the attempts. A wait that times
    out is caught by the server (a DO block), so that no statement fails: the
    caller's cursor (Odoo's) has no error to log for an expected wait.
    """
    # the short lock_timeout lasts for the attempt only (a failed one rolls it back with its subtransaction)
    attempt_lock = sql.SQL(
        "DO $cegid$ DECLARE previous text := current_setting('lock_timeout'); BEGIN "
        "PERFORM set_config('lock_timeout', {timeout}, true); LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; "
        "PERFORM set_config('lock_timeout', previous, true); "
        "EXCEPTION WHEN lock_not_available THEN NULL; END $cegid$").format(
            timeout=sql.Literal(f"{int(SWAP_LOCK_TIMEOUT_MS)}ms"), table=identifier(table))
    for attempt in range(SWAP_LOCK_ATTEMPTS):
        cursor.execute(attempt_lock)
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'relation' AND granted "
                       "AND relation = quote_ident(%s)::regclass AND pid = pg_backend_pid() "
                       "AND mode = 'AccessExclusiveLock')",
                       (regclass(table),))
        if cursor.fetchone()[0]:
            return True  # held until the commit
        _logger.info("%s: readers hold the table (attempt %d)", table, attempt + 1)
        time.sleep(SWAP_LOCK_TIMEOUT_MS / 1000)
    return False

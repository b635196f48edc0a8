# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A staging table's readers (a backup, a long report): waited for a little at a time, never queued behind.

What readers must not see half done (a swap, a change of columns) waits for
them in short attempts, and gives up after a few seconds rather than block
every other reader behind a waiting lock.
"""

import logging
import time

from psycopg2 import sql

from .pg_like import identifier, regclass

_logger = logging.getLogger(__name__)

SWAP_LOCK_ATTEMPTS = 10
SWAP_LOCK_TIMEOUT_MS = 500


def lock_exclusively(cursor, table):
    """Take ``table``'s exclusive lock, waiting a little at a time; False when readers keep it (a few seconds).

    For what a reader must not see half done: the swap, a change of the
    table's columns. A lock request waiting in the queue would block every
    new reader behind it, for as long as the reader ahead of it (a backup, a
    long report) goes on: short waits let them through between the attempts.
    A wait that times out is caught by the server (a DO block), so that no
    statement fails: the caller's cursor (Odoo's) has no error to log for an
    expected wait. The lock is held until the transaction ends.
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


def older_snapshot_sessions(cursor, xid, ignored_sessions):
    """Wait a little for the transactions whose snapshot may not see transaction ``xid``; the sessions still
    running one then, as ``[process id, application name]`` pairs (empty once none is left).

    A row not frozen is invisible to a snapshot taken before its transaction
    committed: such a reader would see part of the new table after the swap.
    ``ignored_sessions``: application names whose sessions read no staging
    table (the caller's own).
    """
    holding = []
    for attempt in range(SWAP_LOCK_ATTEMPTS):
        # PostgreSQL keeps what pg_stat_activity showed first in a transaction until it ends: each attempt looks anew
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND backend_xmin IS NOT NULL "
                       "AND age(backend_xmin) >= age(%s::text::xid) AND NOT application_name = ANY(%s) ORDER BY pid",
                       (str(xid), list(ignored_sessions)))
        holding = [list(session) for session in cursor.fetchall()]
        if not holding:
            return holding
        _logger.info("older transactions still run (attempt %d)", attempt + 1)
        time.sleep(SWAP_LOCK_TIMEOUT_MS / 1000)
    return holding

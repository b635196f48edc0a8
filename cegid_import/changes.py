# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a new snapshot changed: the rows it added and removed, compared in PostgreSQL while both are there.

Each export is a full snapshot that replaces its table; at the moment of the
swap the table holds the previous rows and its loading copy the new ones
(``pg_replace.replace_table`` calls the comparison then). Each row is hashed
over all its columns with PostgreSQL's own hash of a record (64 bits: the
chance that two different rows of a million-row export hash alike is about
one in thirty million) and the two snapshots are compared as multisets: two
identical lines are two rows, a changed line is one removed and one added.
What differs is kept in a temporary table of the session, one line per
distinct row with how many times more (or fewer) the new snapshot holds it
and where one such row is; the counts, a capped number of detail rows and
totals per period are read from it. Nothing goes through Python but those.
"""

import dataclasses

from psycopg2 import sql

from .pg_replace import identifier

CHANGED = "cegid_changed"  # (h, delta, new_id, old_id): a row the snapshots hold a different number of times
ADDED = "added"
REMOVED = "removed"
# the hash aggregate of a million rows fits in memory instead of spilling to disk; for this transaction only
COMPARE_WORK_MEM = "256MB"


@dataclasses.dataclass(frozen=True)
class ChangeSpec:
    """How a known export's changes read: a date, what a row is about, the measures that move."""

    period: str  # "accounting" or "payroll": the closed period that applies
    date: str  # the column of the row's date
    keys: tuple  # the columns naming what the row is about (account, axis, section; employee)
    measures: tuple  # the columns whose net change is reported (debit, credit; days)
    money: bool = False  # a table of the money changes is kept with the import


CHANGE_SPECS = {
    "ECRITURE": ChangeSpec("accounting", "e_datecomptable", ("e_general",), ("e_debit", "e_credit"), money=True),
    "ANALYTIQ": ChangeSpec("accounting", "y_datecomptable", ("y_general", "y_axe", "y_section"),
                           ("y_debit", "y_credit"), money=True),
    "ABSENCESALARIE": ChangeSpec("payroll", "pcn_datedebutabs", ("pcn_salarie",), ("pcn_jours",)),
}


class Comparison:
    """The comparison of table ``old`` with table ``new`` over ``columns`` (both have an ``id`` column).

    ``added`` and ``removed`` count the rows; :meth:`keep_details` and
    :meth:`totals` read what differs until :meth:`forget` (or the end of the
    session): their cost follows the number of changes, the comparison's the
    size of the snapshots.
    """

    def __init__(self, cursor, old, new, columns):
        self.cursor = cursor
        self.old, self.new = identifier(old), identifier(new)
        self.columns = [identifier(column) for column in columns]
        self.added, self.removed = self._compare()

    def _compare(self):
        cursor = self.cursor
        self.forget()
        cursor.execute("SELECT current_setting('work_mem')")
        work_mem = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('work_mem', %s, true)", (COMPARE_WORK_MEM,))
        row = sql.SQL("hash_record_extended(ROW({}), 0)").format(sql.SQL(", ").join(self.columns))
        # one row of each kind stands for its identical ones: its id, the first in its file
        cursor.execute(sql.SQL(
            "CREATE TEMP TABLE {changed} AS SELECT h, sum(s)::int AS delta, "
            "min(id) FILTER (WHERE s = 1) AS new_id, min(id) FILTER (WHERE s = -1) AS old_id FROM ("
            "SELECT {row} AS h, 1 AS s, id FROM {new} UNION ALL SELECT {row}, -1, id FROM {old}"
            ") rows GROUP BY h HAVING sum(s) <> 0").format(
                changed=sql.Identifier(CHANGED), row=row, new=self.new, old=self.old))
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(CHANGED)))  # no autovacuum on a temp table
        cursor.execute("SELECT set_config('work_mem', %s, true)", (work_mem,))
        cursor.execute(sql.SQL("SELECT coalesce(sum(delta) FILTER (WHERE delta > 0), 0), "
                               "coalesce(-sum(delta) FILTER (WHERE delta < 0), 0) FROM {}").format(
                                   sql.Identifier(CHANGED)))
        return cursor.fetchone()

    def _sides(self):
        """(kind, table, id column of the changed rows, sign of their delta): the rows added, then removed."""
        return ((ADDED, self.new, "new_id", 1), (REMOVED, self.old, "old_id", -1))

    def keep_details(self, target, extra, limit):
        """Insert at most ``limit`` changed rows into table ``target``: ``kind``, ``data`` (jsonb) and ``extra``.

        ``data`` maps each column to its value as text; ``extra`` gives more
        columns one value for every row (the import, the audit columns). The
        rows added come first, each kind in the order of its file; only the
        rows kept are read (a row the snapshots hold ``n`` more times is kept
        ``n`` times).
        """
        pairs = sql.SQL(", ").join(sql.SQL("{}, t.{}::text").format(sql.Literal(column.strings[0]), column)
                                   for column in self.columns)
        firsts = sql.SQL(" UNION ALL ").join(
            sql.SQL("(SELECT {kind}::text AS kind, {ref} AS row_id, {sign} * delta AS times FROM {changed} "
                    "WHERE {sign} * delta > 0 ORDER BY {ref} LIMIT %(limit)s)").format(
                        kind=sql.Literal(kind), ref=sql.Identifier(ref), sign=sql.Literal(sign),
                        changed=sql.Identifier(CHANGED))
            for kind, _table, ref, sign in self._sides())
        rows = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT picked.kind, jsonb_build_object({pairs}) FROM picked "
                    "JOIN {table} t ON t.id = picked.row_id WHERE picked.kind = {kind}").format(
                        pairs=pairs, table=table, kind=sql.Literal(kind))
            for kind, table, _ref, _sign in self._sides())
        self.cursor.execute(sql.SQL(
            "WITH picked AS (SELECT kind, row_id FROM ({firsts}) first CROSS JOIN generate_series(1, times) "
            "ORDER BY kind, row_id LIMIT %(limit)s) "
            "INSERT INTO {target} (kind, data, {extra}) SELECT kept.*, {values} FROM ({rows}) kept").format(
                firsts=firsts, target=identifier(target), extra=sql.SQL(", ").join(map(identifier, extra)),
                values=sql.SQL(", ").join(sql.Placeholder(name) for name in extra), rows=rows),
            dict(extra, limit=limit))
        return self.cursor.rowcount

    def totals(self, spec, until=None):
        """Net change (added minus removed) of the spec's measures, and the rows changed, per keys and month.

        Rows of (keys..., month, measures..., rows, closed), ordered, where
        ``closed`` tells the rows dated on or before ``until`` (a date, or
        None) from the others of the same month.
        """
        keys = sql.SQL(", ").join(map(identifier, spec.keys))
        date = identifier(spec.date)
        described = sql.SQL(", ").join([
            *(sql.SQL("t.{}").format(identifier(key)) for key in spec.keys),
            sql.SQL("date_trunc('month', t.{date})::date AS month, "
                    "coalesce(t.{date} <= {until}, false) AS closed").format(date=date, until=sql.Literal(until)),
            *(sql.SQL("c.delta * coalesce(t.{m}, 0) AS {m}").format(m=identifier(measure))
              for measure in spec.measures),
            sql.SQL("abs(c.delta) AS times")])
        rows = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {described} FROM {changed} c JOIN {table} t ON t.id = c.{ref} "
                    "WHERE {sign} * c.delta > 0").format(described=described, changed=sql.Identifier(CHANGED),
                                                         table=table, ref=sql.Identifier(ref), sign=sql.Literal(sign))
            for _kind, table, ref, sign in self._sides())
        sums = sql.SQL(", ").join(sql.SQL("sum({})").format(identifier(measure)) for measure in spec.measures)
        self.cursor.execute(sql.SQL(
            "SELECT {keys}, month, {sums}, sum(times)::int, closed FROM ({rows}) changed "
            "GROUP BY {keys}, month, closed ORDER BY {keys}, month, closed").format(
                keys=keys, sums=sums, rows=rows))
        return self.cursor.fetchall()

    def forget(self):
        """Drop the comparison's temporary table."""
        self.cursor.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(CHANGED)))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a new snapshot changed: the rows it added and removed, compared in PostgreSQL while both are there.

Each export is a full snapshot that replaces its table; at the moment of the
swap the table holds the previous rows and its loading copy the new ones
(``pg_replace.replace_table`` calls the comparison then). Each row is hashed
over all its columns with the hashes PostgreSQL's hash indexes use (64 bits:
the chance that two different rows of a million-row export hash alike is
about one in thirty million) and the two snapshots are compared as multisets: two
identical lines are two rows, a changed line is one removed and one added.
Each distinct row becomes a group: how many times more (or fewer) the new
snapshot holds it, how many of its copies both hold, where one such row is.

A temporary table of the session keeps the smaller side of what is read
afterwards. When fewer rows are alike than differ (a new fiscal year, two
unrelated files), it keeps the groups both snapshots share and only the
changed groups the capped detail can show: the totals per period are then the
sums of the new snapshot minus those of the old one (the rows alike cancel
out) and the rows changed per period are all the rows but those alike. Else it
keeps every changed group, and the totals join them back to their rows. Both
ways give the same counts, detail and totals; nothing goes through Python but
those.
"""

import contextlib
import dataclasses

from psycopg2 import sql

from .pg_replace import identifier

CHANGED = "cegid_changed"  # (delta, alike, new_id, old_id): a group of identical rows, see Comparison
ADDED = "added"
REMOVED = "removed"
# what is kept of the groups: the changed ones, or the ones the snapshots share (and the first changed ones)
KEEP_CHANGED = "changed"
KEEP_ALIKE = "alike"
# for the comparison's statements only (restored after each): the grouping of two million rows fits in
# memory instead of spilling to disk; a parallel partial aggregate of as many distinct rows only adds a sort
# and a merge; and the planner's guesses of these statements' costs (it cannot know how many rows differ)
# would buy a JIT compilation that takes longer than what it saves
COMPARE_SETTINGS = {"work_mem": "256MB", "max_parallel_workers_per_gather": "0", "jit": "off"}
# and for the grouping of every row by its hash: sorted rather than hashed (as fast or a little faster, in
# half the memory: 160 MB for two million rows where a hash table of their distinct hashes takes 350 MB)
GROUPING_SETTINGS = {"enable_hashagg": "off"}

# a column's hash by its type (hash_record_extended would pick the same functions); any other type by its text
COLUMN_HASHES = {
    "character varying": "hashtextextended({column}, {seed})", "text": "hashtextextended({column}, {seed})",
    "integer": "hashint4extended({column}, {seed})", "bigint": "hashint8extended({column}, {seed})",
    "smallint": "hashint2extended({column}, {seed})", "numeric": "hash_numeric_extended({column}, {seed})",
    "double precision": "hashfloat8extended({column}, {seed})", "boolean": "hashint4extended({column}::int, {seed})",
    "date": "timestamp_hash_extended({column}::timestamp, {seed})",
    "timestamp without time zone": "timestamp_hash_extended({column}, {seed})",
    "jsonb": "jsonb_hash_extended({column}, {seed})",
}
TEXT_HASH = "hashtextextended({column}::text, {seed})"


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

    ``added`` and ``removed`` count the rows; :meth:`keep_details` (at most
    ``detail_limit`` rows) and :meth:`totals` read what differs until
    :meth:`forget` (or the end of the session). ``keep`` forces what the
    temporary table keeps (``KEEP_CHANGED`` or ``KEEP_ALIKE``; by default the
    smaller side): the results are the same, only the time differs.
    """

    def __init__(self, cursor, old, new, columns, detail_limit, keep=None):
        self.cursor = cursor
        self.old, self.new = identifier(old), identifier(new)
        self.columns = [identifier(column) for column in columns]
        self.detail_limit = detail_limit
        with self._settings(**GROUPING_SETTINGS):
            self.added, self.removed, self.keep = self._compare(keep)

    @contextlib.contextmanager
    def _settings(self, **more):
        """COMPARE_SETTINGS (and ``more``) for the statements run meanwhile, then the settings as they were."""
        cursor = self.cursor
        settings = dict(COMPARE_SETTINGS, **more)
        cursor.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join(
            sql.SQL("current_setting({})").format(sql.Literal(name)) for name in settings)))
        before = dict(zip(settings, cursor.fetchone(), strict=True))

        def apply(settings):
            cursor.execute(sql.SQL("SELECT {}").format(sql.SQL(", ").join(
                sql.SQL("set_config({}, {}, true)").format(sql.Literal(name), sql.Literal(value))
                for name, value in settings.items())))

        apply(settings)
        try:
            yield
        finally:
            apply(before)

    def _compare(self, keep):
        """Group the rows of both snapshots, keep one side of the groups; return (added, removed, kept side)."""
        cursor = self.cursor
        self.forget()
        cursor.execute(sql.SQL("CREATE TEMP TABLE {} (delta int, alike int, new_id int, old_id int)").format(
            sql.Identifier(CHANGED)))
        row = self._row_hash()
        # a group: its new count minus its old count, the copies both hold, and one row of each side
        # standing for its identical ones (its id, the first in its file)
        groups = sql.SQL(
            "SELECT sum(s)::int AS delta, ((count(*) - abs(sum(s))) / 2)::int AS alike, "
            "min(id) FILTER (WHERE s = 1) AS new_id, min(id) FILTER (WHERE s = -1) AS old_id FROM ("
            "SELECT {row} AS h, 1 AS s, id FROM {new} UNION ALL SELECT {row}, -1, id FROM {old}"
            ") rows GROUP BY h").format(row=row, new=self.new, old=self.old)
        # the changed groups the detail can show, when the alike ones are kept: of the groups no row of which
        # is alike (the others are kept anyway), the first of each kind in file order (the rows removed only
        # where the rows added leave room)
        limits = (sql.SQL("%(limit)s"), sql.SQL("greatest(%(limit)s - (SELECT added FROM counts), 0)"))
        firsts = sql.SQL(" UNION ALL ").join(
            sql.SQL("(SELECT * FROM groups WHERE {sign} * delta > 0 AND alike = 0 AND (SELECT alike FROM side) "
                    "ORDER BY {ref} LIMIT {limit})").format(sign=sql.Literal(sign), ref=sql.Identifier(ref),
                                                            limit=limit)
            for (_kind, _table, ref, sign), limit in zip(self._sides(), limits, strict=True))
        cursor.execute(sql.SQL(
            "WITH groups AS MATERIALIZED ({groups}), "
            "counts AS (SELECT coalesce(sum(delta) FILTER (WHERE delta > 0), 0) AS added, "
            "coalesce(-sum(delta) FILTER (WHERE delta < 0), 0) AS removed, "
            "count(*) FILTER (WHERE delta <> 0) AS changed, count(*) FILTER (WHERE alike > 0) AS alike FROM groups), "
            "side AS (SELECT coalesce(%(keep)s = {alike}, alike < changed) AS alike FROM counts), "
            "kept AS (INSERT INTO {table} "
            "SELECT * FROM groups WHERE delta <> 0 AND NOT (SELECT alike FROM side) "
            "UNION ALL SELECT * FROM groups WHERE alike > 0 AND (SELECT alike FROM side) "
            "UNION ALL {firsts}) "
            "SELECT added, removed, CASE WHEN side.alike THEN {alike} ELSE {changed} END FROM counts, side").format(
                groups=groups, alike=sql.Literal(KEEP_ALIKE), changed=sql.Literal(KEEP_CHANGED),
                table=sql.Identifier(CHANGED), firsts=firsts),
            {"keep": keep, "limit": self.detail_limit})
        counts = cursor.fetchone()
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(CHANGED)))  # no autovacuum on a temp table
        return counts

    def _row_hash(self):
        """A 64-bit hash of a row over the compared columns: each column's own hash, seeded by its rank, XORed.

        The hash PostgreSQL's hash indexes use for each type (two values equal
        for the type hash alike: 1.0 and 1.00), NULL as 0; twice as fast as
        ``hash_record_extended`` of the row, which builds a record first.
        """
        self.cursor.execute("SELECT attname, atttypid::regtype::text FROM pg_attribute "
                            "WHERE attrelid = quote_ident(%s)::regclass AND attnum > 0 AND NOT attisdropped",
                            (self.new.strings[0],))
        types = dict(self.cursor.fetchall())
        return sql.SQL(" # ").join(
            sql.SQL("coalesce({}, 0)").format(
                sql.SQL(COLUMN_HASHES.get(types[column.strings[0]], TEXT_HASH)).format(
                    column=column, seed=sql.Literal(seed)))
            for seed, column in enumerate(self.columns))

    def _sides(self):
        """(kind, table, id column of the changed rows, sign of their delta): the rows added, then removed."""
        return ((ADDED, self.new, "new_id", 1), (REMOVED, self.old, "old_id", -1))

    def keep_details(self, target, extra):
        """Insert at most ``detail_limit`` changed rows into table ``target``: ``kind``, ``data`` (jsonb), ``extra``.

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
        with self._settings():
            self.cursor.execute(sql.SQL(
                "WITH picked AS (SELECT kind, row_id FROM ({firsts}) first CROSS JOIN generate_series(1, times) "
                "ORDER BY kind, row_id LIMIT %(limit)s) "
                "INSERT INTO {target} (kind, data, {extra}) SELECT kept.*, {values} FROM ({rows}) kept").format(
                    firsts=firsts, target=identifier(target), extra=sql.SQL(", ").join(map(identifier, extra)),
                    values=sql.SQL(", ").join(sql.Placeholder(name) for name in extra), rows=rows),
                dict(extra, limit=self.detail_limit))
            kept = self.cursor.rowcount
        return kept

    def totals(self, spec, until=None):
        """Net change (added minus removed) of the spec's measures, and the rows changed, per keys and month.

        Rows of (keys..., month, measures..., rows, closed), ordered, where
        ``closed`` tells the rows dated on or before ``until`` (a date, or
        None) from the others of the same month. The measures are summed as
        numeric, exactly, whichever side of the groups is kept.
        """
        keys = sql.SQL(", ").join(map(identifier, spec.keys))
        sums = sql.SQL(", ").join(sql.SQL("sum({0}) AS {0}").format(identifier(measure)) for measure in spec.measures)
        rows = self._alike_rows(spec) if self.keep == KEEP_ALIKE else self._changed_rows(spec)
        date = identifier(spec.date)
        with self._settings():
            # by day first: the month and the closed flag are then worked out once a day, not once a row
            self.cursor.execute(sql.SQL(
                "SELECT {keys}, date_trunc('month', day)::date AS month, {sums}, sum(times)::int, closed FROM ("
                "SELECT {keys}, {date} AS day, coalesce({date} <= {until}, false) AS closed, {sums}, "
                "sum(times) AS times FROM ({rows}) changed GROUP BY {keys}, {date}) days "
                "GROUP BY {keys}, month, closed HAVING sum(times) > 0 ORDER BY {keys}, month, closed").format(
                    keys=keys, sums=sums, rows=rows, date=date, until=sql.Literal(until)))
            return self.cursor.fetchall()

    @staticmethod
    def _described(spec, factor, times):
        """The select list of a row of the totals: keys, date, each measure (numeric) after ``factor``, ``times``."""
        return sql.SQL(", ").join([
            *(sql.SQL("t.{}").format(identifier(column)) for column in (*spec.keys, spec.date)),
            *(sql.SQL("{factor}coalesce(t.{m}, 0)::numeric AS {m}").format(factor=factor, m=identifier(measure))
              for measure in spec.measures),
            sql.SQL("{} AS times").format(times)])

    def _changed_rows(self, spec):
        """Each changed group's row, its measures times its delta: the kept changed groups joined to their rows."""
        return sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {described} FROM {changed} c JOIN {table} t ON t.id = c.{ref} "
                    "WHERE {sign} * c.delta > 0").format(
                        described=self._described(spec, sql.SQL("c.delta * "), sql.SQL("abs(c.delta)")),
                        changed=sql.Identifier(CHANGED), table=table, ref=sql.Identifier(ref), sign=sql.Literal(sign))
            for _kind, table, ref, sign in self._sides())

    def _alike_rows(self, spec):
        """Every new row, every old row negated, less twice the rows alike: what differs, without reaching it."""
        return sql.SQL(" UNION ALL ").join([
            sql.SQL("SELECT {} FROM {} t").format(self._described(spec, sql.SQL(""), sql.Literal(1)), self.new),
            sql.SQL("SELECT {} FROM {} t").format(self._described(spec, sql.SQL("-"), sql.Literal(1)), self.old),
            sql.SQL("SELECT {} FROM {} c JOIN {} t ON t.id = c.new_id WHERE c.alike > 0").format(
                self._described(spec, sql.SQL("0 * "), sql.SQL("-2 * c.alike")), sql.Identifier(CHANGED),
                self.new)])

    def forget(self):
        """Drop the comparison's temporary table."""
        self.cursor.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(CHANGED)))

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

Which rows to work from is chosen beforehand, from what the previous
comparison found (:func:`side_to_keep`). When few rows changed, the rows of
both snapshots are hashed and sorted by parallel workers, then grouped, and
the changed groups are kept in a temporary table of the session; the totals
join them back to their rows. When most rows changed (a new fiscal year, two
unrelated files), grouping every row is the cost: the rows both snapshots
share are found instead by a hash join of the two (parallel workers build one
hash table), their groups kept, and what differs is read around them: the
rows one file holds and the other does not, read in file order for the
capped detail, and the totals per period, the sums of the new snapshot minus
those of the old one (the rows alike cancel out). Both ways give the same
counts and totals, and the same rows as detail when the cap holds them all
(a line only one file holds, repeated there, is listed at its first place by
the one, at each of its places by the other: which copies come first under
the cap differs); nothing goes through Python but those.
"""

import contextlib
import dataclasses

from psycopg2 import sql

from .pg_replace import identifier

# (h, delta, alike, new_id, old_id[, pairs]): a group of identical rows, see Comparison
CHANGED = "cegid_changed"
ADDED = "added"
REMOVED = "removed"
# what is kept of the groups: the changed ones (grouping every row), or the ones the snapshots share (pairing rows)
KEEP_CHANGED = "changed"
KEEP_ALIKE = "alike"
# the alike groups are kept while the rows paired are at most a quarter of the rows compared (half of a file alike):
# more, and grouping the changed rows costs about as much; a wrong guess on a day few rows changed (a million
# rows alike) then costs 1.9 s more than the right one, where pairing them all took 6 s more
PAIRS_PER_ROWS = 4
# for the comparison's statements only (restored after each): the grouping of two million rows fits in
# memory instead of spilling to disk; the planner's guesses of these statements' costs (it cannot know how many
# rows differ) would buy a JIT compilation that takes longer than what it saves; no parallel workers but where
# a statement asks for them (GROUPING_SETTINGS, PAIRING_SETTINGS, TOTALS_SETTINGS)
COMPARE_SETTINGS = {"work_mem": "256MB", "max_parallel_workers_per_gather": "0", "jit": "off"}
# for the grouping of every row by its hash: the rows hashed and sorted by two parallel workers and the session
# itself, their sorted runs merged (Gather Merge) and grouped by the session: 1.4 s for two million rows where one
# process takes 2.6 s; sorted rather than hashed (a hash table of two million distinct hashes takes 350 MB). Each
# of the three sorts may take work_mem: 128 MB each keeps a third of two million rows in memory (60 MB) and the
# three at 384 MB when a longer file makes them spill to disk
GROUPING_SETTINGS = {"enable_hashagg": "off", "max_parallel_workers_per_gather": "2", "work_mem": "128MB"}
# for the pairing of the rows both snapshots hold: a hash join whose one hash table two parallel workers and the
# session build and probe together (0.9 s for two files of a million rows with nothing alike, where grouping every
# row takes 1.8 s); a merge join would sort both sides, the grouping's cost again
PAIRING_SETTINGS = {"enable_mergejoin": "off", "max_parallel_workers_per_gather": "2"}
# for the totals when most rows changed: each snapshot's sums per day, by parallel workers
TOTALS_SETTINGS = {"max_parallel_workers_per_gather": "2"}
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


def side_to_keep(rows, added, removed):
    """The side of the groups to keep when the previous comparison of a file of ``rows`` rows found these changes.

    What changed last time is the best guess of what changes this time: the
    alike groups when fewer rows were alike than changed (a new fiscal year,
    a file replaced by an unrelated one), else the changed ones.
    """
    return KEEP_ALIKE if rows - added < added + removed else KEEP_CHANGED


class Comparison:
    """The comparison of table ``old`` with table ``new`` over ``columns`` (both have an ``id`` column).

    ``added`` and ``removed`` count the rows; :meth:`keep_details` (at most
    ``detail_limit`` rows) and :meth:`totals` read what differs until
    :meth:`forget` (or the end of the session). ``keep`` tells what the
    temporary table keeps (``KEEP_CHANGED``, the default, or ``KEEP_ALIKE``:
    see :func:`side_to_keep`): the results are the same, only the time
    differs (the smaller side is the faster).
    """

    def __init__(self, cursor, old, new, columns, detail_limit, keep=None):
        self.cursor = cursor
        self.old, self.new = identifier(old), identifier(new)
        self.columns = [identifier(column) for column in columns]
        self.detail_limit = detail_limit
        cursor.execute("SELECT attname, atttypid::regtype::text FROM pg_attribute "
                       "WHERE attrelid = quote_ident(%s)::regclass AND attnum > 0 AND NOT attisdropped",
                       (self.new.strings[0],))
        self.types = dict(cursor.fetchall())
        self.row_hash = self._row_hash()
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
        """Keep one side of the groups in the temporary table; return (added, removed, side kept).

        The side is chosen beforehand (``keep``, the changed groups by
        default): both give the same results. The alike groups come from the
        pairs of identical rows; when there are more pairs than a quarter of
        the rows compared (more rows alike than guessed, or lines repeated
        many times in both files), the changed groups are kept instead.
        """
        if keep == KEEP_ALIKE:
            self.cursor.execute(sql.SQL("SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})").format(
                self.new, self.old))
            new_rows, old_rows = self.cursor.fetchone()
            most_pairs = (new_rows + old_rows) // PAIRS_PER_ROWS
            pairs, alike = self._pair(most_pairs)
            if pairs <= most_pairs:
                return new_rows - alike, old_rows - alike, KEEP_ALIKE
        self._group()
        self.cursor.execute(sql.SQL("SELECT coalesce(sum(delta) FILTER (WHERE delta > 0), 0), "
                                    "coalesce(-sum(delta) FILTER (WHERE delta < 0), 0) FROM {}").format(
                                        sql.Identifier(CHANGED)))
        added, removed = self.cursor.fetchone()
        return added, removed, KEEP_CHANGED

    def _group(self):
        """(Re)make the temporary table of the changed groups, grouping the rows of both snapshots by their hash."""
        # a group: its new count minus its old count, the copies both hold, and one row of each side standing for
        # its identical ones (its id, the first in its file). The rows are sorted in a subquery of their own
        # (OFFSET 0 keeps it one) by parallel workers: else the planner groups in each worker first, which for
        # rows nearly all distinct only adds a second grouping of as many rows
        self._make_groups(sql.SQL(
            "SELECT * FROM ("
            "SELECT h, sum(s)::int AS delta, ((count(*) - abs(sum(s))) / 2)::int AS alike, "
            "min(id) FILTER (WHERE s = 1) AS new_id, min(id) FILTER (WHERE s = -1) AS old_id FROM ("
            "SELECT * FROM (SELECT {row} AS h, 1 AS s, id FROM {new} UNION ALL SELECT {row}, -1, id FROM {old}) "
            "hashed ORDER BY h OFFSET 0) sorted GROUP BY h) groups WHERE delta <> 0").format(
                row=self.row_hash, new=self.new, old=self.old), {}, GROUPING_SETTINGS)

    def _pair(self, limit):
        """(Re)make the temporary table of the groups both snapshots hold; return (pairs of rows, rows alike).

        Each new row is paired with each old row of the same hash: a group
        held ``n`` times by the new snapshot and ``o`` times by the old one
        gives ``n x o`` pairs, ``n`` of them with its first old row and ``o``
        with its first new row. At most ``limit + 1`` pairs are made.
        """
        self._make_groups(sql.SQL(
            "SELECT h, (in_new - in_old)::int AS delta, least(in_new, in_old)::int AS alike, new_id, old_id, pairs "
            "FROM (SELECT h, count(*) FILTER (WHERE old_id = first_old) AS in_new, "
            "count(*) FILTER (WHERE new_id = first_new) AS in_old, "
            "min(new_id) AS new_id, min(old_id) AS old_id, count(*) AS pairs FROM ("
            "SELECT h, new_id, old_id, min(new_id) OVER same AS first_new, min(old_id) OVER same AS first_old "
            "FROM (SELECT n.h, n.id AS new_id, o.id AS old_id FROM (SELECT {row} AS h, id FROM {new}) n "
            "JOIN (SELECT {row} AS h, id FROM {old}) o ON o.h = n.h LIMIT %(limit)s) pairs "
            "WINDOW same AS (PARTITION BY h)) windowed GROUP BY h) groups").format(
                row=self.row_hash, new=self.new, old=self.old), {"limit": limit + 1}, PAIRING_SETTINGS)
        self.cursor.execute(sql.SQL("SELECT coalesce(sum(pairs), 0), coalesce(sum(alike), 0) FROM {}").format(
            sql.Identifier(CHANGED)))
        return self.cursor.fetchone()

    def _make_groups(self, query, params, settings):
        """(Re)make the temporary table of the groups kept from ``query``, run with ``settings``, and analyse it."""
        self.forget()
        with self._settings(**settings):
            self.cursor.execute(sql.SQL("CREATE TEMP TABLE {} AS {}").format(sql.Identifier(CHANGED), query), params)
        self.cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(CHANGED)))  # no autovacuum on a temp table

    def _row_hash(self, alias=None):
        """A 64-bit hash of a row over the compared columns: each column's own hash, seeded by its rank, XORed.

        The hash PostgreSQL's hash indexes use for each type (two values equal
        for the type hash alike: 1.0 and 1.00), NULL as 0; twice as fast as
        ``hash_record_extended`` of the row, which builds a record first.
        The columns are those of ``alias`` when given (where another table's
        columns are in sight too).
        """
        types = self.types
        return sql.SQL(" # ").join(
            sql.SQL("coalesce({}, 0)").format(
                sql.SQL(COLUMN_HASHES.get(types[column.strings[0]], TEXT_HASH)).format(
                    column=sql.Identifier(alias, column.strings[0]) if alias else column, seed=sql.Literal(seed)))
            for seed, column in enumerate(self.columns))

    def _sides(self):
        """(kind, table, id column of the changed rows, sign of their delta): the rows added, then removed."""
        return ((ADDED, self.new, "new_id", 1), (REMOVED, self.old, "old_id", -1))

    def keep_details(self, target, extra):
        """Insert at most ``detail_limit`` changed rows into ``target``: ``kind``, ``row_values`` (jsonb), ``extra``.

        ``row_values`` is the array of the row's values as text (or null), in
        the order of the columns compared; ``extra`` gives more columns one
        value for every row (the import). The rows added come first, each
        kind in the order of its file; only the rows kept are read. A line
        the snapshots hold ``n`` more times is kept ``n`` times at its first
        place; with the alike groups kept, a line only one file holds is kept
        at each of its places (the same rows when the limit holds them all, in
        another order when such a line is repeated).
        """
        # the row's columns as text, a JSON array in the order of the columns compared: 0.12 s for 100,000 rows
        # of nine columns, where an object of the same values takes 0.3 s (jsonb_object sorts and keeps each
        # row's names) and twice the room
        row_values = sql.SQL("to_jsonb(ARRAY[{values}]::text[])").format(
            values=sql.SQL(", ").join(sql.SQL("t.{}::text").format(column) for column in self.columns))
        # the rows removed only where the rows added leave room
        limits = (self.detail_limit, self.detail_limit - min(self.added, self.detail_limit))
        rows = sql.SQL(" UNION ALL ").join(
            term for side, limit in zip(self._sides(), limits, strict=True)
            for term in self._firsts(side, limit, row_values))
        with self._settings():
            self.cursor.execute(sql.SQL(
                "INSERT INTO {target} (kind, row_values, {extra}) SELECT kind, row_values, {values} FROM ({rows}) kept "
                "ORDER BY kind, row_id LIMIT %(limit)s").format(
                    target=identifier(target), extra=sql.SQL(", ").join(map(identifier, extra)),
                    values=sql.SQL(", ").join(sql.Placeholder(name) for name in extra), rows=rows),
                dict(extra, limit=self.detail_limit))
            return self.cursor.rowcount

    def _firsts(self, side, limit, row_values):
        """Queries of the first ``limit`` changed rows of a side (about): (kind, row id, ``row_values`` of the row).

        The rows of groups kept (a changed group's first row, as many times as
        it changed; with the alike groups kept, the first row of a line both
        snapshots hold a different number of times) and, with the alike
        groups kept, the rows whose line the other file does not hold, read
        in file order until enough.
        """
        kind, table, ref, sign = side
        terms = [sql.SQL("SELECT {kind}::text AS kind, t.id AS row_id, {row_values} AS row_values FROM ("
                         "SELECT {ref} AS row_id, {sign} * delta AS times FROM {changed} WHERE {sign} * delta > 0 "
                         "ORDER BY {ref} LIMIT {limit}) first CROSS JOIN generate_series(1, first.times) "
                         "JOIN {table} t ON t.id = first.row_id").format(
                             kind=sql.Literal(kind), row_values=row_values, ref=sql.Identifier(ref),
                             sign=sql.Literal(sign), changed=sql.Identifier(CHANGED), limit=sql.Literal(limit),
                             table=table)]
        if self.keep == KEEP_ALIKE:
            # NOT EXISTS, an anti-join: the rows read in order of id until enough when few groups are kept, both
            # sides hashed when many are (never a search of the groups for each row, as NOT IN would make it when
            # they do not fit in memory)
            terms.append(sql.SQL("(SELECT {kind}::text, t.id, {row_values} FROM {table} t WHERE NOT EXISTS ("
                                 "SELECT FROM {changed} c WHERE c.h = {row}) ORDER BY t.id LIMIT {limit})").format(
                                     kind=sql.Literal(kind), row_values=row_values, table=table,
                                     row=self._row_hash("t"), changed=sql.Identifier(CHANGED),
                                     limit=sql.Literal(limit)))
        return terms

    def totals(self, spec, until=None):
        """Net change (added minus removed) of the spec's measures, and the rows changed, per keys and month.

        Rows of (keys..., month, measures..., rows, closed), ordered, where
        ``closed`` tells the rows dated on or before ``until`` (a date, or
        None) from the others of the same month. The measures are summed as
        numeric, exactly, whichever side of the groups is kept.
        """
        keys = sql.SQL(", ").join(map(identifier, spec.keys))
        sums = self._sums(spec)
        rows = self._alike_rows(spec) if self.keep == KEEP_ALIKE else self._changed_rows(spec)
        date = identifier(spec.date)
        with self._settings(**(TOTALS_SETTINGS if self.keep == KEEP_ALIKE else {})):
            # by day first: the month and the closed flag are then worked out once a day, not once a row
            self.cursor.execute(sql.SQL(
                "SELECT {keys}, date_trunc('month', day)::date AS month, {sums}, sum(times)::int, closed FROM ("
                "SELECT {keys}, {date} AS day, coalesce({date} <= {until}, false) AS closed, {sums}, "
                "sum(times) AS times FROM ({rows}) changed GROUP BY {keys}, {date}) days "
                "GROUP BY {keys}, month, closed HAVING sum(times) > 0 ORDER BY {keys}, month, closed").format(
                    keys=keys, sums=sums, rows=rows, date=date, until=sql.Literal(until)))
            return self.cursor.fetchall()

    @staticmethod
    def _sums(spec):
        """The select list summing each of the spec's measures under its own name."""
        return sql.SQL(", ").join(sql.SQL("sum({0}) AS {0}").format(identifier(measure)) for measure in spec.measures)

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
        """Each snapshot summed per keys and day (the old one negated), less twice the rows alike: what differs.

        The snapshots are summed each on its own, by parallel workers (the
        rows alike, in a temporary table, can only be read by the session
        itself), without reaching what differs row by row.
        """
        described = sql.SQL(", ").join(
            sql.SQL("t.{}").format(identifier(column)) for column in (*spec.keys, spec.date))
        snapshots = [
            sql.SQL("SELECT {described}, {sums}, count(*) AS times FROM {table} t GROUP BY {described}").format(
                described=described, table=table, sums=sql.SQL(", ").join(
                    sql.SQL("{sign}coalesce(sum(t.{m}::numeric), 0) AS {m}").format(sign=sign, m=identifier(measure))
                    for measure in spec.measures))
            for sign, table in ((sql.SQL(""), self.new), (sql.SQL("-"), self.old))]
        return sql.SQL(" UNION ALL ").join([
            *snapshots,
            sql.SQL("SELECT {} FROM {} c JOIN {} t ON t.id = c.new_id WHERE c.alike > 0").format(
                self._described(spec, sql.SQL("0 * "), sql.SQL("-2 * c.alike")), sql.Identifier(CHANGED),
                self.new)])

    def forget(self):
        """Drop the comparison's temporary table."""
        self.cursor.execute(sql.SQL("DROP TABLE IF EXISTS pg_temp.{}").format(sql.Identifier(CHANGED)))

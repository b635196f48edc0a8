# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A loaded copy of a table made like it: its constraints, indexes, options, grants and sequences.

What ``pg_replace`` needs to swap a freshly loaded table for the one it
replaces, read from PostgreSQL's catalogue and replayed as PostgreSQL prints
it; and what a swap could not carry over (then the table is filled in place).
Every name put in a statement is checked (:func:`identifier`).
"""

import re

from psycopg2 import sql

from .errors import ImportFailure

# every name this package puts in a statement: what the catalogue makes, and nothing a header could smuggle in
SAFE_NAME = re.compile(r"[a-z0-9_]{1,63}")
# a table's privileges the swap grants again (MAINTAIN: PostgreSQL 17, which Odoo 18 runs on too)
PRIVILEGES = frozenset(("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN"))


def identifier(name):
    """``name`` as an SQL identifier; ImportFailure for anything but lower-case letters, digits and underscores."""
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise ImportFailure("import.unsafe_name", name=repr(name))
    return sql.Identifier(name)


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


def builds_like(cursor, table, new):
    """The statements giving ``new`` the constraints and indexes of ``table``, under temporary names, in order.

    The definitions are SQL that PostgreSQL itself prints from its catalogue
    (``pg_get_constraintdef``, ``pg_get_indexdef``), replayed as they are; the
    same table gives the same statements. Once they ran, :func:`finish_like`
    gives ``new`` the rest; :func:`renames_like` their original names.
    """
    target = identifier(new)
    # a foreign key is checked here in one pass over the loaded rows, not row by row
    return [sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(target, temporary, definition)
            for _name, temporary, definition in _constraints(cursor, table, new)] + [
        definition for _name, _temporary, definition in _indexes(cursor, table, new)]


def finish_like(cursor, table, new):
    """Give ``new`` the storage options, comment and grants of ``table`` (autovacuum on again, unless off there)."""
    cursor.execute(sql.SQL("ALTER TABLE {} RESET (autovacuum_enabled, toast.autovacuum_enabled)").format(
        identifier(new)))
    _copy_options_and_grants(cursor, table, new)


def renames_like(cursor, table, new):
    """The statements giving the constraints and indexes :func:`builds_like` made on ``new`` their original names.

    Run once ``table`` is gone and ``new`` took its name.
    """
    original = identifier(table)
    return [sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(original, temporary, sql.Identifier(name))
            for name, temporary, _definition in _constraints(cursor, table, new)] + [
        sql.SQL("ALTER INDEX {} RENAME TO {}").format(temporary, sql.Identifier(name))
        for name, temporary, _definition in _indexes(cursor, table, new)]


def _constraints(cursor, table, new):
    """(name, temporary name on ``new``, definition) of ``table``'s keys and checks, in a stable order."""
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = quote_ident(%s)::regclass AND contype IN ('p', 'u', 'x', 'f') "
                   "ORDER BY contype = 'f', conname", (regclass(table),))
    return [(name, sql.Identifier(f"{new}_c{number}"), sql.SQL(definition))
            for number, (name, definition) in enumerate(cursor.fetchall())]


def _indexes(cursor, table, new):
    """(name, temporary name on ``new``, CREATE INDEX on ``new``) of ``table``'s other indexes, in a stable order."""
    cursor.execute("SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = quote_ident(%s)::regclass "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                   "AND k.conrelid = i.indrelid) ORDER BY c.relname", (regclass(table),))
    indexes = []
    for number, (name, unique, definition) in enumerate(cursor.fetchall()):
        temporary = sql.Identifier(f"{new}_i{number}")
        # "CREATE [UNIQUE] INDEX name ON schema.table USING method (...)": keep what follows USING
        _head, using, method = definition.partition(" USING ")
        if not using:
            raise ImportFailure("import.index_unreadable", index=name, definition=definition)
        indexes.append((name, temporary, sql.SQL("CREATE {}INDEX {} ON {} USING {}").format(
            sql.SQL("UNIQUE " if unique else ""), temporary, identifier(new), sql.SQL(method))))
    return indexes


def shape(cursor, table):
    """(constraints, indexes) of ``table``: how many keys, checks and indexes it has."""
    cursor.execute("SELECT (SELECT count(*) FROM pg_constraint WHERE conrelid = quote_ident(%(t)s)::regclass "
                   "AND contype IN ('p', 'u', 'x', 'f')), "
                   "(SELECT count(*) FROM pg_index WHERE indrelid = quote_ident(%(t)s)::regclass)",
                   {"t": regclass(table)})
    return cursor.fetchone()


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
            raise ImportFailure("import.unknown_privilege", table=table, privilege=privilege)
        cursor.execute(sql.SQL("GRANT {} ON {} TO {}{}").format(
            sql.SQL(privilege), target, sql.Identifier(grantee) if grantee else sql.SQL("PUBLIC"),
            sql.SQL(" WITH GRANT OPTION" if grantable else "")))


def hand_over_sequences(cursor, table, new):
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

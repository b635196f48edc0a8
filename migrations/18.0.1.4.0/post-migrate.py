# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0, once the addon is loaded: how an import read its file; which columns it filled.

The text ``details`` ("cp1252, ';', dd/mm/yyyy") showed the date order in
English letters to every reader; its encoding, delimiter and date order are
now fields of their own (``file_encoding``, ``file_delimiter``, ``date_order``,
a selection each reader sees in his language). The text is read into them and
its column dropped.

An import is now compared with the previous one over the columns both files
filled (``loaded_columns``). Earlier imports did not keep them: for the last
import of each table, the one the next is compared with, they are read from
the table, as the columns with a value in at least one row. Else the first
file after the upgrade that has an optional column its predecessor lacked (the
journal added to the query) would count every row changed and alert every
closed month; a column the previous file had but left empty in every row is
taken as absent, so that one comparison does not see it filled.

A custom table's starter dashboard now follows the table's columns when an
update of the table changes them; one an earlier version's update left naming
fields gone (or now text) is made again from the columns, unless someone made
it his own.

The settings are now confirmed for a database by its name too (a copy made
outside Odoo keeps the uuid): an installation whose settings this database
confirmed gets its name.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

IMPORTS = "is_cegid_import"
# as 18.0.1.3.0 wrote it: encoding, the delimiter between single quotes, the date order
DETAILS = r"^(.+), '(.)', (dd/mm/yyyy|mm/dd/yyyy)$"
DATE_ORDERS = {"dd/mm/yyyy": "day_first", "mm/dd/yyyy": "month_first"}


def migrate(cr, version):
    if not version:
        return
    if column_exists(cr, IMPORTS, "details"):
        read_details(cr)
    env = api.Environment(cr, SUPERUSER_ID, {})
    infer_loaded_columns(env)
    remake_starter_dashboards(env)
    remember_database_name(env)


def read_details(cr):
    """The encoding, delimiter and date order of the text ``details`` into their fields; the text dropped."""
    cr.execute(SQL(
        "UPDATE %(imports)s SET file_encoding = parts[1], file_delimiter = parts[2], "
        "date_order = CASE parts[3] %(orders)s END "
        "FROM (SELECT id, regexp_match(details, %(pattern)s) AS parts FROM %(imports)s) parsed "
        "WHERE parsed.id = %(imports)s.id AND parsed.parts IS NOT NULL",
        imports=SQL.identifier(IMPORTS), pattern=DETAILS, orders=SQL(" ").join(
            SQL("WHEN %s THEN %s", written, code) for written, code in DATE_ORDERS.items())))
    cr.execute(SQL("ALTER TABLE %s DROP COLUMN details", SQL.identifier(IMPORTS)))


def infer_loaded_columns(env):
    """The ``loaded_columns`` of each table's last import, earlier versions' imports: its fields with a value."""
    for export, last in env["is.cegid.import"]._last_done().items():
        if last.loaded_columns or not export.model or export.model not in env:
            continue
        Table = env[export.model]
        names = [column.field for column in export._definition().columns
                 if column.field in Table._fields and column_exists(env.cr, Table._table, column.field)]
        if not names:
            continue
        # each EXISTS stops at the first row with a value: a filled column costs one row, not the table
        env.cr.execute(SQL("SELECT %s", SQL(", ").join(
            SQL("EXISTS (SELECT FROM %s WHERE %s IS NOT NULL)", SQL.identifier(Table._table), SQL.identifier(name))
            for name in names)))
        filled = env.cr.fetchone()
        last.loaded_columns = [name for name, has_value in zip(names, filled, strict=True) if has_value]


def remake_starter_dashboards(env):
    """Each custom table's starter dashboard made again from the table's columns, as an update now does."""
    for entry in env["is.cegid.export"].search([("builtin", "=", False), ("model_id", "!=", False)]):
        entry._remake_dashboard()


def remember_database_name(env):
    """The name of this database, for the settings this very database confirmed (its uuid)."""
    params = env["ir.config_parameter"].sudo()
    if params.get_param("is_cegid2odoo.database_uuid") == params.get_param("database.uuid"):
        params.set_param("is_cegid2odoo.database_name", env.cr.dbname)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.4.0, once the addon is loaded: how an import read its file is three fields instead of one text.

The text ``details`` ("cp1252, ';', dd/mm/yyyy") showed the date order in
English letters to every reader; its encoding, delimiter and date order are
now fields of their own (``file_encoding``, ``file_delimiter``, ``date_order``,
a selection each reader sees in his language). The text is read into them and
its column dropped.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

IMPORTS = "is_cegid_import"
# as 18.0.1.3.0 wrote it: encoding, the delimiter between single quotes, the date order
DETAILS = r"^(.+), '(.)', (dd/mm/yyyy|mm/dd/yyyy)$"
DATE_ORDERS = {"dd/mm/yyyy": "day_first", "mm/dd/yyyy": "month_first"}


def migrate(cr, version):
    if not version or not column_exists(cr, IMPORTS, "details"):
        return
    cr.execute(SQL(
        "UPDATE %(imports)s SET file_encoding = parts[1], file_delimiter = parts[2], "
        "date_order = CASE parts[3] %(orders)s END "
        "FROM (SELECT id, regexp_match(details, %(pattern)s) AS parts FROM %(imports)s) parsed "
        "WHERE parsed.id = %(imports)s.id AND parsed.parts IS NOT NULL",
        imports=SQL.identifier(IMPORTS), pattern=DETAILS, orders=SQL(" ").join(
            SQL("WHEN %s THEN %s", written, code) for written, code in DATE_ORDERS.items())))
    cr.execute(SQL("ALTER TABLE %s DROP COLUMN details", SQL.identifier(IMPORTS)))

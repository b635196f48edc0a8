# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0, once the addon is loaded: the rows an import added and removed no longer carry who and when.

Their import tells it. Odoo leaves the columns of the fields a model no
longer has, and the foreign keys of create_uid and write_uid would still be
checked for each row a comparison keeps.
"""

from odoo.tools import SQL

LOG_ACCESS_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL("ALTER TABLE %s %s", SQL.identifier("is_cegid_import_change"), SQL(", ").join(
        SQL("DROP COLUMN IF EXISTS %s", SQL.identifier(column)) for column in LOG_ACCESS_COLUMNS)))

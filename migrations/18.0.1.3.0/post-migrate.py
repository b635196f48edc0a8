# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0, once the addon is loaded: a row an import added or removed keeps its values as an array.

Their names are kept once on the import (``change_columns``), the values of
each row in that order (``row_values``) instead of an object per row. The
names of an import are those of its first row (the rows of one import were
all compared over the same columns); the column ``data`` is dropped (the
field is now computed from the two).
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

CHANGES = "is_cegid_import_change"


def migrate(cr, version):
    if not version or not column_exists(cr, CHANGES, "data"):
        return
    cr.execute(SQL(
        "UPDATE %(imports)s i SET change_columns = names.keys FROM ("
        " SELECT DISTINCT ON (c.import_id) c.import_id,"
        " (SELECT jsonb_agg(key ORDER BY key) FROM jsonb_object_keys(c.data) AS key) AS keys"
        " FROM %(changes)s c WHERE jsonb_typeof(c.data) = 'object' ORDER BY c.import_id, c.id) names"
        " WHERE i.id = names.import_id",
        imports=SQL.identifier("is_cegid_import"), changes=SQL.identifier(CHANGES)))
    cr.execute(SQL(
        "UPDATE %(changes)s c SET row_values = (SELECT jsonb_agg(c.data -> name ORDER BY place)"
        " FROM jsonb_array_elements_text(i.change_columns) WITH ORDINALITY AS names(name, place))"
        " FROM %(imports)s i WHERE i.id = c.import_id AND jsonb_typeof(c.data) = 'object'",
        imports=SQL.identifier("is_cegid_import"), changes=SQL.identifier(CHANGES)))
    cr.execute(SQL("ALTER TABLE %s DROP COLUMN data", SQL.identifier(CHANGES)))

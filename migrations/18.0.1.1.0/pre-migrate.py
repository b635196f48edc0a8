# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0, before the models load: the fields made for Cegid columns learn their column's kind.

``ir.model.fields.cegid_kind`` is new; Odoo reads the manual fields' rows
(``_instanciate_attrs``) while it loads the models, before it would add the
column: it is added and filled here, so that the custom tables' fields get
their kind's options (an amount's digits) in this very upgrade.
"""

from odoo.tools.sql import table_exists


def migrate(cr, version):
    if not version:
        return
    cr.execute("ALTER TABLE ir_model_fields ADD COLUMN IF NOT EXISTS cegid_kind varchar")
    # the Odoo 16 module had no catalogue: its database runs every 18.0 migration, this one before the tables exist
    if not (table_exists(cr, "is_cegid_export_column") and table_exists(cr, "is_cegid_export")):
        return
    cr.execute("""
        UPDATE ir_model_fields field SET cegid_kind = col.kind
          FROM is_cegid_export_column col JOIN is_cegid_export export ON export.id = col.export_id
         WHERE field.model_id = export.model_id AND field.name = col.field_name AND field.state = 'manual'
           AND field.cegid_kind IS NULL
    """)

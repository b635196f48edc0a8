# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The staging tables of the four known exports: one read-only model each, one field per column.

The models are made from the export catalogue (``cegid_import.catalogue.KNOWN``),
the one declaration of their columns: model, table and field names, labels,
indexes, ``_order`` and ``_rec_name`` are those of existing installations, so
that their reports keep working. The rows are written only by the import
(``is.cegid.import``), in bulk, never by the ORM. An accounting entry's
*Movement* (debit + credit) is a field of no column, read in SQL.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..cegid_import.catalogue import AMOUNT, CHAR, DATE, FLOAT, INTEGER, KNOWN

AMOUNT_DIGITS = (16, 2)

# The Odoo field of each kind of column, (field type, its options), declared once: the shipped tables' fields
# are made from it here, the fields made for other exports' columns and for the extra columns of the known ones
# get the same (``ir_model_fields.py``, ``cegid_export_table.py``).
FIELD_OF_KIND = {
    CHAR: ("char", {}),
    DATE: ("date", {}),
    AMOUNT: ("float", {"digits": AMOUNT_DIGITS}),
    FLOAT: ("float", {}),
    # order numbers and periods: summing them means nothing
    INTEGER: ("integer", {"aggregator": None}),
}


def odoo_field(column):
    """The Odoo field of a catalogue column (a ``cegid_import.catalogue.Column``)."""
    field_type, options = FIELD_OF_KIND[column.kind]
    return fields.Field.by_type[field_type](column.label, index=column.index, **options)


def staging_model(export):
    """The Odoo model class of a known export, its fields made from the export's columns."""
    attributes = {
        "__module__": __name__,
        "__doc__": f"{export.name}: {export.description}.",
        "_name": export.model,
        "_description": export.description,
        "_order": export.order,
        "_rec_name": export.rec_name,
    }
    attributes.update({column.field: odoo_field(column) for column in export.columns})
    class_name = "Cegid" + export.name.capitalize()
    return type(class_name, (models.Model,), attributes)


STAGING_MODELS = [staging_model(export) for export in KNOWN]


class CegidEcritureMovement(models.Model):
    """An accounting entry's movement: what the accounting dashboard ranks the general accounts by."""

    _inherit = "is.cegid.ecriture"

    # no column (the import writes the rows in bulk, not through the ORM): read as SQL (_field_to_sql), it is
    # summed and sorted by like a stored field, which a spreadsheet pivot needs to sort its rows by it
    movement = fields.Float(digits=AMOUNT_DIGITS, compute="_compute_movement",
                            help="Debit + credit: a large credit is a large movement too.")

    @api.depends("e_debit", "e_credit")
    def _compute_movement(self):
        for entry in self:
            entry.movement = (entry.e_debit or 0.0) + (entry.e_credit or 0.0)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        """The movement in SQL: summed, an account's debits plus its credits; a negative amount (a reversal keyed
        as such) lowers it as it lowers its debit or credit."""
        if fname != "movement":
            return super()._field_to_sql(alias, fname, query, flush)
        return SQL("(COALESCE(%s, 0) + COALESCE(%s, 0))", super()._field_to_sql(alias, "e_debit", query, flush),
                   super()._field_to_sql(alias, "e_credit", query, flush))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The staging tables of the four known exports: one read-only model each, one field per column.

The models are made from the export catalogue (``cegid_import.catalogue.KNOWN``),
the one declaration of their columns: model, table and field names, labels,
indexes, ``_order`` and ``_rec_name`` are those of existing installations, so
that their reports keep working. The rows are written only by the import
(``is.cegid.import``), in bulk, never by the ORM.
"""

from odoo import fields, models

from ..cegid_import.catalogue import AMOUNT, CHAR, DATE, FLOAT, INTEGER, KNOWN

AMOUNT_DIGITS = (16, 2)

# the Odoo field of each kind of column
FIELD_OF_KIND = {
    CHAR: lambda column: fields.Char(column.label, index=column.index),
    DATE: lambda column: fields.Date(column.label, index=column.index),
    AMOUNT: lambda column: fields.Float(column.label, digits=AMOUNT_DIGITS, index=column.index),
    FLOAT: lambda column: fields.Float(column.label, index=column.index),
    # order numbers and periods: summing them means nothing
    INTEGER: lambda column: fields.Integer(column.label, index=column.index, aggregator=None),
}


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
    attributes.update({column.field: FIELD_OF_KIND[column.kind](column) for column in export.columns})
    class_name = "Cegid" + export.name.capitalize()
    return type(class_name, (models.Model,), attributes)


STAGING_MODELS = [staging_model(export) for export in KNOWN]

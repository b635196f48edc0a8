# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The fields made for Cegid columns get the options of their kind, as the shipped tables' fields have them.

A field made as data (``ir.model.fields``, state ``manual``) has a type but no
digits nor aggregator: ``cegid_kind`` remembers the kind of the column it was
made for, and Odoo builds the field with that kind's options
(``cegid_staging.FIELD_OF_KIND``), so that an amount is an amount (16, 2) in
every table.
"""

from odoo import fields, models

from .cegid_export import KIND_LABELS
from .cegid_staging import FIELD_OF_KIND


class IrModelFields(models.Model):
    """``cegid_kind``: the kind of the Cegid column a manual field was made for."""

    _inherit = "ir.model.fields"

    cegid_kind = fields.Selection(KIND_LABELS, "Cegid column type", readonly=True)

    def _instanciate_attrs(self, field_data):
        attrs = super()._instanciate_attrs(field_data)
        # .get: during the upgrade that adds the column, the rows are read before it exists
        kind = field_data.get("cegid_kind")
        if attrs is not None and kind in FIELD_OF_KIND and FIELD_OF_KIND[kind][0] == field_data["ttype"]:
            attrs.update(FIELD_OF_KIND[kind][1])
        return attrs

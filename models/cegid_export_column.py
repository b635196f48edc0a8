# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The columns of an export: made by the import from a file's header, labelled and typed by the managers.

A shipped export's columns are the addon's; a custom export's label reaches
its table's field and views at once, its type and index only when the table
is updated (``cegid_export_table.py``).
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..cegid_import.catalogue import CHAR, view_label
from .cegid_export import ADDON_ONLY_COLUMN_FIELDS, KIND_LABELS, check_client_values


class CegidExportColumn(models.Model):
    """One column of an export: its header name, its Odoo field, label and type."""

    _name = "is.cegid.export.column"
    _description = "Cegid export column"
    _order = "export_id, sequence, id"

    export_id = fields.Many2one("is.cegid.export", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    name = fields.Char("Column", required=True, readonly=True,
                       help="Its key in the file's header: upper case, numbered when the header repeats it.")
    header = fields.Char(readonly=True, help="Its name in the file's header, as written.")
    field_name = fields.Char("Field", readonly=True)
    label = fields.Char(required=True)
    shown_label = fields.Char("Label in your language", compute="_compute_shown_label",
                              help="A shipped export's column: its field's label, in the reader's language.")
    kind = fields.Selection(KIND_LABELS, "Type", required=True, default=CHAR)
    inferred_kind = fields.Selection(KIND_LABELS, "Type found", readonly=True,
                                     help="What all the values of the column read as.")
    empty = fields.Boolean("No value", readonly=True, help="No row has a value in this column.")
    longest = fields.Integer("Longest value", readonly=True, aggregator=None, help="In characters.")
    index = fields.Boolean("Indexed", help="Faster filters on this column, slower imports.")

    @api.depends("label", "field_name", "export_id.builtin", "export_id.model")
    @api.depends_context("lang")
    def _compute_shown_label(self):
        """A shipped export's labels are its model's (translated); a custom export's are those stored."""
        for export, columns in self.grouped("export_id").items():
            model = export.sudo().model
            strings = (self.env[model].fields_get(columns.mapped("field_name"), ["string"])
                       if export.builtin and model in self.env else {})
            for column in columns:
                column.shown_label = strings.get(column.field_name, {}).get("string") or column.label

    @api.model_create_multi
    def create(self, vals_list):
        """Columns are made by the import alone (the profile of a file)."""
        for vals in vals_list:
            check_client_values(self, vals, ADDON_ONLY_COLUMN_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        """A label change reaches the table's field and views; a type, once the table exists, only by an update."""
        check_client_values(self, vals, ADDON_ONLY_COLUMN_FIELDS)
        if not self.env.su:
            if any(self.export_id.mapped("builtin")):
                raise AccessError(self.env._("The columns of a shipped export are the addon's."))
            if {"kind", "index"} & set(vals) and any(column.export_id.model_id for column in self):
                raise UserError(self.env._("The types of a table's columns change only when it is updated."))
        if isinstance(vals.get("label"), str):
            vals = dict(vals, label=self._label_for_views(vals["label"]))
        result = super().write(vals)
        if "label" in vals:
            self.export_id._sync_custom_tables()
        return result

    def _label_for_views(self, label):
        """``label`` as the table's views can show it (a pasted tab or control character made them fail)."""
        shown = view_label(label)
        if not shown:
            raise UserError(self.env._("A column needs a label."))
        return shown

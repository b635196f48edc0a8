# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From a scheduled query to its data: the export of the same name, its table's rows and date."""

from odoo import fields, models
from odoo.tools import escape_psql


class CegidQueryExport(models.Model):
    """A scheduled query's export (``is.cegid.export`` of the same name, case aside)."""

    _inherit = "is.cegid.query"

    export_id = fields.Many2one("is.cegid.export", compute="_compute_export_id")
    export_row_count = fields.Integer(related="export_id.row_count", string="Rows")
    export_date = fields.Datetime(related="export_id.export_date", string="Export date")
    export_readable = fields.Boolean(compute="_compute_export_id", help="The user may read the export's table.")

    def _compute_export_id(self):
        exports = self.env["is.cegid.export"]
        for query in self:
            export = exports.search([("name", "=ilike", escape_psql(query.name or ""))], limit=1)
            query.export_id = export
            model = self.env.get(export.model) if export.model else None
            query.export_readable = model is not None and model.has_access("read")

    def action_open_export_table(self):
        """The rows of the query's export."""
        self.ensure_one()
        return self.export_id.action_open_table()

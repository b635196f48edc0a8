# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From a scheduled query to its data and back: the export of the same name, its rows, how fresh they are."""

from odoo import api, fields, models
from odoo.tools import escape_psql
from odoo.tools.misc import format_datetime


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


class CegidExportFreshness(models.Model):
    """How fresh an export's table is: the export its rows come from, against its query's last execution."""

    _inherit = "is.cegid.export"

    outdated = fields.Boolean(
        compute="_compute_outdated",
        help="Cegid ran the scheduled query after the export the table holds: its new file is not imported yet.")

    def _compute_outdated(self):
        for entry in self:
            last_run = entry.query_id.last_execution
            entry.outdated = bool(entry.model_id and last_run and (not entry.export_date or
                                                                  last_run > entry.export_date))

    @api.model
    def get_freshness(self, model):
        """What the list of the table of ``model`` says above its rows: {"text", "outdated"}, or {} (no entry).

        In the reader's language and time zone; the reader's rules apply (an
        entry he may not read tells nothing).
        """
        entry = self.search([("model", "=", model)], limit=1)
        if not entry:
            return {}
        env = self.env

        def when(moment):
            return format_datetime(env, moment, tz=env.context.get("tz"), dt_format="short")  # else the user's

        if not entry.last_import_id:
            text = env._("No export of %(export)s imported yet.", export=entry.name)
        else:
            text = env._("Rows of the export %(export)s of %(date)s, imported on %(imported)s.", export=entry.name,
                         date=when(entry.export_date), imported=when(entry.last_import_id.create_date))
        if entry.outdated and entry.last_import_id:
            text += " " + env._(
                "Outdated: Cegid ran the query again on %(date)s; its new export is not imported yet.",
                date=when(entry.query_id.last_execution))
        return {"text": text, "outdated": entry.outdated}

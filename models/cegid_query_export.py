# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""From a scheduled query to its data and back: the export of the same name, its rows, how fresh they are."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from .cegid_backend import reader_moment


class CegidQueryExport(models.Model):
    """A scheduled query's export (``is.cegid.export`` of the same name, case aside)."""

    _inherit = "is.cegid.query"

    export_id = fields.Many2one("is.cegid.export", compute="_compute_export_id")
    export_row_count = fields.Integer("Rows", compute="_compute_export_id")
    export_date = fields.Datetime("Export date", compute="_compute_export_id")
    export_readable = fields.Boolean(compute="_compute_export_id", help="The user may read the export's table.")

    def _compute_export_id(self):
        # the user's own rules apply: an export he may not read is none of his queries'
        exports = self.env["is.cegid.export"].search([]).grouped(lambda entry: entry.name.upper())
        for query in self:
            export = exports.get((query.name or "").upper(), self.env["is.cegid.export"])[:1]
            model = self.env.get(export.model) if export.model else None
            query.export_id = export
            query.export_row_count = export.row_count
            query.export_date = export.export_date
            query.export_readable = model is not None and model.has_access("read")

    def action_open_export_table(self):
        """The rows of the query's export."""
        self.ensure_one()
        self.check_access("read")
        # the export as it is, not as the user's rules show it: an export he may not read is refused, not absent
        export = self.sudo().export_id.with_env(self.env)
        if not export:
            raise UserError(self.env._("The scheduled query %(query)s has no table yet.", query=self.name))
        return export.action_open_table()


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
            return reader_moment(env, moment, dt_format="short")

        if not entry.last_import_id:
            text = env._("No export of %(export)s imported yet.", export=entry.name)
        else:
            text = env._("Rows of the export %(export)s of %(date)s, imported on %(imported)s.", export=entry.name,
                         date=when(entry.export_date), imported=when(entry.last_import_id.create_date))
        if entry.last_import_id.compared:
            text += " " + env._("%(added)s added, %(removed)s removed since the previous export.",
                                added=formatLang(env, entry.last_import_id.rows_added, digits=0),
                                removed=formatLang(env, entry.last_import_id.rows_removed, digits=0))
        if entry.outdated and entry.last_import_id:
            text += " " + env._(
                "Outdated: Cegid ran the query again on %(date)s; its new export is not imported yet.",
                date=when(entry.query_id.last_execution))
        return {"text": text, "outdated": entry.outdated}

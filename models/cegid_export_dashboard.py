# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The starter dashboard of a custom table: made by a manager's button, read by the entry's group.

Its amount and decimal number columns by its first date column (by month) and by its
first text column, as a ``spreadsheet.dashboard`` under *Dashboards > Cegid*.
Like the table's other records it is owned through an ``ir.model.data`` row
(``dashboard_<table>``): kept by updates, deleted with the table
(:meth:`_drop_table`) and by the uninstall. It follows the table's columns:
once an update of the table changed them, it is made again from them
(:meth:`_apply_columns`), unless someone made it his own.
"""

import base64
import json
import logging

from odoo import fields, models
from odoo.exceptions import UserError

from ..cegid_import.catalogue import CHAR, DATE
from .cegid_dashboard_json import dashboard_json, dumps, is_starter, starter_dashboard
from .cegid_export_table import MEASURES, MODULE

_logger = logging.getLogger(__name__)

DASHBOARD = "spreadsheet.dashboard"
# where Odoo's spreadsheet editor (Enterprise) keeps a dashboard's changes, its file left as it was
EDITOR_FIELDS = ("spreadsheet_revision_ids", "spreadsheet_snapshot")


class CegidExportDashboard(models.Model):
    """A catalogue entry's starter dashboard."""

    _inherit = "is.cegid.export"

    dashboard_id = fields.Many2one(DASHBOARD, compute="_compute_dashboard_id")

    def _compute_dashboard_id(self):
        for entry in self:
            entry.dashboard_id = entry.sudo()._owned(DASHBOARD) if entry.model_id and not entry.builtin else False

    def _data_names(self):
        names = super()._data_names()
        names[DASHBOARD] = [f"dashboard_{self._definition().table}"]
        return names

    def action_make_dashboard(self):
        """Make the table's starter dashboard (once) and open it."""
        self.ensure_one()
        self.env["is.cegid.backend"]._check_cegid_manager()
        if self.builtin or not self.model_id:
            raise UserError(self.env._("%(export)s has no table of its own to make a dashboard of.",
                                       export=self.name))
        dashboard = self.sudo()._owned(DASHBOARD) or self.sudo()._create_dashboard()
        return {"type": "ir.actions.client", "tag": "action_spreadsheet_dashboard",
                "params": {"dashboard_id": dashboard.id}}

    def _starter_columns(self):
        """The starter's first date column and first text column (each empty when there is none)."""
        columns = self.column_ids
        return columns.filtered(lambda col: col.kind == DATE)[:1], columns.filtered(lambda col: col.kind == CHAR)[:1]

    def _starter_titles(self):
        """The starter's titles in the language of the context: (by month or None, by text or None, whole)."""
        dates, texts = self._starter_columns()
        by_month = self.env._("%(table)s by month", table=self.description) if dates else None
        by_text = (self.env._("%(table)s by %(column)s", table=self.description, column=texts.label)
                   if texts else None)
        return by_month, by_text, self.description

    def _starter_translations(self):
        """The starter's titles as stored -> in the language of the context, for its readers.

        Stored in English; a dashboard made by an earlier version holds them in
        its maker's language: the titles in each installed language are read too.
        """
        shown = self._starter_titles()
        languages = ["en_US", *(code for code, _name in self.env["res.lang"].get_installed() if code != "en_US")]
        translations = {}
        for code in languages:
            for source, target in zip(self.with_context(lang=code)._starter_titles(), shown, strict=True):
                if source:
                    translations.setdefault(source, target)
        return translations

    def _starter_definition(self):
        """The cegid_dashboard_json Dashboard of this entry's columns, titled in English.

        A dashboard's data is one for all its readers: each reads the titles in
        his language (``spreadsheet.dashboard.get_readonly_dashboard``).
        """
        dates, texts = self._starter_columns()
        measures = self.column_ids.filtered(lambda col: col.kind in MEASURES).mapped("field_name")
        by_month, by_text, whole = self.with_context(lang="en_US")._starter_titles()
        return starter_dashboard(self._definition().table, self.model_id.model, measures,
                                 (by_month, dates.field_name) if dates else None,
                                 (by_text, texts.field_name) if texts else None, whole)

    def _starter_data(self):
        """The starter dashboard's file, as ``spreadsheet_binary_data`` holds it, from the entry's columns."""
        return base64.b64encode(dumps(dashboard_json(self._starter_definition())).encode())

    def _create_dashboard(self):
        """The starter dashboard, owned by the addon like the table."""
        self.ensure_one()
        dashboard = self.env[DASHBOARD].create({
            "name": self.description, "dashboard_group_id": self.env.ref("is_cegid2odoo.dashboard_group_cegid").id,
            "spreadsheet_binary_data": self._starter_data(),
            "group_ids": [(6, 0, self._table_readers().ids)],
            "main_data_model_ids": [(6, 0, self.model_id.ids)], "sequence": 100,
        })
        self.env["ir.model.data"].create({"module": MODULE, "name": self._data_names()[DASHBOARD][0],
                                          "model": DASHBOARD, "res_id": dashboard.id, "noupdate": True})
        self._write_title(dashboard)
        _logger.info("Cegid export %s: dashboard made", self.name)
        return dashboard

    def _sync_table_labels(self):
        """The dashboard's name and readers, and the starter's titles (made of the table's and a column's names)."""
        result = super()._sync_table_labels()
        self._write_title(self._owned(DASHBOARD))
        self._owned(DASHBOARD).write({"name": self.description, "group_ids": [(6, 0, self._table_readers().ids)]})
        # the starter's titles are translated for its readers only while they are made of the current names
        self._remake_dashboard()
        return result

    def _apply_columns(self, commands):
        """The starter dashboard follows the columns: its pivots would name fields gone, or now text."""
        kept = super()._apply_columns(commands)
        self._remake_dashboard()
        return kept

    def _remake_dashboard(self):
        """The starter dashboard made again from the entry's title and columns, if it is still the addon's starter.

        A dashboard someone made his own is left as he made it: his to change.
        """
        self.ensure_one()
        entry = self.sudo()
        dashboard = entry._owned(DASHBOARD) if not entry.builtin else None
        if not dashboard:
            return
        if not entry._is_starter(dashboard):
            _logger.info("Cegid export %s: the table or its columns changed, its dashboard %s, edited, is left "
                         "as it is", entry.name, dashboard.id)
            return
        data = entry._starter_data()
        if dashboard.spreadsheet_binary_data != data:
            dashboard.spreadsheet_binary_data = data
            _logger.info("Cegid export %s: dashboard made again from the table and its columns", entry.name)

    def _is_starter(self, dashboard):
        """True when ``dashboard`` is the starter as the addon made it, its titles aside (no one's own)."""
        if any(name in dashboard._fields and dashboard[name] for name in EDITOR_FIELDS):
            return False
        try:
            data = json.loads(dashboard.spreadsheet_data or "")
        except ValueError:  # another file put in its place (an xlsx)
            return False
        return isinstance(data, dict) and is_starter(self._definition().table, self.model_id.model, data)

    def _drop_table(self):
        self._owned(DASHBOARD).unlink()
        return super()._drop_table()

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Opening a dashboard checks that its reader may read it.

Odoo's ``get_readonly_dashboard`` reads the record without an access check: for
a user outside the dashboard's groups it fails on the missing file, or returns
the sample while the tables are empty. A payroll-only user must not open the
accounting dashboard (nor the reverse): the caller's access is checked first.
The names the grid shows of the Cegid pivots (their titles) and of their
computed measures are translated here. A Cegid dashboard shows its sample
until its first table is filled, not until all are.
"""

from odoo import models
from odoo.tools.translate import LazyTranslate, code_translations

from .cegid_dashboard_json import title_formula

_lt = LazyTranslate(__name__)

MODULE = "is_cegid2odoo"
CEGID_MODELS = ("is.cegid.", "x_cegid_")
# the computed measures of the shipped dashboards (models/cegid_dashboard_json.py): Odoo does not translate
# a measure's own name, so it is translated here, in the reader's language
MEASURE_LABELS = {"Balance": _lt("Balance"), "Debit - credit": _lt("Debit - credit")}


class SpreadsheetDashboard(models.Model):
    _inherit = "spreadsheet.dashboard"

    def get_readonly_dashboard(self):
        """The dashboard's data, for a user its groups and company rules let read it (AccessError otherwise)."""
        self.check_access("read")
        result = super().get_readonly_dashboard()
        self._translate_cegid_pivots(result["snapshot"].get("pivots", {}).values())
        self._translate_starter_titles(result["snapshot"])
        return result

    def _dashboard_is_empty(self):
        """A Cegid dashboard is empty while all its tables are: Odoo's sample hides the data while any one is.

        A customer may export the entries and not the analytic lines (or the
        payroll cumulatives and not the absences): his data must show, the
        answers of the table he does not export empty, not made-up figures.
        """
        names = self.main_data_model_ids.sudo().mapped("model")
        if not names or not all(name.startswith(CEGID_MODELS) for name in names):
            return super()._dashboard_is_empty()
        return not any(self.env[name].search_count([], limit=1) for name in names)

    def _translate_starter_titles(self, snapshot):
        """A custom table's starter dashboard (stored in English): its titles in the reader's language."""
        entries = self.env["is.cegid.export"].sudo().search([("builtin", "=", False), ("model_id", "!=", False)])
        entry = entries.filtered(lambda rec: rec.dashboard_id == self)[:1]
        if not entry:
            return
        titles = entry._starter_translations()
        cells = {title_formula(source): title_formula(shown) for source, shown in titles.items()}
        for sheet in snapshot.get("sheets", []):
            for cell in sheet.get("cells", {}).values():
                if isinstance(cell, dict) and cell.get("content") in cells:
                    cell["content"] = cells[cell["content"]]
        for pivot in snapshot.get("pivots", {}).values():
            pivot["name"] = titles.get(pivot.get("name"), pivot.get("name"))

    def _translate_cegid_pivots(self, pivots):
        """The names the grid shows of the Cegid pivots and of their computed measures, in the reader's language.

        A pivot's name is one of the ``_t()`` titles of the dashboard files, translated with them.
        """
        titles = {message["id"]: message["string"] for message in
                  code_translations.get_web_translations(MODULE, self.env.lang or "en_US")["messages"]}
        for pivot in pivots:
            if not pivot.get("model", "").startswith(CEGID_MODELS):
                continue
            pivot["name"] = titles.get(pivot.get("name"), pivot.get("name"))
            for measure in pivot.get("measures", []):
                label = MEASURE_LABELS.get(measure.get("userDefinedName"))
                if label is not None:
                    measure["userDefinedName"] = self.env._(label)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.6.0, once the addon is loaded: the starter dashboards' pivots bounded to their sheet.

A pivot that grew past the sheet's last row or column showed #SPILL!, which
a read-only dashboard cannot cure: each ``=PIVOT()`` is now bounded to what
fits, a note under its title saying so. The shipped dashboards are rewritten
by their data file; each custom table's starter is made again here, unless
someone made it his own.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    for entry in env["is.cegid.export"].search([("builtin", "=", False), ("model_id", "!=", False)]):
        entry._remake_dashboard()

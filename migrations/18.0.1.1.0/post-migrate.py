# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.1.0, once the addon is loaded: each column keeps its header as written, custom tables take their kinds.

Before, the catalogue kept only the upper-case name of a column: it is the
header as far as anyone knows. The custom tables' fields now have their
kind's options (``pre-migrate.py``): their SQL columns follow (an amount
becomes ``numeric``, its rows kept), as Odoo does when a manual field changes.
"""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    cr.execute("UPDATE is_cegid_export_column SET header = name WHERE header IS NULL")
    env = api.Environment(cr, SUPERUSER_ID, {})
    models = env["is.cegid.export"].search([("builtin", "=", False), ("model_id", "!=", False)]).mapped("model")
    env.registry.init_models(cr, [model for model in models if model in env], {"update_custom_fields": True})

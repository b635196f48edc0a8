# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from . import models, wizard
from .cegid_data_access.redact import redact_logs
from .cegid_import.pg_replace import drop_load

# what the addon and its core log (an unexpected error's traceback too) shows no SAS signature
redact_logs(__name__)


def post_init_hook(env):
    """At install only, the superuser and the first administrator manage Cegid (and so read the payroll data).

    Not in the group's XML: each update of the addon would put them back in a
    group an organisation took the administrator out of, to keep the salaries
    from him.
    """
    admins = [env.ref(xmlid, raise_if_not_found=False) for xmlid in ("base.user_root", "base.user_admin")]
    env.ref("is_cegid2odoo.group_cegid_manager").users = [Command.link(user.id) for user in admins if user]


def uninstall_hook(env):
    """Drop the loading copies of the export tables (a load by parts under way, a swap held back): Odoo drops the
    tables of the addon's models, not these copies, which would keep their rows out of every group's reach."""
    for entry in env["is.cegid.export"].sudo().with_context(active_test=False).search([("model_id", "!=", False)]):
        drop_load(env.cr, entry._definition().table)

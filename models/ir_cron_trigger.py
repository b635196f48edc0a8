# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's cron triggers, one of which may be the download that follows a forced Cegid query."""

from odoo import fields, models


class IrCronTrigger(models.Model):
    _inherit = "ir.cron.trigger"

    cegid_followup = fields.Boolean(
        "Cegid forced follow-up", readonly=True,
        help="This trigger is the download that follows a scheduled query forced in Cegid.")

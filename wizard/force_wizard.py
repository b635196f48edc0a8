# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Force scheduled queries at a time the user picks in their own time zone."""

import datetime

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..cegid_data_access.cegid_api.schedules import FORCE_LEAD, force_target
from ..cegid_data_access.errors import CegidError

FORCE_HORIZON = datetime.timedelta(hours=24)
# the time to read the dialog and press Force: the moment it proposes is still FORCE_LEAD ahead when it is sent
DIALOG_TIME = datetime.timedelta(minutes=5)


class CegidForceWizard(models.TransientModel):
    """The "Force at…" dialog; Odoo's web client shows the moment in the browser's time zone, stores it in UTC."""

    _name = "is.cegid.force.wizard"
    _description = "Force Cegid scheduled queries at a given time"

    query_ids = fields.Many2many("is.cegid.query", string="Scheduled queries", required=True)
    moment = fields.Datetime("Run at", required=True, default=lambda self: self._default_moment())

    @api.model
    def _default_moment(self):
        """The default force time of the settings (HH:MM UTC), else the next quarter hour, either one still
        FORCE_LEAD ahead once the dialog is read (a force time due sooner gives way to the next quarter hour:
        tomorrow's would be beyond FORCE_HORIZON)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        at = self.env["is.cegid.backend"]._cegid_param("force_time") or None
        try:
            target = force_target(now, at)
        except CegidError:
            target = None
        if target is None or target < now + DIALOG_TIME + FORCE_LEAD:
            target = force_target(now + DIALOG_TIME)
        return target.replace(tzinfo=None)

    def action_force(self):
        """Force the queries at the chosen moment (sent to Cegid in UTC)."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        self.ensure_one()
        now = fields.Datetime.now()
        # as Force now: Cegid's scheduler runs a query only if it still sees its next execution ahead once stored
        if self.moment < now + FORCE_LEAD:
            raise UserError(self.env._(
                "Pick a moment at least %(minutes)s minutes ahead: Cegid runs a query only if it still sees the "
                "moment ahead once stored, and a closer one may be past by then.",
                minutes=int(FORCE_LEAD.total_seconds() // 60)))
        # Cegid keeps one next execution: a forced one takes the place of the scheduled runs until then; within a
        # day (as the scripts' HH:MM, and the default moment) a daily run is at most moved, never skipped
        if self.moment > now + FORCE_HORIZON:
            raise UserError(self.env._(
                "Pick a moment within the next 24 hours: Cegid keeps one next execution per query, and a later "
                "one would take the place of the runs scheduled until then."))
        return self.query_ids._force(self.moment)

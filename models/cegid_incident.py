# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Incidents that reach someone: one activity per Cegid manager, closed when things work again."""

from odoo import api, models

INCIDENT_ACTIVITY = "mail.mail_activity_data_warning"


class CegidIncidentMixin(models.AbstractModel):
    """A history record (a download, an import) that may open an incident for the Cegid managers.

    An activity, not a message: it waits in each manager's activities until
    someone looks at it, and the first run that works again marks it done.
    The texts are rendered in each manager's own language.
    """

    _name = "is.cegid.incident.mixin"
    _description = "Cegid incident (activities for the Cegid managers)"
    _inherit = ["mail.activity.mixin"]

    @api.model
    def _cegid_managers(self):
        """The internal users of the Cegid manager group."""
        return self.env.ref("is_cegid2odoo.group_cegid_manager").users.filtered(lambda user: not user.share)

    def _cegid_open_incident(self, texts, activity_type=INCIDENT_ACTIVITY):
        """An activity on this record for each manager; ``texts(record)``: (summary, note) in ``record``'s language."""
        self.ensure_one()
        for manager in self._cegid_managers():
            record = self.with_context(lang=manager.lang or "en_US")
            summary, note = texts(record)
            record.activity_schedule(activity_type, user_id=manager.id, summary=summary, note=note)

    def _cegid_state_label(self):
        """The label of this record's state in the language of its context."""
        self.ensure_one()
        return dict(self.fields_get(["state"], ["selection"])["state"]["selection"])[self.state]

    @api.model
    def _cegid_close_incidents(self, domain, feedback):
        """Mark done the open incidents of the records of ``domain``.

        ``feedback(env)``: why, in the language and time zone of ``env`` (each manager's).
        """
        activities = self.env["mail.activity"].sudo().search([
            ("res_model", "=", self._name), ("res_id", "in", self.sudo().search(domain).ids),
            ("activity_type_id", "=", self.env.ref(INCIDENT_ACTIVITY).id)])
        for user, mine in activities.grouped("user_id").items():
            env = mine.with_context(lang=user.lang or "en_US", tz=user.tz or "UTC").env
            mine.with_env(env).action_feedback(feedback=feedback(env))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The history rules downloads and imports share: incidents that reach someone, repeats counted, retention.

An incident is one activity per Cegid manager, closed when things work again;
the same failure met again is counted on the record that told it, not
recorded anew; the history is kept as many days as the settings say.
"""

import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import plaintext2html

from .cegid_backend import DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS, PARAM_HISTORY_DAYS, selection_label

INCIDENT_ACTIVITY = "mail.mail_activity_data_warning"


class CegidIncidentMixin(models.AbstractModel):
    """A history record (a download, an import) that may open an incident for the Cegid managers.

    A model using it has a ``repeat_count`` field and says what its problem
    is (``_cegid_problem``: a key, falsy when the run worked): the same key
    is the same incident.

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
        """An activity on this record for each manager; ``texts(record)``: (summary, note) in ``record``'s language
        and time zone (the manager's).

        A note is HTML (Markup) or plain text, whose lines are kept and whose ``<`` and ``&`` stay text.
        """
        self.ensure_one()
        for manager in self._cegid_managers():
            record = self.with_context(lang=manager.lang or "en_US", tz=manager.tz or "UTC")
            summary, note = texts(record)
            record.activity_schedule(activity_type, user_id=manager.id, summary=summary, note=_html_note(note))

    def _cegid_state_label(self):
        """The label of this record's state in the language of its context."""
        return selection_label(self, "state")

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

    def _cegid_problem(self):
        """This record's problem as a key (equal keys: the same incident); falsy when it worked."""
        raise NotImplementedError

    def _cegid_follow_incident(self, others, resolved, texts):
        """Open an incident for this record's problem, unless the same one is open; when it worked, close them.

        ``others``: the domain of the other records that share its incidents;
        ``resolved(env)``: the feedback of the closed ones, ``texts(record)``:
        those of a new one (see ``_cegid_close_incidents``, ``_cegid_open_incident``).
        """
        self.ensure_one()
        problem = self._cegid_problem()
        if not problem:
            self._cegid_close_incidents(others, resolved)
            return
        previous = self.sudo().search(others, limit=1)
        if previous.activity_ids and previous._cegid_problem() == problem:
            return  # the same incident goes on: the managers know it already
        self._cegid_open_incident(texts)

    def _cegid_count_repeat(self, previous, values=None):
        """``previous`` met the same failure again: count it there (with ``values``), drop this record."""
        previous.sudo().write({"repeat_count": previous.repeat_count + 1, **(values or {})})
        self.sudo().unlink()
        return previous

    @api.model
    def _cegid_history_limit(self):
        """The moment before which the history goes (the retention setting, in days, within what Save accepts).

        A value stored before Save refused too large ones must not crash every run.
        """
        days = int(self.env["ir.config_parameter"].sudo().get_param(PARAM_HISTORY_DAYS) or DEFAULT_HISTORY_DAYS)
        return fields.Datetime.now() - datetime.timedelta(days=min(max(days, 1), MAX_HISTORY_DAYS))


def _html_note(note):
    """An activity's note as HTML: Markup as it is, plain text escaped with its lines kept."""
    if not note or isinstance(note, Markup):
        return note
    return plaintext2html(note)

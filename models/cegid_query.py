# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cegid scheduled queries ("requêtes planifiées"), mirrored from Cegid and driven from Odoo."""

import datetime
import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import escape_psql
from odoo.tools.misc import format_datetime, formatLang

from ..cegid_data_access.cegid_api.client import change_unconfirmed
from ..cegid_data_access.cegid_api.schedules import is_enabled, parse_cegid_datetime, scheduler_content, scheduler_name
from ..cegid_data_access.errors import CegidError
from .cegid_backend import DOWNLOAD_CRON, naive_utc, notification
from .cegid_export import check_client_values
from .cron_description import describe_cron

_logger = logging.getLogger(__name__)

# how long after a forced execution the export is expected in Azure
FOLLOWUP_DELAY = datetime.timedelta(minutes=5)
SYNC_CRON = "is_cegid2odoo.ir_cron_cegid_sync_queries"
# after a change whose answer was lost, when the queries are read again (Cegid may make it after the read that follows)
RECHECK_DELAY = datetime.timedelta(minutes=2)
# mirrored from Cegid by the synchronisation alone (as superuser); a manager changes Cegid through the buttons
SYNCED_QUERY_FIELDS = {"scheduler_id", "name", "enabled", "active", "cron", "next_execution", "last_execution",
                       "content", "last_sync"}



def odoo_datetime(text):
    """A Cegid date as Odoo shows it: naive UTC, to the second; False when absent."""
    moment = naive_utc(parse_cegid_datetime(text))
    return moment.replace(microsecond=0) if moment else False


def query_values(obj):
    """The ``is.cegid.query`` values of a Cegid scheduler object."""
    return {
        "scheduler_id": str(obj.get("id")),
        "name": scheduler_name(obj) or str(obj.get("id")),
        "enabled": is_enabled(obj),
        "cron": obj.get("cron") or False,
        "next_execution": odoo_datetime(obj.get("nextExecution")),
        "last_execution": odoo_datetime(obj.get("lastExecution")),
        "content": scheduler_content(obj) or False,
    }


class CegidQuery(models.Model):
    """A scheduled query of Cegid Data Access: Cegid runs it and drops its export in Azure."""

    _name = "is.cegid.query"
    _description = "Cegid scheduled query"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, readonly=True)
    scheduler_id = fields.Char("Scheduler id", required=True, readonly=True, index=True)
    enabled = fields.Boolean(readonly=True, tracking=True)
    active = fields.Boolean(default=True, readonly=True, help="Unticked when the query no longer exists in Cegid.")
    cron = fields.Char(readonly=True)
    cron_description = fields.Char(
        "Schedule", compute="_compute_cron_description",
        help="Cegid reads the schedule in UTC. It is said at today's time in your time zone (your preferences), "
             "which moves by an hour when summer time begins or ends.")
    next_execution = fields.Datetime(readonly=True, tracking=True)
    last_execution = fields.Datetime(readonly=True)
    # what a query reads of Cegid (a payroll query's tables and columns) is the managers' business, not every reader's
    content = fields.Text("SQL", readonly=True, groups="is_cegid2odoo.group_cegid_manager")
    last_sync = fields.Datetime("Last synchronisation", readonly=True)

    _sql_constraints = [
        ("scheduler_id_unique", "UNIQUE(scheduler_id)", "A Cegid scheduled query is mirrored only once."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        """Queries are mirrored from Cegid by the synchronisation alone."""
        for vals in vals_list:
            check_client_values(self, vals, SYNCED_QUERY_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        """What Cegid says of a query changes only with Cegid (the synchronisation, the buttons)."""
        check_client_values(self, vals, SYNCED_QUERY_FIELDS)
        return super().write(vals)

    @api.depends("cron")
    @api.depends_context("lang", "tz", "uid")
    def _compute_cron_description(self):
        """In the reader's language and time zone (the context's, else the user's), at today's offset."""
        tz = self.env.context.get("tz") or self.env.user.tz
        for query in self:
            query.cron_description = query.cron and describe_cron(query.cron, self.env._, tz, lang=self.env.lang)

    # -- synchronisation -------------------------------------------------------

    @api.model
    def _sync_from_cegid(self, deadline=None):
        """Mirror Cegid's scheduled queries: create, update, archive the ones Cegid no longer has.

        ``deadline``: a scheduled action's end (see ``_cegid_client``; by default, the request's).
        """
        backend = self.env["is.cegid.backend"]
        settings = backend._cegid_settings()
        try:
            schedulers = backend._cegid_client(settings, deadline).list_schedulers()
        except CegidError as err:
            raise UserError(backend._cegid_error_message(err, settings)) from None
        count = self._apply_schedulers(schedulers)
        return notification(
            self.env._("Cegid scheduled queries"),
            self.env._("Scheduled queries synchronised: %(count)s.", count=formatLang(self.env, count, digits=0)),
            "success",
            next_action={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    @api.model
    def _cron_sync(self):
        """The synchronisation cron: quiet when Cegid is not configured yet."""
        backend = self.env["is.cegid.backend"]
        cron = self.env.ref(SYNC_CRON)
        if backend._cegid_left_to_worker(cron) or not backend._cegid_settings_saved():
            return
        deadline = backend._cegid_run_deadline(cron)
        if deadline is not None and deadline <= time.monotonic():
            # woken with no time left before Odoo's limit (its heartbeat may be 70 s old): the worker's next turn,
            # right after a heartbeat, has it
            backend._cegid_hand_over(cron)
            return
        try:
            self.sudo()._sync_from_cegid(deadline)
        except UserError as err:
            _logger.warning("Cegid scheduled queries not synchronised: %s", err)

    @api.model
    def _apply_schedulers(self, schedulers):
        records = self.sudo().with_context(active_test=False)
        now = fields.Datetime.now()
        seen = records.browse()
        for obj in schedulers:
            values = dict(query_values(obj), last_sync=now, active=True)
            # an id is a GUID: Cegid writing it in other letters names the same query (as a force matches it)
            record = records.search([("scheduler_id", "=ilike", escape_psql(values["scheduler_id"]))], limit=1)
            if record:
                record.write(values)
            else:
                record = records.create(values)
            seen |= record
        (records.search([]) - seen).filtered("active").write({"active": False, "last_sync": now})
        return len(seen)

    def _refresh_from(self, obj):
        """Update this record from a scheduler object Cegid returned."""
        self.sudo().write(dict(query_values(obj), last_sync=fields.Datetime.now()))

    # -- actions -----------------------------------------------------------------

    def action_sync_from_cegid(self):
        """The Synchronise buttons (list, settings): mirror every query now.

        Above a list the web client sends the selected records (ignored), so no @api.model.
        """
        self.env["is.cegid.backend"]._check_cegid_manager()
        return self._sync_from_cegid()

    def action_force_now(self):
        """Ask Cegid to run these queries at the next quarter hour (at least five minutes ahead)."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        return self._force()

    def _force(self, moment=None):
        """Force each query (at ``moment``, naive UTC, else as soon as Cegid allows); refresh; follow up."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database()
        backend._check_cegid_cron(DOWNLOAD_CRON)  # what the forced queries export, it downloads
        if not self:
            # none chosen (or archived while the dialog was open): said, rather than "forced: 0"
            raise UserError(self.env._("No scheduled query to force."))
        disabled = self.filtered(lambda query: not query.enabled)
        if disabled:
            raise UserError(self.env._(
                "These scheduled queries are disabled and cannot be forced: %(names)s. Enable them first.",
                names=", ".join(disabled.mapped("name"))))
        settings = backend._cegid_settings()
        when = moment.replace(tzinfo=datetime.timezone.utc) if moment else None
        try:
            client = backend._cegid_client(settings)  # a setting missing is said as the API's failures are
            # one listing and one PUT per query, however many are selected
            outcomes = client.force(scheduler_ids=self.mapped("scheduler_id"), when=when)
        except CegidError as err:
            raise UserError(backend._cegid_error_message(err, settings)) from None
        try:
            schedulers = client.list_schedulers()
        except CegidError as err:
            # the forces are done: record them and follow them up even if the refresh fails
            _logger.warning("Cegid scheduled queries not refreshed after forcing: %s",
                            backend._cegid_error_message(err, settings))
            schedulers = []
        forced, problems = [], []
        for query in self:
            query_forced, query_problems = query._record_force(
                [outcome for outcome in outcomes if outcome.scheduler_id.lower() == query.scheduler_id.lower()],
                client, schedulers)
            forced.extend(query_forced)
            problems.extend(query_problems)
        if any(outcome.error and change_unconfirmed(outcome.error) for outcome in outcomes):
            self._recheck_soon()  # one read again for every change whose answer was lost
        for moment_forced in sorted(set(forced)):
            self.env["is.cegid.transfer"]._add_followup(moment_forced + FOLLOWUP_DELAY)
        message = self.env._("Scheduled queries forced: %(count)s.", count=formatLang(self.env, len(forced), digits=0))
        return notification(
            self.env._("Cegid scheduled queries"), "\n".join([message, *problems]),
            "warning" if problems else "success", sticky=bool(problems),
            next_action={"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def _record_force(self, outcomes, client, schedulers):
        """A chatter message per outcome, the record refreshed from ``schedulers`` (Cegid's listing after the force).

        Returns (forced moments, problems).
        """
        self.ensure_one()
        if not outcomes:
            return [], [self.env._("Cegid no longer knows the scheduled query %(name)s.", name=self.name)]
        forced, problems = [], []
        for outcome in outcomes:
            if outcome.status == "forced":
                moment = odoo_datetime(outcome.next_execution)
                body = self.env._("Forced: next execution %(next)s (was %(previous)s).",
                                  next=self._local_time(moment),
                                  previous=self._local_time(odoo_datetime(outcome.previous_next_execution)))
                if moment:
                    forced.append(moment)
            else:
                reason = self._change_error_message(outcome.error) if outcome.error else self.env._("disabled in Cegid")
                body = self.env._("Not forced: %(message)s", message=reason)
                problems.append(self.env._("%(query)s: %(message)s", query=self.name, message=reason))
            self.message_post(body=body)
        if schedulers:
            try:
                self._refresh_from(client.find_scheduler(self.scheduler_id, schedulers))
            except CegidError as err:
                _logger.warning("Cegid scheduled query %s not refreshed after forcing: %s", self.scheduler_id,
                                self.env["is.cegid.backend"]._cegid_error_message(err))
        return forced, problems

    @api.model
    def _change_error_message(self, error, settings=None):
        """Why a change of a query failed, in the user's language; when its answer was lost, that Cegid may still
        make it, and when Odoo reads the queries again."""
        message = self.env["is.cegid.backend"]._cegid_error_message(error, settings)
        if not change_unconfirmed(error):
            return message
        if not self.env.ref(SYNC_CRON).sudo().active:  # its scheduled action archived: nothing reads them again
            return self.env._("%(message)s Cegid may still make this change: press Synchronise in a few minutes to "
                              "see it.", message=message)
        return self.env._("%(message)s Cegid may still make this change: Odoo reads the scheduled queries again "
                          "in two minutes.", message=message)

    @api.model
    def _recheck_soon(self):
        """Have the synchronisation read the queries again after a change whose answer was lost."""
        self.env.ref(SYNC_CRON).sudo()._trigger(fields.Datetime.now() + RECHECK_DELAY)

    def _local_time(self, moment):
        """A naive UTC moment in the user's time zone and language ("-" when absent), with its zone."""
        if not moment:
            return "-"
        tz = self.env.user.tz or "UTC"
        return f"{format_datetime(self.env, moment, tz=tz, dt_format=False)} ({tz})"

    def action_enable(self):
        """Enable these queries in Cegid."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        return self._set_enabled(True)

    def action_disable(self):
        """Disable these queries in Cegid (they are no longer run, nor can they be forced)."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        return self._set_enabled(False)

    def _set_enabled(self, enabled):
        """Enable or disable each query in Cegid; what Cegid changed is recorded even when another one failed."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database()
        settings = backend._cegid_settings()
        try:
            client = backend._cegid_client(settings)
        except CegidError as err:
            raise UserError(backend._cegid_error_message(err, settings)) from None
        problems, uncertain = [], False
        for query in self:
            try:
                obj = client.set_enabled(query.scheduler_id, enabled)
            except CegidError as err:
                problems.append((query, self._change_error_message(err, settings)))
                uncertain = uncertain or change_unconfirmed(err)
                continue
            query._refresh_from(obj)
            query.message_post(body=self.env._("Enabled in Cegid.") if enabled else self.env._("Disabled in Cegid."))
        reload = {"type": "ir.actions.client", "tag": "soft_reload"}
        if not problems:
            return reload
        lines = [self.env._("%(query)s: %(message)s", query=query.name, message=message) for query, message in problems]
        if uncertain:
            # not an error, which would roll the read again back: Cegid may yet have made the change
            self._recheck_soon()
        elif len(problems) == len(self):  # nothing changed: said as an error, as for one query
            raise UserError(problems[0][1] if len(self) == 1 else "\n".join(lines))
        changed = formatLang(self.env, len(self) - len(problems), digits=0)
        done = (self.env._("Scheduled queries enabled: %(count)s.", count=changed) if enabled
                else self.env._("Scheduled queries disabled: %(count)s.", count=changed))
        return notification(self.env._("Cegid scheduled queries"), "\n".join([done, *lines]), "warning",
                            sticky=True, next_action=reload)

    def action_force_at(self):
        """Open the wizard that forces these queries at a chosen time."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Force at…"),
            "res_model": "is.cegid.force.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_query_ids": [(6, 0, self.ids)]},
        }

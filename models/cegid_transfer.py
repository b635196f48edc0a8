# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""History of the downloads of Cegid exports, and the download cron itself.

A quiet history: a run that finds nothing leaves no record (the settings show
when the container was last checked), a failure seen again by the next runs
is counted on its first record instead of filling the list, and the managers
get one activity per incident, closed by the first run that works again.

Runs are time-boxed under Odoo's cron time limit, counted from the cron
worker's last heartbeat (``run_seconds``): a run stops before it, keeps the
file under way resumable, is recorded as *Continued* and hands over to the
cron's next turn at once, so that a long backlog drains over several runs
without a worker being killed.
"""

import collections
import json
import logging
import os

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..cegid_data_access.errors import CegidError
from ..cegid_data_access.redact import redact_params
from ..cegid_data_access.transfer import run_transfer
from .cegid_backend import (
    DOWNLOAD_CRON,
    PARAM_LAST_CHECK,
    PARAM_MANUAL_REQUEST,
    auto_commit_allowed,
    exclusive_run,
    notification,
    reader_moment,
    selection_label,
)
from .cegid_query import SYNC_CRON
from .cron_time import run_time_limit
from .folder_claim import claim_path
from .transfer_reporter import OdooTransferReporter

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

TRIGGERS = [("cron", "Scheduled"), ("button", "Manual"), ("followup", "Forced follow-up")]
TRANSFER_STATES = [
    ("running", "Running"), ("done", "Done"), ("continued", "Continued"), ("partial", "Partial"),
    ("failed", "Failed"), ("skipped", "Skipped"),
]
FILE_STATES = [
    ("done", "Downloaded"), ("already_delivered", "Already delivered"), ("failed", "Failed"), ("refused", "Refused"),
    ("continued", "To be continued"),
]
PROBLEM_FILE_STATES = ("failed", "refused")
# what only the Odoo side says about a run (the core's codes are rendered by is.cegid.message)
RUN_SENTENCES = {
    "run.interrupted": _lt(
        "Interrupted before it finished (the server stopped): the next run goes on with what was under way; "
        "a file cut midway was not delivered and its blob stays in Azure."),
    "run.cut_by_time_limit": _lt(
        "Stopped by Odoo's time limit for scheduled actions (%(limit)s s) before it finished: the next run goes "
        "on with what was under way; a file cut midway was not delivered and its blob stays in Azure."),
    "run.database_copy": _lt(
        "This database is not the one where the Cegid settings were confirmed (it looks like a copy): "
        "the download is refused so that a copy does not take the production exports. "
        "An administrator must confirm the Cegid settings on this database (Confirm on this database, above them) to "
        "allow it."),
    "run.folder_claimed": _lt(
        "The import folder %(folder)s is used by another database, %(database)s: the download is refused, so "
        "that one company's exports do not reach another's tables. Give this database a folder of its own in "
        "the Cegid settings; if %(database)s no longer uses this folder, delete its file %(claim)s."),
    "run.crashed": _lt("Unexpected error: %(detail)s"),
    "run.continued": _lt(
        "Stopped before Odoo's time limit for scheduled actions (%(limit)s s): the next run, started at once, "
        "goes on with the files left."),
}
# what one call of the download tells the cron: its record, why it ran, whether it ran, whether to go on
RunOutcome = collections.namedtuple("RunOutcome", "transfer trigger ran continued")


class CegidTransfer(models.Model):
    """One run of the download that found something: what it brought, and how it ended."""

    _name = "is.cegid.transfer"
    _description = "Cegid export download"
    _inherit = ["mail.thread", "is.cegid.incident.mixin"]
    _order = "start desc, id desc"
    _rec_name = "start"

    start = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    end = fields.Datetime(readonly=True, help="When the run ended; for a repeated failure, when it was last seen.")
    trigger = fields.Selection(TRIGGERS, required=True, default="cron", readonly=True)
    state = fields.Selection(TRANSFER_STATES, required=True, default="running", readonly=True)
    # the run's totals count every file: the managers' (a user's lists count only the files he may see)
    file_count = fields.Integer("All files", readonly=True, groups="is_cegid2odoo.group_cegid_manager")
    byte_count = fields.Float("All bytes", digits=(20, 0), readonly=True, groups="is_cegid2odoo.group_cegid_manager")
    shown_file_count = fields.Integer("Files", compute="_compute_shown_counts",
                                      help="The files downloaded by this run that you may see.")
    shown_byte_count = fields.Float("Size (bytes)", digits=(20, 0), compute="_compute_shown_counts")
    repeat_count = fields.Integer(
        "Seen again", readonly=True, help="How many later runs met the same failure (counted here, not recorded).")
    error_code = fields.Char(readonly=True)
    error_params = fields.Json(readonly=True)
    warning_codes = fields.Json(readonly=True, help="The run's warnings: [[code, parameters]].")
    # names every file that failed, of every data group: the managers'
    problem_key = fields.Char(readonly=True, groups="is_cegid2odoo.group_cegid_manager",
                              help="What went wrong, as a key: the same key is the same incident.")
    error = fields.Text(compute="_compute_error", help="What went wrong, in the reader's language.")
    file_ids = fields.One2many("is.cegid.transfer.file", "transfer_id", string="Files transferred", readonly=True)
    # what the record rule reads, stored: a rule through file_ids is evaluated as superuser, which leaves every
    # data group's files of the run in the cache a read of file_ids alone then answers from
    has_files = fields.Boolean("Has files", compute="_compute_readers", store=True,
                               groups="is_cegid2odoo.group_cegid_manager")
    reader_group_ids = fields.Many2many("res.groups", string="Reader groups", compute="_compute_readers", store=True,
                                        groups="is_cegid2odoo.group_cegid_manager",
                                        help="The groups that read the files of this run.")

    @api.depends("start")
    @api.depends_context("lang", "tz")
    def _compute_display_name(self):
        """A run is named by its start, in the reader's language and time zone (as a date field shows it)."""
        for transfer in self:
            transfer.display_name = reader_moment(self.env, transfer.start) if transfer.start else False

    @api.depends("file_ids.export_id.group_id")
    def _compute_readers(self):
        for transfer in self:
            transfer.has_files = bool(transfer.file_ids)
            transfer.reader_group_ids = transfer.file_ids.export_id.group_id

    @api.depends("file_ids.state", "file_ids.size")
    def _compute_shown_counts(self):
        for transfer in self:
            # _filtered_access: Odoo 18's filter of a recordset by the user's rules, in one query
            transfer.shown_file_count, transfer.shown_byte_count = _done_totals(
                transfer.file_ids._filtered_access("read"))

    @api.depends("error_code", "error_params", "warning_codes", "state", "file_ids.message_code")
    @api.depends_context("lang")
    def _compute_error(self):
        for transfer in self:
            transfer.error = transfer._describe_problems([
                self.env._("%(file)s: %(message)s", file=line.blob_name,
                           message=line.message or selection_label(line, "state"))
                for line in transfer.file_ids._filtered_access("read") if line.state in PROBLEM_FILE_STATES])

    def _describe_problems(self, file_lines):
        """The run's failure, ``file_lines`` (what is told of its files' problems) and its warnings; else False."""
        self.ensure_one()
        lines = [_render_run(self.env, self.error_code, self.error_params)] if self.error_code else []
        render = self.env["is.cegid.message"]._render
        lines += [*file_lines, *(render(code, params) for code, params in self.warning_codes or ())]
        return "\n".join(lines) or False

    # -- entry points --------------------------------------------------------

    @api.model
    def _cron_download(self):
        """The download cron: one run, the import of what waits, within Odoo's cron time limit; then the purge."""
        if self.env["is.cegid.backend"]._cegid_left_to_worker(self._download_cron()):
            return
        deadline = self.env["is.cegid.backend"]._cegid_run_deadline(self._download_cron())
        outcome = self._download(deadline=deadline)
        # a run that failed midway told Odoo of files left: Odoo would run it again at once, in the same turn, even if
        # what follows failed (rolled back): said now, and kept
        self.env["ir.cron"]._notify_progress(done=len(outcome.transfer.file_ids), remaining=0)
        if auto_commit_allowed():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        continued = outcome.continued
        if outcome.ran:
            # also after a failed run: files delivered earlier may still wait (the import has its own guards)
            imported = self.env["is.cegid.import"]._import_folder(transfer=outcome.transfer, deadline=deadline)
            continued = continued or imported.continued
            # another import read the folder before these files came, or sessions hold a swap: the import cron goes on
            if imported.skipped or imported.held:
                self.env["is.cegid.import"]._import_again_soon()
        if outcome.trigger == "followup":
            # the forced queries just ran in Cegid: show their new last and next executions. In a run of its own: it
            # waits on Cegid (retries, Retry-After), and this run's time under Odoo's limit may be all used
            self.env.ref(SYNC_CRON).sudo()._trigger()
        if continued:
            self._continue_soon(len(outcome.transfer.file_ids))
        self._purge_history()

    @api.model
    def _continue_soon(self, done):
        """Have the cron run again at once, in a new turn of the cron worker, right after its heartbeat.

        Reported as fully done: a job that says it has work remaining is run
        again by the same worker in the same turn, which Odoo's time limit
        counts as one, and kills. A trigger makes the worker start a new turn.
        """
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        self.env["is.cegid.backend"]._cegid_hand_over(self._download_cron())

    def action_download_now(self):
        """Ask the download cron to run as soon as possible; the run is recorded as manual.

        A button above a list: the web client sends the selected records (ignored), so no @api.model.
        """
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database()
        backend._check_cegid_cron(DOWNLOAD_CRON)
        self.env["ir.config_parameter"].sudo().set_param(PARAM_MANUAL_REQUEST, fields.Datetime.to_string(
            fields.Datetime.now()))
        self._download_cron()._trigger()
        return notification(
            self.env._("Cegid download"),
            self.env._("The download starts in the background within a minute; see Cegid > Downloads."),
        )

    @api.model
    def _pop_trigger(self):
        """Why this run happens: a pending manual request, a due forced follow-up, else the schedule.

        A follow-up is a trigger of the download cron marked as one
        (``_add_followup``); the run that meets it due consumes it (Odoo
        would delete it after the run anyway). Called with the download lock
        held: a run the lock skips leaves the request for the next one. A run
        that meets both serves both as a follow-up: the queries forced are
        read again after it (a manual run would leave them unread).
        """
        params = self.env["ir.config_parameter"].sudo()
        manual = params.get_param(PARAM_MANUAL_REQUEST)
        if manual:
            params.set_param(PARAM_MANUAL_REQUEST, False)
        followups = self.env["ir.cron.trigger"].sudo().search([
            ("cron_id", "=", self._download_cron().id), ("cegid_followup", "=", True),
            ("call_at", "<=", fields.Datetime.now())])
        if followups:
            followups.unlink()
            return "followup"
        return "button" if manual else "cron"

    @api.model
    def _add_followup(self, moment):
        """Download at ``moment`` (naive UTC), after a forced query: a trigger of the cron, marked as a follow-up."""
        self._download_cron()._trigger(at=moment).write({"cegid_followup": True})

    @api.model
    def _download_cron(self):
        """The download cron (as superuser: it is Odoo's to run)."""
        return self.env.ref(DOWNLOAD_CRON).sudo()

    # -- the run ----------------------------------------------------------------

    @api.model
    def _run(self, trigger=None):
        """Download once now (no time limit); the run's record, empty when there was nothing to record."""
        return self._download(trigger).transfer

    @api.model
    def _download(self, trigger=None, deadline=None):
        """One run unless another holds the lock; ``trigger``: why (else read from the pending requests)."""
        if not self.env["is.cegid.backend"]._cegid_settings_saved():
            _logger.info("Cegid download skipped: the Cegid settings were never saved on this database")
            return RunOutcome(self.browse(), None, False, False)
        with exclusive_run(self.env, "transfer") as allowed:
            if not allowed:
                _logger.info("Cegid download skipped: another download is running on this database")
                return RunOutcome(self.browse(), None, False, False)
            trigger = trigger or self._pop_trigger()
            transfer, continued, served = self._run_locked(trigger, deadline)
            return RunOutcome(transfer, trigger if served else None, True, continued)

    @api.model
    def _run_locked(self, trigger, deadline):
        """The run itself, the lock held: (its record or an empty one, whether it was cut to be continued, whether
        it served ``trigger``)."""
        backend = self.env["is.cegid.backend"]
        interrupted = self._record_interrupted()
        settings = backend._cegid_settings()
        if not backend._cegid_database_confirmed():
            return self._record_failure(trigger, "run.database_copy", {}), False, True
        reporter = OdooTransferReporter(self.sudo().env, trigger)
        try:
            backend._cegid_ensure_default_folder(settings)
            owner = os.path.isdir(settings.import_folder) and backend._cegid_folder_owner(settings.import_folder)
            if owner:
                return self._record_failure(trigger, "run.folder_claimed", {
                    "folder": settings.import_folder, "database": owner,
                    "claim": claim_path(settings.import_folder)}), False, True
            result = run_transfer(settings, reporter=reporter, deadline=deadline)
        except CegidError as err:
            params = redact_params(err.params, settings.secrets())
            return self._record_failure(trigger, err.code, params, reporter.transfer), False, True
        except Exception as err:
            _logger.exception("Cegid download crashed")
            detail = backend._cegid_error_message(err, settings)
            return self._record_failure(trigger, "run.crashed", {"detail": detail}, reporter.transfer), False, True
        return self._record_result(result, reporter.transfer, trigger, interrupted)

    @api.model
    def _record_result(self, result, transfer, trigger, interrupted):
        """What the run that gave ``result`` (a TransferResult; ``transfer`` its record so far) leaves: as
        :meth:`_run_locked` returns it."""
        if result.listing_cut:
            # no time left even to list, Cegid or Azure unheard: nothing to tell of them, a new turn lists
            if not transfer and not result.warnings:
                self._keep_trigger(trigger)
                return transfer, True, False
        else:
            self.env["is.cegid.backend"]._cegid_set_param(PARAM_LAST_CHECK, fields.Datetime.to_string(
                fields.Datetime.now()))
            if not transfer and not result.warnings:
                self._resolve_by_empty_run(interrupted)
                return transfer, False, True
        return (transfer or self._create_run(trigger))._finish(result, result.warnings), result.continued, True

    @api.model
    def _keep_trigger(self, trigger):
        """Leave ``trigger`` to the run this one hands over to: a manager's request, or a follow-up (due now)."""
        if trigger == "button":
            self.env["ir.config_parameter"].sudo().set_param(PARAM_MANUAL_REQUEST, fields.Datetime.to_string(
                fields.Datetime.now()))
        elif trigger == "followup":
            self._add_followup(fields.Datetime.now())

    @api.model
    def _resolve_by_empty_run(self, interrupted):
        """A run found nothing waiting in Azure (nothing to record): Cegid, Azure and the folder work again.

        The incidents are over, but that of a run ``interrupted`` found dead
        just now: told once, the next run that works closes it.
        """
        now = fields.Datetime.now()
        self._cegid_close_incidents([("state", "!=", "running"), ("id", "not in", interrupted.ids)], lambda env: env._(
            "Resolved: the download of %(date)s worked.", date=reader_moment(env, now)))

    @api.model
    def _record_interrupted(self):
        """Say of the runs left *Running* (the lock is held: their worker died) how they ended; tell the managers.

        Returns those runs.
        """
        limit = run_time_limit()
        code, params = ("run.cut_by_time_limit", {"limit": limit}) if limit else ("run.interrupted", False)
        runs = self.sudo().search([("state", "=", "running")])
        for run in runs:
            run.write({"state": "failed", "error_code": code, "error_params": params})
            run._finish()
        return runs

    @api.model
    def _create_run(self, trigger):
        """The record of a run that has something to show (committed at once: it shows as running)."""
        transfer = self.sudo().with_context(mail_create_nolog=True).create({"trigger": trigger})
        if auto_commit_allowed():
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return transfer

    @api.model
    def _record_failure(self, trigger, code, params, transfer=None):
        """A run that failed as a whole: its record (or the previous one's, when it failed the same way)."""
        transfer = transfer or self._create_run(trigger)
        transfer.write({"state": "failed", "error_code": code, "error_params": params or False})
        return transfer._finish()

    def _finish(self, result=None, warnings=()):
        """Record how the run ended and follow its incident; return the record that tells about it.

        A run that brought nothing and met the previous run's problem again is
        counted on the previous record (``repeat_count``) and not kept.
        """
        self.ensure_one()
        lines = self.file_ids
        problems = lines.filtered(lambda line: line.state in PROBLEM_FILE_STATES)
        warnings = [list(warning) for warning in warnings]
        file_count, byte_count = _done_totals(lines)
        values = {"end": fields.Datetime.now(), "file_count": file_count, "byte_count": byte_count,
                  "warning_codes": warnings or False}
        if self.state != "failed":
            values["state"] = ("skipped" if result and result.lock_held else "partial" if problems
                               else "continued" if result and result.continued else "done")
        if values.get("state") == "continued":
            values.update(error_code="run.continued", error_params={"limit": run_time_limit()})
        failed = self.state == "failed"
        if failed or problems or warnings:
            values["problem_key"] = json.dumps(
                [self.error_code if failed else None, self.error_params if failed else None, warnings,
                 sorted([line.blob_name, line.message_code, line.message_params] for line in problems)],
                sort_keys=True, default=str)
        self.write(values)
        previous = self.search([("id", "!=", self.id), ("state", "!=", "running")], limit=1)
        brought = lines.filtered(lambda line: line.state in ("done", "already_delivered"))
        if self.problem_key and not brought and previous.problem_key == self.problem_key:
            return self._cegid_count_repeat(previous, {"end": values["end"]})
        self._cegid_follow_incident(
            [("id", "!=", self.id), ("state", "!=", "running")],
            lambda env: env._("Resolved: the download of %(date)s worked.",
                              date=reader_moment(env, self.start)),
            lambda record: (record.env._("Cegid download: %(state)s", state=record._cegid_state_label()),
                            record._incident_note()))
        return self

    def _incident_note(self):
        """The note of the run's incident, read by every reader of the run: no file's name (each is its group's).

        The managers find the files in the run itself.
        """
        self.ensure_one()
        failed = any(line.state in PROBLEM_FILE_STATES for line in self.sudo().file_ids)
        return self._describe_problems(
            [self.env._("Some files could not be downloaded: see the files of the run.")] if failed else [])

    def _cegid_problem(self):
        """A run's problem: its failure, its warnings and its files' problems (``problem_key``)."""
        return self.problem_key

    @api.model
    def _purge_history(self):
        """Delete the runs older than the retention setting."""
        old = self.sudo().search([("start", "<", self._cegid_history_limit()), ("state", "!=", "running")])
        old.unlink()
        return len(old)


class CegidTransferFile(models.Model):
    """One blob of a run: where it went and how it ended."""

    _name = "is.cegid.transfer.file"
    _description = "Cegid export file"
    _order = "id"
    _rec_name = "blob_name"

    transfer_id = fields.Many2one("is.cegid.transfer", "Download", required=True, ondelete="cascade", index=True)
    export_id = fields.Many2one(
        "is.cegid.export", readonly=True, ondelete="set null", index="btree_not_null",
        help="The export of the file, by its name; who may see the line follows its data group.")
    blob_name = fields.Char("Blob", required=True)
    local_name = fields.Char("Local file")
    size = fields.Float("Size (bytes)", digits=(20, 0))  # shown "23.8M" (Odoo's human-readable numbers)
    md5 = fields.Char("MD5")
    last_modified = fields.Datetime("Modified in Azure")
    state = fields.Selection(FILE_STATES, required=True)
    message_code = fields.Char(readonly=True)
    message_params = fields.Json(readonly=True)
    message = fields.Text(compute="_compute_message", help="What happened to the file, in the reader's language.")

    @api.depends("message_code", "message_params")
    @api.depends_context("lang")
    def _compute_message(self):
        render = self.env["is.cegid.message"]._render
        for line in self:
            line.message = render(line.message_code, line.message_params) if line.message_code else False


def _done_totals(lines):
    """(files, bytes) downloaded among the ``lines`` of a run."""
    done = lines.filtered(lambda line: line.state == "done")
    return len(done), sum(done.mapped("size"))


def _render_run(env, code, params):
    """A run's error: an Odoo-side sentence (RUN_SENTENCES) or a core code, in the reader's language."""
    return env["is.cegid.message"]._render(code, params, sentences=RUN_SENTENCES)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""History of the downloads of Cegid exports, and the download cron itself."""

import datetime
import logging

from odoo import api, fields, models
from odoo.tools.translate import LazyTranslate

from ..cegid_data_access.errors import CegidError
from ..cegid_data_access.redact import redact_params
from ..cegid_data_access.transfer import TransferReporter, run_transfer
from .cegid_backend import (
    DEFAULT_HISTORY_DAYS,
    PARAM_FOLLOWUPS,
    PARAM_HISTORY_DAYS,
    PARAM_MANUAL_REQUEST,
    auto_commit_allowed,
    exclusive_run,
    naive_utc,
    notification,
)

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

TRIGGERS = [("cron", "Scheduled"), ("button", "Manual"), ("followup", "Forced follow-up")]
TRANSFER_STATES = [
    ("running", "Running"), ("done", "Done"), ("partial", "Partial"), ("failed", "Failed"), ("skipped", "Skipped"),
]
FILE_STATES = [
    ("done", "Downloaded"), ("already_delivered", "Already delivered"), ("failed", "Failed"), ("refused", "Refused"),
    ("continued", "To be continued"),
]
# what only the Odoo side says about a run (the core's codes are rendered by is.cegid.message)
RUN_SENTENCES = {
    "run.interrupted": _lt("Interrupted before it finished."),
    "run.database_copy": _lt(
        "This database is not the one where the Cegid settings were confirmed (it looks like a copy): "
        "the download is refused so that a copy does not take the production exports. "
        "An administrator must save the Cegid settings again to allow it."),
    "run.crashed": _lt("Unexpected error: %(detail)s"),
}


class OdooTransferReporter(TransferReporter):
    """Records each file of a run as an ``is.cegid.transfer.file`` line, commits, reports cron progress."""

    def __init__(self, transfer):
        super().__init__()
        self.transfer = transfer
        self.total = 0
        self.done = 0
        self.auto_commit = auto_commit_allowed()

    def on_listing(self, blobs):
        self.total = len(blobs)
        self._progress()

    def on_file_done(self, outcome):
        self.transfer.env["is.cegid.transfer.file"].sudo().create({
            "transfer_id": self.transfer.id,
            "blob_name": outcome.blob_name,
            "local_name": outcome.local_name or False,
            "size": outcome.size or 0,
            "md5": outcome.md5 or False,
            "last_modified": naive_utc(outcome.last_modified),
            "state": outcome.state,
            "message_code": outcome.code or False,
            "message_params": outcome.params or False,
        })
        self.done += 1
        self._progress()

    def on_warning(self, code, params):
        _logger.warning("Cegid download: %s %s", code, params)

    def _progress(self):
        """Tell the cron how far the run is (no-op outside a cron job), then commit."""
        self.transfer.env["ir.cron"]._notify_progress(done=self.done, remaining=max(self.total - self.done, 0))
        if self.auto_commit:
            # a file on disk and gone from Azure must stay recorded even if the run dies later
            self.transfer.env.cr.commit()  # pylint: disable=invalid-commit


class CegidTransfer(models.Model):
    """One run of the download: what it brought, and how it ended."""

    _name = "is.cegid.transfer"
    _description = "Cegid export download"
    _inherit = ["mail.thread"]
    _order = "start desc, id desc"
    _rec_name = "start"

    start = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    end = fields.Datetime(readonly=True)
    trigger = fields.Selection(TRIGGERS, required=True, default="cron", readonly=True)
    state = fields.Selection(TRANSFER_STATES, required=True, default="running", readonly=True, tracking=True)
    file_count = fields.Integer("Files", readonly=True)
    byte_count = fields.Float("Bytes", digits=(20, 0), readonly=True)
    error_code = fields.Char(readonly=True)
    error_params = fields.Json(readonly=True)
    warning_codes = fields.Json(readonly=True, help="The run's warnings: [[code, parameters]].")
    error = fields.Text(compute="_compute_error", help="What went wrong, in the reader's language.")
    file_ids = fields.One2many("is.cegid.transfer.file", "transfer_id", string="Files transferred", readonly=True)

    @api.depends("error_code", "error_params", "warning_codes", "state", "file_ids.message_code")
    @api.depends_context("lang")
    def _compute_error(self):
        render = self.env["is.cegid.message"]._render
        for transfer in self:
            lines = []
            if transfer.error_code:
                lines.append(_render_run(self.env, transfer.error_code, transfer.error_params))
            elif transfer.state == "partial":
                lines += [f"{line.blob_name}: {line.message or line.state}" for line in transfer.file_ids
                          if line.state in ("failed", "refused")]
            lines += [render(code, params) for code, params in transfer.warning_codes or ()]
            transfer.error = "\n".join(lines) or False

    # -- entry points --------------------------------------------------------

    @api.model
    def _cron_download(self):
        """The download cron: one run (unless another holds the lock), the import, then purge old history."""
        trigger = self._pop_trigger()
        transfer = self._run(trigger)
        if transfer and transfer.state != "skipped":
            # also after a failed run: files delivered earlier may still wait (the import has its own guards)
            self.env["is.cegid.import"].import_folder(transfer=transfer)
        if trigger == "followup":
            # the forced queries just ran in Cegid: show their new last and next executions now
            self.env["is.cegid.query"]._cron_sync()
        self._purge_history()

    @api.model
    def action_download_now(self):
        """Ask the download cron to run as soon as possible; the run is recorded as manual."""
        self.env["is.cegid.backend"]._check_cegid_manager()
        self.env["ir.config_parameter"].sudo().set_param(PARAM_MANUAL_REQUEST, fields.Datetime.to_string(
            fields.Datetime.now()))
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").sudo()._trigger()
        return notification(
            self.env._("Cegid download"),
            self.env._("The download starts in the background within a minute; see Cegid > Downloads."),
        )

    @api.model
    def _pop_trigger(self):
        """Why this run happens: a pending manual request, a due forced follow-up, else the schedule."""
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(PARAM_MANUAL_REQUEST):
            params.set_param(PARAM_MANUAL_REQUEST, False)
            return "button"
        pending = [item for item in (params.get_param(PARAM_FOLLOWUPS) or "").split(",") if item]
        now = fields.Datetime.to_string(fields.Datetime.now())
        due = [item for item in pending if item <= now]
        if due:
            params.set_param(PARAM_FOLLOWUPS, ",".join(item for item in pending if item > now) or False)
            return "followup"
        return "cron"

    @api.model
    def _add_followup(self, moment):
        """Remember that a run at ``moment`` (naive UTC) follows a forced query, and trigger the cron then."""
        params = self.env["ir.config_parameter"].sudo()
        pending = [item for item in (params.get_param(PARAM_FOLLOWUPS) or "").split(",") if item]
        pending.append(fields.Datetime.to_string(moment))
        params.set_param(PARAM_FOLLOWUPS, ",".join(sorted(set(pending))))
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").sudo()._trigger(at=moment)

    # -- the run ----------------------------------------------------------------

    @api.model
    def _run(self, trigger="cron"):
        """Download once, recording the run; returns the transfer record (empty when nothing ran)."""
        backend = self.env["is.cegid.backend"]
        if not backend._cegid_settings_saved():
            _logger.info("Cegid download skipped: the Cegid settings were never saved on this database")
            return self.browse()
        with exclusive_run(self.env, "transfer") as allowed:
            if not allowed:
                _logger.info("Cegid download skipped: another download is running on this database")
                return self.browse()
            return self._run_locked(trigger)

    @api.model
    def _run_locked(self, trigger):
        backend = self.env["is.cegid.backend"]
        stale = self.sudo().search([("state", "=", "running")])
        # we hold the lock, so a run still marked running was interrupted (worker killed, server stopped)
        stale.write({"state": "failed", "end": fields.Datetime.now(), "error_code": "run.interrupted"})
        transfer = self.sudo().create({"trigger": trigger})
        if auto_commit_allowed():
            # the run shows as running at once, and each file line commits on its own (see the reporter)
            self.env.cr.commit()  # pylint: disable=invalid-commit
        settings = backend._cegid_settings()
        if not backend._cegid_database_confirmed():
            transfer._finish(error=("run.database_copy", {}))
            return transfer
        try:
            backend._cegid_ensure_default_folder(settings)
            result = run_transfer(settings, reporter=OdooTransferReporter(transfer))
        except CegidError as err:
            transfer._finish(error=(err.code, redact_params(err.params, settings.secrets())))
            return transfer
        except Exception as err:
            _logger.exception("Cegid download crashed")
            detail = backend._cegid_error_message(err, settings)
            transfer._finish(error=("run.crashed", {"detail": detail}))
            return transfer
        transfer._finish(result=result)
        return transfer

    def _finish(self, result=None, error=None):
        """Record how the run ended (``error``: (code, params)); tell the managers when it newly fails."""
        self.ensure_one()
        lines = self.file_ids
        done = lines.filtered(lambda line: line.state == "done")
        values = {
            "end": fields.Datetime.now(),
            "file_count": len(done),
            "byte_count": sum(done.mapped("size")),
        }
        if error:
            values.update(state="failed", error_code=error[0], error_params=error[1] or False)
        elif result is not None and result.lock_held:
            values.update(state="skipped")
        elif result is not None and result.failures:
            values.update(state="partial")
        else:
            values.update(state="done")
        if result is not None and result.warnings:
            values["warning_codes"] = [list(warning) for warning in result.warnings]
        self.write(values)
        if self.state in ("failed", "partial"):
            self._notify_managers()

    def _notify_managers(self):
        """Post the failure to the Cegid managers, unless the previous run already failed the same way."""
        previous = self.search([("id", "!=", self.id), ("state", "!=", "running")], limit=1)
        if previous and previous.state == self.state and previous.error == self.error:
            return
        managers = self.env.ref("is_cegid2odoo.group_cegid_manager").users.filtered(lambda user: not user.share)
        partners = managers.partner_id
        self.message_subscribe(partner_ids=partners.ids)
        state = dict(self._fields["state"]._description_selection(self.env))[self.state]
        self.message_post(
            body=self.env._("Cegid download %(state)s: %(error)s", state=state, error=self.error or ""),
            partner_ids=partners.ids,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )

    @api.model
    def _purge_history(self):
        """Delete the runs older than the retention setting."""
        days = int(self.env["ir.config_parameter"].sudo().get_param(PARAM_HISTORY_DAYS) or DEFAULT_HISTORY_DAYS)
        limit = fields.Datetime.now() - datetime.timedelta(days=max(days, 1))
        old = self.sudo().search([("start", "<", limit), ("state", "!=", "running")])
        old.unlink()
        return len(old)


class CegidTransferFile(models.Model):
    """One blob of a run: where it went and how it ended."""

    _name = "is.cegid.transfer.file"
    _description = "Cegid export file"
    _order = "id"
    _rec_name = "blob_name"

    transfer_id = fields.Many2one("is.cegid.transfer", "Download", required=True, ondelete="cascade", index=True)
    blob_name = fields.Char("Blob", required=True)
    local_name = fields.Char("Local file")
    size = fields.Float(digits=(20, 0))
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


def _render_run(env, code, params):
    """A run's error: an Odoo-side sentence (RUN_SENTENCES) or a core code, in the reader's language."""
    if code in RUN_SENTENCES:
        template = env._(RUN_SENTENCES[code])
        return template % params if params else template
    return env["is.cegid.message"]._render(code, params)

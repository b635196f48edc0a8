# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cegid Data Access settings: ir.config_parameter values, secrets that never go back to the browser."""

import datetime
import logging
import math
import os

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from ..cegid_data_access.cegid_api.schedules import parse_force_time
from ..cegid_data_access.errors import CegidError, ConfigError
from ..cegid_data_access.redact import redact, redact_sas_url
from ..cegid_data_access.settings import MODE_API, SECRET_SETTINGS, Settings
from ..cegid_data_access.transfer import check_connection, sas_expiry, static_sas_check
from .cegid_backend import (
    DEFAULT_HISTORY_DAYS,
    MAX_HISTORY_DAYS,
    PARAM_LAST_CHECK,
    PARAM_NEW_EXPORTS,
    PARAM_PREFIX,
    default_import_folder,
    notification,
)
from .cegid_import_change import (
    DEFAULT_DETAIL_LIMIT,
    PARAM_CLOSED_UNTIL,
    PARAM_DETAIL_LIMIT,
    PARAM_SKIP_COMPARISON,
)
from .cegid_import_run import CUT_LEFT
from .cron_description import describe_utc_time
from .cron_time import CRON_LIMIT_MIN, CRON_WORST_WAKE, cron_time_limit, run_budget

_logger = logging.getLogger(__name__)
HISTORY_WINDOW = datetime.timedelta(days=30)  # of the runs the cron time limit warning looks at



class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    cegid_mode = fields.Selection(
        [("api", "API (recommended)"), ("sas_url", "SAS URL (troubleshooting)")],
        string="Connection mode", default="api", config_parameter=PARAM_PREFIX + "mode", groups="base.group_system",
    )
    cegid_api_base_url = fields.Char(
        "API base URL", config_parameter=PARAM_PREFIX + "api_base_url", groups="base.group_system",
    )
    cegid_tenant_id = fields.Char(
        "Tenant id", config_parameter=PARAM_PREFIX + "tenant_id", groups="base.group_system",
        help="The Cegid account number (digits only).",
    )
    cegid_api_key_id = fields.Char(
        "API key id", config_parameter=PARAM_PREFIX + "api_key_id", groups="base.group_system",
    )
    cegid_provider_id = fields.Char(
        "Provider id", config_parameter=PARAM_PREFIX + "provider_id", groups="base.group_system",
    )
    # stored as "HH:MM" (the scripts' cegid_force_time), shown as a time of day
    cegid_force_time_set = fields.Boolean(
        "Propose a default force time", groups="base.group_system",
        help="A time of day in UTC, like the scripts' cegid_force_time: Force at… proposes it (today, or tomorrow "
             "once past) in your own time zone. Otherwise, or when it is less than ten minutes away, it proposes the "
             "next quarter hour at least ten minutes ahead.",
    )
    cegid_force_time = fields.Float("Default force time (UTC)", groups="base.group_system")
    cegid_force_time_local = fields.Char(
        "Default force time in your time zone", compute="_compute_cegid_force_time_local", groups="base.group_system",
    )
    cegid_history_days = fields.Integer(
        "History retention (days)", config_parameter=PARAM_PREFIX + "history_days", default=DEFAULT_HISTORY_DAYS,
        groups="base.group_system",
    )
    cegid_new_exports = fields.Selection(
        [("create", "Create its table at once"), ("review", "Wait for a manager to review its columns")],
        string="New exports", default="create", config_parameter=PARAM_NEW_EXPORTS, groups="base.group_system",
        help="What the first file of an export the catalogue does not know yet makes.",
    )
    # what each import compares with the rows it replaces
    # dates, which Odoo's config_parameter does not take: stored as YYYY-MM-DD by get/set_values
    cegid_accounting_closed_until = fields.Date(
        "Accounting closed until", groups="base.group_system",
        help="A change of an accounting export dated on or before this day reaches the Cegid managers.")
    cegid_payroll_closed_until = fields.Date(
        "Payroll closed until", groups="base.group_system",
        help="A change of the absences dated on or before this day reaches the Cegid managers.")
    cegid_change_detail_limit = fields.Integer(
        "Rows kept per import", config_parameter=PARAM_DETAIL_LIMIT, default=DEFAULT_DETAIL_LIMIT,
        groups="base.group_system",
        help="How many of the rows added and removed an import keeps to show; the counts and the money changes "
             "are complete.")
    cegid_skip_comparison = fields.Boolean(
        "Do not compare the exports", config_parameter=PARAM_SKIP_COMPARISON, groups="base.group_system",
        help="Imports are faster, but nobody learns what changed in Cegid since the previous export.")
    cegid_import_folder = fields.Char(
        "Import folder", groups="base.group_system",
        help="Where downloaded exports are written. Empty: a folder per database in Odoo's data directory.",
    )
    # Secrets: the form never receives the stored value; typing a new one replaces it.
    cegid_api_key_secret = fields.Char("API key secret", groups="base.group_system")
    cegid_subscription_key = fields.Char("Subscription key", groups="base.group_system")
    cegid_sas_url = fields.Char("SAS URL", groups="base.group_system")
    cegid_api_key_secret_set = fields.Boolean("API key secret set", groups="base.group_system")
    cegid_subscription_key_set = fields.Boolean("Subscription key set", groups="base.group_system")
    cegid_sas_url_set = fields.Boolean("SAS URL set", groups="base.group_system")
    cegid_sas_url_display = fields.Char("Stored SAS URL", readonly=True, groups="base.group_system")
    cegid_sas_expiry = fields.Datetime("SAS URL expires", readonly=True, groups="base.group_system")
    cegid_default_import_folder = fields.Char("Default import folder", readonly=True, groups="base.group_system")
    cegid_database_confirmed = fields.Boolean(
        "Settings confirmed on this database", readonly=True, groups="base.group_system",
    )
    cegid_cron_time_limit = fields.Integer(
        "Cron time limit (s)", readonly=True, groups="base.group_system",
        help="After this many seconds Odoo kills a cron job (limit_time_real_cron, else limit_time_real, "
             "with workers only); 0: no limit.",
    )
    cegid_cron_time_warning = fields.Text("Cron time limit warning", readonly=True, groups="base.group_system")
    cegid_folder_warning = fields.Text("Import folder warning", readonly=True, groups="base.group_system")
    cegid_last_check = fields.Datetime(
        "Last check", readonly=True, groups="base.group_system",
        help="When a download last looked into the export container (a run that finds nothing leaves no record).",
    )
    cegid_last_transfer_id = fields.Many2one(
        "is.cegid.transfer", string="Last download", readonly=True, groups="base.group_system",
    )
    cegid_last_transfer_state = fields.Selection(
        related="cegid_last_transfer_id.state", string="Last download state", groups="base.group_system",
    )
    cegid_last_transfer_error = fields.Text(
        "Last download error", compute="_compute_cegid_last_transfer_error", groups="base.group_system",
    )

    @api.model
    def default_get(self, fields):
        """The settings' values; the Cegid ones for the administrators alone.

        Odoo reads the config parameters as superuser for whoever calls this
        through RPC, whatever the groups of the fields.
        """
        res = super().default_get(fields)
        if self.env["is.cegid.backend"]._is_cegid_administrator():
            return res
        return {name: value for name, value in res.items() if not name.startswith("cegid_")}

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._cegid_refuse_before_keeping_secrets()
        return records

    def write(self, vals):
        result = super().write(vals)
        self._cegid_refuse_before_keeping_secrets()  # the secrets typed before, too
        return result

    def _cegid_refuse_before_keeping_secrets(self):
        """Refuse now the values Save would refuse, when the record holds typed secrets.

        The settings form stores its record before Save runs ``execute``, in a
        request of its own: a save refused by ``execute`` would leave the typed
        secrets in the record (until Odoo's vacuum of transient records);
        refused here, the record is not stored at all.
        """
        for record in self:
            if any((record["cegid_" + name] or "").strip() for name in SECRET_SETTINGS):
                record._cegid_check_values()

    @api.model
    def get_values(self):
        """Add what is not a plain config_parameter: secrets as "is set" flags, SAS expiry, last run.

        Odoo calls this for anyone who opens a settings form; only administrators get the Cegid values.
        """
        res = super().get_values()
        if not self.env["is.cegid.backend"]._is_cegid_administrator():
            return res
        backend = self.env["is.cegid.backend"]
        params = self.env["ir.config_parameter"].sudo()
        settings = backend._cegid_settings()
        default_folder = default_import_folder(self.env.cr.dbname)
        res.update(
            cegid_import_folder=backend._cegid_param("import_folder") or default_folder,
            cegid_force_time_set=bool(settings.force_time),
            cegid_force_time=self._cegid_hours(settings.force_time),
            cegid_default_import_folder=default_folder,
            cegid_api_key_secret=False,
            cegid_subscription_key=False,
            cegid_sas_url=False,
            cegid_api_key_secret_set=bool(settings.api_key_secret),
            cegid_subscription_key_set=bool(settings.subscription_key),
            cegid_sas_url_set=bool(settings.sas_url),
            cegid_sas_url_display=redact_sas_url(settings.sas_url, settings.secrets()) if settings.sas_url else False,
            cegid_sas_expiry=self._cegid_sas_expiry(settings.sas_url),
            cegid_database_confirmed=backend._cegid_database_confirmed(),
            cegid_last_transfer_id=self._cegid_last_transfer().id,
            cegid_last_check=fields.Datetime.to_datetime(backend._cegid_param(PARAM_LAST_CHECK) or False),
            cegid_cron_time_limit=cron_time_limit() or 0,
            cegid_cron_time_warning=self._cegid_time_limit_warning(cron_time_limit()),
            cegid_folder_warning=backend._cegid_folder_warning(settings.import_folder),
            **{f"cegid_{period}_closed_until": fields.Date.to_date(params.get_param(key)) or False
               for period, key in PARAM_CLOSED_UNTIL.items()},
        )
        return res

    @api.model
    def _cegid_last_transfer(self):
        """The last download the reader may open (a Cegid user's data groups); an administrator outside the Cegid
        groups sees the last of all, named only (the form does not open it)."""
        Transfer = self.env["is.cegid.transfer"]
        if not self.env.user.has_group("is_cegid2odoo.group_cegid_user"):
            Transfer = Transfer.sudo()
        return Transfer.search([], limit=1)

    @api.depends("cegid_last_transfer_id")
    @api.depends_context("lang", "uid")
    def _compute_cegid_last_transfer_error(self):
        """What went wrong in the last download, of the files the reader may see: a Cegid user's groups' files,
        none for another administrator (each file is its data group's; the managers see every one)."""
        may_read = self.env.user.has_group("is_cegid2odoo.group_cegid_user")
        for settings in self:
            transfer = settings.cegid_last_transfer_id
            settings.cegid_last_transfer_error = (
                (transfer.error if may_read else transfer.sudo()._incident_note()) if transfer else False)

    @api.model
    def _cegid_time_limit_warning(self, limit):
        """What the cron time limit means for the exports seen lately, when it is too low for them; else False.

        The download of a large export goes on over several runs, and so does
        the load of a large file; what must fit in one run (a file Odoo's time
        limits cut twice, an update of a table, a step of a load by parts) is
        told by the imports those limits cut, as long as the limit is no higher
        than the one that cut them.
        """
        budget = run_budget(limit)
        if budget is None:
            return False
        since = fields.Datetime.now() - HISTORY_WINDOW
        largest = max(self.env["is.cegid.transfer.file"].sudo().search(
            [("create_date", ">=", since), ("state", "=", "done")]).mapped("size") or [0])
        runs = self.env["is.cegid.transfer"].sudo().search(
            [("start", ">=", since), ("byte_count", ">", 0), ("end", "!=", False)], limit=20)
        seconds = sum((run.end - run.start).total_seconds() for run in runs)
        rate = sum(runs.mapped("byte_count")) / seconds if seconds > 0 else 0
        cut = self.env["is.cegid.import"].sudo().search(
            [("create_date", ">=", since), ("message_code", "in", [*CUT_LEFT, "import.update_cut"])]).filtered(
                lambda record: (record.message_params or {}).get("limit", limit) >= limit)
        lines, size = [], self.env["is.cegid.backend"]._cegid_human_size

        def count(number):  # « 1 800 s » in French
            return formatLang(self.env, number, digits=0)

        if limit < CRON_LIMIT_MIN:
            lines.append(self.env._(
                "Odoo's cron worker may sleep up to %(sleep)s s between its turns, and its time limit counts from "
                "before that sleep: under %(minimum)s s a scheduled action may be killed before it has done "
                "anything. Raise limit_time_real_cron to at least %(minimum)s s.",
                sleep=count(CRON_WORST_WAKE), minimum=count(CRON_LIMIT_MIN)))
        if budget <= 0:
            return "\n".join(lines) or False  # 1 or 2 s leave a run nothing: the line above says what to do
        if rate and largest / rate > budget:
            lines.append(self.env._(
                "The largest export of the last 30 days (%(size)s) takes about %(seconds)s s to download at the "
                "measured rate (%(rate)s/s), more than the %(budget)s s a run may use: it arrives over about "
                "%(runs)s runs, each going on where the previous one stopped.",
                size=size(largest), seconds=count(largest / rate), rate=size(rate),
                budget=count(budget), runs=count(math.ceil(largest / rate / budget))))
        if cut:
            lines.append(self.env._(
                "Imports cut by Odoo's time limits in the last 30 days and left to a manager: %(count)s, the last "
                "that of %(file)s. What must end within one run (a file imported in one transaction, an update of a "
                "table, a key of a table loaded in parts) takes longer than the %(budget)s s a run may use: raise "
                "limit_time_real_cron, and limit_time_cpu (a worker's CPU seconds in a turn), in Odoo's "
                "configuration, then import the file again (Import now, or Update the table).",
                count=count(len(cut)), file=cut[0].name, budget=count(budget)))
        return "\n".join(lines) or False

    @api.depends("cegid_force_time", "cegid_force_time_set")
    @api.depends_context("lang", "tz", "uid")
    def _compute_cegid_force_time_local(self):
        """The UTC default force time as it reads today in the user's time zone (the context's, else the user's)."""
        tz = self.env.context.get("tz") or self.env.user.tz
        for record in self:
            record.cegid_force_time_local = False
            text = record._cegid_force_time_text()
            if not text:
                continue
            try:
                hour, minute = parse_force_time(text)
            except CegidError:  # out of the day: saving refuses it
                continue
            record.cegid_force_time_local = describe_utc_time(hour, minute, self.env._, tz) or False

    @api.model
    def _cegid_hours(self, force_time):
        """"06:30" -> 6.5 (what the time widget shows); 0 when not set or unreadable."""
        try:
            hour, minute = parse_force_time(force_time)
        except CegidError:
            return 0.0
        return hour + minute / 60

    @api.model
    def _cegid_sas_expiry(self, sas_url):
        """The expiry of a SAS URL as a naive UTC datetime (Odoo's convention), or False."""
        if not sas_url:
            return False
        expiry = sas_expiry(sas_url)
        return expiry.replace(tzinfo=None) if expiry else False

    def set_values(self):
        """Store the settings; confirm them for this database (the copy guard) when a Cegid setting changed.

        Odoo runs every app's ``set_values`` at each save of the settings: a save
        for another app neither checks nor confirms the Cegid settings (on a
        copy of the database it would let the download take the production's
        exports from Azure).
        """
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_administrator()
        changed = self._cegid_settings_changed()
        res = super().set_values()
        if not changed:
            return res
        for record in self:
            record._cegid_check_values()
            folder = (record.cegid_import_folder or "").strip()
            # the default folder is not stored, so that a copy of the database gets its own
            if folder == default_import_folder(self.env.cr.dbname):
                folder = ""
            backend._cegid_set_param("import_folder", folder)
            backend._cegid_set_param("force_time", record._cegid_force_time_text())
            for period, key in PARAM_CLOSED_UNTIL.items():
                self.env["ir.config_parameter"].sudo().set_param(
                    key, fields.Date.to_string(record[f"cegid_{period}_closed_until"]) or False)
            for name in SECRET_SETTINGS:
                value = (record["cegid_" + name] or "").strip()
                if value:
                    backend._cegid_set_param(name, value)
            # the typed secrets are not kept in the transient record either
            record.write({"cegid_" + name: False for name in SECRET_SETTINGS})
        backend._cegid_confirm_database()
        return res

    def _cegid_settings_changed(self):
        """Whether this save changes a Cegid setting (a secret typed among them), compared with the stored ones."""
        names = [name for name, field in self._fields.items() if name.startswith("cegid_")
                 and not field.readonly and not field.compute]
        stored = self.default_get(names)  # as Odoo's own set_values compares them
        for record in self:
            for name in names:
                value = record[name]
                if isinstance(value, models.BaseModel):
                    value = value.id
                if (value or False) != (stored.get(name) or False):
                    return True
        return False

    def _cegid_check_values(self):
        """Refuse values the core would refuse later, with the field label in the message."""
        self.ensure_one()
        folder = (self.cegid_import_folder or "").strip() or default_import_folder(self.env.cr.dbname)
        self._cegid_check_import_folder(folder)
        warning = self.env["is.cegid.backend"]._cegid_folder_warning(folder)
        if warning:
            raise UserError(warning)
        if self.cegid_force_time_set and not 0 <= self.cegid_force_time < 24:
            raise UserError(self.env._("The default force time must be between 00:00 and 23:59."))
        if self.cegid_history_days < 1:
            raise UserError(self.env._("The history retention must be at least one day."))
        if self.cegid_history_days > MAX_HISTORY_DAYS:
            raise UserError(self.env._("The history retention must be at most %(days)s days.",
                                       days=formatLang(self.env, MAX_HISTORY_DAYS, digits=0)))
        if self.cegid_change_detail_limit < 1:
            raise UserError(self.env._("An import keeps at least one of the rows it added or removed."))
        self._cegid_check_sas_url()

    def _cegid_check_import_folder(self, folder):
        """Refuse a custom import folder that is not an existing folder given by its absolute path.

        The transfer refuses a missing one (a typo, a share not mounted) at each run; a relative one would be read
        from the server's working directory. The default one is Odoo's to create on first use. Only a folder typed
        now: one saved before may be missing here for a moment (a share down) or for good (the web server is not the
        cron's), which must not refuse the other settings.
        """
        if folder in (default_import_folder(self.env.cr.dbname), self.env["is.cegid.backend"]._cegid_param(
                "import_folder")):
            return
        if not os.path.isabs(folder) or not os.path.isdir(folder):
            error = ConfigError("config.not_a_folder", "import_folder", path=folder)
            raise UserError(self.env["is.cegid.backend"]._cegid_error_message(error))

    def _cegid_check_sas_url(self):
        """Refuse a typed SAS URL the transfer would refuse (e.g. the account's, which names no container, or an
        expired one)."""
        self.ensure_one()
        typed = Settings(sas_url=(self.cegid_sas_url or "").strip())
        if typed.sas_url:
            try:
                typed.validate_sas_url()
                static_sas_check(typed.sas_url, datetime.datetime.now(datetime.timezone.utc))
            except CegidError as err:
                raise UserError(self.env["is.cegid.backend"]._cegid_error_message(err, typed)) from None

    def _cegid_force_time_text(self):
        """The default force time as the core reads it ("HH:MM"), "" when none is proposed."""
        self.ensure_one()
        if not self.cegid_force_time_set:
            return ""
        minutes = min(round(self.cegid_force_time * 60), 24 * 60 - 1)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def action_cegid_clear_secrets(self):
        """Forget the stored secrets (API key secret, subscription key, SAS URL)."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_administrator()
        for name in SECRET_SETTINGS:
            backend._cegid_set_param(name, False)
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_cegid_confirm_database(self):
        """Confirm the stored Cegid settings on this database: its downloads and imports may run (the copy guard)."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_administrator()
        warning = backend._cegid_folder_warning(backend._cegid_settings().import_folder)
        if warning:  # the folder of the database this one is a copy of
            raise UserError(warning)
        backend._cegid_confirm_database()
        return {"type": "ir.actions.client", "tag": "reload"}

    def action_cegid_test_connection(self):
        """Check token, SAS and listing with the saved settings; delete nothing; say what works."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_administrator()
        settings = backend._cegid_settings()
        try:
            # the token and the SAS asked before Odoo's time limit for this request
            client = backend._cegid_client(settings) if settings.mode == MODE_API else None
            # a custom folder checked as a transfer does; the default one is created on first use
            steps = check_connection(settings, client=client,
                                     import_folder=bool(backend._cegid_param("import_folder")))
        except CegidError as err:
            return notification(self.env._("Cegid connection"), backend._cegid_error_message(err, settings),
                                "danger", sticky=True)
        render = self.env["is.cegid.message"]._render
        lines = [
            ("✔ " if step.ok else "✘ ") + self.env._(
                "%(step)s: %(result)s", step=render(step.name),
                result=redact(render(step.code, step.params, nested=True), settings.secrets()))
            for step in steps
        ]
        all_ok = bool(steps) and all(step.ok for step in steps)
        title = self.env._("Cegid connection works") if all_ok else self.env._("Cegid connection fails")
        return notification(title, "\n".join(lines), "success" if all_ok else "danger", sticky=not all_ok)

    def action_cegid_discover_provider(self):
        """Ask Cegid for the provider id and store it."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_administrator()
        settings = backend._cegid_settings()
        try:
            settings.validate_api()
            provider_id = backend._cegid_client(settings).discover_provider()
        except CegidError as err:
            raise UserError(backend._cegid_error_message(err, settings)) from None
        backend._cegid_set_param("provider_id", provider_id)
        return notification(
            self.env._("Cegid provider found"), self.env._("Provider id: %(id)s", id=provider_id), "success",
            next_action={"type": "ir.actions.client", "tag": "reload"},
        )

    def action_cegid_download_now(self):
        """Start a download in the background (the download cron, as soon as a worker is free)."""
        return self.env["is.cegid.transfer"].action_download_now()

    def action_cegid_sync_queries(self):
        """Refresh the scheduled queries from Cegid."""
        return self.env["is.cegid.query"].action_sync_from_cegid()

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place where Odoo settings become a core ``Settings`` and core errors become user messages."""

import contextlib
import datetime
import logging
import os
import threading
import time
import zlib

from odoo import api, fields, models, modules
from odoo.exceptions import AccessError, UserError
from odoo.http import request
from odoo.tools import config
from odoo.tools.misc import format_datetime, formatLang

from ..cegid_data_access.cegid_api.client import CegidClient
from ..cegid_data_access.redact import remember_secrets
from ..cegid_data_access.settings import SETTING_NAMES, Settings
from .cron_time import (
    cpu_seconds_used,
    hand_over_value,
    parse_hand_over,
    request_time_limit,
    run_budget,
    run_seconds,
    run_turn,
    worker_turn,
)
from .folder_claim import claim_folder, claim_path, foreign_claim

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "is_cegid2odoo."
PARAM_DATABASE_UUID = PARAM_PREFIX + "database_uuid"
PARAM_DATABASE_NAME = PARAM_PREFIX + "database_name"
PARAM_HISTORY_DAYS = PARAM_PREFIX + "history_days"
PARAM_MANUAL_REQUEST = PARAM_PREFIX + "manual_request"
PARAM_IMPORT_REQUEST = PARAM_PREFIX + "import_request"  # a manager asked for an import (Import now, a table)
PARAM_NEW_EXPORTS = PARAM_PREFIX + "new_exports"  # "create" (default) or "review": see is.cegid.export
PARAM_LAST_CHECK = "last_check"  # when a download last looked into the container (a _cegid_param name)
# "handover.<cron id>": "<pid> <epoch seconds>", the cron worker that last handed a run of that cron over, and when
PARAM_HANDOVER = "handover"
HAND_OVER_MARGIN = datetime.timedelta(seconds=1)  # past the second a trigger's time is kept to
# the scheduled actions a manager's buttons hand their work to
DOWNLOAD_CRON = "is_cegid2odoo.ir_cron_cegid_download"
IMPORT_CRON = "is_cegid2odoo.ir_cron_cegid_import"
DEFAULT_HISTORY_DAYS = 90
MAX_HISTORY_DAYS = 36500  # a century; a million days back is before year 1: the date arithmetic overflows
def default_import_folder(dbname):
    """``<data_dir>/cegid_import/<dbname>``: beside the filestore, one folder per database."""
    filestore = config.filestore(dbname)
    return os.path.join(os.path.dirname(os.path.dirname(filestore)), "cegid_import", dbname)


def auto_commit_allowed():
    """Commit per file, except inside tests (which run in one transaction) and web requests (Odoo commits them)."""
    return not (getattr(threading.current_thread(), "testing", False) or modules.module.current_test or request)


def naive_utc(moment):
    """An aware datetime as Odoo stores it (naive UTC); None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return moment


def advisory_lock_key(name):
    """The PostgreSQL advisory lock key of one kind of run (``transfer``, ``import``)."""
    return zlib.crc32(f"is_cegid2odoo.{name}".encode())


@contextlib.contextmanager
def exclusive_run(env, name):
    """Yield True when this worker may run ``name`` now, False when another one is running it.

    The lock lives on a cursor of its own, so that the run can commit as it goes
    and still hold it; it ends with the block (or with the worker).
    """
    with env.registry.cursor() as lock_cr:
        lock_cr.execute("SELECT pg_try_advisory_xact_lock(%s)", (advisory_lock_key(name),))
        yield lock_cr.fetchone()[0]


def selection_label(record, name, value=None):
    """The label of ``value`` (else ``record``'s value) of the selection field ``name``, in the context's language.

    A value the selection no longer has (a text stored by an earlier version) is its own label.
    """
    if value is None:
        record.ensure_one()
        value = record[name]
    return dict(record._fields[name]._description_selection(record.env)).get(value, value)


def reader_moment(env, moment, dt_format="medium"):
    """``moment`` (naive UTC) in the reader's language and time zone: the context's zone (a text written by the
    cron for a manager), else the user's (Odoo's format_datetime reads the user's alone)."""
    return format_datetime(env, moment, tz=env.context.get("tz"), dt_format=dt_format)


def notification(title, message, kind="info", sticky=False, next_action=None):
    """A client action showing a notification (Odoo's display_notification)."""
    params = {"title": title, "message": message, "type": kind, "sticky": sticky}
    if "\n" in message:
        params["className"] = "text-prewrap"  # Odoo's utility class: one line per step
    if next_action:
        params["next"] = next_action
    return {"type": "ir.actions.client", "tag": "display_notification", "params": params}


class CegidBackend(models.AbstractModel):
    """Helpers shared by the settings, the transfer history and the scheduled queries."""

    _name = "is.cegid.backend"
    _description = "Cegid Data Access backend helpers"

    @api.model
    def _cegid_param(self, name, default=""):
        """The raw value of ``is_cegid2odoo.<name>`` (read as superuser)."""
        return self.env["ir.config_parameter"].sudo().get_param(PARAM_PREFIX + name, default) or default

    @api.model
    def _cegid_set_param(self, name, value):
        """Write ``is_cegid2odoo.<name>`` (as superuser); an empty value removes it."""
        self.env["ir.config_parameter"].sudo().set_param(PARAM_PREFIX + name, value or False)

    @api.model
    def _cegid_settings(self):
        """The core Settings built from the ir.config_parameter values: the only place that does it.

        An empty import folder means the default one (see ``_cegid_ensure_default_folder``).
        """
        values = {name: (self._cegid_param(name) or "").strip() for name in SETTING_NAMES}
        values["mode"] = values["mode"] or "api"
        values["import_folder"] = values["import_folder"] or default_import_folder(self.env.cr.dbname)
        settings = Settings(**values)
        remember_secrets(settings.secrets())  # whatever logs them by mistake from now on, the addon's loggers mask them
        return settings

    @api.model
    def _cegid_ensure_default_folder(self, settings):
        """Create the default import folder when it is the one in use, before a run writes to it.

        Odoo's own folder, like the filestore, is created on first use; a folder
        the administrator chose must exist already (a typo must not scatter
        exports in a new folder).
        """
        if not self._cegid_param("import_folder"):
            os.makedirs(settings.import_folder, mode=0o750, exist_ok=True)

    @api.model
    def _cegid_human_size(self, size):
        """A number of bytes as people read it ("1.5 MB"), in the user's language."""
        units = (self.env._("bytes"), self.env._("KB"), self.env._("MB"), self.env._("GB"), self.env._("TB"))
        value, unit = float(size or 0), 0
        while value >= 1024 and unit < len(units) - 1:
            value, unit = value / 1024, unit + 1
        digits = 0 if unit == 0 else 1
        return f"{formatLang(self.env, value, digits=digits)} {units[unit]}"

    @api.model
    def _cegid_client(self, settings=None, deadline=None):
        """A core CegidClient for the stored settings, whose calls end by ``deadline`` (a ``time.monotonic()``).

        By default, before Odoo kills the request that asked (a button: a Cegid API slow to answer would
        otherwise be retried past ``limit_time_real``); a scheduled action passes its run's deadline.
        """
        if deadline is None:
            budget = run_budget(request_time_limit())
            deadline = None if budget is None else time.monotonic() + budget
        return CegidClient(settings or self._cegid_settings(), deadline=deadline)

    @api.model
    def _cegid_error_message(self, error, settings=None):
        """A core error (or any exception) as a sentence in the user's language, secrets masked."""
        secrets = (settings or self._cegid_settings()).secrets()
        return self.env["is.cegid.message"]._render_error(error, secrets)

    @api.model
    def _cegid_database_confirmed(self):
        """True when the settings were confirmed on this very database (not on a copy of it).

        Odoo's duplicate gives a copy a uuid of its own; a copy made outside
        Odoo (pg_dump and pg_restore, createdb -T) keeps it, under another
        name: the name confirmed with the settings tells it too.
        """
        params = self.env["ir.config_parameter"].sudo()
        stored = params.get_param(PARAM_DATABASE_UUID)
        name = params.get_param(PARAM_DATABASE_NAME)
        return bool(stored) and stored == params.get_param("database.uuid") and name in (False, self.env.cr.dbname)

    @api.model
    def _cegid_confirm_database(self):
        """Confirm the Cegid settings on this very database (see :meth:`_cegid_database_confirmed`)."""
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(PARAM_DATABASE_UUID, params.get_param("database.uuid"))
        params.set_param(PARAM_DATABASE_NAME, self.env.cr.dbname)

    @api.model
    def _cegid_folder_owner(self, folder, claim=True):
        """The name of another database that uses ``folder`` (see ``folder_claim``); None when it is this one's.

        ``claim``: a folder nobody uses becomes this database's (a run); else
        it is only read (the settings form).
        """
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        try:
            owner = (claim_folder if claim else foreign_claim)(folder, uuid, self.env.cr.dbname)
        except OSError as err:
            # a folder Odoo cannot write to: the run's own steps say so, file by file, as without a claim
            _logger.warning("Cegid import folder %s cannot be claimed for this database: %s", folder, err)
            return None
        return owner[1] if owner else None

    @api.model
    def _cegid_folder_warning(self, folder):
        """Why ``folder`` cannot be this database's import folder (another database uses it), or False."""
        owner = os.path.isdir(folder) and self._cegid_folder_owner(folder, claim=False)
        if not owner:
            return False
        return self.env._(
            "The import folder %(folder)s is used by another database, %(database)s: two databases importing from "
            "one folder would each take part of the files, one company's exports reaching another's tables. Choose "
            "a folder of this database's own in the Cegid settings; if %(database)s no longer uses this one, delete "
            "its file %(claim)s.", folder=folder, database=owner, claim=claim_path(folder))

    @api.model
    def _check_cegid_database(self, imports=False):
        """Refuse to change anything in Cegid, or to import (``imports``), from a copy of the database.

        On a copy the settings were not confirmed: its scheduled actions
        download and import nothing, and a button saying otherwise would lie.
        """
        if self._cegid_database_confirmed():
            warning = imports and self._cegid_folder_warning(self._cegid_settings().import_folder)
            if warning:
                raise UserError(warning)
            return
        if imports:
            raise UserError(self.env._(
                "The Cegid settings were not confirmed on this database (it looks like a copy): "
                "an administrator must confirm them on this database (Confirm on this database, above them) before "
                "Odoo imports the Cegid exports."))
        raise UserError(self.env._(
            "The Cegid settings were not confirmed on this database (it looks like a copy): "
            "an administrator must confirm them on this database (Confirm on this database, above them) before "
            "Odoo changes anything in Cegid."))

    @api.model
    def _check_cegid_cron(self, cron):
        """Refuse a button whose work the scheduled action ``cron`` (or its xml id) does while it is archived (an
        administrator's choice, or Odoo's after repeated failures): Odoo drops the triggers of an archived action."""
        cron = (self.env.ref(cron) if isinstance(cron, str) else cron).sudo()
        if not cron.active:
            raise UserError(self.env._(
                "The scheduled action “%(action)s” is archived: it cannot do what you ask now. An administrator can "
                "activate it again (Settings > Technical > Scheduled Actions, in developer mode).",
                action=cron.name))

    @api.model
    def _cegid_settings_saved(self):
        """True once an administrator saved the Cegid settings on some database."""
        return bool(self.env["ir.config_parameter"].sudo().get_param(PARAM_DATABASE_UUID))

    @api.model
    def _cegid_run_deadline(self, cron):
        """The ``time.monotonic()`` at which this run of ``cron`` stops (None: no limit); see ``run_seconds``.

        Only a hand-over to ``cron`` itself tells of a heartbeat since: another cron's may have come earlier in the
        same turn of the worker (the download and the import, both hourly, come due together), before no heartbeat.
        A threaded server's cron thread knows its turn's start: its run stops before the restart Odoo orders past the
        limit.
        """
        limit, started = run_turn()
        handed_over = parse_hand_over(self._cegid_param(f"{PARAM_HANDOVER}.{cron.id}"))
        seconds = run_seconds(limit, handed_over, started=started)
        if seconds is None:
            return None
        since = f"{time.time() - handed_over[1]:.1f} s" if handed_over and handed_over[0] == os.getpid() else "?"
        _logger.info("Cegid run: %.1f s of work before Odoo's cron time limit (%s s; handed over %s ago)",
                     seconds, limit, since)
        return time.monotonic() + seconds

    @api.model
    def _cegid_left_to_worker(self, cron):
        """In a web request (an administrator's *Run Manually*), trigger ``cron`` for a cron worker: True, then.

        A run commits each file before moving it, which a request must not do
        (Odoo commits it at its end, or rolls it all back when it is killed
        past its own time limit, or retries it on a serialization failure):
        files would reach archive/ with their rows rolled back. Refused for
        an archived action, whose triggers Odoo drops: nothing would run.
        """
        if not request:
            return False
        self._check_cegid_cron(cron)
        _logger.info("Cegid: %s started in a web request, left to a cron worker", cron.name)
        cron.sudo()._trigger()
        return True

    @api.model
    def _cegid_hand_over(self, cron):
        """Trigger ``cron`` at once; the worker's next turn, right after its heartbeat, has (nearly) the whole limit."""
        soft = worker_turn()  # the worker's CPU limit this turn: CPU seconds used before it + limit_time_cpu
        if soft is not None:
            _logger.info("Cegid run: handed over, %.1f CPU s used in this turn",
                         cpu_seconds_used() - (soft - config["limit_time_cpu"]))
        self._cegid_set_param(f"{PARAM_HANDOVER}.{cron.id}", hand_over_value())
        # Once the job is done, Odoo deletes its triggers dated before the moment it took the job, and a trigger's
        # time is kept to the second: one of this second may be before that moment. The one a second later
        # outlives the job; the one of now has Odoo wake the cron workers (it does for a trigger due now only).
        now = fields.Datetime.now()
        cron.sudo()._trigger(at=[now, now + HAND_OVER_MARGIN])

    @api.model
    def _check_cegid_manager(self):
        """Only Cegid managers drive Cegid and the tables (force, enable, download, import, create, update)."""
        if not self.env.su and not self.env.user.has_group("is_cegid2odoo.group_cegid_manager"):
            raise AccessError(self.env._("Only Cegid managers can do this."))

    @api.model
    def _is_cegid_administrator(self):
        """True for the administrators (Settings, not merely Access Rights) and the superuser."""
        return self.env.su or self.env.user.has_group("base.group_system")

    @api.model
    def _check_cegid_administrator(self):
        """Only administrators (Settings) touch the connection: secrets, provider id, connection test."""
        if not self._is_cegid_administrator():
            raise AccessError(self.env._("Only administrators can change or test the Cegid connection."))

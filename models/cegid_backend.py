# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place where Odoo settings become a core ``Settings`` and core errors become user messages."""

import contextlib
import logging
import os
import zlib

from odoo import api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import config

from ..cegid_data_access.config import SECRET_SETTINGS, Settings
from ..cegid_data_access.errors import CegidError, ConfigError
from ..cegid_data_access.redact import redact

_logger = logging.getLogger(__name__)

PARAM_PREFIX = "is_cegid2odoo."
# ir.config_parameter suffixes that feed the core Settings (the dataclass field names)
SETTING_NAMES = (
    "mode", "api_base_url", "tenant_id", "api_key_id", "api_key_secret", "subscription_key",
    "provider_id", "sas_url", "import_folder", "force_time",
)
SECRET_NAMES = tuple(SECRET_SETTINGS)
PARAM_DATABASE_UUID = PARAM_PREFIX + "database_uuid"
PARAM_HISTORY_DAYS = PARAM_PREFIX + "history_days"
PARAM_FOLLOWUPS = PARAM_PREFIX + "followup_at"
PARAM_MANUAL_REQUEST = PARAM_PREFIX + "manual_request"
DEFAULT_HISTORY_DAYS = 90


def default_import_folder(dbname):
    """``<data_dir>/cegid_import/<dbname>``: beside the filestore, one folder per database."""
    filestore = config.filestore(dbname)
    return os.path.join(os.path.dirname(os.path.dirname(filestore)), "cegid_import", dbname)


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
        """The core Settings built from the ir.config_parameter values: the only place that does it."""
        values = {name: (self._cegid_param(name) or "").strip() for name in SETTING_NAMES}
        values["mode"] = values["mode"] or "api"
        if not values["import_folder"]:
            # Odoo's own folder, like the filestore: created on first use. A folder the administrator
            # chose must exist already (a typo must not scatter exports in a new folder).
            values["import_folder"] = default_import_folder(self.env.cr.dbname)
            os.makedirs(values["import_folder"], mode=0o750, exist_ok=True)
        return Settings(**values)

    @api.model
    def _cegid_client(self, settings=None):
        """A core CegidClient for the stored settings."""
        from ..cegid_data_access.client import CegidClient  # pylint: disable=import-outside-toplevel

        return CegidClient(settings or self._cegid_settings())

    @api.model
    def _cegid_setting_label(self, name):
        """The translated label of a setting, as the Settings page shows it."""
        field = self.env["res.config.settings"]._fields.get("cegid_" + name)
        return field._description_string(self.env) if field else name

    @api.model
    def _cegid_error_message(self, error, settings=None):
        """A translated message for a core error, naming the setting for a ConfigError; secrets masked."""
        secrets = (settings or self._cegid_settings()).secrets()
        if isinstance(error, ConfigError):
            label = self._cegid_setting_label(error.setting)
            if error.problem == "is missing":
                return self.env._("The Cegid setting “%(label)s” is missing.", label=label)
            return self.env._(
                "The Cegid setting “%(label)s” is invalid: %(problem)s", label=label,
                problem=redact(error.problem, secrets),
            )
        if isinstance(error, CegidError):
            return redact(str(error), secrets) or error.__class__.__name__
        return redact(f"{error.__class__.__name__}: {error}", secrets)

    @api.model
    def _cegid_database_confirmed(self):
        """True when the settings were confirmed on this very database (not on a copy of it)."""
        stored = self.env["ir.config_parameter"].sudo().get_param(PARAM_DATABASE_UUID)
        current = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        return bool(stored) and stored == current

    @api.model
    def _check_cegid_database(self):
        """Refuse to change anything in Cegid from a copy of the database (settings not confirmed here)."""
        if not self._cegid_database_confirmed():
            raise UserError(self.env._(
                "The Cegid settings were not confirmed on this database (it looks like a copy): "
                "an administrator must save them again before Odoo changes anything in Cegid."))

    @api.model
    def _cegid_settings_saved(self):
        """True once an administrator saved the Cegid settings on some database."""
        return bool(self.env["ir.config_parameter"].sudo().get_param(PARAM_DATABASE_UUID))

    @api.model
    def _check_cegid_manager(self):
        """Only Cegid managers drive Cegid (force, enable, disable, download now)."""
        if not self.env.su and not self.env.user.has_group("is_cegid2odoo.group_cegid_manager"):
            raise AccessError(self.env._("Only Cegid managers can do this."))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo test base: a real Azurite and the Cegid simulator, started once per test class."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests.common import HttpCase, TransactionCase, _super_send, new_test_user
from odoo.tools import config

from ..models import cron_time
from .cegid_testkit.azurite import Azurite
from .cegid_testkit.simulator import make_simulator_for


def loopback_request_handler(case_class, session, request, **kwargs):
    """Let requests reach the loopback services the test started, with any timeout.

    Odoo's test harness blocks external HTTP and compares ``timeout`` with a
    number, which fails for the (connect, read) tuples the transfer engine and
    the core client use; the services here all listen on 127.0.0.1.
    """
    if urlsplit(request.url).hostname == "127.0.0.1":
        return _super_send(session, request, **kwargs)
    return super(case_class, case_class)._request_handler(session, request, **kwargs)


def start_cegid_services(case_class):
    """Start Azurite and the simulator for ``case_class``; both stop in the class cleanups."""
    azurite = Azurite().start()
    case_class.addClassCleanup(azurite.stop)
    simulator = make_simulator_for(azurite)
    simulator.start()
    case_class.addClassCleanup(simulator.stop)
    case_class.azurite = azurite
    case_class.simulator = simulator
    case_class.container = azurite.create_container(simulator.tenant_id)
    case_class.folder = Path(tempfile.mkdtemp(prefix="cegid-import-"))
    case_class.addClassCleanup(shutil.rmtree, case_class.folder, ignore_errors=True)


def settings_values(simulator, folder):
    """The settings form values that point Odoo at ``simulator`` and ``folder``."""
    creds = simulator.credentials
    return {
        "cegid_mode": "api",
        "cegid_api_base_url": simulator.base_url,
        "cegid_tenant_id": creds["tenant_id"],
        "cegid_api_key_id": creds["api_key_id"],
        "cegid_api_key_secret": creds["api_key_secret"],
        "cegid_subscription_key": creds["subscription_key"],
        "cegid_provider_id": simulator.provider_id,
        "cegid_import_folder": str(folder),
    }


class ImportFolderMixin:
    """Exports dropped in the test's import folder (``self.folder``), and the import of what waits there."""

    mtime = 1_750_000_000

    def setUp(self):
        super().setUp()
        # what a run of an earlier test knew of its cron worker's turn is not this test's
        turns = patch.dict(cron_time._turn_seen, clear=True)
        turns.start()
        self.addCleanup(turns.stop)

    def use_own_import_folder(self, prefix="cegid-import-test-"):
        """An empty import folder of the test's own (removed after it), the settings confirmed on this database."""
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("is_cegid2odoo.import_folder", str(self.folder))
        # the settings confirmed on this very database (not a copy of it)
        params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))

    def drop(self, name, data):
        """Put an export in the import folder, each one newer than the previous (as the transfer does)."""
        path = self.folder / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8-sig"))
        self.mtime += 60
        os.utime(path, (self.mtime, self.mtime))
        return path

    def run_import(self, transfer=None):
        return self.env["is.cegid.import"]._import_folder(transfer=transfer).records

    def triggers(self, cron="ir_cron_cegid_import"):
        """The pending triggers of one of the addon's crons (what a button asked of it)."""
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.env.ref(f"is_cegid2odoo.{cron}").id)])

    def run_import_cron(self):
        """What the import cron does when a worker runs it (after a button's trigger)."""
        self.env["is.cegid.import"]._cron_import()

    def killed_in_load(self, run, options):
        """``run()`` as a cron worker under Odoo's config ``options`` that Odoo kills in the middle of a load.

        SIGKILL: nothing of the process runs after it, so the test goes on from what the dead worker left.
        """
        Import = type(self.env["is.cegid.import"])
        with patch.dict(config.options, options), patch.object(Import, "_replace", side_effect=SystemExit):
            try:  # not assertRaises: it would roll back what the dead worker left
                run()
            except SystemExit:
                return
        self.fail("the worker was not killed in the load")


class CegidHttpCase(HttpCase):
    """The browser's side: the Cegid services started and the settings saved once, for the whole class."""

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        return loopback_request_handler(CegidHttpCase, session, request, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_cegid_services(cls)
        cls.env["res.config.settings"].create(settings_values(cls.simulator, cls.folder)).execute()


class CegidCase(ImportFolderMixin, TransactionCase):
    """Settings saved through the real settings form, pointing at the simulator."""

    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        return loopback_request_handler(CegidCase, session, request, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_cegid_services(cls)
        cls.manager = new_test_user(
            cls.env, login="cegid_manager", groups="base.group_user,is_cegid2odoo.group_cegid_manager",
        )
        cls.cegid_user = new_test_user(
            cls.env, login="cegid_user", groups="base.group_user,is_cegid2odoo.group_cegid_user",
        )
        cls.internal_user = new_test_user(cls.env, login="plain_internal", groups="base.group_user")

    def setUp(self):
        super().setUp()
        for blob in self.container.list_blobs():
            self.container.delete_blob(blob.name)
        # first: what the last test left there (its database's claim on the folder too) is not this test's
        for entry in self.folder.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        self.save_settings()

    def save_settings(self, **overrides):
        """Save the Cegid settings as an administrator does in the form."""
        values = settings_values(self.simulator, self.folder)
        values.update(overrides)
        settings = self.env["res.config.settings"].create(values)
        settings.execute()
        return settings

    def confirm_database(self):
        """An administrator presses Confirm on this database, above the Cegid settings."""
        return self.env["res.config.settings"].create({}).action_cegid_confirm_database()

    def save_other_settings(self):
        """An administrator saves the settings for another application: the Cegid ones unchanged."""
        self.env["res.config.settings"].create({}).execute()

    def param(self, name):
        return self.env["ir.config_parameter"].sudo().get_param("is_cegid2odoo." + name)

    def upload(self, name, data):
        """Put a blob in the export container, as Cegid does; return its MD5 (hex)."""
        self.container.upload_blob(name, data, overwrite=True)
        return hashlib.md5(data).hexdigest()

    def blob_names(self):
        return sorted(blob.name for blob in self.container.list_blobs())

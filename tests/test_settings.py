# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Settings: round trip, secrets kept on the server, Test connection, error messages."""

import datetime
import os
import resource
import threading
import time
from unittest.mock import patch

import pytz
from lxml import etree

from odoo import fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import new_test_user
from odoo.tools import config

from ..models.cegid_backend import default_import_folder
from ..models.cron_time import CRON_WORST_WAKE, cpu_seconds_used, run_budget, run_seconds
from .common import CegidCase


@tagged("post_install", "-at_install")
class TestSettings(CegidCase):
    def test_round_trip_keeps_secrets_on_the_server(self):
        creds = self.simulator.credentials
        self.assertEqual(self.param("api_base_url"), self.simulator.base_url)
        self.assertEqual(self.param("tenant_id"), creds["tenant_id"])
        self.assertEqual(self.param("api_key_secret"), creds["api_key_secret"])
        self.assertEqual(self.param("subscription_key"), creds["subscription_key"])
        self.assertEqual(self.param("import_folder"), str(self.folder))
        self.assertEqual(self.param("database_uuid"), self.env["ir.config_parameter"].get_param("database.uuid"))
        form_values = self.env["res.config.settings"].default_get(
            list(self.env["res.config.settings"]._fields))
        # what the browser receives: no secret, only the fact that it is set
        self.assertFalse(form_values["cegid_api_key_secret"])
        self.assertFalse(form_values["cegid_subscription_key"])
        self.assertTrue(form_values["cegid_api_key_secret_set"])
        self.assertTrue(form_values["cegid_subscription_key_set"])
        self.assertFalse(form_values["cegid_sas_url_set"])
        self.assertNotIn(creds["api_key_secret"], repr(form_values))
        self.assertNotIn(creds["subscription_key"], repr(form_values))
        self.assertEqual(form_values["cegid_tenant_id"], creds["tenant_id"])
        # saving the form as received (secrets empty) keeps the stored secrets
        self.env["res.config.settings"].create(
            {key: value for key, value in form_values.items() if key.startswith("cegid_") and
             key not in ("cegid_last_transfer_state", "cegid_last_transfer_error")}).execute()
        self.assertEqual(self.param("api_key_secret"), creds["api_key_secret"])
        self.assertEqual(self.param("subscription_key"), creds["subscription_key"])

    def test_a_refused_save_keeps_no_typed_secret_in_the_settings_record(self):
        """The form stores its record before Save runs execute: a save refused there kept the secret typed."""
        typed = "typed-secret-of-a-refused-save"
        Settings = self.env["res.config.settings"]
        # assertRaises, not assertRaisesRegex: only the first rolls back what the call did (Odoo's savepoint)
        with self.assertRaises(UserError) as caught:
            Settings.create({"cegid_api_key_secret": typed, "cegid_history_days": 0})
        self.assertIn("history retention", str(caught.exception))
        stored = Settings.create({"cegid_history_days": 0})  # nothing secret typed: refused by Save alone
        with self.assertRaises(UserError):
            stored.write({"cegid_subscription_key": typed})
        # the secret typed in a record stored before (another application refused that save), a value changed
        kept = Settings.create({"cegid_api_key_secret": typed})
        with self.assertRaises(UserError):
            kept.write({"cegid_history_days": 0})
        kept.unlink()
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM res_config_settings WHERE %s IN "
                            "(cegid_api_key_secret, cegid_subscription_key)", [typed])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        with self.assertRaisesRegex(UserError, "history retention"):
            stored.execute()
        self.assertEqual(self.param("api_key_secret"), self.simulator.credentials["api_key_secret"])

    def test_a_history_retention_past_a_century_is_refused_and_a_stored_one_clamped(self):
        """now - 999,999 days overflows: every download and import run crashed on it."""
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_history_days=999999)
        self.assertEqual(str(caught.exception), "The history retention must be at most 36,500 days.")
        self.save_settings(cegid_history_days=36500)
        self.assertEqual(self.param("history_days"), "36500")
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.history_days", "999999")  # saved before
        with patch.object(fields.Datetime, "now", return_value=datetime.datetime(2026, 12, 7)):
            limit = self.env["is.cegid.transfer"]._cegid_history_limit()
        self.assertEqual(limit, datetime.datetime(2026, 12, 7) - datetime.timedelta(days=36500))

    def test_a_custom_import_folder_that_is_no_existing_absolute_folder_is_refused_by_save_and_the_check(self):
        """Neither Save nor Test connection looked at it: every run then failed on it."""
        missing = str(self.folder / "missing")
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_import_folder=missing)
        self.assertEqual(str(caught.exception),
                         f"The Cegid setting “Import folder” is not an existing folder: {missing}")
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_import_folder="cegid_import")  # relative: to the server's working directory
        self.assertEqual(str(caught.exception),
                         "The Cegid setting “Import folder” is not an existing folder: cegid_import")
        self.assertEqual(self.param("import_folder"), str(self.folder))
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.import_folder", missing)  # removed since
        params = self.env["res.config.settings"].create({}).action_cegid_test_connection()["params"]
        self.assertEqual((params["type"], params["message"]),
                         ("danger", f"The Cegid setting “Import folder” is not an existing folder: {missing}"))
        # saved before and missing now (a share down, a web server that is not the cron's): the other settings save
        self.save_settings(cegid_import_folder=missing, cegid_history_days=30)
        self.assertEqual((self.param("import_folder"), self.param("history_days")), (missing, "30"))

    def test_default_import_folder_follows_the_database(self):
        self.save_settings(cegid_import_folder=default_import_folder(self.env.cr.dbname))
        self.assertFalse(self.param("import_folder"))
        settings = self.env["is.cegid.backend"]._cegid_settings()
        self.assertTrue(settings.import_folder.endswith("/cegid_import/" + self.env.cr.dbname))

    def test_sas_url_shown_redacted_with_expiry(self):
        url = self.azurite.container_sas_url(self.simulator.tenant_id)
        self.save_settings(cegid_mode="sas_url", cegid_sas_url=url)
        values = self.env["res.config.settings"].default_get(["cegid_sas_url", "cegid_sas_url_display",
                                                                "cegid_sas_expiry"])
        signature = url.split("sig=")[1].split("&")[0]
        self.assertFalse(values["cegid_sas_url"])
        self.assertIn("sig=***", values["cegid_sas_url_display"])
        self.assertNotIn(signature, values["cegid_sas_url_display"])
        self.assertTrue(values["cegid_sas_expiry"])

    def test_a_sas_url_saved_with_a_space_in_its_signature_shows_none_of_it(self):
        """Saved before spaces were refused (downloads refuse it): the display masked the signature up to the space
        only, and showed its end."""
        url = self.azurite.container_sas_url(self.simulator.tenant_id)
        signature = url.split("sig=")[1].split("&")[0]
        cut = url.replace(signature, f"{signature[:10]} {signature[10:]}")
        self.save_settings(cegid_mode="sas_url", cegid_sas_url=url)
        self.env["is.cegid.backend"]._cegid_set_param("sas_url", cut)
        shown = self.env["res.config.settings"].default_get(["cegid_sas_url_display"])["cegid_sas_url_display"]
        self.assertIn("sig=***", shown)
        self.assertNotIn(signature[10:], shown)
        self.assertNotIn(signature[:10], shown)

    def test_a_sas_url_without_a_container_is_refused_when_saved(self):
        account_sas_url = "https://account.blob.core.windows.net/?sv=2024-11-04&ss=b&srt=co&sp=rld&sig=S3cr3tSig"
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_mode="sas_url", cegid_sas_url=account_sas_url)
        self.assertEqual(str(caught.exception),
                         "The Cegid setting “SAS URL” must be a container SAS URL (https://…/<container>?sv=…&sig=…).")
        self.assertFalse(self.param("sas_url"))

    def test_an_expired_sas_url_or_one_with_a_space_inside_is_refused_when_saved(self):
        """Both were saved without a word; the one with a space then showed the end of its signature, masked."""
        base = "https://account.blob.core.windows.net/container?sv=2024-11-04&sp=rld&"
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_mode="sas_url", cegid_sas_url=base + "se=2020-01-01T00%3A00%3A00Z&sig=S3cr3tSig")
        self.assertIn("The SAS URL expired on", str(caught.exception))
        self.assertNotIn("S3cr3tSig", str(caught.exception))
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_mode="sas_url", cegid_sas_url=base + "sig=AbCd EfGh")
        self.assertEqual(str(caught.exception),
                         "The Cegid setting “SAS URL” holds a space or a line break: copy it again, whole.")
        self.assertFalse(self.param("sas_url"))

    def test_default_force_time_is_a_time_of_day_stored_as_the_scripts_write_it(self):
        self.save_settings(cegid_force_time_set=True, cegid_force_time=6.5)
        self.assertEqual(self.param("force_time"), "06:30")
        values = self.env["res.config.settings"].default_get(["cegid_force_time_set", "cegid_force_time"])
        self.assertEqual((values["cegid_force_time_set"], values["cegid_force_time"]), (True, 6.5))
        self.save_settings(cegid_force_time_set=False, cegid_force_time=6.5)
        self.assertFalse(self.param("force_time"))
        with self.assertRaises(UserError) as caught:
            self.save_settings(cegid_force_time_set=True, cegid_force_time=25.0)
        self.assertIn("23:59", str(caught.exception))

    def test_the_default_force_time_is_also_said_in_the_users_time_zone(self):
        # the setting stays in UTC (the scripts' config.py); the administrator reads today's local time beside it
        today = datetime.datetime.now(datetime.timezone.utc).date()
        today_at_two = datetime.datetime.combine(today, datetime.time(2, 0), tzinfo=pytz.utc)
        paris = today_at_two.astimezone(pytz.timezone("Europe/Paris")).strftime("%H:%M")
        settings = self.env["res.config.settings"].with_context(tz="Europe/Paris").create(
            {"cegid_force_time_set": True, "cegid_force_time": 2.0})
        self.assertEqual(settings.cegid_force_time_local, f"That is {paris} in Europe/Paris today.")
        self.assertFalse(settings.with_context(tz="UTC").cegid_force_time_local)
        settings.cegid_force_time_set = False
        self.assertFalse(settings.cegid_force_time_local)

    def test_closed_periods_and_the_detail_limit(self):
        self.save_settings(cegid_accounting_closed_until="2025-12-31", cegid_change_detail_limit=5000)
        self.assertEqual((self.param("accounting_closed_until"), self.param("payroll_closed_until"),
                          self.param("change_detail_limit")), ("2025-12-31", False, "5000"))
        values = self.env["res.config.settings"].default_get(["cegid_accounting_closed_until",
                                                              "cegid_payroll_closed_until"])
        self.assertEqual((str(values["cegid_accounting_closed_until"]), values["cegid_payroll_closed_until"]),
                         ("2025-12-31", False))
        self.save_settings(cegid_accounting_closed_until=False)
        self.assertFalse(self.param("accounting_closed_until"))
        with self.assertRaises(UserError):
            self.save_settings(cegid_change_detail_limit=0)

    def test_test_connection_good_credentials(self):
        self.upload("ECRITURE.csv", b"a;b\n1;2\n")
        action = self.env["res.config.settings"].create({}).action_cegid_test_connection()
        params = action["params"]
        self.assertEqual(params["type"], "success", params["message"])
        self.assertEqual([line[:1] for line in params["message"].splitlines()], ["✔", "✔", "✔"])
        self.assertEqual([line.split(":")[0] for line in params["message"].splitlines()],
                         ["✔ Token", "✔ SAS", "✔ Listing"])
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"], "Test connection deletes nothing")

    def test_test_connection_bad_credentials(self):
        self.save_settings(cegid_api_key_secret="wrong-secret-value")
        action = self.env["res.config.settings"].create({}).action_cegid_test_connection()
        params = action["params"]
        self.assertEqual(params["type"], "danger")
        self.assertIn("✘ Token: The Cegid API refused the token request (HTTP 401)", params["message"])
        self.assertNotIn("Listing", params["message"])
        self.assertNotIn("wrong-secret-value", params["message"])

    def test_config_error_names_the_field(self):
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.api_base_url", False)
        action = self.env["res.config.settings"].create({}).action_cegid_test_connection()
        self.assertEqual(action["params"]["message"], "The Cegid setting “API base URL” is missing.")

    def test_cron_time_limit_and_its_warning(self):
        values = self.env["res.config.settings"].default_get(["cegid_cron_time_limit", "cegid_cron_time_warning"])
        self.assertEqual(values["cegid_cron_time_limit"], 0, "the tests run Odoo without workers: no limit")
        self.assertFalse(values["cegid_cron_time_warning"])
        now = fields.Datetime.now()
        run = self.env["is.cegid.transfer"].create({
            "state": "done", "start": now - datetime.timedelta(seconds=100), "end": now, "byte_count": 100 << 20})
        self.env["is.cegid.transfer.file"].create({
            "transfer_id": run.id, "blob_name": "ECRITURE.csv", "size": 300 << 20, "state": "done"})
        Import = self.env["is.cegid.import"]
        # a long file loaded by parts, its parts' time added up: imported, nothing to raise
        Import.create({"name": "ECRITURE.csv", "state": "done", "duration": 1500})
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": -1, "limit_time_real": 120}):
            values = self.env["res.config.settings"].default_get(
                ["cegid_cron_time_limit", "cegid_cron_time_warning"])
        self.assertEqual(values["cegid_cron_time_limit"], 120)
        warning = values["cegid_cron_time_warning"]
        # 300 MB at 1 MB/s: 300 s, over the 90 s a run may use under a 120 s limit
        self.assertIn("300.0 MB", warning)
        self.assertIn("about 4 runs", warning)
        self.assertNotIn("Imports cut", warning)
        # files the limits cut twice, under this limit and under a lower one: to raise, once the higher is passed
        for name, limit in (("ANALYTIQ.csv", 60), ("SALARIES.csv", 120)):
            Import.create({"name": name, "state": "failed", "message_code": "import.cut_twice",
                           "message_params": {"limit": limit}})
        for limit, said in ((120, True), (300, False)):
            with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": limit}):
                warning = self.env["res.config.settings"].default_get(["cegid_cron_time_warning"])[
                    "cegid_cron_time_warning"] or ""
            self.assertEqual("Imports cut by Odoo's time limits in the last 30 days and left to a manager: 1, the "
                             "last that of SALARIES.csv." in warning, said, warning)
        for limit in (1, 2):  # a run budget of -1 and 0 s: no runs to count, nothing to divide by
            with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": limit}):
                values = self.env["res.config.settings"].default_get(["cegid_cron_time_warning"])
            self.assertIn("Raise limit_time_real_cron to at least", values["cegid_cron_time_warning"])
            self.assertNotIn("runs", values["cegid_cron_time_warning"])
            self.assertNotIn("Imports cut", values["cegid_cron_time_warning"])

    def test_a_threaded_servers_cron_thread_stops_before_the_restart_odoo_orders(self):
        """Without workers Odoo restarts itself once a cron thread's turn passes its limit: a run stops before."""
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        backend = self.env["is.cegid.backend"]
        thread = threading.current_thread()

        def seconds_left(options, thread_type="cron"):
            with patch.dict(config.options, dict(options, workers=0)), \
                    patch.object(thread, "type", thread_type, create=True), \
                    patch.object(thread, "start_time", time.time() - 30, create=True):
                deadline = backend._cegid_run_deadline(cron)
            return deadline and round(deadline - time.monotonic())

        # a quarter of the limit kept, from the turn's start 30 s ago
        self.assertEqual(seconds_left({"limit_time_real": 120, "limit_time_real_cron": -1}), 60)
        self.assertEqual(seconds_left({"limit_time_real": 120, "limit_time_real_cron": 0}), 60, "0: limit_time_real")
        self.assertEqual(seconds_left({"limit_time_real": 120, "limit_time_real_cron": 200}), 120)
        self.assertIsNone(seconds_left({"limit_time_real": 0, "limit_time_real_cron": -1}), "no limit at all")
        # another cron thread of the same process handed over since the turn began: the turn's start still counts
        backend._cegid_set_param(f"handover.{cron.id}", f"{os.getpid()} {time.time() - 15}")
        self.assertEqual(seconds_left({"limit_time_real": 120, "limit_time_real_cron": -1}), 60)
        self.assertIsNone(seconds_left({"limit_time_real": 120, "limit_time_real_cron": -1}, "http"), "a request")

    def test_a_run_after_another_in_the_same_worker_turn_counts_from_the_same_heartbeat(self):
        """The download and the import, due together, run one after the other in a cron worker's turn, after one
        heartbeat: the second run counts from the heartbeat the first counted from; a run of a later turn (Odoo set
        the worker's CPU limit anew before its heartbeat), or one the limit's length after the turn's first, counts
        afresh."""
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_CPU, (soft, hard))

        def new_turn(number):
            """What Odoo's cron worker does before each heartbeat: its CPU limit, the CPU used plus limit_time_cpu."""
            resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds_used()) + 100_000 + number, hard))

        limit, budget = 300, run_budget(300)  # 225 s of work from the heartbeat
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": limit}):
            new_turn(1)
            self.assertEqual(run_seconds(limit, now=10_000), budget - CRON_WORST_WAKE)  # the worst case
            # 100 s later in the same turn: counted from the same heartbeat, 180 s ago at worst
            self.assertEqual(run_seconds(limit, now=10_100), budget - CRON_WORST_WAKE - 100)
            # a hand-over by this very process tells of a heartbeat since it
            self.assertEqual(run_seconds(limit, (os.getpid(), 10_150), now=10_160), budget - 10)
            new_turn(2)
            self.assertEqual(run_seconds(limit, now=10_200), budget - CRON_WORST_WAKE)
            self.assertEqual(run_seconds(limit, now=10_400), 0, "the same turn: too little left, only list")
            # the same CPU limit, a limit's length after the turn's first run: the worker would be dead, were it one
            # turn (counted from the first run, not the last: runs close to one another do not make a turn last)
            self.assertEqual(run_seconds(limit, now=10_520), budget - CRON_WORST_WAKE)
            # handed over at 10,600 by this process: the worker beat since, its turn's first run is the next one...
            self.assertEqual(run_seconds(limit, (os.getpid(), 10_600), now=10_610), budget - 10)
            # ...so that a run 290 s after it (the same CPU limit: runs that took less than a CPU second) is of its turn
            self.assertEqual(run_seconds(limit, now=10_900), 0)

    def test_a_button_asking_a_slow_cegid_api_ends_before_odoo_kills_the_request(self):
        """Find the provider id against an API answering each call in 4 s, under a 10 s request limit: the calls
        end within the 8 s Odoo lets it have (a quarter kept), said in the user's words, not killed midway."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.provider_id", False)
        self.simulator.provider_aliases = {"paie"}  # the last candidate: eight calls or so before it
        self.simulator.inject("GET", "/tenant/", delay=4, times=100)
        with patch.dict(config.options, {"workers": 2, "limit_time_real": 10}), \
                self.assertRaisesRegex(UserError, "did not answer within the time Odoo allows"):
            self.env["res.config.settings"].create({}).action_cegid_discover_provider()
        self.assertLessEqual(len(self.simulator.requests_to("/tenant/")), 3)
        self.assertFalse(self.param("provider_id"))

    def test_discover_provider(self):
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.provider_id", False)
        self.env["res.config.settings"].create({}).action_cegid_discover_provider()
        self.assertEqual(self.param("provider_id"), self.simulator.provider_id)

    def test_only_administrators_get_the_cegid_values_through_rpc(self):
        """default_get reads the config parameters as superuser: the Cegid ones go to the administrators alone."""
        names = ["cegid_mode", "cegid_api_base_url", "cegid_tenant_id", "cegid_api_key_id", "cegid_provider_id",
                 "cegid_history_days", "cegid_new_exports"]
        access_rights = new_test_user(self.env, login="cegid_access_rights",
                                      groups="base.group_user,base.group_erp_manager")
        for user in (self.internal_user, self.manager, access_rights):
            env = self.env(user=user, context={})
            values = call_kw(env["res.config.settings"], "default_get", [names], {})
            self.assertEqual([name for name in values if name.startswith("cegid_")], [], user.login)
            self.assertFalse([name for name in call_kw(env["res.config.settings"], "get_values", [], {})
                              if name.startswith("cegid_")], user.login)
        # a form of his own, saved: refused by the addon's check before anything is stored (Odoo refuses it too,
        # but only once the Cegid values are written: a request rolls them back, a test would not see them)
        settings = self.env["res.config.settings"].with_user(access_rights).sudo().create(
            {"cegid_tenant_id": "999"}).sudo(False)
        refused = None
        try:  # not assertRaises: its savepoint would roll back what the call stored before it was refused
            settings.set_values()
        except AccessError as err:
            refused = err
        self.assertEqual(str(refused), "Only administrators can change or test the Cegid connection.")
        self.assertEqual(self.param("tenant_id"), self.simulator.credentials["tenant_id"])
        # nor may he forget the secrets, whatever form the call names (the buttons' doors are open to RPC)
        for user in (self.manager, access_rights):
            with self.assertRaisesRegex(AccessError, "Only administrators"):
                call_kw(self.env(user=user, context={})["res.config.settings"], "action_cegid_clear_secrets",
                        [settings.ids], {})
        self.assertEqual((self.param("api_key_secret"), self.param("subscription_key")), (
            self.simulator.credentials["api_key_secret"], self.simulator.credentials["subscription_key"]))
        administrator = new_test_user(self.env, login="cegid_settings_admin",
                                      groups="base.group_user,base.group_system")
        values = call_kw(self.env(user=administrator)["res.config.settings"], "default_get", [names], {})
        self.assertEqual(values["cegid_tenant_id"], self.simulator.credentials["tenant_id"])

    def test_an_administrator_outside_the_cegid_groups_is_offered_no_link_he_cannot_follow(self):
        """The downloads' history and the scheduled queries are the Cegid groups' records: their links would end in an
        access error; the last download is named, not opened."""
        administrator = new_test_user(self.env, login="cegid_system_only", groups="base.group_user,base.group_system")
        user = new_test_user(self.env, login="cegid_system_user",
                             groups="base.group_user,base.group_system,is_cegid2odoo.group_cegid_user")
        links = {f'name="{self.env.ref(f"is_cegid2odoo.{xmlid}").id}"' for xmlid in ("action_cegid_transfer",
                                                                                      "action_cegid_query")}

        def seen_by(person):
            """The links among ``links`` in the form ``person`` gets, and whether the last download opens."""
            arch = self.env["res.config.settings"].with_user(person).get_views([(False, "form")])["views"]["form"]
            [last] = etree.fromstring(arch["arch"]).xpath("//field[@name='cegid_last_transfer_id']")
            return {link for link in links if link in arch["arch"]}, "no_open" in last.get("options", "")

        self.assertEqual(seen_by(administrator), (set(), True))
        self.assertEqual(seen_by(user), (links, False))

    def test_plain_user_cannot_read_secrets(self):
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.internal_user).get_param("is_cegid2odoo.api_key_secret")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.manager).get_param("is_cegid2odoo.api_key_secret")
        # the settings form is the administrators' (Odoo's access rights): a Cegid manager cannot even make one
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.manager).create({"cegid_tenant_id": "999"})
        self.assertEqual(self.param("tenant_id"), self.simulator.credentials["tenant_id"])

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scheduled queries: synchronisation, force, force at, enable/disable, access rights."""

import datetime
import time
from unittest.mock import patch

import pytz
from lxml import etree

from odoo import fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import config
from odoo.tools.misc import format_datetime

from ..cegid_data_access.cegid_api.schedules import format_cegid_datetime, parse_cegid_datetime
from ..models.cron_description import describe_cron, describe_utc_time
from ..models.cron_time import CRON_WORST_WAKE
from .common import CegidCase

UTC = datetime.timezone.utc


@tagged("post_install", "-at_install")
class TestQueries(CegidCase):
    def setUp(self):
        super().setUp()
        self.simulator.schedulers.clear()
        self.ecriture_id = self.simulator.add_scheduler("ECRITURE", content="SELECT * FROM ECRITURE")
        self.paie_id = self.simulator.add_scheduler("HISTOCUMSAL", cron="30 6 * * 1-5", enable=False)
        self.env["is.cegid.query"]._sync_from_cegid()
        self.queries = self.env["is.cegid.query"]
        self.ecriture = self.queries.search([("scheduler_id", "=", self.ecriture_id)])
        self.paie = self.queries.search([("scheduler_id", "=", self.paie_id)])

    def download_triggers(self):
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        return self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])

    def test_sync_mirrors_cegid(self):
        obj = self.simulator.schedulers[self.ecriture_id]
        self.assertEqual(self.ecriture.name, "ECRITURE")
        self.assertTrue(self.ecriture.enabled)
        self.assertFalse(self.paie.enabled)
        self.assertEqual(self.ecriture.content, "SELECT * FROM ECRITURE")
        self.assertEqual(self.ecriture.cron_description, "Every day at 02:00 UTC")
        self.assertEqual(self.paie.cron_description, "Every weekday at 06:30 UTC")
        expected = parse_cegid_datetime(obj["nextExecution"]).replace(tzinfo=None, microsecond=0)
        self.assertEqual(self.ecriture.next_execution, expected)
        self.assertTrue(self.ecriture.last_sync)
        # a query removed in Cegid is archived at the next synchronisation
        del self.simulator.schedulers[self.paie_id]
        self.env["is.cegid.query"]._sync_from_cegid()
        self.assertFalse(self.paie.active)

    def test_an_id_cegid_writes_in_other_letters_names_the_same_query(self):
        obj = self.simulator.schedulers.pop(self.ecriture_id)
        obj["id"] = self.ecriture_id.upper()
        self.simulator.schedulers[obj["id"]] = obj
        self.env["is.cegid.query"]._sync_from_cegid()
        self.assertEqual(self.queries.with_context(active_test=False).search([("name", "=", "ECRITURE")]),
                         self.ecriture)
        self.assertEqual((self.ecriture.active, self.ecriture.scheduler_id), (True, obj["id"]))

    def test_an_export_links_the_query_cegid_runs_today_not_one_deleted(self):
        """ECRITURE deleted in Cegid and made again (a new id), next to an old disabled one of the same name."""
        del self.simulator.schedulers[self.ecriture_id]
        self.simulator.add_scheduler("ECRITURE", enable=False)
        live_id = self.simulator.add_scheduler("ECRITURE")
        self.env["is.cegid.query"]._sync_from_cegid()
        live = self.queries.search([("scheduler_id", "=", live_id)])
        self.assertFalse(self.ecriture.active)
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        entry.invalidate_recordset(["query_id"])
        self.assertEqual(entry.query_id, live)

    def test_an_hour_step_that_does_not_divide_the_day_is_shown_as_written(self):
        self.assertEqual(describe_cron("0 */6 * * *", self.env._), "Every 6 hours at minute 0")
        for expression in ("0 */5 * * *", "0 */30 * * *", "0 */0 * * *"):  # 20 h to 0 h is 4 hours; once a day
            self.assertEqual(describe_cron(expression, self.env._), expression)

    def test_the_schedule_reads_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        [french] = self.ecriture.with_user(self.manager).with_context(lang="fr_FR").read(["cron_description"])
        self.assertEqual(french["cron_description"], "Tous les jours à 02:00 UTC")
        self.assertEqual(self.paie.with_context(lang="fr_FR").cron_description, "Du lundi au vendredi à 06:30 UTC")
        french_env = self.env(context=dict(self.env.context, lang="fr_FR"))
        self.assertEqual(describe_cron("0 7 1 * *", french_env._, lang="fr_FR"), "Tous les mois le 1er à 07:00 UTC")
        self.assertEqual(describe_cron("0 7 2 * *", french_env._, lang="fr_FR"), "Tous les mois le 2 à 07:00 UTC")
        [english] = self.ecriture.with_user(self.manager).with_context(lang="en_US").read(["cron_description"])
        self.assertEqual(english["cron_description"], "Every day at 02:00 UTC")

    def test_the_schedule_reads_in_the_readers_time_zone(self):
        # Cegid's cron is in UTC; the reader sees today's local time, with UTC as the reference
        local = datetime.datetime.combine(datetime.datetime.now(UTC).date(), datetime.time(2, 0), tzinfo=pytz.utc)
        paris = local.astimezone(pytz.timezone("Europe/Paris")).strftime("%H:%M")
        self.assertIn(paris, ("03:00", "04:00"))
        self.manager.tz = "Europe/Paris"
        [english] = self.ecriture.with_user(self.manager).read(["cron_description"])
        self.assertEqual(english["cron_description"], f"Every day at {paris} (Europe/Paris today; 02:00 UTC)")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        [french] = self.ecriture.with_user(self.manager).with_context(lang="fr_FR").read(["cron_description"])
        self.assertEqual(french["cron_description"], f"Tous les jours à {paris} (Europe/Paris aujourd’hui ; 02:00 UTC)")
        # the context's zone (the web client's) comes first; a user without a zone reads UTC
        self.assertEqual(self.ecriture.with_user(self.manager).with_context(tz="UTC").cron_description,
                         "Every day at 02:00 UTC")
        self.manager.tz = False
        self.assertEqual(self.ecriture.with_user(self.manager).cron_description, "Every day at 02:00 UTC")

    def test_force_now(self):
        cron_before = self.simulator.schedulers[self.ecriture_id]["cron"]
        previous = self.simulator.schedulers[self.ecriture_id]["nextExecution"]
        self.ecriture.with_user(self.manager).action_force_now()
        obj = self.simulator.schedulers[self.ecriture_id]
        self.assertNotEqual(obj["nextExecution"], previous)
        self.assertEqual(obj["cron"], cron_before)
        forced = parse_cegid_datetime(obj["nextExecution"])
        now = datetime.datetime.now(UTC)
        self.assertGreaterEqual(forced, now + datetime.timedelta(minutes=4))
        self.assertEqual(forced.minute % 15, 0)
        self.assertEqual(self.ecriture.next_execution, forced.replace(tzinfo=None))
        self.assertIn("Forced", self.ecriture.message_ids[0].body)
        call_at = forced.replace(tzinfo=None) + datetime.timedelta(minutes=5)
        followup = self.download_triggers().filtered("cegid_followup")
        self.assertEqual(followup.mapped("call_at"), [call_at], "the download that follows it is a trigger then")
        # only nextExecution changed in what Odoo sent
        put = self.simulator.requests_to("query/api/V1/schedulers", "PUT")[-1]
        self.assertEqual(set(put.json), set(obj))

    def test_force_refuses_before_asking_cegid_when_the_download_action_is_archived(self):
        """What the forced query exports would never be downloaded: nothing is sent to Cegid."""
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").active = False
        puts = len(self.simulator.requests_to("query/api/V1/schedulers", "PUT"))
        with self.assertRaisesRegex(UserError, "“Cegid: download exports” is archived: it cannot do what you ask now"):
            self.ecriture.with_user(self.manager).action_force_now()
        self.assertEqual(len(self.simulator.requests_to("query/api/V1/schedulers", "PUT")), puts)

    def test_forced_time_reads_in_the_managers_time_zone(self):
        self.manager.tz = "Europe/Paris"
        moment = datetime.datetime(2031, 1, 15, 6, 45)  # winter: 07:45 in Paris
        self.ecriture.with_user(self.manager)._force(moment)
        body = self.ecriture.message_ids[0].body
        self.assertIn("(Europe/Paris)", body)
        self.assertIn(format_datetime(self.env, moment, tz="Europe/Paris", dt_format=False), body)
        self.assertIn("07:45", body)
        self.assertNotIn("2031-01-15T06:45", body)

    def test_forced_follow_up_downloads_and_refreshes_the_query(self):
        self.ecriture.with_user(self.manager).action_force_now()
        # Cegid runs the query at the forced time: a new export, the dates move on
        obj = self.simulator.schedulers[self.ecriture_id]
        ran_at = parse_cegid_datetime(obj["nextExecution"])
        obj["lastExecution"] = format_cegid_datetime(ran_at)
        obj["nextExecution"] = format_cegid_datetime(ran_at + datetime.timedelta(days=1))
        self.upload("ECRITURE.csv", b"E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;"
                    b"E_AUXILIAIRE;E_REFLIBRE\n")
        # the follow-up comes due; the download runs
        self.download_triggers().filtered("cegid_followup").call_at = fields.Datetime.now()
        self.env["is.cegid.transfer"]._cron_download()
        transfer = self.env["is.cegid.transfer"].search([], limit=1)
        self.assertEqual((transfer.trigger, transfer.state), ("followup", "done"), transfer.error)
        self.assertEqual(self.blob_names(), [])
        self.env["is.cegid.query"]._cron_sync()  # the synchronisation the follow-up triggered
        self.assertEqual(self.ecriture.last_execution, ran_at.replace(tzinfo=None))
        self.assertEqual(self.ecriture.next_execution, ran_at.replace(tzinfo=None) + datetime.timedelta(days=1))

    def test_a_follow_up_refreshes_the_queries_in_a_run_of_its_own_not_past_its_time(self):
        """The refresh after a forced query waits on Cegid: not in the download's run, whose time Odoo counts."""
        self.ecriture.with_user(self.manager).action_force_now()
        obj = self.simulator.schedulers[self.ecriture_id]
        ran_at = parse_cegid_datetime(obj["nextExecution"])
        obj["lastExecution"] = format_cegid_datetime(ran_at)
        self.upload("ECRITURE.csv", b"E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;"
                    b"E_AUXILIAIRE;E_REFLIBRE\n")
        self.download_triggers().filtered("cegid_followup").call_at = fields.Datetime.now()
        sync = self.env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries")
        before = self.env["ir.cron.trigger"].search([("cron_id", "=", sync.id)])
        # Cegid's gateway is slow to list the queries: longer than Odoo leaves the worker
        self.simulator.inject("GET", "schedulers/tenant/provider", delay=12)
        self.addCleanup(self.simulator.faults.clear)
        limit = 80
        started = time.monotonic()
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": limit}):
            self.env["is.cegid.transfer"]._cron_download()
        # the run counts from the worker's heartbeat, CRON_WORST_WAKE seconds before it at worst: Odoo kills it then
        self.assertLess(time.monotonic() - started, limit - CRON_WORST_WAKE)
        self.assertEqual(self.env["is.cegid.transfer"].search([], limit=1).trigger, "followup")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", sync.id)]) - before,
                        "the synchronisation runs next, in a run of its own")
        self.simulator.faults.clear()
        self.env["is.cegid.query"]._cron_sync()
        self.assertEqual(self.ecriture.last_execution, ran_at.replace(tzinfo=None))

    def test_the_synchronisation_woken_without_time_left_hands_over_instead_of_calling_cegid(self):
        """Under an 80 s limit a run not handed over may have its heartbeat 70 s old: no call to Cegid then; the
        worker's next turn, right after a heartbeat, synchronises."""
        sync = self.env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries")
        self.simulator.schedulers[self.ecriture_id]["enable"] = False
        listings = len(self.simulator.requests_to("schedulers/tenant/provider", "GET"))
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            self.env["is.cegid.query"]._cron_sync()
            self.assertEqual(len(self.simulator.requests_to("schedulers/tenant/provider", "GET")), listings)
            self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", sync.id)]), "its next turn is asked")
            self.assertTrue(self.ecriture.enabled)
            self.env["is.cegid.query"]._cron_sync()  # the continuation, in the same worker process
        self.assertEqual(len(self.simulator.requests_to("schedulers/tenant/provider", "GET")), listings + 1)
        self.assertFalse(self.ecriture.enabled)

    def test_force_several_queries_with_two_listings(self):
        analytiq_id = self.simulator.add_scheduler("ANALYTIQ")
        self.env["is.cegid.query"]._sync_from_cegid()
        queries = self.queries.search([("scheduler_id", "in", [self.ecriture_id, analytiq_id])])
        listings = len(self.simulator.requests_to("schedulers/tenant/provider", "GET"))
        puts = len(self.simulator.requests_to("query/api/V1/schedulers", "PUT"))
        queries.with_user(self.manager).action_force_now()
        # one listing to force them all, one to refresh them all; one PUT each
        self.assertEqual(len(self.simulator.requests_to("schedulers/tenant/provider", "GET")), listings + 2)
        self.assertEqual(len(self.simulator.requests_to("query/api/V1/schedulers", "PUT")), puts + 2)
        for query in queries:
            obj = self.simulator.schedulers[query.scheduler_id]
            self.assertEqual(query.next_execution, parse_cegid_datetime(obj["nextExecution"]).replace(tzinfo=None))

    def test_force_at_wizard(self):
        moment = (datetime.datetime.now(UTC) + datetime.timedelta(hours=23)).replace(
            second=0, microsecond=0, tzinfo=None)
        wizard = self.env["is.cegid.force.wizard"].with_user(self.manager).create(
            {"query_ids": [(6, 0, self.ecriture.ids)], "moment": moment})
        wizard.action_force()
        obj = self.simulator.schedulers[self.ecriture_id]
        self.assertEqual(obj["nextExecution"], format_cegid_datetime(moment))
        self.assertIn(moment + datetime.timedelta(minutes=5), self.download_triggers().mapped("call_at"))

    def assert_force_at_refused(self, moment, said):
        """Force at ``moment`` is refused saying ``said``; nothing is asked of Cegid."""
        before = dict(self.simulator.schedulers[self.ecriture_id])
        puts = len(self.simulator.requests_to("query/api/V1/schedulers", "PUT"))
        wizard = self.env["is.cegid.force.wizard"].with_user(self.manager).create(
            {"query_ids": [(6, 0, self.ecriture.ids)], "moment": moment})
        with self.assertRaises(UserError) as caught:
            wizard.action_force()
        self.assertIn(said, str(caught.exception))
        self.assertEqual(self.simulator.schedulers[self.ecriture_id], before)
        self.assertEqual(len(self.simulator.requests_to("query/api/V1/schedulers", "PUT")), puts)

    def test_force_at_refuses_a_moment_more_than_a_day_ahead(self):
        """Cegid keeps one next execution: forced days ahead, the daily runs until then would not be."""
        self.assert_force_at_refused(fields.Datetime.now() + datetime.timedelta(hours=24, minutes=5),
                                     "within the next 24 hours")

    def test_force_at_refuses_a_moment_closer_than_force_now_keeps(self):
        """A minute ahead may be past when Cegid stores it: the wizard keeps Force now's five minutes."""
        self.assert_force_at_refused(fields.Datetime.now() + datetime.timedelta(minutes=1),
                                     "at least 5 minutes ahead")

    def test_force_at_proposes_a_moment_it_accepts_after_the_dialog_is_read(self):
        """A default force time due in two minutes gives way to a moment still five minutes ahead once the dialog is
        read; without a force time, the next quarter hour too."""
        soon = datetime.datetime.now(UTC) + datetime.timedelta(minutes=2)
        for force_time in (f"{soon:%H:%M}", False):
            self.env["is.cegid.backend"]._cegid_set_param("force_time", force_time)
            wizard = self.env["is.cegid.force.wizard"].with_user(self.manager).create(
                {"query_ids": [(6, 0, self.ecriture.ids)]})
            self.assertGreaterEqual(wizard.moment, fields.Datetime.now() + datetime.timedelta(minutes=10))
            with patch.object(fields.Datetime, "now", return_value=fields.Datetime.now() + datetime.timedelta(
                    minutes=5)):  # the user pressed Force five minutes later
                wizard.action_force()
            self.assertEqual(self.simulator.schedulers[self.ecriture_id]["nextExecution"],
                             format_cegid_datetime(wizard.moment))

    def test_forcing_no_query_forces_none(self):
        """An empty selection (the queries archived while the dialog was open) is said, and forces nothing."""
        before = dict(self.simulator.schedulers[self.ecriture_id])
        puts = len(self.simulator.requests_to("query/api/V1/schedulers", "PUT"))
        with self.assertRaises(UserError) as caught:
            self.queries.with_user(self.manager).action_force_now()
        self.assertIn("No scheduled query to force", str(caught.exception))
        self.assertEqual(self.simulator.schedulers[self.ecriture_id], before)
        self.assertEqual(len(self.simulator.requests_to("query/api/V1/schedulers", "PUT")), puts)

    def test_force_at_refuses_the_past(self):
        self.assert_force_at_refused(fields.Datetime.now() - datetime.timedelta(hours=1), "at least 5 minutes ahead")

    def test_disabled_query_cannot_be_forced(self):
        previous = self.simulator.schedulers[self.paie_id]["nextExecution"]
        with self.assertRaises(UserError) as caught:
            self.paie.with_user(self.manager).action_force_now()
        self.assertIn("HISTOCUMSAL", str(caught.exception))
        self.assertEqual(self.simulator.schedulers[self.paie_id]["nextExecution"], previous)

    def test_a_copy_of_the_database_changes_nothing_in_cegid(self):
        self.env["ir.config_parameter"].sudo().set_param("database.uuid", "another-database-uuid")
        before = dict(self.simulator.schedulers[self.ecriture_id])
        puts = len(self.simulator.requests_to("query/api/V1/schedulers", "PUT"))
        for action in ("action_force_now", "action_disable"):
            with self.assertRaises(UserError) as caught:
                getattr(self.ecriture.with_user(self.manager), action)()
            self.assertIn("copy", str(caught.exception))
        self.assertEqual(self.simulator.schedulers[self.ecriture_id], before)
        self.assertEqual(len(self.simulator.requests_to("query/api/V1/schedulers", "PUT")), puts)

    def test_force_and_disable_with_a_cleared_secret_say_which_setting_is_missing(self):
        self.env["is.cegid.backend"]._cegid_set_param("api_key_secret", False)  # as "Clear secrets" does
        requests = len(self.simulator.requests)
        for action in ("action_force_now", "action_disable", "action_enable"):
            with self.assertRaises(UserError) as caught:
                getattr(self.ecriture.with_user(self.manager), action)()
            self.assertIn("is missing", str(caught.exception))
            self.assertNotIn("config.missing", str(caught.exception))
        self.assertEqual(len(self.simulator.requests), requests)

    def test_enable_disable(self):
        self.paie.with_user(self.manager).action_enable()
        self.assertIs(self.simulator.schedulers[self.paie_id]["enable"], True)
        self.assertTrue(self.paie.enabled)
        self.ecriture.with_user(self.manager).action_disable()
        self.assertIs(self.simulator.schedulers[self.ecriture_id]["enable"], False)
        self.assertFalse(self.ecriture.enabled)
        self.assertEqual(self.simulator.schedulers[self.ecriture_id]["cron"], "0 2 * * *")
        self.assertIn("Disabled", self.ecriture.message_ids[0].body)

    def test_disabling_several_queries_records_what_cegid_changed_when_one_fails(self):
        analytiq_id = self.simulator.add_scheduler("ANALYTIQ")
        self.env["is.cegid.query"]._sync_from_cegid()
        analytiq = self.queries.search([("scheduler_id", "=", analytiq_id)])
        self.simulator.inject("PUT", "query/api/V1/schedulers", status=400, body={"errorMessage": "Locked"})
        result = (self.ecriture | analytiq).with_user(self.manager).action_disable()
        # the first PUT (ECRITURE's) refused, the second made: Odoo mirrors both and says which failed
        self.assertIs(self.simulator.schedulers[self.ecriture_id]["enable"], True)
        self.assertIs(self.simulator.schedulers[analytiq_id]["enable"], False)
        self.assertTrue(self.ecriture.enabled)
        self.assertFalse(analytiq.enabled)
        self.assertIn("Disabled", analytiq.message_ids[0].body)
        params = result["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Scheduled queries disabled: 1.", params["message"])
        self.assertIn("ECRITURE: ", params["message"])
        self.assertIn("Locked", params["message"])

    def test_a_change_whose_answer_was_lost_has_the_queries_read_again_soon(self):
        """Cegid's answer to a change lost (the connection dropped), the query read again does not show it: Cegid
        may still make it after that read. Said so, not as an error (which would roll back the read asked
        again, two minutes later, by the synchronisation), for a disabling and a force alike."""
        sync = self.env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries")

        def rechecks():
            return self.env["ir.cron.trigger"].search([("cron_id", "=", sync.id),
                                                        ("call_at", ">", fields.Datetime.now())])

        self.simulator.inject("PUT", "query/api/V1/schedulers", drop=True)
        result = self.ecriture.with_user(self.manager).action_disable()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn("Cegid may still make this change", result["params"]["message"])
        self.assertTrue(self.ecriture.enabled, "not shown as made")
        self.assertTrue(rechecks())
        rechecks().unlink()
        self.simulator.inject("PUT", "query/api/V1/schedulers", drop=True)
        result = self.ecriture.with_user(self.manager).action_force_now()
        self.assertIn("Cegid may still make this change", result["params"]["message"])
        self.assertTrue(rechecks())
        # several queries forced, each answer lost: one read again does for them all
        rechecks().unlink()
        analytiq_id = self.simulator.add_scheduler("ANALYTIQ")
        self.env["is.cegid.query"]._sync_from_cegid()
        analytiq = self.queries.search([("scheduler_id", "=", analytiq_id)])
        self.simulator.inject("PUT", "query/api/V1/schedulers", drop=True, times=2)
        result = (self.ecriture | analytiq).with_user(self.manager).action_force_now()
        self.assertEqual(result["params"]["message"].count("Cegid may still make this change"), 2)
        self.assertEqual(len(rechecks()), 1)
        # the synchronisation's scheduled action archived, nothing reads them again: the manager is told to
        rechecks().unlink()
        sync.active = False
        self.simulator.inject("PUT", "query/api/V1/schedulers", drop=True)
        result = self.ecriture.with_user(self.manager).action_disable()
        self.assertIn("press Synchronise in a few minutes", result["params"]["message"])
        sync.active = True
        # a change Cegid refused is refused: no read again
        rechecks().unlink()
        self.simulator.inject("PUT", "query/api/V1/schedulers", status=400, body={"errorMessage": "Locked"})
        with self.assertRaisesRegex(UserError, "Locked"):
            self.ecriture.with_user(self.manager).action_disable()
        self.assertFalse(rechecks())

    def test_disabling_asks_for_confirmation_in_the_list_and_the_form(self):
        views = self.env["is.cegid.query"].with_user(self.manager).get_views([(False, "list"), (False, "form")])
        for view in ("list", "form"):
            arch = etree.fromstring(views["views"][view]["arch"])
            [button] = arch.xpath("//button[@name='action_disable']")
            self.assertIn("Disable them?", button.get("confirm", ""), view)

    def test_access_rights(self):
        with self.assertRaises(AccessError):
            self.ecriture.with_user(self.internal_user).action_force_now()
        with self.assertRaises(AccessError):
            self.ecriture.with_user(self.internal_user).read(["name"])
        self.assertEqual(self.ecriture.with_user(self.cegid_user).read(["name"])[0]["name"], "ECRITURE")
        previous = self.simulator.schedulers[self.ecriture_id]["nextExecution"]
        with self.assertRaises(AccessError):
            self.ecriture.with_user(self.cegid_user).action_force_now()
        with self.assertRaises(AccessError):
            self.ecriture.with_user(self.cegid_user).action_disable()
        with self.assertRaises(AccessError):
            self.queries.with_user(self.cegid_user).action_sync_from_cegid()
        self.assertEqual(self.simulator.schedulers[self.ecriture_id]["nextExecution"], previous)
        self.assertTrue(self.simulator.schedulers[self.ecriture_id]["enable"])

    def test_the_sql_of_a_query_is_the_managers_only(self):
        """A reader of the accounting tables does not read what the payroll queries select in Cegid."""
        with self.assertRaises(AccessError):
            self.ecriture.with_user(self.cegid_user).read(["content"])
        with self.assertRaises(AccessError):
            self.queries.with_user(self.cegid_user).search([("content", "ilike", "ECRITURE")])
        form = self.queries.with_user(self.cegid_user).get_views([(False, "form"), (False, "search")])["views"]
        for view in ("form", "search"):
            self.assertFalse(etree.fromstring(form[view]["arch"]).xpath("//field[@name='content']"), view)
        [manager_read] = self.ecriture.with_user(self.manager).read(["content"])
        self.assertEqual(manager_read["content"], "SELECT * FROM ECRITURE")

    def test_the_mirrored_fields_are_the_synchronisations(self):
        """A manager changes a query in Cegid through the buttons; what Odoo mirrors of it is refused through RPC."""
        values = {"scheduler_id": "other", "name": "PIRATE", "enabled": False, "active": False, "cron": "* * * * *",
                  "next_execution": "2031-01-01 00:00:00", "last_execution": "2030-01-01 00:00:00",
                  "content": "SELECT 1", "last_sync": "2030-01-01 00:00:00"}
        before = self.ecriture.read(list(values))
        manager_env = self.env(user=self.manager, context={})
        for name, value in values.items():
            with self.assertRaises(AccessError, msg=name):
                call_kw(manager_env["is.cegid.query"], "write", [self.ecriture.ids, {name: value}], {})
        with self.assertRaises(AccessError):
            call_kw(manager_env["is.cegid.query"], "create", [{"scheduler_id": "x", "name": "PIRATE"}], {})
        self.env.invalidate_all()
        self.assertEqual(self.ecriture.read(list(values)), before)
        self.assertEqual(self.queries.with_context(active_test=False).search_count([]), 2)
        # the buttons still mirror what Cegid answers
        self.ecriture.with_user(self.manager).action_disable()
        self.assertFalse(self.ecriture.enabled)

    def test_describe_cron(self):
        self.assertEqual(describe_cron("0 2 * * *"), "Every day at 02:00 UTC")
        self.assertEqual(describe_cron("15 * * * *"), "Every hour at minute 15")
        self.assertEqual(describe_cron("0 */4 * * *"), "Every 4 hours at minute 0")
        self.assertEqual(describe_cron("0 */1 * * *"), "Every hour at minute 0")
        self.assertEqual(describe_cron("0 7 1 * *"), "Every month on the 1st at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 1,3"), "Every Monday and Wednesday at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 7"), "Every Sunday at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 2-4"), "Every week from Tuesday to Thursday at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 0-6"), "Every day at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 6,0,1"), "Every week from Saturday to Monday at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 1,3", lang="fr_FR"), "Every lundi et mercredi at 07:00 UTC")
        self.assertEqual(describe_cron("0 7 * * 1,3", lang="xx_YY"), "Every Monday and Wednesday at 07:00 UTC")
        for unusual in ("0 7 * * 5-1", "0 7 * * 1-3-5", "0 7 * * MON,WED", "0 7 0 * *", "0 7 32 * *"):
            self.assertEqual(describe_cron(unusual), unusual)
        self.assertEqual(describe_cron("0 7 * 1 *"), "0 7 * 1 *")
        self.assertEqual(describe_cron("@daily"), "@daily")
        self.assertEqual(describe_cron("0 0 2 * * ?"), "0 0 2 * * ?")

    def test_describe_cron_in_a_time_zone(self):
        winter = datetime.datetime(2026, 12, 5, 12, tzinfo=UTC)
        summer = datetime.datetime(2026, 7, 6, 12, tzinfo=UTC)
        spring_forward = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # Paris goes to summer time at 01:00 UTC

        def paris(expression, now):
            return describe_cron(expression, tz="Europe/Paris", now=now)

        self.assertEqual(paris("0 2 * * *", winter), "Every day at 03:00 (Europe/Paris today; 02:00 UTC)")
        self.assertEqual(paris("0 2 * * *", summer), "Every day at 04:00 (Europe/Paris today; 02:00 UTC)")
        self.assertEqual(paris("0 2 * * *", spring_forward), "Every day at 04:00 (Europe/Paris today; 02:00 UTC)")
        self.assertEqual(paris("30 6 * * 1-5", winter), "Every weekday at 07:30 (Europe/Paris today; 06:30 UTC)")
        self.assertEqual(paris("0 7 1 * *", summer), "Every month on the 1st at 09:00 (Europe/Paris today; 07:00 UTC)")
        self.assertEqual(paris("0 7 * * 1,3", winter),
                         "Every Monday and Wednesday at 08:00 (Europe/Paris today; 07:00 UTC)")
        # every day, the local day does not matter
        self.assertEqual(paris("30 23 * * *", winter), "Every day at 00:30 (Europe/Paris today; 23:30 UTC)")
        # 23:30 UTC on Mondays is Tuesday 00:30 in Paris: the days are Paris's too
        self.assertEqual(paris("30 23 * * 1", winter), "Every Tuesday at 00:30 (Europe/Paris today; 23:30 UTC)")
        self.assertEqual(paris("30 23 * * 1-5", winter),
                         "Every week from Tuesday to Saturday at 00:30 (Europe/Paris today; 23:30 UTC)")
        self.assertEqual(paris("30 23 * * 5,6", winter),
                         "Every Saturday and Sunday at 00:30 (Europe/Paris today; 23:30 UTC)")
        self.assertEqual(paris("30 23 1 * *", winter), "Every month on day 2 at 00:30 (Europe/Paris today; 23:30 UTC)")
        self.assertEqual(paris("30 23 27 * *", winter),
                         "Every month on day 28 at 00:30 (Europe/Paris today; 23:30 UTC)")
        # the 28th's next day is not the 29th in February (nor the 31st's in every month): said in UTC
        self.assertEqual(paris("30 23 28 * *", winter), "Every month on day 28 at 23:30 UTC")
        # cron skips the months without the day: February without a 29th, a month of 30 days without a 31st
        for day in (29, 31):
            self.assertEqual(paris(f"30 23 {day} * *", winter),
                             f"On day {day} of every month that has one, at 23:30 UTC")
        self.assertEqual(paris("0 8 30 * *", winter),
                         "On day 30 of every month that has one, at 09:00 (Europe/Paris today; 08:00 UTC)")
        # 22:30 UTC is 23:30 in Paris in winter (same day), 00:30 the next day in summer
        self.assertEqual(paris("30 22 * * 1", winter), "Every Monday at 23:30 (Europe/Paris today; 22:30 UTC)")
        self.assertEqual(paris("30 22 * * 1", summer), "Every Tuesday at 00:30 (Europe/Paris today; 22:30 UTC)")
        # west of UTC the local day is the day before: the week's end crossed, the 1st's previous day in UTC
        self.assertEqual(describe_cron("0 2 * * 1-5", tz="America/New_York", now=winter),
                         "Every week from Sunday to Thursday at 21:00 (America/New_York today; 02:00 UTC)")
        self.assertEqual(describe_cron("0 2 2 * *", tz="America/Martinique", now=winter),
                         "Every month on the 1st at 22:00 (America/Martinique; 02:00 UTC)")
        self.assertEqual(describe_cron("0 2 1 * *", tz="America/Martinique", now=winter),
                         "Every month on the 1st at 02:00 UTC")
        self.assertEqual(describe_cron("0 21 * * 6", tz="Indian/Reunion", now=winter, lang="fr_FR"),
                         "Every dimanche at 01:00 (Indian/Reunion; 21:00 UTC)")
        # a zone without summer time does not say "today"
        self.assertEqual(describe_cron("0 2 * * *", tz="Asia/Tokyo", now=winter),
                         "Every day at 11:00 (Asia/Tokyo; 02:00 UTC)")
        # a minute past the hour is the same in Paris, not in a zone half an hour off UTC
        self.assertEqual(paris("15 * * * *", winter), "Every hour at minute 15")
        self.assertEqual(paris("0 */4 * * *", winter), "Every 4 hours at minute 0")
        self.assertEqual(describe_cron("15 * * * *", tz="Asia/Kolkata", now=winter), "Every hour at minute 15 UTC")
        self.assertEqual(describe_cron("0 */4 * * *", tz="Asia/Kolkata", now=winter),
                         "Every 4 hours at minute 0 UTC")
        # no zone, UTC or an unknown zone: UTC
        for tz in (None, False, "UTC", "Etc/UTC", "Nowhere/Atlantis"):
            self.assertEqual(describe_cron("0 2 * * *", tz=tz, now=winter), "Every day at 02:00 UTC", tz)
        self.assertEqual(describe_cron("0 7 * 1 *", tz="Europe/Paris", now=winter), "0 7 * 1 *")

    def test_describe_utc_time(self):
        winter = datetime.datetime(2026, 12, 5, 12, tzinfo=UTC)
        summer = datetime.datetime(2026, 7, 6, 12, tzinfo=UTC)
        self.assertEqual(describe_utc_time(2, 0, tz="Europe/Paris", now=winter), "That is 03:00 in Europe/Paris today.")
        self.assertEqual(describe_utc_time(2, 0, tz="Europe/Paris", now=summer), "That is 04:00 in Europe/Paris today.")
        self.assertEqual(describe_utc_time(23, 30, tz="Asia/Tokyo", now=summer), "That is 08:30 in Asia/Tokyo.")
        self.assertEqual(describe_utc_time(2, 0, tz="UTC", now=summer), "")
        self.assertEqual(describe_utc_time(2, 0, now=summer), "")

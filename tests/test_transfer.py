# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The download cron end to end: files, blobs, history, failures, copies of the database."""

import datetime
import json
import logging
import os
import resource
import shutil
import signal
import stat
import tempfile
import threading
import time
from pathlib import Path
from unittest.mock import patch

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.modules.neutralize import get_neutralization_queries
from odoo.tests import tagged
from odoo.tests.common import freeze_time
from odoo.tools import config

from ..cegid_data_access import transfer as core_transfer
from ..cegid_data_access.settings import SECRET_SETTINGS
from ..models import cegid_transfer
from ..models.cegid_backend import advisory_lock_key
from ..models.cron_time import cpu_seconds_used
from ..models.folder_claim import CLAIM_FILE, claim_folder
from .cegid_testkit.azurite import free_port
from .cegid_testkit.samples import export_bytes
from .common import CegidCase


@tagged("post_install", "-at_install")
class TestTransfer(CegidCase):
    def last_transfer(self):
        return self.env["is.cegid.transfer"].search([], limit=1)

    def managers(self):
        """Who an incident is for, read from the group itself: its internal users, no one else."""
        managers = self.env.ref("is_cegid2odoo.group_cegid_manager").users.filtered(lambda user: not user.share)
        self.assertIn(self.manager, managers)
        self.assertNotIn(self.cegid_user, managers)
        return managers

    def download_triggers(self):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.env.ref(
            "is_cegid2odoo.ir_cron_cegid_download").id)])

    def delivered(self, name):
        """The bytes of the file delivered as ``name``, wherever the import moved it (archive/, anomalie/)."""
        found = [path for path in self.folder.rglob("*") if path.name == name or path.name.endswith("_" + name)]
        self.assertEqual(len(found), 1, found)
        return found[0].read_bytes()

    def test_cron_downloads_imports_and_records(self):
        ecriture = export_bytes("ECRITURE", 3)
        absences = export_bytes("ABSENCESALARIE", 2, encoding="cp1252")
        md5s = {"ECRITURE.csv": self.upload("ECRITURE.csv", ecriture),
                "paie/ABSENCESALARIE.csv": self.upload("paie/ABSENCESALARIE.csv", absences)}
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        cron.method_direct_trigger()
        transfer = self.last_transfer()
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (2, 0))
        self.assertEqual(transfer.state, "done", transfer.error)
        self.assertEqual(transfer.trigger, "cron")
        self.assertEqual(transfer.file_count, 2)
        self.assertEqual(transfer.byte_count, len(ecriture) + len(absences))
        self.assertTrue(transfer.end)
        self.assertEqual(self.delivered("ECRITURE.csv"), ecriture)
        self.assertEqual(self.delivered("ABSENCESALARIE.csv"), absences)
        self.assertEqual(self.blob_names(), [])
        lines = {line.blob_name: line for line in transfer.file_ids}
        self.assertEqual(set(lines), set(md5s))
        for name, line in lines.items():
            self.assertEqual(line.state, "done")
            self.assertEqual(line.md5, md5s[name])
        self.assertEqual(lines["paie/ABSENCESALARIE.csv"].local_name, "ABSENCESALARIE.csv")
        # the import follows the download in the same cron run
        imported = self.env["is.cegid.import"].search([("transfer_id", "=", transfer.id)])
        self.assertEqual(imported.mapped("state"), ["done", "done"], imported.mapped("message"))
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), 3)
        self.assertEqual(self.env["is.cegid.absencesalarie"].search_count([]), 2)

    def test_default_import_folder_is_created_under_the_data_dir(self):
        self.save_settings(cegid_import_folder=False)
        self.assertFalse(self.param("import_folder"))
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        transfer = self.env["is.cegid.transfer"]._run("button")
        self.assertEqual(transfer.state, "done", transfer.error)
        folder = Path(config.filestore(self.env.cr.dbname)).parent.parent / "cegid_import" / self.env.cr.dbname
        self.assertTrue((folder / "HISTOCUMSAL.csv").exists())
        self.assertEqual(self.blob_names(), [])
        shutil.rmtree(folder)

    def test_a_folder_another_database_uses_is_refused_everywhere_until_its_claim_is_deleted(self):
        claim = self.folder / ".is_cegid2odoo-database"
        claim.write_text('{"database_uuid": "another-uuid", "database": "prod_autre"}', encoding="utf-8")
        self.addCleanup(claim.unlink, missing_ok=True)
        data = export_bytes("HISTOCUMSAL", 2)
        self.upload("HISTOCUMSAL.csv", data)
        (self.folder / "ECRITURE.csv").write_bytes(export_bytes("ECRITURE", 2))
        transfer = self.env["is.cegid.transfer"]._run("button")
        self.assertEqual((transfer.state, transfer.error_code), ("failed", "run.folder_claimed"))
        self.assertIn(f"The import folder {self.folder} is used by another database, prod_autre", transfer.error)
        self.assertIn(f"delete its file {claim}", transfer.error)
        self.assertEqual(self.blob_names(), ["HISTOCUMSAL.csv"], "the blob stays in Azure")
        self.assertEqual(transfer.activity_ids.user_id, self.managers(), "the managers are told")
        # the import leaves the folder alone, Import now and the settings say why
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import_run", "WARNING") as logged:
            self.assertFalse(self.env["is.cegid.import"]._import_folder().records)
        self.assertIn("used by another database, prod_autre", logged.output[0])
        self.assertTrue((self.folder / "ECRITURE.csv").exists())
        with self.assertRaisesRegex(UserError, "used by another database, prod_autre"):
            self.env["is.cegid.import"].with_user(self.manager).action_import_now()
        self.assertIn("prod_autre", self.env["res.config.settings"].create({}).cegid_folder_warning)
        with self.assertRaisesRegex(UserError, "used by another database, prod_autre"):
            self.save_settings(cegid_history_days=45)
        with self.assertRaisesRegex(UserError, "used by another database, prod_autre"):
            self.confirm_database()
        self.save_other_settings()  # not the Cegid settings' business
        self.assertIn("another-uuid", claim.read_text(encoding="utf-8"), "nothing here replaces the claim")
        # the folder freed, the next run claims it for this database and brings the file
        claim.unlink()
        transfer = self.env["is.cegid.transfer"]._run("button")
        self.assertEqual(transfer.state, "done", transfer.error)
        self.assertEqual(self.delivered("HISTOCUMSAL.csv"), data)
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        self.assertEqual(json.loads(claim.read_text(encoding="utf-8")),
                         {"database_uuid": uuid, "database": self.env.cr.dbname})
        self.assertFalse(self.env["res.config.settings"].create({}).cegid_folder_warning)
        self.save_settings()

    def test_a_claim_the_disk_cuts_short_leaves_nothing_behind(self):
        """The disk fills up while the claim is written: no claim (a cut one would read as another database's), no
        temporary file left for ever; with room again, the claim is made."""
        folder = Path(self.enterContext(tempfile.TemporaryDirectory()))
        limits, handler = resource.getrlimit(resource.RLIMIT_FSIZE), signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8, limits[1]))  # writes past 8 bytes fail, as on a full disk
        try:
            with self.assertRaises(OSError):
                claim_folder(str(folder), "this-uuid", "prod")
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, limits)
            signal.signal(signal.SIGXFSZ, handler)
        self.assertEqual(list(folder.iterdir()), [])
        self.assertIsNone(claim_folder(str(folder), "this-uuid", "prod"))
        self.assertEqual([path.name for path in folder.iterdir()], [CLAIM_FILE])

    def test_databases_claiming_one_folder_at_once_in_one_process_leave_one_owner(self):
        """A threaded server runs the crons of several databases in one process: when two of them claim one folder
        at the same moment, one owns it and every other is refused, by a whole claim (one temporary file per
        process let a thread rewrite the claim another had just linked: two owners, or an unreadable claim)."""
        for _trial in range(30):
            folder = self.enterContext(tempfile.TemporaryDirectory())
            start = threading.Barrier(6)

            def claim(index, found, folder=folder, start=start):
                start.wait()
                found[index] = claim_folder(folder, f"uuid-{index}", f"db{index}")

            found = {}
            threads = [threading.Thread(target=claim, args=(index, found)) for index in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            [owner] = [index for index, other in found.items() if other is None]
            self.assertEqual(set(found.values()) - {None}, {(f"uuid-{owner}", f"db{owner}")})
            self.assertEqual(os.listdir(folder), [CLAIM_FILE], "no temporary file left")
            # as readable as any file Odoo creates there (an Odoo whose user changed, on a new machine, reads it)
            with open(os.path.join(folder, "other"), "w", encoding="utf-8"):
                pass
            self.assertEqual(*(stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
                               for name in (CLAIM_FILE, "other")))

    def test_a_file_line_reads_in_the_readers_language(self):
        """Stored as a code and parameters, a file's message is rendered when read: French for a French user."""
        self.upload("exports/.hidden.csv", b"secret;stuff\n")
        transfer = self.env["is.cegid.transfer"]._run("button")
        line = transfer.file_ids
        self.assertEqual((line.state, line.message_code), ("refused", "file.name_refused"))
        self.assertEqual(line.message_params, {"reason_code": "name.hidden"})
        self.assertEqual(line.message, "Name refused: hidden name (starts with “.”); left in Azure.")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        french = line.with_context(lang="fr_FR")
        self.assertEqual(french.message, "Nom refusé : nom caché (commence par « . ») ; laissé dans Azure.")
        self.assertIn("exports/.hidden.csv : Nom refusé", french.transfer_id.error)

    def test_hostile_name_is_refused_and_stays(self):
        self.upload("ECRITURE.csv", b"x;y\n")
        self.upload("exports/.hidden.csv", b"secret;stuff\n")
        transfer = self.env["is.cegid.transfer"]._run("button")
        self.assertEqual(transfer.state, "partial")
        self.assertEqual(transfer.trigger, "button")
        refused = transfer.file_ids.filtered(lambda line: line.state == "refused")
        self.assertEqual(refused.blob_name, "exports/.hidden.csv")
        self.assertIn("exports/.hidden.csv", transfer.error)
        self.assertEqual(self.blob_names(), ["exports/.hidden.csv"])
        self.assertEqual(self.delivered("ECRITURE.csv"), b"x;y\n")
        # each manager gets one activity for the incident
        activities = transfer.activity_ids
        self.assertEqual(activities.user_id, self.managers())
        self.assertEqual(len(activities), len(self.managers()))
        # read by every reader of the run: it names no file (each is its data group's); the run shows them
        self.assertIn("Some files could not be downloaded", str(activities[0].note))
        self.assertNotIn("hidden", str(activities[0].note))
        # the next run meets the same problem and brings nothing: counted on the first record, no new incident
        again = self.env["is.cegid.transfer"]._run()
        self.assertEqual(again, transfer)
        self.assertEqual(transfer.repeat_count, 1)
        self.assertEqual(self.env["is.cegid.transfer"].search_count([]), 1)
        self.assertEqual(len(transfer.activity_ids), len(activities))
        # once the blob is gone and a run works again, the incident is closed
        self.container.delete_blob("exports/.hidden.csv")
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        fixed = self.env["is.cegid.transfer"]._run()
        self.assertEqual(fixed.state, "done")
        self.assertFalse(transfer.activity_ids)
        self.assertTrue(transfer.message_ids.filtered(lambda message: "Resolved" in str(message.body)))

    def test_a_run_that_finds_nothing_leaves_no_record_and_no_message(self):
        messages = self.env["mail.message"].search_count([("model", "=", "is.cegid.transfer")])
        self.assertFalse(self.env["is.cegid.transfer"]._run())
        self.assertFalse(self.env["is.cegid.transfer"].search([]))
        self.assertEqual(self.env["mail.message"].search_count([("model", "=", "is.cegid.transfer")]), messages)
        self.assertTrue(self.param("last_check"))
        values = self.env["res.config.settings"].default_get(["cegid_last_check"])
        self.assertEqual(fields.Datetime.to_string(values["cegid_last_check"]), self.param("last_check"))

    def test_a_run_that_works_and_finds_nothing_closes_the_incident(self):
        """Exports are rare: the run after the credentials were mended brings nothing, and works."""
        self.save_settings(cegid_api_key_secret="not-the-secret")
        failed = self.env["is.cegid.transfer"]._run()
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.activity_ids.user_id, self.managers())
        self.save_settings()
        self.assertFalse(self.env["is.cegid.transfer"]._run())
        self.assertEqual(self.env["is.cegid.transfer"].search([]), failed, "still no record of its own")
        self.assertFalse(failed.activity_ids)
        self.assertTrue(failed.message_ids.filtered(lambda message: "Resolved" in str(message.body)))

    def test_a_routine_run_posts_no_message(self):
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        transfer = self.env["is.cegid.transfer"]._run()
        self.assertEqual(transfer.state, "done")
        self.assertFalse(transfer.message_ids)
        self.assertFalse(transfer.activity_ids)

    def test_the_same_failure_every_hour_is_one_record_and_one_incident(self):
        self.save_settings(cegid_api_key_secret="not-the-secret")
        first = self.env["is.cegid.transfer"]._run()
        for _hour in range(3):
            self.assertEqual(self.env["is.cegid.transfer"]._run(), first)
        self.assertEqual((first.state, first.repeat_count), ("failed", 3))
        self.assertEqual(first.activity_ids.user_id, self.managers())
        self.assertEqual(len(first.activity_ids), len(self.managers()))
        # another failure is another incident
        self.save_settings(cegid_api_base_url="http://127.0.0.1:9/nothing-listens-here")
        other = self.env["is.cegid.transfer"]._run()
        self.assertNotEqual(other, first)
        self.assertTrue(other.activity_ids)

    def test_a_french_manager_reads_the_incident_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.manager.lang = "fr_FR"
        self.save_settings(cegid_api_key_secret="not-the-secret")
        transfer = self.env["is.cegid.transfer"]._run()
        activity = transfer.activity_ids.filtered(lambda activity: activity.user_id == self.manager)
        self.assertIn("Téléchargement Cegid", activity.summary)
        self.assertIn("L’API Cegid a refusé la demande de jeton (HTTP 401)", str(activity.note))
        self.assertIn("The Cegid API refused the token request", transfer.with_context(lang="en_US").error)
        self.assertIn("L’API Cegid a refusé", transfer.with_context(lang="fr_FR").error)

    def test_a_run_is_named_by_its_start_in_the_readers_language_and_time_zone(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        transfer = self.env["is.cegid.transfer"].create({"start": "2026-01-02 03:04:05"})
        self.assertIn("2 janv. 2026", transfer.with_context(lang="fr_FR", tz="Europe/Paris").display_name)
        self.assertIn("04:04:05", transfer.with_context(lang="fr_FR", tz="Europe/Paris").display_name)
        self.assertIn("Jan 2, 2026", transfer.with_context(lang="en_US", tz="UTC").display_name)

    def test_a_run_cut_by_the_cron_time_limit_is_continued_at_once(self):
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        # a limit that leaves no time at all: the run starts no file, and says so
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 2}):
            self.env["is.cegid.transfer"]._cron_download()
        transfer = self.last_transfer()
        self.assertEqual(transfer.state, "continued", transfer.error)
        self.assertEqual(transfer.file_ids.mapped("state"), ["continued"])
        self.assertIn("time limit", transfer.error)
        self.assertEqual(self.blob_names(), ["HISTOCUMSAL.csv"])
        self.assertFalse(transfer.activity_ids, "a continued run is not an incident")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the next run comes at once")
        # without a limit, the next run brings it
        self.env["is.cegid.transfer"]._cron_download()
        self.assertEqual(self.last_transfer().state, "done")
        self.assertEqual(self.blob_names(), [])

    def test_a_hand_over_in_the_second_its_job_was_taken_outlives_the_jobs_end(self):
        """Once a job is done, Odoo deletes its triggers dated before the moment it took the job (the now() of the
        transaction that holds it); a trigger's time is kept to the second: one made in that very second went too,
        and the run handed over waited for the next hourly one."""
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        self.env.cr.execute("SELECT now() AT TIME ZONE 'UTC'")
        taken = self.env.cr.fetchone()[0]  # this transaction's now(), as Odoo's job cursor has it
        with freeze_time(taken):  # the hand-over in the same second, after it
            self.env["is.cegid.backend"]._cegid_hand_over(cron)
        self.env.flush_all()
        self.env["ir.cron"]._reschedule_later({"id": cron.id, "cron_name": cron.name, "nextcall": cron.nextcall,
                                               "interval_type": cron.interval_type,
                                               "interval_number": cron.interval_number})
        self.env["ir.cron.trigger"].invalidate_model()
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the next run comes still")

    def test_a_run_that_fails_midway_leaves_no_work_for_odoo_to_run_again_in_the_same_turn(self):
        """A job that reports files left is run again at once by Odoo, up to ten times in one turn of the worker,
        which Odoo's time limit counts as one: a run that ended on a failure says nothing is left."""
        for name in ("ECRITURE.csv", "ANALYTIQ.csv", "HISTOCUMSAL.csv"):
            self.upload(name, b"x;y\n")
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        progress = self.env["ir.cron.progress"].create({"cron_id": cron.id, "done": 0, "remaining": 0})
        Reporter = cegid_transfer.OdooTransferReporter
        file_done = Reporter.on_file_done

        def failed_after_the_first(reporter, outcome):
            file_done(reporter, outcome)
            self.assertEqual((progress.done, progress.remaining), (1, 2), "told of the files left")
            raise RuntimeError("the run fails midway")

        with patch.object(Reporter, "on_file_done", failed_after_the_first), \
                self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_transfer", "ERROR"):
            self.env["is.cegid.transfer"].with_context(ir_cron_progress_id=progress.id)._cron_download()
        self.assertEqual(self.last_transfer().state, "failed")
        self.assertEqual((progress.done, progress.remaining), (1, 0))

    def killed_in_download(self, options):
        """A download run as a cron worker under Odoo's config ``options`` that Odoo kills once it listed the blobs."""
        Reporter = cegid_transfer.OdooTransferReporter
        listed = Reporter.on_listing

        def listed_then_killed(reporter, blobs):
            listed(reporter, blobs)
            raise SystemExit

        with patch.dict(config.options, options), patch.object(Reporter, "on_listing", listed_then_killed):
            try:  # not assertRaises: it would roll back what the dead worker left
                self.env["is.cegid.transfer"]._run()
            except SystemExit:
                return self.last_transfer()
        self.fail("the worker was not killed in the download")

    def test_a_download_killed_midway_is_told_to_the_managers_and_goes_on(self):
        workers = {"workers": 2, "limit_time_real_cron": 80}
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        killed = self.killed_in_download(workers)
        self.assertEqual(killed.state, "running", "the worker died with the run under way")
        self.assertEqual(self.blob_names(), ["HISTOCUMSAL.csv"])
        self.container.delete_blob("HISTOCUMSAL.csv")  # meanwhile the script took it: the next run finds nothing
        with patch.dict(config.options, workers):
            self.env["is.cegid.transfer"]._run()
        self.assertEqual((killed.state, killed.error_code, killed.error_params),
                         ("failed", "run.cut_by_time_limit", {"limit": 80}))
        self.assertIn("Stopped by Odoo's time limit for scheduled actions (80 s)", killed.error)
        self.assertEqual(killed.activity_ids.user_id, self.managers())
        # a run that brings a file resolves the incident
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        self.env["is.cegid.transfer"]._run()
        self.assertEqual(self.last_transfer().state, "done")
        self.assertNotEqual(self.last_transfer(), killed)
        self.assertEqual(self.blob_names(), [])
        self.assertTrue(self.delivered("HISTOCUMSAL.csv"))
        self.assertFalse(killed.activity_ids)
        # a threaded server stopped in a run: said so
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n1;C;2\n")
        stopped = self.killed_in_download({"workers": 0})
        self.env["is.cegid.transfer"]._run()
        self.assertEqual((stopped.state, stopped.error_code), ("failed", "run.interrupted"))
        self.assertIn("the server stopped", stopped.error)

    def test_a_run_counts_its_time_from_the_cron_workers_heartbeat(self):
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            # woken by the schedule or a trigger, a run cannot tell when the worker last told Odoo it was alive:
            # it assumes the worker slept its longest (70 s), which leaves too little: it only lists, and hands over
            self.env["is.cegid.transfer"]._cron_download()
            self.assertEqual(self.last_transfer().state, "continued")
            self.assertEqual(self.blob_names(), ["HISTOCUMSAL.csv"])
            self.assertGreater(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), triggers)
            # its continuation, in the same worker's next turn (right after its heartbeat), has the whole limit
            self.env["is.cegid.transfer"]._cron_download()
            self.assertEqual(self.last_transfer().state, "done")
            self.assertEqual(self.blob_names(), [])
            # a worker that did not hand over (another one, or a new one) cannot count on it
            self.env["ir.config_parameter"].sudo().set_param(f"is_cegid2odoo.handover.{cron.id}", "1 9999999999")
            self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
            self.env["is.cegid.transfer"]._cron_download()
            self.assertEqual(self.last_transfer().state, "continued")
        # under Odoo's default limit (120 s), even the worst case leaves time to download a small file
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": -1, "limit_time_real": 120}):
            self.env["is.cegid.transfer"]._cron_download()
        self.assertEqual(self.last_transfer().state, "done")
        self.assertEqual(self.blob_names(), [])

    def test_a_run_left_no_time_whose_azure_refuses_hands_over(self):
        """A run with no time left only lists, within a short grace: Azure refusing then says nothing yet (a second
        attempt does not fit). It hands over, records no failure; the run of the new turn tells Azure's failure, as
        the manager's run they asked for (recorded as the schedule's, the request taken by the cut run)."""
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        records = self.env["is.cegid.transfer"].search([])
        self.addCleanup(setattr, self.simulator, "blob_service_url", self.simulator.blob_service_url)
        self.simulator.blob_service_url = f"http://127.0.0.1:{free_port()}/devstoreaccount1/"  # nothing listens
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            self.env["is.cegid.transfer"]._cron_download()  # the worst case assumed: no time left
            self.assertEqual(self.env["is.cegid.transfer"].search([]), records, "nothing to record yet")
            self.assertGreater(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), triggers)
            self.env["is.cegid.transfer"]._cron_download()  # the new turn, right after its heartbeat
        self.assertEqual((self.last_transfer().state, self.last_transfer().error_code, self.last_transfer().trigger),
                         ("failed", "azure.unreachable", "button"))
        self.assertEqual(self.blob_names(), ["HISTOCUMSAL.csv"])

    def test_a_forced_follow_up_left_no_time_stays_one(self):
        """The follow-up of a forced query, met by a run with no time left that Azure refuses: the run of the new turn
        is the follow-up (then the queries are read again), not the schedule's."""
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        self.env["is.cegid.transfer"]._add_followup(fields.Datetime.now() - datetime.timedelta(minutes=1))
        records = self.env["is.cegid.transfer"].search([])
        self.addCleanup(setattr, self.simulator, "blob_service_url", self.simulator.blob_service_url)
        self.simulator.blob_service_url = f"http://127.0.0.1:{free_port()}/devstoreaccount1/"  # nothing listens
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            self.env["is.cegid.transfer"]._cron_download()
            self.assertEqual(self.env["is.cegid.transfer"].search([]), records, "nothing to record yet")
            self.env["is.cegid.transfer"]._cron_download()
        self.assertEqual((self.last_transfer().error_code, self.last_transfer().trigger),
                         ("azure.unreachable", "followup"))

    def test_the_import_due_with_the_download_counts_its_time_from_the_worst_case(self):
        """The two hourly crons come due together: the import runs right after the download, in the same turn of
        the cron worker, with no heartbeat between them; the download's hand-over tells it nothing. (In a worker,
        which Odoo gives a CPU limit, it counts from where the download counted, earlier still: see test_settings.)"""
        self.drop("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 2))
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            # woken by the schedule: no time left to import, the download hands over
            self.env["is.cegid.transfer"]._cron_download()
            self.assertFalse(self.env["is.cegid.import"].search([]))
            # the import cron in the same turn: Odoo kills the worker 80 s after the heartbeat before the download
            self.env["is.cegid.import"]._cron_import()
            self.assertFalse(self.env["is.cegid.import"].search([]), "no file started past the worst case")
            self.assertTrue((self.folder / "HISTOCUMSAL.csv").exists())
            # its own continuation, in the worker's next turn, right after its heartbeat, has the time
            self.env["is.cegid.import"]._cron_import()
        self.assertEqual(self.env["is.cegid.import"].search([]).mapped("state"), ["done"])

    def test_the_import_due_with_the_download_in_a_worker_counts_from_the_downloads_heartbeat(self):
        """In a cron worker (a CPU limit, which Odoo sets anew before each heartbeat), the import run right after
        the download in the same turn counts from the heartbeat the download counted from: under a 108 s limit a run
        has 11 s of work at worst, the import, 1.5 s after the download began, less than the 10 s a file needs.
        The import cron's own continuation, in the worker's next turn (a new CPU limit), imports it."""
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_CPU, (soft, hard))

        def new_turn(number):
            """What Odoo's cron worker does before each heartbeat: its CPU limit, the CPU used plus limit_time_cpu."""
            resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds_used()) + 100_000 + number, hard))

        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 108}):
            new_turn(1)
            self.env["is.cegid.transfer"]._cron_download()
            time.sleep(1.5)
            self.drop("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 2))
            self.env["is.cegid.import"]._cron_import()
            self.assertFalse(self.env["is.cegid.import"].search([]), "the turn's time was the download's too")
            self.assertTrue((self.folder / "HISTOCUMSAL.csv").exists())
            new_turn(2)
            self.env["is.cegid.import"]._cron_import()
        self.assertEqual(self.env["is.cegid.import"].search([]).mapped("state"), ["done"])

    def test_a_download_now_request_survives_a_run_skipped_by_the_lock(self):
        transfers = self.env["is.cegid.transfer"]
        transfers.with_user(self.manager).action_download_now()
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key("transfer"),))
            self.assertFalse(transfers._cron_download())
        self.assertTrue(self.param("manual_request"), "the request waits for the next run")
        self.upload("HISTOCUMSAL.csv", b"PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n")
        transfers._cron_download()
        self.assertEqual(self.last_transfer().trigger, "button")
        self.assertFalse(self.param("manual_request"))

    def test_files_a_run_brings_while_another_import_runs_are_imported_after_it(self):
        """The download's import meets another import (it read the folder before): the import cron takes the files."""
        self.upload("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 2))
        before = self.triggers()
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key("import"),))
            self.env["is.cegid.transfer"]._cron_download()
        self.assertEqual(self.last_transfer().state, "done")
        self.assertFalse(self.env["is.cegid.import"].search([]))
        # not the next hourly run: the import cron runs again in a while
        [retry] = self.triggers() - before
        self.assertGreater(retry.call_at, fields.Datetime.now())
        self.run_import_cron()
        self.assertEqual(self.env["is.cegid.import"].search([]).mapped("state"), ["done"])
        self.assertEqual(self.env["is.cegid.histocumsal"].search_count([]), 2)

    def test_bad_credentials_recorded_as_failed(self):
        self.save_settings(cegid_api_key_secret="not-the-secret")
        self.upload("ECRITURE.csv", b"x;y\n")
        transfer = self.env["is.cegid.transfer"]._run()
        self.assertEqual(transfer.state, "failed")
        self.assertTrue(transfer.error)
        self.assertNotIn("not-the-secret", transfer.error)
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"])
        values = self.env["res.config.settings"].default_get(["cegid_last_transfer_id", "cegid_last_transfer_state"])
        self.assertEqual(values["cegid_last_transfer_id"], transfer.id)

    def test_copy_of_the_database_refuses_to_download(self):
        self.upload("ECRITURE.csv", b"x;y\n")
        self.env["ir.config_parameter"].sudo().set_param("database.uuid", "another-database-uuid")
        with self.assertRaisesRegex(UserError, "looks like a copy"):
            self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        self.assertFalse(self.triggers("ir_cron_cegid_download"))
        transfer = self.env["is.cegid.transfer"]._run()
        self.assertEqual(transfer.state, "failed")
        self.assertIn("copy", transfer.error)
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"])
        # a save for another application (Odoo runs every application's set_values) confirms nothing
        self.save_other_settings()
        self.assertEqual(self.env["is.cegid.transfer"]._run().error_code, "run.database_copy")
        self.assertFalse(self.env["res.config.settings"].create({}).cegid_database_confirmed)
        self.confirm_database()  # an administrator confirms the settings on this database
        self.assertEqual(self.env["is.cegid.transfer"]._run().state, "done")
        self.assertEqual(self.blob_names(), [])

    def test_a_copy_made_outside_odoo_keeps_the_uuid_and_is_refused_still(self):
        """pg_dump and pg_restore, or createdb -T, keep database.uuid: the copy would download production's exports
        and delete them from Azure, and share its folder. It differs by its name, confirmed with the settings."""
        self.save_settings()
        self.assertEqual(self.param("database_name"), self.env.cr.dbname)
        self.upload("ECRITURE.csv", b"x;y\n")
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        # this database seen as the copy of "prod_cegid": the settings and the folder's claim are that one's
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.database_name", "prod_cegid")
        claim = self.folder / ".is_cegid2odoo-database"
        claim.write_text(json.dumps({"database_uuid": uuid, "database": "prod_cegid"}), encoding="utf-8")
        self.addCleanup(claim.unlink, missing_ok=True)
        with self.assertRaisesRegex(UserError, "looks like a copy"):
            self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        transfer = self.env["is.cegid.transfer"]._run()
        self.assertEqual(transfer.state, "failed")
        self.assertIn("copy", transfer.error)
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"])
        # its administrator confirming the settings there is refused the production's folder
        with self.assertRaisesRegex(UserError, "used by another database, prod_cegid"):
            self.confirm_database()
        claim.unlink()
        self.confirm_database()
        self.assertEqual(self.env["is.cegid.transfer"]._run().state, "done")
        self.assertEqual(self.blob_names(), [])

    def test_a_button_whose_scheduled_action_is_archived_says_so_instead_of_promising(self):
        """Odoo drops the triggers of an archived scheduled action (an administrator's choice, or Odoo's after
        repeated failures): Download now, Import now and Force now would promise what never runs."""
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").active = False
        archived = r"The scheduled action “Cegid: download exports” is archived: it cannot do what you ask now"
        with self.assertRaisesRegex(UserError, archived):
            self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        self.assertFalse(self.triggers("ir_cron_cegid_download"))
        self.env.ref("is_cegid2odoo.ir_cron_cegid_import").active = False
        with self.assertRaisesRegex(UserError, "“Cegid: import downloaded exports” is archived"):
            self.env["is.cegid.import"].with_user(self.manager).action_import_now()
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").active = True
        self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        self.assertTrue(self.triggers("ir_cron_cegid_download"))

    def test_neutralisation(self):
        self.upload("ECRITURE.csv", b"x;y\n")
        for query in get_neutralization_queries(["is_cegid2odoo"]):
            self.env.cr.execute(query)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertFalse(self.env.ref("is_cegid2odoo.ir_cron_cegid_download").active)
        self.assertFalse(self.env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries").active)
        # every secret the settings declare (data/neutralize.sql is SQL: it names them again, and this checks it)
        for name in (*SECRET_SETTINGS, "api_key_id"):
            self.assertFalse(self.param(name), name)
        transfer = self.env["is.cegid.transfer"]._run()
        self.assertEqual(transfer.state, "failed")
        self.assertIn("copy", transfer.error)
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"])

    def test_one_run_at_a_time(self):
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key("transfer"),))
            self.upload("ECRITURE.csv", b"x;y\n")
            self.assertFalse(self.env["is.cegid.transfer"]._run())
        self.assertEqual(self.blob_names(), ["ECRITURE.csv"])
        self.assertFalse(self.env["is.cegid.transfer"].search([]))

    def test_followup_and_manual_triggers(self):
        transfers = self.env["is.cegid.transfer"]
        past = fields.Datetime.now() - datetime.timedelta(minutes=1)
        future = fields.Datetime.now() + datetime.timedelta(hours=1)
        transfers._add_followup(past)
        transfers._add_followup(future)
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_download")
        self.env["ir.cron.trigger"].create({"cron_id": cron.id, "call_at": past})  # a trigger, not a follow-up
        self.assertEqual(transfers._pop_trigger(), "followup")
        self.assertEqual(transfers._pop_trigger(), "cron", "the future follow-up is not due yet")
        pending = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id), ("cegid_followup", "=", True)])
        self.assertEqual(pending.mapped("call_at"), [future])
        transfers.with_user(self.manager).action_download_now()
        self.assertEqual(transfers._pop_trigger(), "button")
        # both at once: the run serves the manager's request and the follow-up, whose queries are read again after it
        transfers._add_followup(past)
        transfers.with_user(self.manager).action_download_now()
        self.assertEqual(transfers._pop_trigger(), "followup")
        self.assertEqual(transfers._pop_trigger(), "cron")

    def test_old_history_is_purged(self):
        transfers = self.env["is.cegid.transfer"]
        long_ago = fields.Datetime.now() - datetime.timedelta(days=40)
        old = transfers.create({"state": "done", "start": long_ago})
        old_file = self.env["is.cegid.transfer.file"].create({"transfer_id": old.id, "blob_name": "ECRITURE.csv",
                                                              "state": "done"})
        # a run still under way (its worker may be alive) is not history yet, however old its start
        running = transfers.create({"state": "running", "start": long_ago})
        recent = transfers.create({"state": "done", "start": fields.Datetime.now() - datetime.timedelta(days=5)})
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.history_days", "30")
        self.assertEqual(transfers._purge_history(), 1)
        self.assertFalse(old.exists())
        self.assertFalse(old_file.exists(), "a run's files go with it")
        self.assertTrue(running.exists())
        self.assertTrue(recent.exists())

    def crashes_logged(self, error, message, arg):
        """(module, the line written) of a RuntimeError(``error``) logged with its traceback by the addon's and the
        core's loggers, ``message % arg`` as their message."""
        for module in (cegid_transfer, core_transfer):
            with self.assertLogs(module._logger.name, "ERROR") as logs:
                try:
                    raise RuntimeError(error)
                except RuntimeError:
                    module._logger.exception(message, arg)
            yield module, logging.Formatter().format(logs.records[0])

    def test_an_unexpected_errors_traceback_is_logged_without_its_sas_signature(self):
        """What the download logs of a crash (the addon's and the core's loggers) shows no SAS signature."""
        url = "https://cegid.blob.core.windows.net/exports/ECRITURE.csv?sv=2022-11-02&sig=T0pS3cretSignature%3D"
        for module, written in self.crashes_logged(f"GET {url} failed", "unexpected error on %s", url):
            self.assertIn("RuntimeError: GET https://cegid.blob.core.windows.net/exports/ECRITURE.csv", written)
            self.assertIn("sig=***", written)
            self.assertNotIn("T0pS3cret", written, module.__name__)

    def test_a_crash_logged_by_the_addon_shows_none_of_the_secrets_of_the_settings(self):
        """A traceback quoting the API key's secret or the subscription key, by mistake: Odoo's log masks both."""
        creds = self.simulator.credentials
        secret, key = creds["api_key_secret"], creds["subscription_key"]
        self.env["is.cegid.transfer"]._run()  # a run reads the settings, as every one does
        for module, written in self.crashes_logged(f"header refused: {secret!r}", "unexpected error with key %s", key):
            self.assertIn("RuntimeError: header refused: '***'", written)
            self.assertIn("unexpected error with key ***", written)
            self.assertNotIn(secret, written, module.__name__)
            self.assertNotIn(key, written, module.__name__)

    def test_a_manager_who_is_no_administrator_finds_download_now_in_the_downloads(self):
        """The settings, where an administrator finds the button, are not a manager's; the Downloads list is."""
        self.assertFalse(self.manager.has_group("base.group_system"))
        for user, shown in ((self.manager, True), (self.cegid_user, False)):
            arch = self.env["is.cegid.transfer"].with_user(user).get_views([(False, "list")])["views"]["list"]["arch"]
            buttons = etree.fromstring(arch).xpath("//header/button[@name='action_download_now']")
            self.assertEqual(bool(buttons), shown, user.login)

    def test_download_now_needs_a_manager(self):
        before = self.download_triggers()
        with self.assertRaises(AccessError):
            self.env["is.cegid.transfer"].with_user(self.cegid_user).action_download_now()
        self.assertEqual((self.download_triggers(), self.param("manual_request")), (before, False))
        self.env["is.cegid.transfer"].with_user(self.manager).action_download_now()
        # the request asks the cron for a run now, recorded as the button's; nothing downloads in the request
        self.assertEqual(len(self.download_triggers() - before), 1)
        self.assertLessEqual((self.download_triggers() - before).call_at, fields.Datetime.now())
        self.assertTrue(self.param("manual_request"))
        self.assertFalse(self.env["is.cegid.transfer"].search([]))

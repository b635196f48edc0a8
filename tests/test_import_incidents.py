# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A rejected or failed import reaches the Cegid managers: one activity per incident, closed once it imports."""

import time
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config

from .cegid_testkit.samples import export_bytes
from .common import CegidCase

WORKERS = {"workers": 2, "limit_time_real_cron": 80}
BAD_ECRITURE = (
    "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE\n"
    "2025-01-01;R1;Libellé;411000;1,2,3;0;C1;\n"
)


@tagged("post_install", "-at_install")
class TestImportIncidents(CegidCase):
    def managers(self):
        """Who an incident is for, read from the group itself: its internal users, no one else."""
        managers = self.env.ref("is_cegid2odoo.group_cegid_manager").users.filtered(lambda user: not user.share)
        self.assertIn(self.manager, managers)
        self.assertNotIn(self.cegid_user, managers)
        return managers

    def import_one(self, name, data):
        """Drop one export and import it: its record."""
        self.drop(name, data)
        [record] = self.run_import()
        return record

    def drop_unreadable(self, name):
        """A file the import cannot read (the disk answers an I/O error): it fails and stays in the folder."""
        (self.folder / name).symlink_to("/proc/self/mem")

    def test_a_rejected_import_opens_one_incident_until_a_file_imports(self):
        rejected = self.import_one("ECRITURE.csv", BAD_ECRITURE)
        self.assertEqual(rejected.state, "rejected")
        activities = rejected.activity_ids
        self.assertEqual(activities.user_id, self.managers())
        self.assertEqual(len(activities), len(self.managers()))
        self.assertIn("ECRITURE.csv", activities[0].summary)
        self.assertIn("Line 2, column E_DEBIT: not a number", str(activities[0].note))
        # the next night's file is rejected the same way: a record of its own, not another incident
        again = self.import_one("ECRITURE.csv", BAD_ECRITURE)
        self.assertNotEqual(again, rejected)
        self.assertFalse(again.activity_ids)
        self.assertEqual(len(rejected.activity_ids), len(activities))
        # a file of another export that imports closes nothing
        self.drop("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 1))
        self.run_import()
        self.assertEqual(len(rejected.activity_ids), len(activities))
        # an ECRITURE that imports does
        fixed = self.import_one("ECRITURE.csv", export_bytes("ECRITURE", 2))
        self.assertEqual(fixed.state, "done")
        self.assertFalse(rejected.activity_ids)
        self.assertTrue(rejected.message_ids.filtered(lambda message: "Resolved" in str(message.body)))
        self.assertFalse(fixed.activity_ids)
        self.assertFalse(fixed.message_ids, "a routine import posts no message")

    def test_a_file_that_fails_every_hour_is_one_record_and_one_incident(self):
        self.drop_unreadable("ANALYTIQ.csv")
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
            [failed] = self.run_import()
        self.assertEqual(failed.state, "failed")
        self.assertIn("Input/output error", failed.message)
        for hour in range(1, 4):
            with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
                self.assertEqual(self.run_import(), failed)
            self.assertEqual(failed.repeat_count, hour)
        self.assertEqual(self.env["is.cegid.import"].search_count([("name", "=", "ANALYTIQ.csv")]), 1)
        self.assertEqual(len(failed.activity_ids), len(self.managers()))
        self.assertTrue((self.folder / "ANALYTIQ.csv").is_symlink(), "a failed file stays where it is")
        # the file readable again: imported, the incident closed
        (self.folder / "ANALYTIQ.csv").unlink()
        self.drop("ANALYTIQ.csv", export_bytes("ANALYTIQ", 1))
        [done] = self.run_import()
        self.assertEqual(done.state, "done")
        self.assertFalse(failed.activity_ids)

    def test_a_french_manager_reads_the_import_incident_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.manager.lang = "fr_FR"
        rejected = self.import_one("ECRITURE.csv", BAD_ECRITURE)
        mine = rejected.activity_ids.filtered(lambda activity: activity.user_id == self.manager)
        self.assertEqual(mine.summary, "Import Cegid de ECRITURE.csv : Rejeté")
        self.assertIn("Ligne 2, colonne E_DEBIT : pas un nombre", str(mine.note))
        # the English managers read it in English
        other = (rejected.activity_ids - mine).filtered(lambda activity: (activity.user_id.lang or "en_US") == "en_US")
        self.assertTrue(other)
        self.assertEqual(other[0].summary, "Cegid import of ECRITURE.csv: Rejected")
        # the record's message too, for whoever reads it
        self.assertIn("pas un nombre", rejected.with_context(lang=self.manager.lang).message)

    def test_an_import_cut_once_is_tried_again_by_the_next_run(self):
        """Killed once (Odoo's watchdog, or the server stopped: the next run cannot tell): imported once more."""
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", 2))
        self.killed_in_load(self.run_import, WORKERS)
        [left] = self.env["is.cegid.import"].search([])
        with patch.dict(config.options, WORKERS):
            outcome = self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60)
        done = outcome.records - left
        self.assertEqual((left.state, left.message_code, left.message_params),
                         ("failed", "import.cut_retried", {"limit": 80}))
        self.assertIn("The next import run tries the file once more", left.message)
        self.assertEqual((done.state, done.row_count), ("done", 2))
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), 2)
        self.assertFalse(left.activity_ids)
        self.assertNotIn("Resolved", str(left.message_ids.mapped("body")), "no incident opened, none closed")

    def test_an_import_cut_by_the_time_limit_is_said_and_not_retried_to_death(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", 2))
        self.killed_in_load(self.run_import, WORKERS)  # Odoo kills the cron worker in the middle of the load
        [first] = self.env["is.cegid.import"].search([])
        self.assertEqual(first.state, "running", "the worker died with the import under way")
        # the next run says so, tries the file once more, and is killed again
        self.killed_in_load(lambda: self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60),
                            WORKERS)
        self.assertEqual((first.message_code, first.message_params), ("import.cut_retried", {"limit": 80}))
        self.assertFalse(first.activity_ids, "no incident for a file tried again at once")
        left = self.env["is.cegid.import"].search([]) - first
        self.assertEqual(left.state, "running")
        # the next scheduled run, with the same limit: says so, tells the managers, leaves the file
        with patch.dict(config.options, WORKERS):
            outcome = self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60)
            self.assertEqual(outcome.records, left)
            self.assertEqual((left.state, left.message_code, left.message_params),
                             ("failed", "import.cut_twice", {"limit": 80}))
            self.assertIn("Interrupted twice in a row before it finished, by Odoo's time limit for scheduled actions "
                          "(80 s)", left.message)
            self.assertEqual(len(left.activity_ids), len(self.managers()))
            self.assertFalse(self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60).records)
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), 0)
        self.assertTrue((self.folder / "ECRITURE.csv").exists())
        # a higher limit: the schedule imports it again
        with patch.dict(config.options, dict(WORKERS, limit_time_real_cron=600)):
            [done] = self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60).records
        self.assertEqual(done.state, "done")
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), 2)
        self.assertFalse(left.activity_ids)

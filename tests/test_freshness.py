# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How fresh a data table is: the export its rows come from, flagged when Cegid ran the query again since."""

from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .cegid_testkit.samples import export_bytes
from .common import CegidCase

# the dropped files are dated from 2025-06-15 15:07 UTC on (ImportFolderMixin.mtime)
BEFORE_THE_FILES = "2025-06-15T02:00:00.1234567Z"
AFTER_THE_FILES = "2025-06-16T02:00:00.1234567Z"


@tagged("post_install", "-at_install")
class TestFreshness(CegidCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scheduler_id = cls.simulator.add_scheduler("ECRITURE")

    def setUp(self):
        super().setUp()
        self.simulator.schedulers[self.scheduler_id]["lastExecution"] = BEFORE_THE_FILES
        self.env["is.cegid.query"]._sync_from_cegid()
        self.entry = self.env.ref("is_cegid2odoo.export_ecriture")

    def freshness(self, user=None):
        """What the banner of the accounting entries says, asked as a request of ``user`` would (in his language)."""
        self.env.invalidate_all()
        user = user or self.manager
        exports = self.env["is.cegid.export"].with_user(user).with_context(lang=user.lang or "en_US")
        return exports.get_freshness("is.cegid.ecriture")

    def test_the_table_says_which_export_it_holds_and_when_it_is_outdated(self):
        self.assertEqual(self.freshness(), {"text": "No export of ECRITURE imported yet.", "outdated": True})
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", 2))
        [record] = self.run_import()
        freshness = self.freshness()
        self.assertFalse(freshness["outdated"])
        self.assertFalse(self.entry.outdated)
        self.assertTrue(freshness["text"].startswith("Rows of the export ECRITURE of 6/15/25"), freshness)
        self.assertIn("imported on", freshness["text"])
        self.assertEqual(self.entry.export_date, record.file_date)
        # Cegid runs the query again: until its new file is imported, the table is flagged
        self.simulator.schedulers[self.scheduler_id]["lastExecution"] = AFTER_THE_FILES
        self.env["is.cegid.query"]._sync_from_cegid()
        freshness = self.freshness()
        self.assertTrue(freshness["outdated"])
        self.assertTrue(self.entry.outdated)
        self.assertIn("Outdated: Cegid ran the query again on 6/16/25", freshness["text"])

    def test_a_reader_of_other_data_learns_nothing_of_the_table(self):
        payroll = new_test_user(self.env, login="fresh_payroll",
                                groups="base.group_user,is_cegid2odoo.group_cegid_payroll")
        self.assertEqual(self.freshness(payroll), {})
        self.assertEqual(self.env["is.cegid.export"].with_user(payroll).get_freshness("res.partner"), {})

    def test_the_banner_reads_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        french = new_test_user(self.env, login="fresh_french", lang="fr_FR",
                               groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        self.assertEqual(self.freshness(french), {"text": "Aucun export ECRITURE importé pour l’instant.",
                                                  "outdated": True})
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", 2))
        self.run_import()
        self.simulator.schedulers[self.scheduler_id]["lastExecution"] = AFTER_THE_FILES
        self.env["is.cegid.query"]._sync_from_cegid()
        text = self.freshness(french)["text"]
        self.assertRegex(text, r"^Lignes de l’export ECRITURE du 15/06/2025 .*, importé le ")
        self.assertIn("Périmé : Cegid a exécuté de nouveau la requête le 16/06/2025", text)
        self.assertTrue(self.freshness()["text"].startswith("Rows of the export ECRITURE of 6/15/25"))

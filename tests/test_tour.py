# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An administrator opens the Cegid settings, then the scheduled queries, and forces one: in English and in French."""

import datetime

from odoo.tests import tagged
from odoo.tests.common import new_test_user

from ..cegid_data_access.cegid_api.schedules import parse_cegid_datetime
from .cegid_testkit.samples import export_bytes
from .common import CegidHttpCase


@tagged("post_install", "-at_install")
class TestForceNowTour(CegidHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # next executions far in the past, so that the tours see them change (one query per tour)
        cls.scheduler_ids = {name: cls.simulator.add_scheduler(name, nextExecution="2001-01-02T02:00:00.1234567Z")
                             for name in ("ECRITURE", "ANALYTIQ")}
        cls.env["is.cegid.query"]._sync_from_cegid()

    def assert_forced(self, name):
        scheduler = self.simulator.schedulers[self.scheduler_ids[name]]
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertGreater(parse_cegid_datetime(scheduler["nextExecution"]), now)
        self.assertEqual(scheduler["cron"], "0 2 * * *")

    def test_force_now_tour(self):
        self.start_tour("/odoo/action-is_cegid2odoo.action_cegid_settings", "is_cegid2odoo_force_now", login="admin")
        self.assert_forced("ECRITURE")

    def test_force_now_tour_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.env.ref("base.user_admin").lang = "fr_FR"
        self.start_tour("/odoo/action-is_cegid2odoo.action_cegid_settings", "is_cegid2odoo_force_now_fr",
                        login="admin")
        self.assert_forced("ANALYTIQ")

    def test_staging_freshness_tour_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        accountant = new_test_user(self.env, login="tour_accountant", lang="fr_FR",
                                   groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        # ECRITURE ran in Cegid after the export the table holds
        self.simulator.schedulers[self.scheduler_ids["ECRITURE"]]["lastExecution"] = "2030-01-01T02:00:00.1234567Z"
        self.env["is.cegid.query"]._sync_from_cegid()
        (self.folder / "ECRITURE.csv").write_bytes(export_bytes("ECRITURE", 1))
        [record] = self.env["is.cegid.import"]._import_folder().records
        self.assertEqual(record.state, "done", record.message)
        self.start_tour("/odoo/action-is_cegid2odoo.action_cegid_ecriture", "is_cegid2odoo_staging_freshness_fr",
                        login=accountant.login)

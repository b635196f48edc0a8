# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An administrator opens the Cegid settings, then the scheduled queries, and forces one."""

import datetime

from odoo.tests import HttpCase, tagged

from ..cegid_data_access.cegid_api.schedules import parse_cegid_datetime
from .common import loopback_request_handler, settings_values, start_cegid_services


@tagged("post_install", "-at_install")
class TestForceNowTour(HttpCase):
    @classmethod
    def _request_handler(cls, session, request, /, **kwargs):
        return loopback_request_handler(TestForceNowTour, session, request, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start_cegid_services(cls)
        cls.env["res.config.settings"].create(settings_values(cls.simulator, cls.folder)).execute()
        # a next execution far in the past, so that the tour sees it change
        cls.scheduler_id = cls.simulator.add_scheduler(
            "ECRITURE", nextExecution="2001-01-02T02:00:00.1234567Z")
        cls.env["is.cegid.query"].sync_from_cegid()

    def test_force_now_tour(self):
        self.start_tour("/odoo", "is_cegid2odoo_force_now", login="admin")
        forced = parse_cegid_datetime(self.simulator.schedulers[self.scheduler_id]["nextExecution"])
        self.assertGreater(forced, datetime.datetime.now(datetime.timezone.utc))
        self.assertEqual(self.simulator.schedulers[self.scheduler_id]["cron"], "0 2 * * *")

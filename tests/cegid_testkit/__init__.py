# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real parts the tests start and stop themselves, on loopback only.

No Odoo import here: the pytest suites and the Odoo suite both use this package
(as ``cegid_testkit`` and as ``odoo.addons.is_cegid2odoo.tests.cegid_testkit``).
"""

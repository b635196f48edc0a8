# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import test_export, test_i18n, test_import, test_queries, test_settings, test_tour, test_transfer

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import (
    test_confidentiality,
    test_dashboards,
    test_export,
    test_freshness,
    test_i18n,
    test_import,
    test_import_by_parts,
    test_import_changes,
    test_import_columns,
    test_import_incidents,
    test_queries,
    test_read_only,
    test_rpc_surface,
    test_settings,
    test_tour,
    test_transfer,
)

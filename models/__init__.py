# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
# the incident mixin first: the history models inherit it
from . import cegid_incident  # isort: skip
from . import (
    cegid_backend,
    cegid_export,
    cegid_export_column,
    cegid_export_table,
    cegid_import,
    cegid_import_change,
    cegid_import_held,
    cegid_import_load,
    cegid_import_run,
    cegid_message,
    cegid_query,
    cegid_query_export,
    cegid_staging,
    cegid_transfer,
    ir_cron_trigger,
    ir_model_fields,
    res_config_settings,
    spreadsheet_dashboard,
)

# after cegid_export_table: it extends the table's methods
from . import cegid_export_dashboard  # isort: skip

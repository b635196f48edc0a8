# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import models, wizard
from .cegid_data_access.redact import redact_logs

# what the addon and its core log (an unexpected error's traceback too) shows no SAS signature
redact_logs(__name__)

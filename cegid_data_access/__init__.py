# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cegid Data Access core: configuration, API client and transfer engine.

Pure Python, no Odoo import: the Odoo addon and the command-line scripts in
``script-externe/`` both call it. Only relative imports inside, so that it works
as ``cegid_data_access`` and as ``odoo.addons.is_cegid2odoo.cegid_data_access``.
"""

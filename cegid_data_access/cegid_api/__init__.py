# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Cegid Data Access API: its client and the dates and names of its scheduled queries."""

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The local side of a transfer: safe names (``names``) and the durable staging folder (``folder``)."""

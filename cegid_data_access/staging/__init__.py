# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The local side of a transfer: safe names (``names``), the durable staging folder (``folder``), built from
durable, never-replacing file operations (``files``)."""

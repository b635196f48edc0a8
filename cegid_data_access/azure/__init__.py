# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Azure side of a transfer, through ``azure-storage-blob``: the container (``container``), one download
(``download``)."""

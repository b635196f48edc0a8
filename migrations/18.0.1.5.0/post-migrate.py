# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.5.0, once the addon is loaded: the data groups are each a choice of their own, named *Reader*.

Odoo's user form shows the groups of a category that make no single chain
as check boxes, in developer mode only: the three data groups now each have a
category (*Accounting data*, *Payroll data*, *Other data*) and are named
*Reader*. Loading the data wrote the new English name, but each language keeps
the translation of the old one (a French database would read "Données
comptables / Données comptables"): the names are reset to the English alone,
and the translations Odoo loads right after this step fill the others in.
"""

from odoo.tools import SQL

READER_GROUPS = ("group_cegid_accounting", "group_cegid_payroll", "group_cegid_other_data")


def migrate(cr, version):
    if not version:
        return
    cr.execute(SQL(
        """UPDATE res_groups SET name = jsonb_build_object('en_US', 'Reader')
            WHERE id IN (SELECT res_id FROM ir_model_data
                          WHERE module = 'is_cegid2odoo' AND model = 'res.groups' AND name IN %s)""",
        READER_GROUPS))

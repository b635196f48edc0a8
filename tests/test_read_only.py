# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Read-only means read-only on the server: what names SQL or registry objects is set by the addon alone.

A field read-only in a view is still writable through RPC unless ``create`` and
``write`` refuse it. A column's field and header names, an entry's model,
name, kind and state are set only by the import's server-side code (as
superuser); a client, a manager or an administrator, is refused, whatever
context it sends.
"""

from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CegidCase
from .test_export import FIRST, SECOND, forget_custom_models, salaries

HOSTILE = 'x_salaire") FROM STDIN; CREATE TABLE t(a int); --'


@tagged("post_install", "-at_install")
class TestReadOnly(CegidCase):
    def setUp(self):
        self.addCleanup(forget_custom_models, self)
        super().setUp()
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        self.entry = self.env["is.cegid.export"].search([("name", "=", "SALARIES")])
        self.column = self.entry.column_ids[-1]
        self.admin = self.env.ref("base.user_admin")  # administrator and Cegid manager

    def rpc(self, user, records, method, *args, context=None):
        """``method`` as the web client calls it (``/web/dataset/call_kw``), as ``user``."""
        model = records.with_user(user).with_context(**(context or {}))
        ids = [] if method == "create" else [records.ids]
        return call_kw(model, method, ids + list(args), {})

    def table_t_exists(self):
        self.env.cr.execute("SELECT to_regclass('t')")
        return self.env.cr.fetchone()[0] is not None

    def test_the_fields_that_name_sql_are_refused_to_every_client(self):
        ecriture = self.env.ref("is_cegid2odoo.export_ecriture")
        refused = [
            (self.column, {"field_name": HOSTILE}), (self.column, {"name": "MATRICULE"}),
            (self.column, {"export_id": ecriture.id}), (self.column, {"inferred_kind": "char"}),
            (self.entry, {"model_id": self.env.ref("base.model_res_users").id}), (self.entry, {"name": "PIRATE"}),
            (self.entry, {"builtin": True}), (self.entry, {"state": "review"}),
            (self.entry, {"column_ids": [(1, self.column.id, {"field_name": HOSTILE})]}),
            (ecriture, {"description": "Mine"}),
            (ecriture, {"group_id": self.ref("is_cegid2odoo.group_cegid_payroll")}),
            (ecriture.column_ids[:1], {"label": "Mine"}),
        ]
        for user in (self.manager, self.admin):
            for records, values in refused:
                # a context key is no way in: only the server's own code (as superuser) sets these
                for context in ({}, {"cegid_apply_columns": True}):
                    with self.subTest(user=user.login, model=records._name, values=values, context=context), \
                            self.assertRaises(AccessError):
                        self.rpc(user, records, "write", values, context=context)
            for model, values in (("is.cegid.export", {"name": "PIRATE", "description": "x"}),
                                  ("is.cegid.export.column", {"export_id": self.entry.id, "name": "X", "label": "X",
                                                              "field_name": HOSTILE})):
                with self.subTest(user=user.login, create=model), self.assertRaises(AccessError):
                    self.rpc(user, self.env[model], "create", values)
        self.assertEqual(self.column.field_name, "x_salaire_base")
        self.assertEqual(ecriture.description, "Accounting entries")

    def test_the_attack_of_a_manager_ends_at_the_write(self):
        with self.assertRaises(AccessError):
            self.rpc(self.manager, self.column, "write", {"field_name": HOSTILE})
        self.drop("SALARIES.csv", salaries(SECOND))
        [record] = self.run_import()
        self.assertEqual((record.state, record.row_count), ("done", 2))
        self.assertFalse(self.table_t_exists())

    def test_a_name_no_client_can_write_is_still_refused_by_the_core(self):
        self.column.sudo().field_name = HOSTILE  # as if a future bug of the server let it through
        self.drop("SALARIES.csv", salaries(SECOND))
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
            [record] = self.run_import()
        self.assertEqual((record.state, record.message_code), ("failed", "import.unsafe_name"))
        self.assertIn("is not a table or column name the import makes", record.message)
        self.assertFalse(self.table_t_exists())
        self.assertEqual(self.env["x_cegid_salaries"].search_count([]), 3)  # the previous rows stay

    def test_labels_and_readers_stay_the_managers(self):
        payroll = self.env.ref("is_cegid2odoo.group_cegid_payroll")
        self.rpc(self.manager, self.entry, "write", {"description": "Salaires", "group_id": payroll.id})
        self.rpc(self.manager, self.column, "write", {"label": "Salaire de base"})
        self.assertEqual((self.entry.description, self.entry.group_id, self.column.label),
                         ("Salaires", payroll, "Salaire de base"))
        self.assertEqual(self.env["ir.model.fields"]._get("x_cegid_salaries", "x_salaire_base").field_description,
                         "Salaire de base")
        # readers are one of the Cegid data groups: not every internal user
        with self.assertRaises(UserError):
            self.rpc(self.manager, self.entry, "write", {"group_id": self.ref("base.group_user")})
        with self.assertRaises(AccessError):
            self.rpc(self.cegid_user, self.entry, "write", {"description": "Mine"})

    def test_the_translation_dialog_follows_the_writes_rules(self):
        """Odoo's translation dialog writes a title's translations past write: its rules hold there too."""
        ecriture = self.env.ref("is_cegid2odoo.export_ecriture")
        for method, args in (("update_field_translations", ("description", {"en_US": "Mine"})),
                             ("web_override_translations", ({"description": "Mine"},))):
            with self.subTest(method=method), self.assertRaises(AccessError):
                self.rpc(self.manager, ecriture, method, *args)
        self.assertEqual(ecriture.description, "Accounting entries")
        with self.assertRaises(UserError):
            self.rpc(self.manager, self.entry, "update_field_translations", "description", {"en_US": ""})
        # a custom table's title is the manager's, and its menu follows it
        self.rpc(self.manager, self.entry, "web_override_translations", {"description": "Salaires"})
        self.assertEqual(self.entry.description, "Salaires")
        self.assertEqual(self.entry._owned("ir.ui.menu").name, "Salaires")
        # in each language: a French title set from an English session reaches the French readers' menu, ...
        self.env["res.lang"]._activate_lang("fr_FR")
        self.rpc(self.manager, self.entry, "update_field_translations", "description", {"fr_FR": "Salariés"})
        self.entry.with_user(self.manager).action_make_dashboard()  # made after: in each language too
        table = [self.entry.model_id, *map(self.entry._owned,
                                           ("ir.actions.act_window", "ir.ui.menu", "spreadsheet.dashboard"))]
        self.assertEqual([len(record) for record in table], [1, 1, 1, 1])
        for record in table:
            self.assertEqual(record.with_context(lang="fr_FR").name, "Salariés", record._name)
            self.assertEqual(record.with_context(lang="en_US").name, "Salaires", record._name)

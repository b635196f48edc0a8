# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The French translation loads and reaches menus, views and Python messages."""

from odoo.tests import TransactionCase, tagged

from ..models.cron_text import describe_cron


@tagged("post_install", "-at_install")
class TestFrench(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        cls.fr_env = cls.env(context=dict(cls.env.context, lang="fr_FR"))

    def test_menus_and_views(self):
        self.assertEqual(self.fr_env.ref("is_cegid2odoo.menu_cegid_query").name, "Requêtes planifiées")
        arch = self.fr_env["is.cegid.query"].get_view(self.env.ref("is_cegid2odoo.view_cegid_query_form").id)["arch"]
        self.assertIn("Forcer maintenant", arch)
        self.assertIn("Forcer à…", arch)

    def test_python_messages(self):
        self.assertEqual(describe_cron("0 2 * * *", self.fr_env._), "Tous les jours à 02:00 UTC")
        label = self.fr_env["is.cegid.backend"]._cegid_setting_label("mode")
        self.assertEqual(label, "Mode de connexion")

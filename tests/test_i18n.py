# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The French translation loads and reaches menus, views and Python messages."""

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from ..models.cegid_query import describe_cron


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
        label = self.fr_env["is.cegid.message"]._setting_label("mode")
        self.assertEqual(label, "Mode de connexion")

    def test_every_term_has_a_french_translation(self):
        """What Odoo would export for translation (models, views, data, Python, JS) is all in fr.po."""
        reader = TranslationModuleReader(self.env.cr, modules=["is_cegid2odoo"], lang="fr_FR")
        terms = {source for _module, _type, _name, _res_id, source, _value, _comments in reader}
        po_path = file_path("is_cegid2odoo/i18n/fr.po")
        translated = {entry.msgid for entry in polib.pofile(po_path) if entry.msgstr and not entry.obsolete}
        self.assertGreater(len(terms), 100)
        self.assertEqual(sorted(terms - translated), [])

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The French translation loads and reaches menus, views, Python messages, change lines and activity notes."""

import datetime
import re

import polib

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from ..cegid_data_access.errors import CODES, ConfigError
from ..models.cegid_message import SENTENCES
from ..models.cegid_transfer import _render_run
from ..models.cron_description import describe_cron
from .common import ImportFolderMixin
from .test_import_changes import JANUARY, ecriture


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
        # the days in French too, those of Paris when its time falls on the next day
        winter = datetime.datetime(2026, 12, 5, 12, tzinfo=datetime.timezone.utc)
        self.assertEqual(describe_cron("0 7 * * 1,3", self.fr_env._, lang="fr_FR"),
                         "Chaque lundi et mercredi à 07:00 UTC")
        self.assertEqual(describe_cron("30 23 * * 1-5", self.fr_env._, "Europe/Paris", winter, "fr_FR"),
                         "Du mardi au samedi à 00:30 (Europe/Paris aujourd’hui ; 23:30 UTC)")
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

    def test_core_codes_read_in_the_readers_language(self):
        """The same stored code and parameters read French for a French user, English for an English one."""
        error = ConfigError("config.missing", "api_base_url")
        messages = self.env["is.cegid.message"]
        self.assertEqual(messages._render_error(error), "The Cegid setting “API base URL” is missing.")
        self.assertEqual(messages.with_context(lang="fr_FR")._render_error(error),
                         "Le paramètre Cegid « URL de base de l’API » n’est pas renseigné.")
        nested = {"op_code": "op.update_scheduler", "name": "ECRITURE", "status": 400, "detail": "bad date"}
        self.assertEqual(messages.with_context(lang="fr_FR")._render("api.refused", nested),
                         "L’API Cegid a refusé la mise à jour de la requête planifiée « ECRITURE » (HTTP 400) : "
                         "bad date")

    def test_a_moment_reads_in_the_readers_time_zone_and_language(self):
        """The core gives a SAS expiry in ISO 8601 (UTC); each reader reads it in their own time zone and language."""
        reader = new_test_user(self.env, login="fr_paris", groups="base.group_user", tz="Europe/Paris", lang="fr_FR")
        messages = self.env["is.cegid.message"].with_user(reader).with_context(lang="fr_FR", tz="Europe/Paris")
        text = messages._render("azure.expired", {"expiry": "2026-01-02T03:04:05+00:00"})
        self.assertIn("2 janv. 2026", text)
        self.assertIn("04:04:05", text)  # 03:04:05 UTC is 04:04:05 in Paris in winter
        self.assertNotIn("UTC", text)
        # what a run stored before this way of writing it reads as it was written
        stored = messages._render("azure.expired", {"expiry": "2026-01-02 03:04:05 UTC"})
        self.assertIn("2026-01-02 03:04:05 UTC", stored)

    def test_counts_read_with_the_readers_thousands_separator_line_numbers_and_statuses_as_they_are(self):
        messages = self.env["is.cegid.message"]
        self.assertTrue(messages._render("import.loading", {"rows": 152340}).startswith("152,340 rows loaded"))
        french = messages.with_context(lang="fr_FR")
        self.assertTrue(french._render("import.loading", {"rows": 152340}).startswith("152\u00a0340 lignes"))
        self.assertEqual(french._render("check.listing", {"count": 1500, "bytes": 1536}),
                         "1\u00a0500 fichier(s) en attente dans Azure (1,5 ko)")
        self.assertEqual(french._render("file.incomplete", {"received": 1234567, "size": 2345678}),
                         "Téléchargement incomplet (1\u00a0234\u00a0567 octets sur 2\u00a0345\u00a0678).")
        # a line number, an HTTP status, a provider's id are names more than counts: as they are
        self.assertTrue(french._render("import.bad_line", {"line": 152340, "problem_code": "import.value.not_a_number"})
                        .startswith("Ligne 152340 : "))
        self.assertIn("(HTTP 1234)", french._render("api.refused", {"op_code": "op.token", "status": 1234,
                                                                     "detail": "x"}))
        # a download's own sentences too: Odoo's time limit for scheduled actions
        self.assertIn("(3\u00a0600 s)", _render_run(french.env, "run.continued", {"limit": 3600}))

    def test_a_count_of_one_reads_right_in_both_languages(self):
        """Odoo has no plural forms: a count reads "label: n", never "1 attempts" (a PUT cut off has one attempt)."""
        messages = self.env["is.cegid.message"]
        french = messages.with_context(lang="fr_FR")
        cut = {"op_code": "op.update_scheduler", "name": "ECRITURE", "host": "api.cegid.example", "attempts": 1}
        self.assertEqual(messages._render("api.unreachable", cut),
                         "The Cegid API cannot be reached (the update of the scheduled query “ECRITURE”): connection "
                         "failed (api.cegid.example; attempts: 1).")
        self.assertEqual(french._render("api.timeout", cut),
                         "L’API Cegid est injoignable (la mise à jour de la requête planifiée « ECRITURE ») : pas de "
                         "réponse à temps (api.cegid.example ; tentatives : 1).")
        short = {"line": 12, "problem_code": "import.line.field_count", "count": 1, "width": 8}
        self.assertEqual(messages._render("import.bad_line", short),
                         "Line 12: not the header's number of fields (this line: 1; the header: 8).")
        self.assertEqual(french._render("import.bad_line", short),
                         "Ligne 12 : pas le nombre de champs de l’en-tête (cette ligne : 1 ; l’en-tête : 8).")

    def test_a_whole_reason_reads_as_a_sentence_of_its_own_after_the_outcome(self):
        """A reason is often a whole sentence: inside parentheses, before a colon, it read garbled."""
        messages = self.env["is.cegid.message"]
        french = messages.with_context(lang="fr_FR")
        cut = {"reason_code": "azure.out_of_time", "host": "acct.blob.core.windows.net"}
        self.assertEqual(messages._render("file.not_deleted", cut),
                         "Delivered, but not deleted from Azure: the next run deletes it without delivering it again. "
                         "Azure Blob Storage did not answer within the time Odoo allows (acct.blob.core.windows.net): "
                         "the next run goes on.")
        self.assertEqual(french._render("file.not_deleted", cut),
                         "Livré, mais pas supprimé d’Azure : la prochaine exécution le supprime sans le livrer à "
                         "nouveau. Azure Blob Storage n’a pas répondu dans le temps qu’Odoo accorde "
                         "(acct.blob.core.windows.net) : la prochaine exécution poursuit.")
        # a reason that is a fragment starts with a capital and ends with a full stop
        lost = {"reason_code": "azure.connection_lost", "detail": "reset"}
        self.assertEqual(messages._render("file.download_failed", lost),
                         "Download failed. The connection to Azure was lost (reset).")
        self.assertEqual(french._render("file.download_failed", lost),
                         "Échec du téléchargement. La connexion à Azure a été perdue (reset).")

    def test_a_bad_connection_mode_names_the_choices_of_the_settings_page(self):
        """A mode set in the system parameters names the Settings page's choices, not the core's codes."""
        bad = ConfigError("config.bad_mode", "mode", value="sas", modes="api, sas_url")
        messages = self.env["is.cegid.message"]
        self.assertEqual(messages._render_error(bad),
                         "The Cegid setting “Connection mode” must be one of “API (recommended)”, “SAS URL "
                         "(troubleshooting)”, not “sas”.")
        self.assertEqual(messages.with_context(lang="fr_FR")._render_error(bad),
                         "Le paramètre Cegid « Mode de connexion » doit prendre l’une de ces valeurs : « API "
                         "(recommandé) », « URL SAS (dépannage) », et non « sas ».")

    def test_a_sentence_that_can_be_part_of_another_starts_with_a_capital_when_read_alone(self):
        french = self.env["is.cegid.message"].with_context(lang="fr_FR")
        self.assertEqual(french._render("azure.cut_in_body"),
                         "La connexion à Azure a été perdue (une réponse coupée dans son corps)")
        self.assertEqual(self.env["is.cegid.message"]._render("azure.modified", {"status": 412}),
                         "The blob changed in Azure (HTTP 412)")
        # inside another sentence it stays as it is (test_core_codes_read_in_the_readers_language: « la mise à jour »)
        self.assertEqual(french._render("import.bad_line", {"line": 7, "problem_code": "import.value.not_a_number"}),
                         "Ligne 7 : pas un nombre.")

    def test_every_core_code_has_a_sentence_with_its_parameters_and_no_other(self):
        self.assertEqual(sorted(set(CODES) ^ set(SENTENCES)), [])
        for code, sentence in SENTENCES.items():
            names = set(re.findall(r"%\((\w+)\)s", str(sentence)))
            declared = {name.removesuffix("_code") for name in CODES[code]}
            self.assertLessEqual(names, declared, code)



@tagged("post_install", "-at_install")
class TestFrenchReaders(ImportFolderMixin, TransactionCase):
    """What the addon writes for a person (a change line, an activity) reads in that person's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        cls.manager = new_test_user(cls.env, login="i18n_manager", lang="fr_FR",
                                    groups="base.group_user,is_cegid2odoo.group_cegid_manager")

    def setUp(self):
        super().setUp()
        self.use_own_import_folder()

    def imported(self, data):
        self.drop("ECRITURE.csv", data)
        [record] = self.run_import()
        self.assertEqual(record.state, "done", record.message)
        return record

    def test_a_shipped_exports_columns_and_change_lines_read_french(self):
        self.imported(ecriture(JANUARY))
        record = self.imported(ecriture([*JANUARY, ("2025-03-03", "P3", "706000", "0", "1234,50")]))
        added = record.change_ids.filtered(lambda change: change.data["e_general"] == "706000")
        self.assertIn("General account: 706000; ", added.line)
        self.assertIn("Accounting date: 03/03/2025", added.line)
        self.assertIn("Credit: 1,234.50", added.line)
        french = added.with_user(self.manager).with_context(lang="fr_FR")
        self.assertIn("Compte général : 706000 ; ", french.line)
        # dates and amounts as the reader writes them: day first, a decimal comma, a space between thousands
        self.assertIn("Date comptable : 03/03/2025", french.line)
        self.assertIn("Débit : 0,00 ; Crédit : 1\u00a0234,50", french.line)
        # what RPC and exports read stays PostgreSQL's text
        self.assertEqual((added.data["e_datecomptable"], added.data["e_credit"]), ("2025-03-03", "1234.50"))
        columns = record.export_id.with_context(lang="fr_FR").column_ids
        self.assertEqual(columns.filtered(lambda col: col.field_name == "e_general").shown_label, "Compte général")

    def test_a_bad_date_names_the_files_date_order_in_the_readers_words(self):
        self.drop("ECRITURE.csv", b"E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;"
                                  b"E_REFLIBRE\r\n31/02/2025;R1;Vente;411000;1;0;C1;\r\n")
        [record] = self.run_import()
        self.assertEqual(record.state, "rejected")
        self.assertIn("(Day first (dd/mm/yyyy))", record.message)
        self.assertIn("(Jour d’abord (jj/mm/aaaa))", record.with_context(lang="fr_FR").message)

    def test_what_the_csv_module_finds_wrong_reads_in_the_readers_language(self):
        self.drop("ECRITURE.csv", b'"E_DATECOMPTABLE;E_REFINTERNE\r\n1;2\r\n')
        [record] = self.run_import()
        self.assertEqual((record.state, record.message_params), (
            "rejected", {"detail_code": "import.csv.quote_not_closed"}))
        self.assertEqual(record.message, "The header line cannot be read: a quoted field is not closed.")
        self.assertEqual(record.with_context(lang="fr_FR").message,
                         "La ligne d’en-tête est illisible : un champ entre guillemets n’est pas refermé.")

    def test_an_incident_tells_a_moment_in_each_managers_time_zone(self):
        record = self.imported(ecriture(JANUARY))
        self.env.user.tz = "UTC"  # the cron's user
        paris = new_test_user(self.env, login="i18n_paris", lang="fr_FR", tz="Europe/Paris",
                              groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        record._cegid_open_incident(lambda rec: ("Expired", rec.env["is.cegid.message"]._render(
            "azure.expired", {"expiry": "2026-01-02T03:04:05+00:00"})))
        [activity] = record.activity_ids.filtered(lambda act: act.user_id == paris)
        self.assertIn("04:04:05", activity.note)  # 03:04:05 UTC is 04:04:05 in Paris in winter

    def test_the_freshness_counts_read_with_the_readers_thousands_separator(self):
        self.imported(ecriture(JANUARY))
        self.imported(ecriture([("2025-03-03", f"P{number}", "706000", "0", "1,00") for number in range(1200)]))
        exports = self.env["is.cegid.export"].with_user(self.manager).with_context(lang="fr_FR")
        text = exports.get_freshness("is.cegid.ecriture")["text"]
        self.assertIn("1\u00a0200 ajoutée(s), 4 retirée(s) depuis l’export précédent.", text)

    def test_a_plain_text_note_keeps_its_lines_and_its_markup_characters(self):
        record = self.imported(ecriture(JANUARY))
        record._cegid_open_incident(lambda rec: ("Two lines", "E_DEBIT < 0\nR&D: 3 rows"))
        [activity] = record.activity_ids.filtered(lambda act: act.user_id == self.manager)
        self.assertIn("E_DEBIT &lt; 0<br>R&amp;D: 3 rows", activity.note)
        self.assertEqual(html2plaintext(activity.note).splitlines(), ["E_DEBIT < 0", "R&D: 3 rows"])

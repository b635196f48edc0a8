# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No column left behind: the optional columns of the known exports, their extra columns, any header."""

import shutil
import tempfile
from pathlib import Path

from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from .common import ImportFolderMixin

ECRITURE_HEADER = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE"
ABSENCES_HEADER = ("PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
                   "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID")
ABSENCE_ROW = "ABS;0000042;3;1;CPA;-;Congés payés;01/07/2025;MAT;15/07/2025;PAM;10,5;73,5;{A-B}"


class ColumnsCase(ImportFolderMixin, TransactionCase):
    """An import folder of the test's own, the settings confirmed on this database."""

    def setUp(self):
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="cegid-columns-test-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("is_cegid2odoo.import_folder", str(self.folder))
        params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))

    def import_one(self, name, text):
        """Drop one file and import it; its history record, which must be done."""
        self.drop(name, text.encode("cp1252"))
        record = self.run_import()
        self.assertEqual(record.mapped("state"), ["done"], record.mapped("message"))
        return record


@tagged("post_install", "-at_install")
class TestOptionalColumns(ColumnsCase):
    def test_the_journal_is_imported_when_the_file_has_it_and_left_empty_when_not(self):
        self.import_one("ECRITURE.csv", f"E_JOURNAL;{ECRITURE_HEADER}\r\n"
                                        "VTE;30/06/2025;FAC1;Vente;411000;100;0;C1;\r\n"
                                        "BQ;30/06/2025;REG1;Règlement;512000;0;100;;\r\n")
        entries = self.env["is.cegid.ecriture"].search([], order="e_refinterne")
        self.assertEqual(entries.mapped("e_journal"), ["VTE", "BQ"])
        self.assertEqual(entries.mapped("e_general"), ["411000", "512000"])
        groups = self.env["is.cegid.ecriture"].read_group([], ["e_debit:sum"], ["e_journal"])
        self.assertEqual({group["e_journal"]: group["e_debit"] for group in groups}, {"VTE": 100.0, "BQ": 0.0})
        self.import_one("ECRITURE.csv", f"{ECRITURE_HEADER}\r\n30/06/2025;FAC2;Vente;411000;5;0;C1;\r\n")
        entry = self.env["is.cegid.ecriture"].search([])
        self.assertEqual((entry.e_refinterne, entry.e_journal), ("FAC2", False))

    def test_the_absences_take_the_imputation_type_and_duplicated_movement_when_present(self):
        self.import_one("ABSENCESALARIE.csv",
                        f"{ABSENCES_HEADER};PCN_TYPEIMPUTE;PCN_MVTDUPLIQUE\n{ABSENCE_ROW};ACQ;X\n")
        absence = self.env["is.cegid.absencesalarie"].search([])
        self.assertEqual((absence.pcn_salarie, absence.pcn_typeimpute, absence.pcn_mvtduplique),
                         ("0000042", "ACQ", "X"))
        self.import_one("ABSENCESALARIE.csv", f"{ABSENCES_HEADER}\n{ABSENCE_ROW}\n")
        absence = self.env["is.cegid.absencesalarie"].search([])
        self.assertEqual((absence.pcn_jours, absence.pcn_typeimpute, absence.pcn_mvtduplique), (10.5, False, False))

    def test_the_views_show_the_journal_and_the_absences_new_columns(self):
        ecriture = self.env["is.cegid.ecriture"]
        self.assertEqual(ecriture._fields["e_journal"].string, "Journal")
        self.assertTrue(ecriture._fields["e_journal"].index)
        views = ecriture.get_views([(False, "list"), (False, "search"), (False, "pivot")])["views"]
        for view_type in ("list", "pivot"):
            self.assertIn('name="e_journal"', views[view_type]["arch"], view_type)
        self.assertIn("'group_by': 'e_journal'", views["search"]["arch"])
        views = self.env["is.cegid.absencesalarie"].get_views([(False, "list"), (False, "search"),
                                                                (False, "pivot")])["views"]
        self.assertIn('name="pcn_mvtduplique"', views["list"]["arch"])
        self.assertIn('name="pcn_typeimpute"', views["pivot"]["arch"])
        self.assertIn("'group_by': 'pcn_typeimpute'", views["search"]["arch"])

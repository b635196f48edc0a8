# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import step on a real PostgreSQL: staging tables replaced atomically, files archived or rejected."""

import os
import random
import string
import threading
import time
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import HttpCase, JsonRpcException, TransactionCase, freeze_time, new_test_user
from odoo.tools import mute_logger

from ..cegid_import import pg_readers, pg_replace
from ..cegid_import.catalogue import KNOWN
from ..cegid_import.values import DAY_FIRST, MONTH_FIRST
from ..models.cegid_backend import advisory_lock_key
from ..models.cegid_import import file_facts
from ..models.folder_claim import CLAIM_FILE
from .common import ImportFolderMixin

ECRITURE_HEADER = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE"
ANALYTIQ = (
    "Y_DATECOMPTABLE,Y_GENERAL,Y_AXE,Y_SECTION,Y_REFINTERNE,Y_LIBELLE,Y_NATUREPIECE,Y_REFEXTERNE,Y_JOURNAL,"
    "Y_CONTREPARTIEAUX,Y_DEBIT,Y_CREDIT\r\n06/30/2025,607000,A1,SEC01,R1,\"Achat, divers\",FF,X9,ACH,F001,0,12.5\r\n"
)
ABSENCES = (
    "PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;PCN_DATEDEBUTABS;"
    "PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID\n"
    "ABS;0000042;3;1;CPA;-;Congés payés;01/07/2025;MAT;15/07/2025;PAM;10,5;73,5;{A-B}\n"
)
HISTOCUMSAL = "PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n0000042;01;2 500,00\n0000043;01;\n"


def ecriture(*rows):
    """An ECRITURE export (CP1252, ';') with rows (date, reference, account, debit)."""
    lines = [ECRITURE_HEADER] + [f"{date};{ref};Libellé {ref};{account};{debit};0;C1;" for date, ref, account, debit
                                 in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@tagged("post_install", "-at_install")
class TestImport(ImportFolderMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="import_manager",
                                    groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        cls.accountant = new_test_user(cls.env, login="import_accountant",
                                       groups="base.group_user,is_cegid2odoo.group_cegid_accounting")

    def setUp(self):
        super().setUp()
        self.use_own_import_folder("cegid-import-test-")

    def listing(self, sub=""):
        folder = self.folder / sub
        # the database's claim on its folder aside (models/folder_claim.py)
        return sorted(path.name for path in folder.iterdir() if path.name != CLAIM_FILE) if folder.is_dir() else []

    def structure(self, table="is_cegid_ecriture"):
        """What Odoo and reports rely on: columns and defaults, constraints, indexes, sequence owner, comment."""
        cr = self.env.cr
        cr.execute("SELECT column_name, data_type, column_default, is_nullable FROM information_schema.columns "
                   "WHERE table_name = %s ORDER BY ordinal_position", (table,))
        columns = cr.fetchall()
        cr.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                   "ORDER BY conname", (table,))
        constraints = cr.fetchall()
        cr.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname", (table,))
        indexes = cr.fetchall()
        cr.execute("SELECT pg_get_serial_sequence(%s, 'id'), obj_description(%s::regclass, 'pg_class')",
                   (table, table))
        return columns, constraints, indexes, cr.fetchall()

    def entries(self):
        records = self.env["is.cegid.ecriture"].search([], order="id")
        return [(str(rec.e_datecomptable), rec.e_refinterne, rec.e_general, rec.e_debit) for rec in records]

    # -- the staging models ---------------------------------------------------------------------------------------

    def test_a_folder_this_database_cannot_claim_is_imported_as_before(self):
        # the claim cannot be written (its temporary name is taken by a folder): the run goes on without it
        (self.folder / f"{CLAIM_FILE}.{os.getpid()}.{threading.get_ident()}.tmp").mkdir()
        self.drop("ECRITURE.csv", ecriture(("2025-01-02", "R1", "401000", "1")))
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_backend", "WARNING") as logged:
            records = self.run_import()
        self.assertEqual(records.mapped("state"), ["done"], records.mapped("message"))
        self.assertIn("cannot be claimed for this database", logged.output[0])
        self.assertFalse((self.folder / CLAIM_FILE).exists())
        # once it can, the next run claims the folder
        (self.folder / f"{CLAIM_FILE}.{os.getpid()}.{threading.get_ident()}.tmp").rmdir()
        self.run_import()
        self.assertIn(self.env["ir.config_parameter"].sudo().get_param("database.uuid"),
                      (self.folder / CLAIM_FILE).read_text(encoding="utf-8"))

    def test_their_readers_read_and_nobody_writes(self):
        self.drop("ECRITURE.csv", ecriture(("2025-06-30", "R1", "411000", "1")))
        self.run_import()
        for export in KNOWN:
            model = self.env[export.model].with_user(self.manager)
            model.search([])
            model.get_views([(False, "list"), (False, "pivot"), (False, "graph"), (False, "search")])
            for user in (self.accountant, self.manager):
                for operation in ("write", "create", "unlink"):
                    self.assertFalse(self.env[export.model].with_user(user).has_access(operation),
                                     f"{export.model} {operation}")
        with self.assertRaises(AccessError):
            self.env["is.cegid.ecriture"].with_user(self.manager).search([]).write({"e_libelle": "x"})
        plain = new_test_user(self.env, login="import_plain", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["is.cegid.ecriture"].with_user(plain).search([])

    # -- importing ------------------------------------------------------------------------------------------------

    def test_each_export_is_imported_and_archived(self):
        self.drop("ECRITURE.csv", ecriture(("2025-06-30 00:00:00", "FAC1", "411000", "1 234,56")))
        self.drop("ANALYTIQ.csv", ANALYTIQ.encode())
        self.drop("ABSENCESALARIE.csv", ABSENCES)
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        transfer = self.env["is.cegid.transfer"].create({"trigger": "button"})
        records = self.run_import(transfer)
        self.assertEqual(records.mapped("state"), ["done"] * 4, records.mapped("message"))
        self.assertEqual(sorted(records.mapped("export_id.name")),
                         ["ABSENCESALARIE", "ANALYTIQ", "ECRITURE", "HISTOCUMSAL"])
        self.assertEqual(records.transfer_id, transfer)
        # oldest first
        self.assertEqual(records.sorted("id").mapped("name"),
                         ["ECRITURE.csv", "ANALYTIQ.csv", "ABSENCESALARIE.csv", "HISTOCUMSAL.csv"])
        self.assertEqual(self.entries(), [("2025-06-30", "FAC1", "411000", 1234.56)])
        entry = self.env["is.cegid.ecriture"].search([])
        self.assertEqual(entry.e_libelle, "Libellé FAC1")
        self.assertFalse(entry.e_reflibre)
        self.assertTrue(entry.create_date)
        self.assertEqual(entry.create_date, entry.write_date)
        self.assertEqual(records.create_uid, self.env.user)
        self.assertEqual((entry.create_uid, entry.write_uid), (self.env.user, self.env.user))
        analytic = self.env["is.cegid.analytiq"].search([])
        self.assertEqual((str(analytic.y_datecomptable), analytic.y_libelle, analytic.y_credit),
                         ("2025-06-30", "Achat, divers", 12.5))
        absence = self.env["is.cegid.absencesalarie"].search([])
        self.assertEqual(
            (absence.pcn_salarie, absence.pcn_ordre, absence.pcn_periodecp, str(absence.pcn_datedebutabs),
             str(absence.pcn_datefinabs), absence.pcn_jours, absence.pcn_heures, absence.pcn_libelle),
            ("0000042", 3, 1, "2025-07-01", "2025-07-15", 10.5, 73.5, "Congés payés"))
        cumuls = self.env["is.cegid.histocumsal"].search([], order="phc_salarie")
        self.assertEqual(cumuls.mapped("phc_montant"), [2500.0, 0.0])  # an empty amount is 0
        self.assertEqual(self.listing(), ["archive"])
        archived = self.listing("archive")
        self.assertEqual(len(archived), 4)
        for record in records:
            self.assertTrue(record.stored_as.startswith("archive/") and record.stored_as.endswith("_" + record.name))
            self.assertIn(record.stored_as.split("/", 1)[1], archived)
        self.assertEqual(records.filtered(lambda rec: rec.export_id.name == "ECRITURE").row_count, 1)
        self.assertEqual(records.filtered(lambda rec: rec.export_id.name == "HISTOCUMSAL").row_count, 2)
        read_as = {rec.export_id.name: (rec.file_encoding, rec.file_delimiter, rec.date_order) for rec in records}
        self.assertEqual(read_as["ECRITURE"], ("cp1252-latin1", ";", DAY_FIRST))
        self.assertEqual(read_as["ANALYTIQ"], ("utf-8", ",", MONTH_FIRST))

    def test_how_a_file_was_read_is_told_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.drop("ANALYTIQ.csv", ANALYTIQ.encode())
        record = self.run_import()
        for lang, expected in (("en_US", "Month first (mm/dd/yyyy)"), ("fr_FR", "Mois d’abord (mm/jj/aaaa)")):
            shown = record.with_context(lang=lang)
            labels = dict(shown._fields["date_order"]._description_selection(shown.env))
            self.assertEqual(labels[record.date_order], expected)

    def test_a_file_whose_dates_fit_both_orders_is_read_in_the_order_of_the_exports_files_before(self):
        """A month-first export's file of the first days of a month: 05/06/2025 is May 6th, as the files before."""
        self.drop("ANALYTIQ.csv", ANALYTIQ.encode())  # 06/30/2025: month first
        self.assertEqual(self.run_import().date_order, MONTH_FIRST)
        self.drop("ANALYTIQ.csv", ANALYTIQ.replace("06/30/2025", "05/06/2025").encode())
        record = self.run_import()
        self.assertEqual((record.state, record.date_order), ("done", MONTH_FIRST))
        self.assertEqual(str(self.env["is.cegid.analytiq"].search([]).y_datecomptable), "2025-05-06")
        # a file that tells is read as it tells
        self.drop("ANALYTIQ.csv", ANALYTIQ.replace("06/30/2025", "13/06/2025").encode())
        record = self.run_import()
        self.assertEqual((record.state, record.date_order), ("done", DAY_FIRST))
        self.assertEqual(str(self.env["is.cegid.analytiq"].search([]).y_datecomptable), "2025-06-13")

    def test_a_tab_delimited_file_is_read_and_its_delimiter_shown_by_its_name(self):
        """Excel's "Text (Tab delimited)"; the tab itself would show as nothing."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.drop("ANALYTIQ.csv", ANALYTIQ.replace(",", "\t").encode())
        record = self.run_import()
        self.assertEqual((record.state, record.row_count, record.file_delimiter), ("done", 1, "\t"))
        self.assertEqual(self.env["is.cegid.analytiq"].search([]).y_libelle, "Achat\t divers")
        self.assertEqual(record.file_delimiter_shown, "Tab")
        self.assertEqual(record.with_context(lang="fr_FR").file_delimiter_shown, "Tabulation")

    def test_a_new_snapshot_replaces_the_table(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD1", "411000", "1"),
                                           ("2025-01-02", "OLD2", "411000", "2")))
        self.run_import()
        self.drop("ECRITURE.csv", ecriture(("2025-02-01", "NEW1", "512000", "3")))
        record = self.run_import()
        self.assertEqual(record.state, "done")
        self.assertEqual(self.entries(), [("2025-02-01", "NEW1", "512000", 3.0)])
        self.assertEqual(len(self.listing("archive")), 2)

    def test_the_swapped_table_is_the_table_odoo_made(self):
        before = self.structure()
        self.assertIn(("is_cegid_ecriture__e_general_index",
                       "CREATE INDEX is_cegid_ecriture__e_general_index ON public.is_cegid_ecriture "
                       "USING btree (e_general)"), before[2])
        self.assertIn("is_cegid_ecriture_create_uid_fkey", [name for name, _definition in before[1]])
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        oid = self.env.cr.fetchone()[0]
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD1", "411000", "1")))
        self.run_import()
        self.drop("ECRITURE.csv", ecriture(("2025-02-01", "NEW1", "512000", "3")))
        self.run_import()
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        self.assertNotEqual(self.env.cr.fetchone()[0], oid)  # really swapped, not filled in place
        self.assertEqual(self.structure(), before)
        self.env.cr.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%" + pg_replace.LOAD_SUFFIX + "%"])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        # ids keep coming from the same sequence; the ORM works on the new table
        entry = self.env["is.cegid.ecriture"].search([])
        self.assertEqual(entry.e_refinterne, "NEW1")
        self.assertGreater(entry.id, 1)
        self.assertEqual(self.env["is.cegid.ecriture"].search([("e_general", "=", "512000")]), entry)

    def test_a_table_with_a_dependent_view_is_filled_in_place(self):
        self.env.cr.execute("CREATE VIEW cegid_test_report AS SELECT e_general, e_debit FROM is_cegid_ecriture")
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        oid = self.env.cr.fetchone()[0]
        before = self.structure()
        self.drop("ECRITURE.csv", ecriture(("2025-02-01", "NEW1", "512000", "3")))
        with self.assertLogs("odoo.addons.is_cegid2odoo.cegid_import.pg_replace", "WARNING") as logs:
            record = self.run_import()
        self.assertEqual((record.state, record.message), ("done", False))
        self.assertIn("a view or rule depends on it", "\n".join(logs.output))
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        self.assertEqual(self.env.cr.fetchone()[0], oid)
        self.assertEqual(self.structure(), before)
        self.env.cr.execute("SELECT e_general, e_debit FROM cegid_test_report")
        self.assertEqual(self.env.cr.fetchall(), [("512000", 3.0)])

    def test_a_reader_holding_the_table_gets_old_rows_and_the_import_fills_in_place(self):
        self.drop("ECRITURE.csv", ecriture(("2025-02-01", "NEW1", "512000", "3")))
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        oid = self.env.cr.fetchone()[0]
        before = self.structure()
        # another transaction is reading the table (a long report): it holds its lock until it ends
        with self.env.registry.cursor() as reader:
            reader.execute("SELECT count(*) FROM is_cegid_ecriture")
            seen = reader.fetchone()[0]
            with patch.object(pg_readers, "SWAP_LOCK_ATTEMPTS", 1), \
                    self.assertLogs("odoo.addons.is_cegid2odoo.cegid_import.pg_replace", "WARNING") as logs:
                record = self.run_import()
            reader.execute("SELECT count(*) FROM is_cegid_ecriture")
            self.assertEqual(reader.fetchone()[0], seen)
        self.assertIn("readers held the table", "\n".join(logs.output))
        self.assertEqual(record.state, "done")
        self.assertEqual(self.entries(), [("2025-02-01", "NEW1", "512000", 3.0)])
        self.env.cr.execute("SELECT 'is_cegid_ecriture'::regclass::oid")
        self.assertEqual(self.env.cr.fetchone()[0], oid)
        self.assertEqual(self.structure(), before)

    def test_header_only_is_an_empty_snapshot(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD1", "411000", "1")))
        self.run_import()
        self.drop("ECRITURE.csv", ecriture())
        record = self.run_import()
        self.assertEqual((record.state, record.row_count), ("done", 0))
        self.assertEqual(self.entries(), [])

    def test_bad_value_on_the_last_line_rejects_the_file_and_keeps_the_old_rows(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD1", "411000", "1")))
        self.run_import()
        rows = [("2025-03-01", f"N{i}", "411000", "1,5") for i in range(20000)] + [("2025-03-01", "LAST", "4", "1,2,3")]
        self.drop("ECRITURE_big.csv", ecriture(*rows))
        record = self.run_import()
        self.assertEqual(record.state, "rejected")
        self.assertEqual((record.message_code, record.message_params), ("import.bad_value", {
            "line": 20002, "column": "E_DEBIT", "value": "1,2,3", "problem_code": "import.value.not_a_number"}))
        self.assertEqual(record.message, "Line 20002, column E_DEBIT: not a number (“1,2,3”).")
        self.assertEqual(self.entries(), [("2025-01-01", "OLD1", "411000", 1.0)])
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), 1)
        self.assertTrue(record.stored_as.startswith("anomalie/"))
        anomalies = self.listing("anomalie")
        self.assertEqual(len(anomalies), 2)
        note = self.folder / (record.stored_as + ".txt")
        self.assertEqual(note.read_text(encoding="utf-8"), record.message + "\n")
        self.assertNotIn("ECRITURE_big.csv", self.listing())

    def test_a_code_too_long_for_its_index_rejects_the_file_and_keeps_the_table(self):
        """A general account PostgreSQL cannot compress into an index entry would fail the index's build at every
        run: the file is refused once, why said."""
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD", "411000", "1")))
        self.run_import()
        account = "".join(random.Random(3).choices(string.ascii_letters + string.digits, k=2693))
        self.drop("ECRITURE.csv", ecriture(("2025-01-02", "NEW", account, "2")))
        record = self.run_import()
        self.assertEqual((record.state, record.message_params["problem_code"]),
                         ("rejected", "import.value.too_long_for_index"))
        said = f"Line 2, column E_GENERAL: 2,693 bytes, where an indexed column holds at most 2,692 (“{account[:20]}"
        self.assertTrue(record.message.startswith(said), record.message)
        self.assertEqual([entry[1] for entry in self.entries()], ["OLD"])

    def test_the_note_of_a_rejected_file_speaks_the_languages_of_the_cegid_managers(self):
        """The cron's user files it (OdooBot speaks English); the managers read it, most spoken language first."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        manager_group = self.env.ref("is_cegid2odoo.group_cegid_manager")
        manager_group.users.filtered(lambda user: not user.share).lang = "fr_FR"
        self.drop("ECRITURE.csv", ecriture(("2025-02-30", "R", "411000", "1")))
        record = self.run_import()
        french, english = record.with_context(lang="fr_FR").message, record.with_context(lang="en_US").message
        self.assertNotEqual(french, english)
        self.assertEqual((self.folder / (record.stored_as + ".txt")).read_text(encoding="utf-8"), french + "\n")
        for login in ("ann-cegid", "bob-cegid"):
            new_test_user(self.env, login, groups="base.group_user,is_cegid2odoo.group_cegid_manager", lang="en_US")
        self.drop("ECRITURE.csv", ecriture(("2025-02-30", "R", "411000", "1")))
        record = self.run_import()
        self.assertEqual((self.folder / (record.stored_as + ".txt")).read_text(encoding="utf-8"),
                         f"{english}\n\n{french}\n")

    def test_unreadable_files_go_to_anomalie(self):
        self.drop("ECRITURE.20261128T101500Z.csv", "E_DATECOMPTABLE;E_GENERAL\n2025-01-01;411000\n")
        self.drop("EMPTY.csv", b"")
        records = self.run_import()
        self.assertEqual(records.mapped("state"), ["rejected", "rejected"])
        named = records.filtered(lambda rec: rec.name.startswith("ECRITURE"))
        self.assertEqual(named.message, "The file is named after the export ECRITURE, but its header lacks "
                         "E_REFINTERNE, E_LIBELLE, E_DEBIT, E_CREDIT, E_AUXILIAIRE, E_REFLIBRE.")
        self.assertEqual(named.export_id, self.env.ref("is_cegid2odoo.export_ecriture"))
        self.assertEqual(records.filtered(lambda rec: rec.name == "EMPTY.csv").message,
                         "Empty file: no header line.")
        self.assertEqual(self.listing(), ["anomalie"])
        self.assertEqual(len(self.listing("anomalie")), 4)  # both files and their notes
        self.assertFalse(self.env["is.cegid.export"].search([("builtin", "=", False)]))

    def test_two_files_of_one_table_the_newest_wins_both_archived(self):
        newer = self.drop("ECRITURE_b.csv", ecriture(("2025-05-01", "NEWEST", "411000", "5")))
        older = self.drop("ECRITURE_a.csv", ecriture(("2025-04-01", "OLDER", "411000", "4")))
        # the names sort the other way: mtime decides
        os.utime(older, (self.mtime - 3600, self.mtime - 3600))
        records = self.run_import()
        self.assertEqual(records.sorted("id").mapped("name"), ["ECRITURE_a.csv", "ECRITURE_b.csv"])
        self.assertEqual(records.mapped("state"), ["done", "done"])
        self.assertEqual(self.entries(), [("2025-05-01", "NEWEST", "411000", 5.0)])
        self.assertEqual(len(self.listing("archive")), 2)
        self.assertFalse(newer.exists() or older.exists())

    def test_a_file_older_than_the_one_its_table_holds_is_archived_unread(self):
        """A file left behind (it failed for a moment) must not take the table back once a newer one is in."""
        self.drop("ECRITURE.csv", ecriture(("2025-05-01", "NEWER", "411000", "5")))
        self.run_import()
        older = self.drop("ECRITURE.csv", ecriture(("2025-04-01", "OLDER", "411000", "4")))
        os.utime(older, (self.mtime - 3600, self.mtime - 3600))
        record = self.run_import()
        self.assertEqual((record.state, record.message_code), ("superseded", "import.older_than_table"))
        self.assertIn("newer file of the same export, ECRITURE.csv", record.message)
        self.assertEqual(self.entries(), [("2025-05-01", "NEWER", "411000", 5.0)])
        self.assertFalse(older.exists())
        self.assertEqual(len(self.listing("archive")), 2)
        # a newer file still replaces the table
        self.drop("ECRITURE.csv", ecriture(("2025-06-01", "NEWEST", "411000", "6")))
        self.assertEqual(self.run_import().state, "done")
        self.assertEqual(self.entries(), [("2025-06-01", "NEWEST", "411000", 6.0)])

    def test_a_known_exports_file_of_another_name_older_than_its_table_is_archived_unread(self):
        """ECRITURE is told by its header: a query whose files are named GRAND_LIVRE is guarded the same way."""
        self.drop("GRAND_LIVRE.csv", ecriture(("2025-05-01", "NEWER", "411000", "5")))
        self.assertEqual(self.run_import().export_id, self.env.ref("is_cegid2odoo.export_ecriture"))
        # left behind, delivered under a suffixed name as another one had come meanwhile
        older = self.drop("GRAND_LIVRE.20250401T000000Z.csv", ecriture(("2025-04-01", "OLDER", "411000", "4")))
        os.utime(older, (self.mtime - 3600, self.mtime - 3600))
        record = self.run_import()
        self.assertEqual((record.state, record.message_code), ("superseded", "import.older_than_table"))
        self.assertEqual(self.entries(), [("2025-05-01", "NEWER", "411000", 5.0)])

    def test_hidden_files_subfolders_and_other_files_are_left_alone(self):
        (self.folder / ".cegid-partial").mkdir()
        (self.folder / ".cegid-partial" / "x.part").write_bytes(ecriture())
        (self.folder / "archive").mkdir()
        (self.folder / "archive" / "ECRITURE.csv").write_bytes(ecriture(("2025-01-01", "A", "4", "1")))
        self.drop(".ECRITURE.csv", ecriture(("2025-01-01", "HIDDEN", "4", "1")))
        self.drop("readme.txt", "not an export")
        self.assertFalse(self.run_import())
        self.assertEqual(self.listing(), [".ECRITURE.csv", ".cegid-partial", "archive", "readme.txt"])
        self.assertEqual(self.entries(), [])

    def test_no_file_is_started_once_the_runs_time_is_up(self):
        self.drop("ECRITURE_a.csv", ecriture(("2025-01-01", "A", "4", "1")))
        self.drop("ECRITURE_b.csv", ecriture(("2025-01-02", "B", "4", "2")))
        late = self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() - 1)
        self.assertEqual((late.records, late.continued), (self.env["is.cegid.import"], True))
        self.assertEqual(self.listing(), ["ECRITURE_a.csv", "ECRITURE_b.csv"])
        in_time = self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 600)
        self.assertEqual((in_time.records.mapped("state"), in_time.continued), (["done", "done"], False))

    def test_nothing_happens_on_a_copy_of_the_database(self):
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.database_uuid", "another-database")
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "4", "1")))
        self.assertFalse(self.run_import())
        with self.assertRaisesRegex(UserError, "before Odoo imports"):  # the button would promise an import
            self.env["is.cegid.import"].with_user(self.manager).action_import_now()
        self.assertFalse(self.triggers())
        self.assertEqual(self.listing(), ["ECRITURE.csv"])
        self.assertEqual(self.entries(), [])

    def test_import_now_button(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "4", "1")))
        with self.assertRaises(AccessError):
            self.env["is.cegid.import"].with_user(self.accountant).action_import_now()
        self.assertEqual(self.listing(), ["ECRITURE.csv"])
        self.assertFalse(self.triggers())
        action = self.env["is.cegid.import"].with_user(self.manager).action_import_now()
        self.assertIn("in the background", action["params"]["message"])
        self.assertEqual((len(self.triggers()), self.listing()), (1, ["ECRITURE.csv"]))  # not in the request
        self.run_import_cron()
        record = self.env["is.cegid.import"].search([], limit=1)
        self.assertEqual((record.name, record.state, record.row_count), ("ECRITURE.csv", "done", 1))
        self.assertEqual(self.entries(), [("2025-01-01", "A", "4", 1.0)])
        # the history is readable by the readers of its data, not writable
        history = self.env["is.cegid.import"].with_user(self.accountant).search([])
        self.assertEqual(history, record)
        with self.assertRaises(AccessError):
            history.write({"state": "failed"})

    def test_another_file_under_the_name_of_a_file_cut_is_imported_by_the_schedule(self):
        """The schedule leaves the very file Odoo's limit cut, not another written under its name in the same
        second (a date to the second cannot tell them apart)."""
        path = self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "4", "1")))
        facts = file_facts(path)
        self.env["is.cegid.import"].create({
            "name": "ECRITURE.csv", "state": "failed", "file_date": facts["file_date"],
            "file_identity": facts["file_identity"] + "0", "message_code": "import.cut_by_time_limit",
            "message_params": {"limit": None}})
        [record] = self.run_import()
        self.assertEqual((record.state, record.row_count), ("done", 1))

    def test_an_import_now_request_survives_a_run_skipped_by_the_lock(self):
        """Import now, met by another import under way (the download's, a load by parts), is done after it."""
        path = self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "4", "1")))
        # Odoo's time limit cut this very file before: the schedule leaves it, only a manager's request retries it
        self.env["is.cegid.import"].create({
            "name": "ECRITURE.csv", "state": "failed", **file_facts(path),
            "message_code": "import.cut_by_time_limit", "message_params": {"limit": None}})
        self.assertFalse(self.run_import())
        self.env["is.cegid.import"].with_user(self.manager).action_import_now()
        asked = self.triggers()
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key("import"),))
            self.run_import_cron()
        self.assertEqual(self.listing(), ["ECRITURE.csv"])
        # the request waits, and the cron is asked again, after a while, not at once and for ever
        self.assertTrue(self.env["ir.config_parameter"].sudo().get_param("is_cegid2odoo.import_request"))
        [retry] = self.triggers() - asked
        self.assertGreater(retry.call_at, fields.Datetime.now())
        self.run_import_cron()
        record = self.env["is.cegid.import"].search([], limit=1)
        self.assertEqual((record.state, record.row_count), ("done", 1))
        self.assertEqual(self.entries(), [("2025-01-01", "A", "4", 1.0)])
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param("is_cegid2odoo.import_request"))

    def test_old_history_is_purged(self):
        self.drop("ECRITURE.csv", ecriture())
        old = self.run_import()
        self.env.cr.execute("UPDATE is_cegid_import SET create_date = %s WHERE id = %s",
                            (fields.Datetime.subtract(fields.Datetime.now(), days=400), old.id))
        old.invalidate_recordset()
        self.drop("ECRITURE.csv", ecriture())
        new = self.run_import()
        self.assertFalse(old.exists())
        self.assertTrue(new.exists())

    def test_the_purge_takes_an_imports_changes_and_leaves_a_held_file(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "411000", "1")))
        first = self.run_import()
        self.drop("ECRITURE.csv", ecriture(("2025-01-02", "B", "411000", "2")))
        compared = self.run_import()
        changes, money = compared.change_ids, compared.money_ids
        self.assertEqual(len(changes), 2)
        self.assertTrue(money)
        self.drop("ECRITURE.csv", ecriture(("2025-01-02", "B", "411000", "2"), ("2025-01-03", "C", "411000", "3")))
        latest = self.run_import()  # what the table holds, and the next ECRITURE import is compared with
        self.assertEqual((latest.rows_added, latest.rows_removed), (1, 0))
        # a file held until a manager updates its table (review mode, a column added) waits as long as it takes
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("ECRITURE.csv", (ECRITURE_HEADER + ";E_QTE\r\n2025-01-03;C;Libellé C;411000;3;0;C1;;2\r\n")
                  .encode("cp1252"))
        held = self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual((held.state, entry.state, entry.held_import_id), ("rejected", "held", held))
        self.env.cr.execute("UPDATE is_cegid_import SET create_date = %s WHERE id IN %s",
                            (fields.Datetime.subtract(fields.Datetime.now(), days=400),
                             (first | compared | latest | held)._ids))
        self.env.invalidate_all()
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        new = self.run_import()
        self.assertEqual(new.state, "done", new.message)
        self.assertFalse(first.exists() or compared.exists())
        self.assertFalse(changes.exists() or money.exists(), "what an import changed goes with it")
        self.assertTrue(held.exists())
        self.assertEqual(entry.held_import_id, held)
        self.assertTrue(latest.exists(), "the import the table holds stays, however old")

    def test_the_purge_leaves_an_import_whose_activity_is_open_and_the_next_import_compares(self):
        """A change in a closed period opens an activity on its import: it stays until someone marks it done, and
        the last import of a table stays to be compared with, even past the history's retention."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.accounting_closed_until", "2025-01-31")
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "411000", "1")))
        first = self.run_import()
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "411000", "5")))
        alerted = self.run_import()
        self.assertTrue(alerted.activity_ids, "a change in a closed month")
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "411000", "5")))
        latest = self.run_import()
        self.env.cr.execute("UPDATE is_cegid_import SET create_date = %s WHERE id IN %s",
                            (fields.Datetime.subtract(fields.Datetime.now(), days=400),
                             (first | alerted | latest)._ids))
        self.env.invalidate_all()
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        self.run_import()  # another export's import, which purges the history
        self.assertFalse(first.exists())
        self.assertTrue(alerted.exists() and alerted.activity_ids, "its activity open: kept")
        self.assertTrue(latest.exists(), "what the table holds: kept")
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "411000", "5"), ("2025-02-01", "B", "411000", "1")))
        new = self.run_import()
        self.assertEqual((new.compared, new.rows_added, new.rows_removed), (True, 1, 0), "not a first import")
        self.assertFalse(latest.exists(), "the table holds the new one now")
        alerted.activity_ids.action_feedback()
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        self.run_import()
        self.assertFalse(alerted.exists(), "done: purged with the rest")

    def test_rejections_are_codes_read_in_the_readers_language(self):
        self.drop("ECRITURE.csv", ecriture(("2025-02-30", "R", "411000", "1")))
        record = self.run_import()
        self.assertEqual(record.message_params["problem_code"], "import.value.invalid_date")
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        french = record.with_context(lang="fr_FR")
        french.invalidate_recordset(["message"])
        self.assertEqual(french.message, "Ligne 2, colonne E_DATECOMPTABLE : date non valide (« 2025-02-30 »).")

    def test_a_file_that_cannot_be_moved_says_so_after_its_outcome(self):
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "A", "4", "1")))
        (self.folder / "archive").write_text("a file where the folder should be")
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
            record = self.run_import()
        self.assertEqual(record.state, "done")
        self.assertFalse(record.stored_as)
        self.assertTrue(record.message.startswith("Cannot move the file to archive/: "), record.message)
        # the next run moves it, without importing it again
        (self.folder / "archive").unlink()
        imports = self.env["is.cegid.import"].search_count([])
        self.assertFalse(self.run_import())
        self.assertEqual(self.env["is.cegid.import"].search_count([]), imports)
        self.assertEqual(self.listing("archive"), [record.stored_as.removeprefix("archive/")])
        self.assertFalse(record.message)
        self.assertFalse((self.folder / "ECRITURE.csv").exists())

    def test_a_file_renamed_over_while_it_was_imported_waits_for_the_next_run(self):
        """A tool delivers the next export as advised (written aside, renamed) while the first one is imported."""
        path = self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD", "411000", "1")))
        model = type(self.env["is.cegid.import"])
        link_downloads = model._link_downloads

        def delivered_meanwhile(records, name, entry):  # after the load, before the commit and the move
            aside = self.drop(".ECRITURE.csv.part", ecriture(("2025-01-01", "NEW", "411000", "2")))
            os.replace(aside, path)
            return link_downloads(records, name, entry)

        with patch.object(model, "_link_downloads", delivered_meanwhile), \
                self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "WARNING"):
            [first] = self.run_import()
        self.assertEqual((first.state, first.stored_as), ("done", False))
        self.assertEqual(self.listing("archive"), [])
        [second] = self.run_import()
        self.assertEqual(second.state, "done")
        self.assertEqual([entry[1] for entry in self.entries()], ["NEW"])
        [archived] = self.listing("archive")
        self.assertIn(b"NEW", (self.folder / "archive" / archived).read_bytes())

    def test_a_file_taken_away_before_it_was_read_says_so_and_keeps_the_table(self):
        """Another program moves the file away between the run's listing and its reading."""
        self.drop("ECRITURE.csv", ecriture(("2025-01-01", "OLD", "411000", "1")))
        self.run_import()
        path = self.drop("ECRITURE.csv", ecriture(("2025-01-02", "NEW", "411000", "2")))
        model = type(self.env["is.cegid.import"])
        import_file = model._import_file

        def taken_away(records, folder, name, *args, **kwargs):
            (self.folder / "elsewhere").mkdir()
            path.rename(self.folder / "elsewhere" / path.name)
            return import_file(records, folder, name, *args, **kwargs)

        with patch.object(model, "_import_file", taken_away), \
                self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "WARNING"):
            [record] = self.run_import()
        self.assertEqual((record.state, record.message_code, record.message_params),
                         ("failed", "import.file_gone", {"file": "ECRITURE.csv"}))
        self.assertEqual(record.message, "The file ECRITURE.csv left the import folder before its import ended "
                                         "(another program moved or deleted it): nothing was imported.")
        self.assertEqual([entry[1] for entry in self.entries()], ["OLD"])
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.assertIn("a quitté le dossier d’import avant la fin de son import",
                      record.with_context(lang="fr_FR").message)

    def test_a_rejected_file_left_in_the_folder_is_moved_not_rejected_again(self):
        """Its worker died between the commit and the move: the next run moves it."""
        self.drop("ECRITURE.csv", ecriture(("2025-02-30", "R", "411000", "1")))
        (self.folder / "anomalie").write_text("a file where the folder should be")
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
            [record] = self.run_import()
        self.assertEqual((record.state, record.stored_as), ("rejected", False))
        (self.folder / "anomalie").unlink()
        self.assertFalse(self.run_import())
        self.assertEqual(self.env["is.cegid.import"].search_count([("name", "=", "ECRITURE.csv")]), 1)
        self.assertTrue(record.stored_as.startswith("anomalie/"), record.stored_as)
        self.assertEqual(record.message, "Line 2, column E_DATECOMPTABLE: not a valid date (“2025-02-30”).")

    def test_a_rejected_file_whose_note_cannot_be_written_says_where_it_is(self):
        self.drop("ECRITURE.csv", ecriture(("2025-02-30", "R", "411000", "1")))
        (self.folder / "anomalie").mkdir()
        # the note's name leads to /dev/full: it opens, and its writing fails as on a full disk
        (self.folder / "anomalie" / "20260102T030405_ECRITURE.csv.txt").symlink_to("/dev/full")
        with freeze_time("2026-01-02 03:04:05"), \
                self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "ERROR"):
            record = self.run_import()
        self.assertEqual((record.state, record.stored_as), ("rejected", "anomalie/20260102T030405_ECRITURE.csv"))
        self.assertEqual(self.listing("anomalie"), ["20260102T030405_ECRITURE.csv"])  # no partial note
        self.assertEqual(record.message.splitlines(), [
            "Line 2, column E_DATECOMPTABLE: not a valid date (“2025-02-30”).",
            "The file was moved, but its note anomalie/20260102T030405_ECRITURE.csv.txt saying why could not be "
            "written: [Errno 28] No space left on device"])


@tagged("post_install", "-at_install")
class TestRunManually(ImportFolderMixin, HttpCase):
    """An administrator's *Run Manually* runs a scheduled action inside his web request."""

    def setUp(self):
        super().setUp()
        self.use_own_import_folder("cegid-run-manually-")

    def test_run_manually_leaves_the_addons_runs_to_a_cron_worker(self):
        """A request must not commit, and Odoo rolls it back whole when it is killed past its time limit or retried:
        the import, which moves each file once its rows are committed, and the download, which deletes blobs once
        their files are on disk, are triggered for a cron worker instead of run in the request."""
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        self.authenticate("admin", "admin")
        for xml_id in ("ir_cron_cegid_import", "ir_cron_cegid_download", "ir_cron_cegid_sync_queries"):
            cron = self.env.ref(f"is_cegid2odoo.{xml_id}")
            before = self.triggers(xml_id)
            self.make_jsonrpc_request("/web/dataset/call_kw/ir.cron/method_direct_trigger", {
                "model": "ir.cron", "method": "method_direct_trigger", "args": [cron.ids], "kwargs": {}})
            self.assertTrue(self.triggers(xml_id) - before, f"{xml_id}: triggered for a cron worker")
        self.assertFalse(self.env["is.cegid.import"].search([]), "nothing imported in the request")
        self.assertEqual(sorted(path.name for path in self.folder.iterdir()), ["HISTOCUMSAL.csv"])
        self.env["is.cegid.import"]._cron_import()  # what the cron worker then does
        self.assertEqual(self.env["is.cegid.import"].search([]).mapped("state"), ["done"])

    def test_run_manually_an_archived_action_says_it_cannot_run(self):
        """Odoo drops the triggers of an archived action: the administrator is told, rather than nothing happening."""
        cron = self.env.ref("is_cegid2odoo.ir_cron_cegid_import")
        cron.active = False
        self.drop("HISTOCUMSAL.csv", HISTOCUMSAL)
        self.authenticate("admin", "admin")
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self.make_jsonrpc_request("/web/dataset/call_kw/ir.cron/method_direct_trigger", {
                "model": "ir.cron", "method": "method_direct_trigger", "args": [cron.ids], "kwargs": {}})
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.UserError")
        self.assertFalse(self.env["is.cegid.import"].search([]), "nothing imported")

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""No column left behind: the optional columns of the known exports, their extra columns, any header."""

import contextlib
import importlib.util
import time
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import config

from ..cegid_import import pg_readers
from .common import ImportFolderMixin

ECRITURE_HEADER = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE"
ABSENCES_HEADER = ("PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
                   "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID")
ABSENCE_ROW = "ABS;0000042;3;1;CPA;-;Congés payés;01/07/2025;MAT;15/07/2025;PAM;10,5;73,5;{A-B}"


class ColumnsCase(ImportFolderMixin, TransactionCase):
    """An import folder of the test's own, the settings confirmed on this database."""

    def setUp(self):
        super().setUp()
        self.use_own_import_folder("cegid-columns-test-")

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


LONG = "Libellé complémentaire de la pièce comptable saisie par l’établissement"  # past 63 bytes
AWKWARD = ["Montant", "MONTANT", " montant ", "Montánt", "", "id", "create_uid", "display_name", "select", "2024",
           LONG, LONG + " bis"]


@tagged("post_install", "-at_install")
class TestEveryColumnKept(ColumnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="columns_manager",
                                    groups="base.group_user,is_cegid2odoo.group_cegid_manager")

    def ecriture_with_extras(self, *rows):
        """An ECRITURE file with the journal and two columns of the customer's own (establishment, quantity)."""
        lines = [f"{ECRITURE_HEADER};E_JOURNAL;E_Établissement;E_QTE"]
        lines += [f"30/06/2025;{ref};Vente;411000;{debit};0;C1;;VTE;{site};{quantity}"
                  for ref, debit, site, quantity in rows]
        return "\r\n".join(lines) + "\r\n"

    def test_the_extra_columns_of_a_known_export_get_fields_at_once_and_later_files_may_lack_them(self):
        record = self.import_one("ECRITURE.csv", self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5"),
                                                                           ("FAC2", "20", "Nîmes", "2")))
        self.assertEqual(record.message_code, "import.columns_added")
        self.assertIn("E_Établissement, E_QTE", record.message)
        model = self.env["is.cegid.ecriture"]
        self.assertEqual((model._fields["x_e_etablissement"].type, model._fields["x_e_qte"].type), ("char", "float"))
        self.assertEqual(model._fields["x_e_etablissement"].string, "E_Établissement")
        rows = model.search([], order="e_refinterne")
        self.assertEqual([(row.e_refinterne, row.e_debit, row.e_journal, row.x_e_etablissement, row.x_e_qte)
                          for row in rows], [("FAC1", 10.0, "VTE", "Lyon", 1.5), ("FAC2", 20.0, "VTE", "Nîmes", 2.0)])
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual(entry.column_ids.mapped("name"), [
            "E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_DEBIT", "E_CREDIT", "E_AUXILIAIRE",
            "E_REFLIBRE", "E_JOURNAL", "E_ÉTABLISSEMENT", "E_QTE"])
        self.assertEqual(entry.column_ids[-2:].mapped("header"), ["E_Établissement", "E_QTE"])
        self.assertEqual(entry.column_ids[-2:].mapped("kind"), ["char", "float"])
        arch = model.get_views([(False, "list"), (False, "form")])["views"]
        for view_type in ("list", "form"):
            self.assertIn('name="x_e_qte"', arch[view_type]["arch"], view_type)
        # a later file without them: imported, the fields left empty, the table unchanged
        self.import_one("ECRITURE.csv", f"{ECRITURE_HEADER}\r\n30/06/2025;FAC3;Vente;411000;5;0;C1;\r\n")
        row = model.search([])
        self.assertEqual((row.e_refinterne, row.e_journal, row.x_e_etablissement, row.x_e_qte), ("FAC3", False,
                                                                                                  False, 0.0))
        # and with them again: the same fields, nothing added
        record = self.import_one("ECRITURE.csv", self.ecriture_with_extras(("FAC4", "1", "Pau", "3")))
        self.assertFalse(record.message_code)
        self.assertEqual(len(entry.column_ids), 11)
        self.assertEqual(model.search([]).x_e_etablissement, "Pau")

    def update_requested(self):
        """In review mode, an ECRITURE file with new columns held, and a manager's *Update the table*: (held, entry)."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("ECRITURE.csv", self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5")).encode("cp1252"))
        held = self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        entry.with_user(self.manager).action_update_table()
        return held, entry

    def hold_the_table(self):
        """Another transaction reading the ECRITURE table (a backup, a long report): (its cursor, the rows it saw).

        Its lock is kept until it ends. Meanwhile a wait of this test's transaction behind it fails after 20 s (it
        would hang the test), and the import's attempts at the lock are two (each half a second).
        """
        self.env.cr.execute("SET LOCAL lock_timeout = '20s'")  # undone with the test's savepoint
        reader = self.env.registry.cursor()
        self.addCleanup(reader.close)
        reader.execute("SELECT count(*) FROM is_cegid_ecriture")
        self.enterContext(patch.object(pg_readers, "SWAP_LOCK_ATTEMPTS", 2))
        return reader, reader.fetchone()[0]

    def rows_a_new_reader_sees(self):
        """The rows another new session reads in the table, at once: no exclusive lock held or waited for ahead of it
        (else it fails within 2 s)."""
        with self.env.registry.cursor() as other:
            other.execute("SET lock_timeout = '2s'")
            other.execute("SELECT count(*) FROM is_cegid_ecriture")
            return other.fetchone()[0]

    def test_a_value_a_column_added_for_its_files_cannot_hold_holds_the_file_and_an_update_widens_it(self):
        """Refused every time, the known export's files all stopped (its added columns could not be changed): held,
        and Update the table makes the column text, as another export's; a code 01000 is not stored as 1000."""
        def ecriture(quantity, *more):  # its one column added (the views extending the shipped ones hold it alone)
            header = ";".join([ECRITURE_HEADER, "E_QTE", *(name for name, _value in more)])
            row = ";".join(["30/06/2025;FAC;Vente;411000;10;0;C1;", quantity, *(value for _name, value in more)])
            return f"{header}\r\n{row}\r\n"

        self.import_one("ECRITURE.csv", ecriture("1000"))
        self.assertEqual(self.env["is.cegid.ecriture"]._fields["x_e_qte"].type, "integer")
        entry = self.env["is.cegid.export"].search([("name", "=", "ECRITURE")])
        for quantity, more, problem in (("A12", (), "import.value.not_a_number"),
                                        ("01000", (), "import.value.leading_zero"),
                                        ("A12", [("E_SITE", "Pau")], "import.value.not_a_number")):
            self.drop("ECRITURE.csv", ecriture(quantity, *more).encode("cp1252"))
            record = self.run_import()
            self.assertEqual((record.state, (record.message_params or {}).get("problem_code"), entry.state),
                             ("rejected", problem, "held"), record.message)
            # the column added before keeps its type until Update the table (not widened with a new column's adding)
            self.assertEqual(self.env["is.cegid.ecriture"]._fields["x_e_qte"].type, "integer")
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual((entry.state, self.env["is.cegid.ecriture"]._fields["x_e_qte"].type), ("ready", "char"),
                         entry.last_import_id.message)
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).mapped("x_e_qte"), ["A12"])
        self.import_one("ECRITURE.csv", ecriture("01000"))
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).mapped("x_e_qte"), ["01000"])

    def test_new_columns_do_not_wait_behind_a_reader_of_the_table(self):
        """A column added behind a reader would stop every other reader for as long as that one lasts: the import
        waits a few seconds at most, fails for now, and the next run brings the file in."""
        # (nothing imported before in this test's transaction: its swap would hold the table, the reader wait for it)
        self.drop("ECRITURE.csv", self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5")).encode("cp1252"))
        reader, seen = self.hold_the_table()
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "WARNING") as logs:
            [record] = self.run_import()
        self.assertEqual((record.state, record.message_code, record.message_params),
                         ("failed", "import.table_busy", {"export": "ECRITURE"}))
        self.assertIn("readers (a backup, a long report) kept its table", record.message)
        self.assertIn("import.table_busy", logs.output[0])
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)
        self.assertEqual(self.rows_a_new_reader_sees(), seen)
        self.assertEqual(self.env["is.cegid.ecriture"].search_count([]), seen, "none of the file's rows")
        reader.close()
        # the file waited in the folder: the next run adds the columns and imports it
        [record] = self.run_import()
        self.assertEqual((record.state, record.message_code), ("done", "import.columns_added"))
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).x_e_qte, 1.5)

    def test_an_update_of_the_table_does_not_wait_behind_a_reader_of_the_table(self):
        """Update the table while a reader holds it: a few seconds of waiting at most, then the managers are told
        (the file stays held, the table as it was) and may press the button again once the readers are done."""
        held, entry = self.update_requested()
        reader, seen = self.hold_the_table()
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import_held", "WARNING"):
            self.run_import_cron()
        told = self.env["is.cegid.import"].search([("id", "!=", held.id)])
        self.assertEqual((told.state, told.message_code, told.message_params),
                         ("failed", "import.update_table_busy", {"export": "ECRITURE"}))
        self.assertIn("Press Update the table again once they are done", told.message)
        self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, False))
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)
        self.assertEqual(self.rows_a_new_reader_sees(), seen)
        reader.close()
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual(entry.state, "ready")
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).x_e_qte, 1.5)

    def test_in_review_mode_the_file_waits_for_update_the_table(self):
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("ECRITURE.csv", self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5")).encode("cp1252"))
        record = self.run_import()
        self.assertEqual((record.state, record.message_code), ("rejected", "import.header_changed"))
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual((entry.state, entry.held_import_id), ("held", record))
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()  # the button hands the update and the import to the cron
        self.assertEqual(entry.state, "ready")
        row = self.env["is.cegid.ecriture"].search([])
        self.assertEqual((row.e_refinterne, row.x_e_etablissement, row.x_e_qte), ("FAC1", "Lyon", 1.5))

    def test_an_update_of_the_table_is_not_started_once_the_runs_time_is_up(self):
        """Woken by the schedule or the button's trigger, the run assumes the worst: it leaves the update, one
        transaction as long as its file, to its continuation, right after the worker's next heartbeat."""
        held, entry = self.update_requested()
        asked = self.triggers()
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 80}):
            self.run_import_cron()
            self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, True))
            self.assertEqual(self.env["is.cegid.import"].search([]), held, "nothing started")
            self.assertTrue(self.triggers() - asked, "handed over to the next turn")
            self.run_import_cron()
        self.assertEqual((entry.state, entry.update_requested), ("ready", False))
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).x_e_etablissement, "Lyon")

    def test_an_update_longer_than_the_time_left_is_put_off_once(self):
        """The export's last import took 150 s: its update may take twice that, more than a run woken by the schedule
        has left under a 300 s limit (225 s from the heartbeat, 70 s of which may be gone): the run leaves it to its
        continuation, which starts it, as no run would have much more (nor enough), rather than put it off again."""
        held, entry = self.update_requested()
        self.env["is.cegid.import"].create({"name": "ECRITURE.csv", "export_id": entry.id, "state": "done",
                                            "duration": 150, "row_count": 1})
        asked = self.triggers()
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 300}):
            self.run_import_cron()
            self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, True))
            self.assertTrue(self.triggers() - asked, "handed over to the next turn")
            deferral = f"is_cegid2odoo.update_deferred.{entry.id}"
            self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(deferral), str(held.id))
            self.run_import_cron()
        self.assertEqual((entry.state, entry.update_requested), ("ready", False))
        self.assertEqual(self.env["is.cegid.ecriture"].search([]).x_e_etablissement, "Lyon")
        self.assertFalse(self.env["ir.config_parameter"].sudo().get_param(deferral), "the next update is judged anew")

    def test_an_update_of_the_table_is_compared_with_the_rows_it_replaces(self):
        """Update the table replaces the rows as an import does: compared over the columns both files filled (the
        new columns change no row), and a change in a closed month is alerted."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.accounting_closed_until", "2025-06-30")
        self.import_one("ECRITURE.csv", f"{ECRITURE_HEADER}\r\n30/06/2025;FAC1;Vente;411000;10;0;C1;\r\n"
                                        "30/06/2025;FAC9;Vente;411000;5;0;C1;\r\n")
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("ECRITURE.csv", self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5"),
                                                            ("FAC2", "20", "Pau", "2")).encode("cp1252"))
        self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        update = self.env["is.cegid.import"].search([("message_code", "=", "import.table_updated")])
        self.assertEqual((update.state, update.compared, update.rows_added, update.rows_removed),
                         ("done", True, 1, 1), "FAC2 added, FAC9 removed, FAC1 alike")
        self.assertFalse({"x_e_etablissement", "x_e_qte", "e_journal"} & set(update.change_columns))
        self.assertTrue(update.closed_changes and update.activity_ids, "June 2025 is closed")

    def test_a_copy_of_the_database_leaves_the_held_file_to_its_own_database(self):
        """A database copied with an update requested (its settings not confirmed on the copy) neither changes the
        table nor moves the held file out of the anomalie/ folder it may share with the production database."""
        held, entry = self.update_requested()
        params = self.env["ir.config_parameter"].sudo()
        confirmed = params.get_param("is_cegid2odoo.database_uuid")
        params.set_param("is_cegid2odoo.database_uuid", "another-database")
        asked = self.triggers()
        self.run_import_cron()
        self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, True))
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)
        self.assertTrue((self.folder / held.stored_as).is_file())
        self.assertFalse(self.triggers() - asked, "no run asked again and again on the copy")
        params.set_param("is_cegid2odoo.database_uuid", confirmed)  # confirmed here: this database's own
        self.run_import_cron()
        self.assertEqual((entry.state, entry.update_requested), ("ready", False))

    def test_a_newer_file_held_in_place_of_the_first_keeps_the_request_not_the_note(self):
        """A file under another name is not known to be of the export before its header is read (the next test's
        file waits instead): it is held in place of the first. It changes the table just as the first: the manager's
        request stands for it; the run's note named the first file, so the newer file's update is judged anew."""
        held, entry = self.update_requested()
        self.env["is.cegid.import"].create({"name": "ECRITURE.csv", "export_id": entry.id, "state": "done",
                                            "duration": 150, "row_count": 1})
        params = self.env["ir.config_parameter"].sudo()
        deferral = f"is_cegid2odoo.update_deferred.{entry.id}"
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 300}):
            self.run_import_cron()
        self.assertEqual(params.get_param(deferral), str(held.id), "put off")
        self.drop("GRAND_LIVRE.csv", self.ecriture_with_extras(("FAC2", "20", "Pau", "2")).encode("cp1252"))
        newer = self.run_import()
        self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", newer, True))
        self.assertFalse(params.get_param(deferral), "the newer held file's update is judged anew")
        self.run_import_cron()
        self.assertEqual((entry.state, entry.update_requested), ("ready", False))
        row = self.env["is.cegid.ecriture"].search([])
        self.assertEqual((row.e_refinterne, row.x_e_etablissement), ("FAC2", "Pau"))

    def test_a_newer_file_waits_for_the_update_put_off_and_then_fills_the_updated_table(self):
        """The run that puts the update off imports the other files: a newer file of the export, with the same new
        columns, is not held in place of the first (which would drop the manager's request): it waits for the
        update, then fills the updated table."""
        held, entry = self.update_requested()
        self.env["is.cegid.import"].create({"name": "ECRITURE.csv", "export_id": entry.id, "state": "done",
                                            "duration": 150, "row_count": 1})
        self.drop("ECRITURE.csv", self.ecriture_with_extras(("FAC2", "20", "Pau", "2")).encode("cp1252"))
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 300}):
            self.run_import_cron()
            self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, True))
            self.assertTrue((self.folder / "ECRITURE.csv").is_file(), "the newer file waits in the folder")
            self.run_import_cron()
        self.assertEqual((entry.state, entry.update_requested), ("ready", False))
        row = self.env["is.cegid.ecriture"].search([])
        self.assertEqual((row.e_refinterne, row.x_e_etablissement), ("FAC2", "Pau"))

    def test_a_newer_file_changing_the_table_otherwise_drops_the_request(self):
        """With the import action archived (no update would come), a newer file of the export does not wait for the
        update: it is imported, here held in place of the first. The manager saw the first file's change, not this
        one's: the newer file waits for his word again."""
        held, entry = self.update_requested()
        self.env.ref("is_cegid2odoo.ir_cron_cegid_import").active = False
        self.drop("ECRITURE.csv", f"{ECRITURE_HEADER};E_LOT\r\n30/06/2025;FAC3;Vente;411000;5;0;C1;;L7\r\n"
                  .encode("cp1252"))
        newer = self.run_import()
        self.assertEqual((newer.state, entry.held_import_id, entry.update_requested), ("rejected", newer, False))
        self.assertNotIn(held, entry.held_import_id)

    def test_an_update_put_off_starts_only_with_the_time_a_new_turn_has(self):
        """Noted as put off, an update starts in a later run that has what a run of a new turn is sure to have (under
        a 300 s limit, 225 s of budget less the 70 s of the worst case, within limit_time_cpu's 100 s less 10), not in
        one left with seconds (after another update); a note for another held file is not this one's (the note itself
        is written by the cron: the test before)."""
        held, entry = self.update_requested()
        self.env["is.cegid.import"].create({"name": "ECRITURE.csv", "export_id": entry.id, "state": "done",
                                            "duration": 150, "row_count": 1})
        params = self.env["ir.config_parameter"].sudo()
        deferral = f"is_cegid2odoo.update_deferred.{entry.id}"
        Import = self.env["is.cegid.import"]
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 300, "limit_time_cpu": 100}):
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 150), "150 s: less than twice 150 s")
            params.set_param(deferral, str(held.id + 1000))  # another held file's
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 150), "another held file's note")
            params.set_param(deferral, str(held.id))  # as the run that put it off notes it
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 30), "30 s: less than a new turn's 85 s")
            self.assertTrue(Import._update_starts(entry, time.monotonic() + 150))
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 100}):  # a new turn: 5 s at worst
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 5), "never with less than 10 s")
            self.assertTrue(Import._update_starts(entry, time.monotonic() + 15))

    def test_an_update_of_a_table_never_imported_starts_only_with_the_time_a_new_turn_has(self):
        """No import of the export done yet, the update's time is not known: not with the seconds left after another
        file, as if it were nothing; with what a run of a new turn is sure to have (85 s under a 300 s limit)."""
        _held, entry = self.update_requested()
        Import = self.env["is.cegid.import"]
        with patch.dict(config.options, {"workers": 2, "limit_time_real_cron": 300, "limit_time_cpu": 100}):
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 5), "5 s left: not started")
            self.assertFalse(Import._update_starts(entry, time.monotonic() + 30), "30 s: less than a new turn's 85 s")
            self.assertTrue(Import._update_starts(entry, time.monotonic() + 150))

    def test_update_the_table_leaves_the_held_files_rows_to_the_cron(self):
        """The button reads the held file's header only: its rows, read whole for their types (some 7 CPU seconds a
        million rows), would outlast a web request (limit_time_cpu); the cron reads them and says what it refuses."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        text = self.ecriture_with_extras(("FAC1", "10", "Lyon", "1,5"), ("FAC2", "20", "Pau\x00", "2"))
        self.drop("ECRITURE.csv", text.encode("cp1252"))
        held = self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual((entry.state, entry.held_import_id), ("held", held))
        action = entry.with_user(self.manager).action_update_table()
        self.assertIn("in the background", action["params"]["message"])
        self.run_import_cron()
        refused = self.env["is.cegid.import"].search([], limit=1)
        self.assertEqual((refused.state, refused.message_code), ("rejected", "import.nul_character"))
        self.assertEqual((entry.state, entry.held_import_id, entry.update_requested), ("held", held, False))

    def test_an_update_of_the_table_killed_midway_is_told_and_not_taken_up_again(self):
        """A held file longer than Odoo's limit: the worker dies in the update, the next run says so, once."""
        held, entry = self.update_requested()
        # Odoo kills the cron worker in the middle of the load, under a limit that leaves even a run assuming the
        # worst the time to start the update
        workers = {"workers": 2, "limit_time_real_cron": 600}
        self.killed_in_load(self.run_import_cron, workers)
        # the next worker loads the models from the database (the update's columns went with its transaction)
        self.env.invalidate_all()
        self.env.registry.setup_models(self.env.cr)
        [left] = self.env["is.cegid.import"].search([("id", "!=", held.id)])
        self.assertEqual((left.state, left.message_code), ("running", "import.updating"))
        self.assertIn("Updating the table of ECRITURE", left.message)
        self.assertFalse(entry.update_requested, "taken once: the next runs do not die of it again")
        with patch.dict(config.options, workers):
            self.env["is.cegid.import"]._import_folder(deadline=time.monotonic() + 60)
        self.assertEqual((left.state, left.message_code, left.message_params),
                         ("failed", "import.update_cut", {"export": "ECRITURE", "limit": 600}))
        self.assertIn("cut by Odoo's time limit for scheduled actions (600 s)", left.message)
        self.assertIn("press Update the table again", left.message)
        # the table as it was, the file still held: a manager may ask again (once the limit is raised)
        self.assertEqual((entry.state, entry.held_import_id), ("held", held))
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)

    def test_a_header_with_repeated_and_awkward_names_arrives_whole(self):
        header = ";".join(AWKWARD)
        row = ";".join(str(number) + "x" for number in range(len(AWKWARD)))
        record = self.import_one("PAIE.csv", f"{header}\r\n{row}\r\n")
        entry = record.export_id
        self.assertEqual(entry.column_ids.mapped("header"), [name.strip() or "COLUMN_5" for name in AWKWARD])
        labels = entry.column_ids.mapped("label")
        self.assertEqual(len({label.casefold() for label in labels}), len(AWKWARD), labels)
        fields = entry.column_ids.mapped("field_name")
        self.assertEqual(fields[:10], ["x_montant", "x_montant_2", "x_montant_3", "x_montant_4", "x_column_5", "x_id",
                                       "x_create_uid", "x_display_name", "x_select", "x_2024"])
        stored = self.env[entry.model].search([])
        self.assertEqual([stored[field] for field in fields], [f"{number}x" for number in range(len(AWKWARD))])
        # the next file with the same header is the same export: imported, not held
        record = self.import_one("PAIE.csv", f"{header}\r\n{row.replace('0x', 'y')}\r\n")
        self.assertEqual(self.env[entry.model].search([])[fields[0]], "y")
        self.assertEqual(entry.state, "ready")

    def test_a_kind_is_the_same_field_in_every_table(self):
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("SALARIES.csv", "MATRICULE;NOM;SALAIRE_BASE;ORDRE\r\n0000042;Hélène;2 500,50;3\r\n".encode("cp1252"))
        self.run_import()
        entry = self.env["is.cegid.export"].search([("name", "=", "SALARIES")])
        entry.column_ids.filtered(lambda col: col.name == "SALAIRE_BASE").kind = "amount"
        entry.with_user(self.manager).action_create_table()
        self.run_import_cron()  # the table is made in the request, its file imported by the cron
        custom, shipped = self.env[entry.model]._fields, self.env["is.cegid.ecriture"]._fields
        self.assertEqual((custom["x_salaire_base"].type, custom["x_salaire_base"].get_digits(self.env)),
                         (shipped["e_debit"].type, shipped["e_debit"].get_digits(self.env)))
        self.assertEqual(custom["x_salaire_base"].get_digits(self.env), (16, 2))
        self.assertEqual((custom["x_ordre"].type, custom["x_ordre"].aggregator),
                         ("integer", self.env["is.cegid.absencesalarie"]._fields["pcn_ordre"].aggregator))
        self.env.cr.execute("SELECT table_name, data_type FROM information_schema.columns "
                            "WHERE (table_name, column_name) IN (('x_cegid_salaries', 'x_salaire_base'), "
                            "('is_cegid_ecriture', 'e_debit'))")
        self.assertEqual(dict(self.env.cr.fetchall()), {"x_cegid_salaries": "numeric", "is_cegid_ecriture": "numeric"})
        self.assertEqual(self.env[entry.model].search([]).x_salaire_base, 2500.5)


class _Undone(Exception):
    """Raised to roll a savepoint back."""


@tagged("post_install", "-at_install")
class TestUpgradeFromOdoo16(TransactionCase):
    def test_the_first_migration_passes_a_database_without_the_catalogue(self):
        """A database of the Odoo 16 module runs every 18.0 migration, the first one before this addon's tables
        exist: it had no export catalogue."""
        path = Path(__file__).parents[1] / "migrations" / "18.0.1.1.0" / "pre-migrate.py"
        spec = importlib.util.spec_from_file_location("is_cegid2odoo_pre_migrate_18_0_1_1_0", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        cr = self.env.cr
        with contextlib.suppress(_Undone), cr.savepoint(flush=False):
            cr.execute("ALTER TABLE is_cegid_export_column RENAME TO is_cegid_export_column_aside")
            migration.migrate(cr, "16.0.1.0.0")
            cr.execute("SELECT 1 FROM information_schema.columns "
                       "WHERE table_name = 'ir_model_fields' AND column_name = 'cegid_kind'")
            self.assertTrue(cr.fetchone())
            raise _Undone
        self.assertTrue(self.env["is.cegid.export.column"].search_count([]), "the catalogue is back")

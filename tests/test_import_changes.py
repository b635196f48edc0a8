# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What changed in Cegid since the last export: counts, detail, money table, closed periods reaching the managers."""

import ast
import logging
import shutil
import tempfile
from pathlib import Path

from lxml import etree

from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user

from ..cegid_import import changes
from .common import ImportFolderMixin
from .test_export import FIRST, SECOND, forget_custom_models, salaries

ECRITURE_HEADER = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE"
ANALYTIQ_HEADER = ("Y_DATECOMPTABLE;Y_GENERAL;Y_AXE;Y_SECTION;Y_REFINTERNE;Y_LIBELLE;Y_NATUREPIECE;Y_REFEXTERNE;"
                   "Y_JOURNAL;Y_CONTREPARTIEAUX;Y_DEBIT;Y_CREDIT")
ABSENCE_HEADER = ("PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
                  "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID")
# (date, piece, account, debit, credit)
JANUARY = [("2025-01-15", "P1", "401000", "0", "120,00"), ("2025-01-15", "P1", "606000", "120,00", "0"),
           ("2025-01-20", "P2", "625000", "10,00", "0"), ("2025-01-20", "P2", "625000", "10,00", "0")]
MARCH = [("2025-03-03", "P3", "706000", "0", "500,00"), ("2025-03-03", "P3", "411000", "500,00", "0")]


def ecriture(rows):
    lines = [ECRITURE_HEADER] + [f"{date};{piece};Pièce {piece};{account};{debit};{credit};;" for
                                 date, piece, account, debit, credit in rows]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def analytiq(*rows):
    """An ANALYTIQ export of account 607000, axis A1: rows of (date, section, debit)."""
    line = "{date};607000;A1;{section};R1;Achat;FF;X9;ACH;F001;{debit};0"
    return ("\r\n".join([ANALYTIQ_HEADER, *(line.format(date=date, section=section, debit=debit)
                                           for date, section, debit in rows)]) + "\r\n").encode()


@tagged("post_install", "-at_install")
class TestImportChanges(ImportFolderMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="changes_manager", lang="en_US",
                                    groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        cls.accountant = new_test_user(cls.env, login="changes_accountant",
                                       groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        cls.payroll = new_test_user(cls.env, login="changes_payroll",
                                    groups="base.group_user,is_cegid2odoo.group_cegid_payroll")

    def setUp(self):
        self.addCleanup(forget_custom_models, self)
        super().setUp()
        self.folder = Path(tempfile.mkdtemp(prefix="cegid-changes-test-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.params = self.env["ir.config_parameter"].sudo()
        self.params.set_param("is_cegid2odoo.import_folder", str(self.folder))
        self.params.set_param("is_cegid2odoo.database_uuid", self.params.get_param("database.uuid"))
        self.params.set_param("is_cegid2odoo.accounting_closed_until", "2025-01-31")

    def imported(self, name, data):
        self.drop(name, data)
        [record] = self.run_import()
        self.assertEqual(record.state, "done", record.message)
        return record

    def alerts(self, record):
        return record.activity_ids.filtered(lambda act: act.user_id == self.manager)

    def managers(self):
        """Who the alerts are for: the internal users of the Cegid manager group."""
        return self.env.ref("is_cegid2odoo.group_cegid_manager").users.filtered(lambda user: not user.share)

    def test_three_ecriture_snapshots(self):
        first = self.imported("ECRITURE.csv", ecriture(JANUARY))
        # nothing to compare with: every row is new, no alert even in a closed month
        self.assertEqual((first.compared, first.rows_added, first.rows_removed), (False, 4, 0))
        self.assertFalse(first.change_ids or first.money_ids or self.alerts(first))

        # open months only: a new piece in March, nothing else
        second = self.imported("ECRITURE.csv", ecriture(JANUARY + MARCH))
        self.assertEqual((second.compared, second.rows_added, second.rows_removed), (True, 2, 0))
        self.assertEqual(sorted(second.change_ids.mapped("kind")), ["added", "added"])
        self.assertEqual([(m.account, str(m.month), m.debit, m.credit, m.row_count) for m in second.money_ids],
                         [("411000", "2025-03-01", 500.0, 0.0, 1), ("706000", "2025-03-01", 0.0, 500.0, 1)])
        self.assertFalse(second.closed_changes or self.alerts(second))

        # a closed month changes: one of the two identical lines goes, an amount changes; March too
        third_rows = [JANUARY[0], ("2025-01-15", "P1", "606000", "125,00", "0"), JANUARY[2],
                      ("2025-03-03", "P3", "706000", "0", "505,00"), MARCH[1]]
        third = self.imported("ECRITURE.csv", ecriture(third_rows))
        self.assertEqual((third.rows_added, third.rows_removed), (2, 3))
        self.assertEqual(sorted((c.kind, c.data["e_general"], c.data["e_debit"]) for c in third.change_ids), [
            ("added", "606000", "125.00"), ("added", "706000", "0"), ("removed", "606000", "120.00"),
            ("removed", "625000", "10.00"), ("removed", "706000", "0")])
        # each row's values in the order of the columns compared, their names kept once on the import
        self.assertEqual(third.change_columns[:6], ["e_datecomptable", "e_refinterne", "e_libelle", "e_general",
                                                    "e_debit", "e_credit"])
        self.assertEqual({len(change.row_values) for change in third.change_ids}, {len(third.change_columns)})
        self.assertIn("General account: 606000", third.change_ids.filtered(lambda c: c.kind == "added")[0].line
                      + third.change_ids.filtered(lambda c: c.kind == "added")[1].line)
        self.assertEqual([(m.account, str(m.month), m.debit, m.credit, m.row_count) for m in third.money_ids], [
            ("606000", "2025-01-01", 5.0, 0.0, 2), ("625000", "2025-01-01", -10.0, 0.0, 1),
            ("706000", "2025-03-01", 0.0, 5.0, 2)])
        self.assertFalse(third.money_per_section)  # per account only: no empty axis and section columns
        # the alert names the closed month's accounts and amounts, not March's
        [alert] = self.alerts(third)
        self.assertEqual(alert.summary, "Cegid: ECRITURE changed a closed period")
        self.assertIn("606000, January 2025: Debit: 5.00; Credit: 0.00 (2 row(s) changed)", alert.note)
        self.assertIn("625000, January 2025: Debit: -10.00; Credit: 0.00 (1 row(s) changed)", alert.note)
        self.assertNotIn("706000", alert.note)
        self.assertEqual(alert.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        # one for each Cegid manager, for no one else
        self.assertIn(self.manager, self.managers())
        self.assertEqual(sorted(third.activity_ids.user_id.ids), sorted(self.managers().ids))
        self.assertEqual(len(third.activity_ids), len(self.managers()))
        # the next import that works does not close it: a person does
        self.imported("ECRITURE.csv", ecriture(third_rows))
        self.assertTrue(alert.exists())

    def test_an_optional_column_the_previous_file_lacked_changes_no_row(self):
        """The customer adds the journal (an optional column of ECRITURE) to the Cegid query: the rows are compared
        over the columns both files filled, so nothing changed and no closed month is alerted; the next file is
        compared over the journal too."""
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        with_journal = [f"{ECRITURE_HEADER};E_JOURNAL"]
        with_journal += [f"{date};{piece};Pièce {piece};{account};{debit};{credit};;;ACH"
                         for date, piece, account, debit, credit in JANUARY]
        journal = self.imported("ECRITURE.csv", ("\r\n".join(with_journal) + "\r\n").encode("cp1252"))
        self.assertEqual((journal.compared, journal.rows_added, journal.rows_removed), (True, 0, 0))
        self.assertNotIn("e_journal", journal.change_columns)
        self.assertIn("e_journal", journal.loaded_columns)
        self.assertFalse(journal.closed_changes or self.alerts(journal))
        with_journal[1] = with_journal[1].replace(";ACH", ";OD")
        moved = self.imported("ECRITURE.csv", ("\r\n".join(with_journal) + "\r\n").encode("cp1252"))
        self.assertEqual((moved.rows_added, moved.rows_removed), (1, 1))
        self.assertTrue(self.alerts(moved), "a line of January moved to another journal")

    def test_a_file_lacking_an_optional_column_and_adding_another_changes_no_row(self):
        """The query loses the journal and gains a quantity in one change: the quantity gets its field at once, and
        the rows are compared over what both files filled (not the journal this file lacks), so nothing changed."""
        rows = [f"{date};{piece};Pièce {piece};{account};{debit};{credit};;" for date, piece, account, debit, credit
                in JANUARY]
        with_journal = [f"{ECRITURE_HEADER};E_JOURNAL"] + [f"{row};ACH" for row in rows]
        self.imported("ECRITURE.csv", ("\r\n".join(with_journal) + "\r\n").encode("cp1252"))
        with_quantity = [f"{ECRITURE_HEADER};E_QTE"] + [f"{row};1" for row in rows]
        record = self.imported("ECRITURE.csv", ("\r\n".join(with_quantity) + "\r\n").encode("cp1252"))
        self.assertEqual(record.message_code, "import.columns_added")
        self.assertEqual((record.compared, record.rows_added, record.rows_removed), (True, 0, 0))
        self.assertFalse({"e_journal", "x_e_qte"} & set(record.change_columns))
        self.assertFalse(self.alerts(record))

    def test_the_side_kept_is_guessed_from_the_previous_comparison(self):
        """After a comparison where most rows changed, the next keeps the alike groups; same results either way."""
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        unrelated = [(f"2025-0{month}-0{day}", f"Q{day}", "512000", f"{day},00", "0")
                     for month in (2, 3) for day in range(1, 4)]
        everything, guess = self.imported_guessing(ecriture(unrelated[:3]))
        self.assertEqual((everything.compared, everything.rows_added, everything.rows_removed), (True, 3, 4))
        self.assertEqual(guess, "the changed groups kept, none guessed")  # nothing compared yet: the core's default
        again, guess = self.imported_guessing(ecriture(unrelated[3:]))
        self.assertEqual(guess, f"the alike groups kept, {changes.KEEP_ALIKE} guessed")
        self.assertEqual((again.compared, again.rows_added, again.rows_removed), (True, 3, 3))
        self.assertEqual(sorted(again.change_ids.mapped(lambda change: (change.kind, change.data["e_refinterne"]))),
                         [("added", "Q1"), ("added", "Q2"), ("added", "Q3"),
                          ("removed", "Q1"), ("removed", "Q2"), ("removed", "Q3")])
        self.assertEqual([(m.account, str(m.month), m.debit, m.row_count) for m in again.money_ids],
                         [("512000", "2025-02-01", -6.0, 3), ("512000", "2025-03-01", 6.0, 3)])
        # a day like most: few rows changed, the changed groups guessed next
        self.imported("ECRITURE.csv", ecriture(unrelated[3:5] + [unrelated[0]]))
        _next, guess = self.imported_guessing(ecriture(unrelated[3:5] + [unrelated[1]]))
        self.assertEqual(guess, f"the changed groups kept, {changes.KEEP_CHANGED} guessed")

    def imported_guessing(self, content):
        """(the import of ``content`` as ECRITURE.csv, what its log line says of the side kept and guessed)."""
        # logging.INFO, not "INFO": Odoo names its level 25 so, which would leave the import's info lines out
        with self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import_change", logging.INFO) as logged:
            record = self.imported("ECRITURE.csv", content)
        [line] = [line for line in logged.output if " compared, " in line]
        return record, line[line.index("(") + 1:line.rindex(")")]

    def test_the_changes_are_the_readers_of_the_data(self):
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        first = self.env["is.cegid.export"].with_user(self.accountant).get_freshness("is.cegid.ecriture")
        self.assertNotIn("since the previous export", first["text"])  # nothing compared yet
        record = self.imported("ECRITURE.csv", ecriture(MARCH))
        Change = self.env["is.cegid.import.change"]
        self.assertEqual(Change.with_user(self.accountant).search_count([("import_id", "=", record.id)]), 6)
        self.assertEqual(Change.with_user(self.payroll).search_count([("import_id", "=", record.id)]), 0)
        self.assertEqual(self.env["is.cegid.import.money"].with_user(self.payroll).search_count([]), 0)
        # the banner of the table says it, in the reader's language
        freshness = self.env["is.cegid.export"].with_user(self.accountant).get_freshness("is.cegid.ecriture")
        self.assertIn("2 added, 4 removed since the previous export.", freshness["text"])

    def test_the_detail_is_capped_the_counts_are_not(self):
        self.params.set_param("is_cegid2odoo.change_detail_limit", "3")
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        record = self.imported("ECRITURE.csv", ecriture(MARCH))
        self.assertEqual((record.rows_added, record.rows_removed, len(record.change_ids)), (2, 4, 3))
        self.assertEqual(sum(record.money_ids.mapped("row_count")), 6)

    def test_analytic_money_by_axis_and_section_and_payroll_by_employee(self):
        self.params.set_param("is_cegid2odoo.payroll_closed_until", "2025-06-30")
        self.imported("ANALYTIQ.csv", analytiq(("30/06/2025", "SEC01", "10,5")))
        record = self.imported("ANALYTIQ.csv", analytiq(("30/06/2025", "SEC02", "10,5")))
        self.assertEqual(sorted((m.account, m.axis, m.section, m.debit) for m in record.money_ids), [
            ("607000", "A1", "SEC01", -10.5), ("607000", "A1", "SEC02", 10.5)])
        self.assertTrue(record.money_per_section)  # the money table shows its axis and section columns
        # June is closed for the payroll only: the analytic entries follow the accounting's date (January)
        self.assertFalse(record.closed_changes or record.activity_ids)
        absence = "ABS;{employee};3;1;CPA;-;Congés;{start};MAT;15/07/2025;PAM;{days};0;{{G}}"
        absences = lambda *rows: ("\n".join([ABSENCE_HEADER, *(absence.format(employee=e, start=s, days=d)  # noqa: E731
                                                               for e, s, d in rows)]) + "\n").encode("cp1252")
        self.imported("ABSENCESALARIE.csv", absences(("0000042", "01/06/2025", "2"), ("0000043", "01/07/2025", "1")))
        record = self.imported("ABSENCESALARIE.csv", absences(("0000042", "01/06/2025", "3"),
                                                              ("0000043", "02/07/2025", "1")))
        self.assertEqual((record.rows_added, record.rows_removed, bool(record.money_ids)), (2, 2, False))
        [alert] = self.alerts(record)
        self.assertIn("0000042, June 2025: Days: 1.00 (2 row(s) changed)", alert.note)
        self.assertNotIn("0000043", alert.note)

    def test_an_analytic_change_in_a_closed_month_names_its_account_axis_and_section(self):
        self.imported("ANALYTIQ.csv", analytiq(("31/01/2025", "SEC01", "10,5"), ("03/02/2025", "SEC01", "4")))
        # the accounting closed until 31 January: that day's entries are in the closed period, February's are not
        record = self.imported("ANALYTIQ.csv", analytiq(("31/01/2025", "SEC02", "10,5"),
                                                        ("03/02/2025", "SEC02", "4")))
        self.assertEqual(len(record.closed_changes or []), 2)
        [alert] = self.alerts(record)
        self.assertEqual(alert.summary, "Cegid: ANALYTIQ changed a closed period")
        self.assertIn("607000 / A1 / SEC01, January 2025: Debit: -10.50; Credit: 0.00 (1 row(s) changed)", alert.note)
        self.assertIn("607000 / A1 / SEC02, January 2025: Debit: 10.50; Credit: 0.00 (1 row(s) changed)", alert.note)
        self.assertNotIn("February", alert.note)
        self.assertIn("607000 / A1 / SEC02, January 2025", record.closed_summary)

    def test_an_export_the_addon_does_not_know_is_compared_too(self):
        self.imported("SALARIES.csv", salaries(FIRST))
        record = self.imported("SALARIES.csv", salaries([FIRST[0], *SECOND]))
        self.assertEqual((record.compared, record.rows_added, record.rows_removed), (True, 2, 2))
        self.assertFalse(record.money_ids or record.closed_changes)
        self.assertEqual(sorted(record.change_ids.mapped(lambda c: (c.kind, c.data["x_matricule"]))), [
            ("added", "0000050"), ("added", "0000051"), ("removed", "0000043"), ("removed", "0000044")])

    def test_a_column_the_file_adds_changes_no_row(self):
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        lines = ecriture(JANUARY).decode("cp1252").split("\r\n")
        widened = "\r\n".join([lines[0] + ";E_ETABLISSEMENT", *(line + ";Lyon" for line in lines[1:-1]), ""])
        record = self.imported("ECRITURE.csv", widened.encode("cp1252"))
        self.assertEqual(record.message_code, "import.columns_added")
        self.assertEqual((record.compared, record.rows_added, record.rows_removed), (True, 0, 0))
        self.assertEqual(self.env["is.cegid.ecriture"].search([], limit=1).x_e_etablissement, "Lyon")

    def test_the_comparison_can_be_turned_off(self):
        self.params.set_param("is_cegid2odoo.skip_comparison", "True")
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        record = self.imported("ECRITURE.csv", ecriture(MARCH))
        self.assertEqual((record.compared, record.rows_added, record.rows_removed), (False, 2, 0))
        self.assertFalse(record.change_ids)

    def test_the_alert_reads_in_the_managers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        french = new_test_user(self.env, login="changes_manager_fr", lang="fr_FR",
                               groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        record = self.imported("ECRITURE.csv", ecriture(JANUARY[:3]))
        [alert] = record.activity_ids.filtered(lambda act: act.user_id == french)
        self.assertEqual(alert.summary, "Cegid : ECRITURE a modifié une période clôturée")
        self.assertIn("625000, janvier 2025 : Débit : -10,00 ; Crédit : 0,00 (1 ligne(s) modifiée(s))", alert.note)
        # the same import, each manager in his own language
        [alert] = self.alerts(record)
        self.assertEqual(alert.summary, "Cegid: ECRITURE changed a closed period")
        self.assertIn("625000, January 2025: Debit: -10.00; Credit: 0.00 (1 row(s) changed)", alert.note)

    def test_the_changes_are_seen_on_the_import_and_in_the_list_of_imports(self):
        """The import's Changes tab, the detail with its Added and Removed filters, the counts in Data > Imports."""
        self.imported("ECRITURE.csv", ecriture(JANUARY))
        record = self.imported("ECRITURE.csv", ecriture(JANUARY[:2] + MARCH))
        self.assertEqual((record.rows_added, record.rows_removed), (2, 2))
        imports = self.env.ref("is_cegid2odoo.menu_cegid_import").action
        self.assertEqual(imports, self.env.ref("is_cegid2odoo.action_cegid_import"))
        Import = self.env[imports.res_model].with_user(self.accountant)
        views = Import.get_views([(False, "list"), (False, "form")])["views"]
        listed = etree.fromstring(views["list"]["arch"])
        self.assertTrue({"rows_added", "rows_removed"} <= set(listed.xpath("//list/field/@name")))
        [page] = etree.fromstring(views["form"]["arch"]).xpath("//page[@name='changes']")
        shown = set(page.xpath(".//field/@name"))
        self.assertTrue({"rows_added", "rows_removed", "closed_summary", "money_ids"} <= shown, shown)
        self.assertEqual(page.xpath(".//field[@name='money_ids']/list/field/@name"),
                         ["account", "axis", "section", "month", "debit", "credit", "row_count"])
        # the tab's button opens the rows added and removed of this import, filtered added or removed
        detail = self.env.ref("is_cegid2odoo.action_cegid_import_change")
        [button] = page.xpath(".//button[@type='action']")
        self.assertEqual((button.get("name"), button.get("context")),
                         (str(detail.id), "{'search_default_import_id': id}"))
        Change = self.env[detail.res_model].with_user(self.accountant)
        search = etree.fromstring(Change.get_views([(detail.search_view_id.id, "search")])["views"]["search"]["arch"])
        this_import = [("import_id", "=", record.id)]
        for kind, expected in (("added", ["706000", "411000"]), ("removed", ["625000", "625000"])):
            [domain] = search.xpath(f"//filter[@name='{kind}']/@domain")
            rows = Change.search(this_import + ast.literal_eval(domain))
            self.assertEqual(sorted(rows.mapped(lambda change: change.data["e_general"])), sorted(expected), kind)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The accounting and payroll dashboards: valid data, figures equal to the file's totals, readers, samples;
the starter dashboard of a custom table."""

import base64
import csv
import datetime
import io
import json
import operator
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import HttpCase, TransactionCase, new_test_user
from odoo.tools.translate import code_translations

from ..models.cegid_dashboard_json import ACCOUNTING, COUNT, CUT_NOTE, MOVEMENT, PAYROLL, Pivot, TopChart, title_formula
from .cegid_testkit.samples import export_bytes
from .common import ImportFolderMixin
from .test_export import forget_custom_models

FORMAT = {"delimiter": ";", "decimal": ",", "date_format": "%d/%m/%Y"}
JOURNALS = ("ACH", "VTE", "BQ1", "OD")
ROWS = {"ECRITURE": 400, "ANALYTIQ": 300, "HISTOCUMSAL": 70, "ABSENCESALARIE": 120}
ENTRY_HEADER = ("E_DATECOMPTABLE", "E_REFINTERNE", "E_LIBELLE", "E_GENERAL", "E_DEBIT", "E_CREDIT", "E_AUXILIAIRE",
                "E_REFLIBRE", "E_JOURNAL")
# the largest movements of a ledger, on its highest account codes: (account, debit, credit); a bank account
# whose debits and credits nearly cancel out, and accounts of credits only among them
LARGEST = (("512000", 50000, 49000), ("601000", 90000, 0), ("602000", 85000, 0), ("606100", 70000, 0),
           ("641000", 80000, 0), ("645100", 65000, 0), ("701000", 0, 95000), ("706000", 0, 88000),
           ("707000", 0, 75000), ("708000", 0, 62000), ("791000", 0, 61000), ("797000", 0, 60000))
SMALL_ACCOUNTS = 310  # more general accounts than the 300 pivot rows the chart ranked until it was sorted
NOTE = title_formula(CUT_NOTE)  # under each pivot's title, not a title
POSITION = re.compile(r'PIVOT\.HEADER\((\d+),"#(\w+)",(\d+)\)')


def with_journal(data):
    """A generated ECRITURE file with the E_JOURNAL column (a journal per entry) when it lacks it."""
    lines = data.decode("utf-8-sig").splitlines()
    if "E_JOURNAL" in lines[0].split(FORMAT["delimiter"]):
        return data
    rows = [f"{line};{JOURNALS[number % len(JOURNALS)]}" for number, line in enumerate(lines[1:])]
    return "\r\n".join([lines[0] + ";E_JOURNAL", *rows, ""]).encode("utf-8-sig")


def file_rows(data):
    """The rows of an export file as dicts (header name -> text), read with the csv module."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=FORMAT["delimiter"]))


def file_value(row, spec):
    """The value a pivot groups or sums by, read from a file row: text, first day of month, or number."""
    field, _sep, granularity = spec.partition(":")
    text = row[field.upper()]
    if granularity == "month":
        return datetime.datetime.strptime(text, FORMAT["date_format"]).date().replace(day=1)
    return text or False


def file_amount(row, measure):
    """What a row of the file adds to ``measure``: 1 to the count, its debit and credit to the movement."""
    if measure == COUNT:
        return 1
    if measure == MOVEMENT:
        return file_amount(row, "e_debit") + file_amount(row, "e_credit")
    return float(row[measure.upper()].replace(",", "."))


def file_totals(pivot, rows):
    """{group key: {measure: total}} of ``pivot`` computed from the file's rows."""
    totals = defaultdict(lambda: defaultdict(float))
    for row in rows:
        key = tuple(file_value(row, spec) for spec in (*pivot.rows, *pivot.columns))
        for measure in pivot.measures:
            totals[key][measure] += file_amount(row, measure)
    return totals


def spreadsheet_rows(env, pivot):
    """The rows of an Odoo pivot in the order the spreadsheet numbers them (``PIVOT.HEADER(id, "#field", n)``).

    As Odoo's spreadsheet loads them: ``read_group`` of the pivot's domain, rows and summed fields (a computed
    measure is the spreadsheet's own: the server is not asked for it), in the server's order, then sorted by the
    pivot's ``sortedColumn`` (web's PivotModel._sortRows: a measure the server did not return counts 0).
    """
    fields = [f"{measure['fieldName']}:{measure['aggregator']}" for measure in pivot["measures"]
              if "computedBy" not in measure and measure["fieldName"] != COUNT]
    groupby = [dimension["fieldName"] + (f":{dimension['granularity']}" if dimension.get("granularity") else "")
               for dimension in (*pivot["rows"], *pivot["columns"])]
    rows = env[pivot["model"]].read_group(pivot["domain"], fields, groupby, lazy=False)
    order = pivot["sortedColumn"]
    if order:
        sign = -1 if order["order"] == "desc" else 1
        rows.sort(key=lambda row: sign * (row.get(order["measure"]) or 0))
    return rows


def ledger():
    """An ECRITURE file of more general accounts than the old chart ranked, the largest movements last by code."""
    lines = [";".join(ENTRY_HEADER)]
    accounts = [(f"40{number:04d}", 1, 0) for number in range(SMALL_ACCOUNTS)] + list(LARGEST)
    for number, (account, debit, credit) in enumerate(accounts):
        lines.append(f"15/03/2025;PI{number:08d};Écriture {number};{account};{debit},00;{credit},00;;;OD")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def computed_value(formula, values):
    """A computed measure's "=a-b" or "=a+b" of ``values``."""
    for sign, combine in (("-", operator.sub), ("+", operator.add)):
        if sign in formula:
            first, second = formula.lstrip("=").split(sign)
            return combine(values[first], values[second])
    raise AssertionError(f"unexpected measure formula {formula}")


def pivot_of(declared):
    """The Pivot a dashboard file declares: its model, rows, columns, summed and computed measures."""
    def spec(dimension):
        granularity = dimension.get("granularity")
        return f"{dimension['fieldName']}:{granularity}" if granularity else dimension["fieldName"]
    measures = declared["measures"]
    return Pivot(declared["name"], declared["model"], tuple(spec(row) for row in declared["rows"]),
                 tuple(measure["fieldName"] for measure in measures if "computedBy" not in measure),
                 tuple(spec(column) for column in declared["columns"]),
                 computed=tuple((measure["fieldName"], measure.get("userDefinedName"), measure["computedBy"]["formula"])
                                for measure in measures if "computedBy" in measure))


class DashboardMixin(ImportFolderMixin):
    """An import folder of the test's own; a payroll-only and an accounting-only user."""

    def prepare_dashboards(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cegid-dashboard-test-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("is_cegid2odoo.import_folder", str(self.folder))
        params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
        self.accountant = new_test_user(self.env, login="dash_accountant",
                                        groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        self.payroll_clerk = new_test_user(self.env, login="dash_payroll",
                                           groups="base.group_user,is_cegid2odoo.group_cegid_payroll")
        self.accounting = self.env.ref("is_cegid2odoo.dashboard_cegid_accounting")
        self.payroll = self.env.ref("is_cegid2odoo.dashboard_cegid_payroll")

    def import_generated(self, *names):
        """Import a generated file of each export; {name: its bytes}."""
        files = {}
        for name in names:
            data = export_bytes(name, ROWS[name], **FORMAT)
            files[name] = with_journal(data) if name == "ECRITURE" else data
            self.drop(f"{name}.csv", files[name])
        records = self.run_import()
        self.assertEqual(records.mapped("state"), ["done"] * len(names), records.mapped("message"))
        return files


class DashboardCase(DashboardMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.prepare_dashboards()


@tagged("post_install", "-at_install")
class TestShippedDashboards(DashboardCase):
    def test_odoo_validates_the_models_and_fields_each_dashboard_names(self):
        for dashboard in self.accounting | self.payroll:
            dashboard._check_spreadsheet_data()  # raises in test mode for a model or field that does not exist
        data = json.loads(self.accounting.spreadsheet_data)
        data["pivots"]["1"]["rows"] = [{"fieldName": "e_no_such_field"}]
        with self.assertRaisesRegex(ValidationError, "e_no_such_field"):
            self.accounting.copy({"spreadsheet_binary_data": base64.b64encode(json.dumps(data).encode())})

    def test_the_shipped_files_are_what_the_description_writes(self):
        from ..models.cegid_dashboard_json import dashboard_json
        for dashboard, description in ((self.accounting, ACCOUNTING), (self.payroll, PAYROLL)):
            self.assertEqual(json.loads(dashboard.spreadsheet_data), dashboard_json(description))

    def test_each_pivot_asks_for_the_totals_of_the_file(self):
        files = self.import_generated(*ROWS)
        models = {"is.cegid.ecriture": "ECRITURE", "is.cegid.analytiq": "ANALYTIQ",
                  "is.cegid.histocumsal": "HISTOCUMSAL", "is.cegid.absencesalarie": "ABSENCESALARIE"}
        asked = set()
        for dashboard in (self.accounting, self.payroll):
            for declared in json.loads(dashboard.spreadsheet_data)["pivots"].values():
                pivot = pivot_of(declared)
                asked.add(pivot.model)
                self.assert_pivot_figures(pivot, file_rows(files[models[pivot.model]]))
        self.assertEqual(asked, set(models))

    def assert_pivot_figures(self, pivot, rows):
        """``read_group`` with the pivot's rows, columns and measures gives the totals computed from the file."""
        groupby = [*pivot.rows, *pivot.columns]
        groups = self.env[pivot.model]._read_group([], groupby, [f"{measure}:sum" for measure in pivot.measures])
        expected = file_totals(pivot, rows)
        got = {tuple(group[:len(groupby)]): dict(zip(pivot.measures, group[len(groupby):], strict=True))
               for group in groups}
        self.assertEqual(set(got), set(expected), pivot.title)
        self.assertGreater(len(got), 1, pivot.title)
        for key, figures in got.items():
            for measure, value in figures.items():
                self.assertAlmostEqual(value, expected[key][measure], places=2, msg=f"{pivot.title} {key}")
            for name, _label, formula in pivot.computed:
                self.assertAlmostEqual(computed_value(formula, figures), computed_value(formula, expected[key]),
                                       places=2, msg=f"{pivot.title} {name} {key}")

    def test_the_chart_shows_the_ten_largest_movements_of_a_ledger_of_many_accounts(self):
        self.drop("ECRITURE.csv", ledger())
        self.assertEqual(self.run_import().mapped("state"), ["done"])
        movement = defaultdict(float)
        for row in file_rows(ledger()):
            movement[row["E_GENERAL"]] += file_amount(row, MOVEMENT)
        expected = sorted(movement, key=movement.get, reverse=True)[:10]
        self.assertIn("701000", expected)  # credits only
        data = json.loads(self.accounting.spreadsheet_data)
        [top] = [answer for answer in ACCOUNTING.answers if isinstance(answer, TopChart)]
        [(pivot_id, field)] = {(pivot_id, field) for sheet in data["sheets"] for cell in sheet["cells"].values()
                               for pivot_id, field, _position in POSITION.findall(cell["content"])}
        rows = spreadsheet_rows(self.env, data["pivots"][pivot_id])
        self.assertGreater(len(rows), SMALL_ACCOUNTS)
        reached = {rows[position - 1][field] for position in self.positions_read(data, pivot_id)
                   if position <= len(rows)}
        self.assertEqual(set(expected) - reached, set(), "of the ten largest, accounts the dashboard never reads")
        [chart] = [figure["data"] for figure in data["sheets"][0]["figures"] if figure["data"]["title"]["text"]
                   == top.title]
        charted = [rows[position - 1] for position in self.positions_read(data, pivot_id, chart["labelRange"])]
        self.assertEqual([row[field] for row in charted], expected)
        self.assertEqual([row[top.measure] for row in charted], [movement[account] for account in expected])

    def positions_read(self, data, pivot_id, cell_range=None):
        """The row positions of pivot ``pivot_id`` that the cells read (all cells, or those of ``Sheet!A1:A10``)."""
        sheets = {sheet["name"]: sheet for sheet in data["sheets"]}
        if cell_range is None:
            cells = [cell for sheet in sheets.values() for cell in sheet["cells"].values()]
        else:
            sheet, _sep, bounds = cell_range.partition("!")
            (column, first), (_column, last) = (re.fullmatch(r"([A-Z]+)(\d+)", bound).groups()
                                                for bound in bounds.split(":"))
            cells = [sheets[sheet]["cells"].get(f"{column}{number}", {})
                     for number in range(int(first), int(last) + 1)]
        return [int(position) for cell in cells
                for found_id, _field, position in POSITION.findall(cell.get("content", "")) if found_id == pivot_id]

    def test_payroll_cumulatives_are_never_summed_across_codes(self):
        [cumulatives] = [answer for answer in PAYROLL.answers if isinstance(answer, Pivot)
                         and answer.model == "is.cegid.histocumsal"]
        self.assertEqual(cumulatives.columns, ("phc_cumulpaie",))
        self.assertFalse(cumulatives.totals)
        data = json.loads(self.payroll.spreadsheet_data)
        [pivot_id] = [key for key, pivot in data["pivots"].items() if pivot["model"] == "is.cegid.histocumsal"]
        [cell] = [cell["content"] for cell in data["sheets"][0]["cells"].values()
                  if cell["content"].startswith(f"=PIVOT({pivot_id}")]
        self.assertEqual(cell, f"=PIVOT({pivot_id},2466,FALSE,TRUE,159)")  # no total row, no total column

    def test_the_sample_until_the_first_import_then_the_data(self):
        for dashboard in (self.accounting, self.payroll):
            self.assertTrue(dashboard.get_readonly_dashboard().get("is_sample"), dashboard.name)
        # the main table of each only: a customer who exports no analytic lines (no absences) sees his data
        self.import_generated("ECRITURE")
        answer = self.accounting.with_user(self.accountant).get_readonly_dashboard()
        self.assertFalse(answer.get("is_sample"))
        self.assertEqual(answer["snapshot"]["pivots"]["1"]["model"], "is.cegid.ecriture")
        self.assertTrue(self.payroll.get_readonly_dashboard().get("is_sample"))
        self.import_generated("HISTOCUMSAL")
        self.assertFalse(self.payroll.with_user(self.payroll_clerk).get_readonly_dashboard().get("is_sample"))
        self.import_generated("ANALYTIQ", "ABSENCESALARIE")
        self.assertFalse(self.accounting.with_user(self.accountant).get_readonly_dashboard().get("is_sample"))
        self.assertFalse(self.payroll.with_user(self.payroll_clerk).get_readonly_dashboard().get("is_sample"))

    def test_each_team_sees_and_opens_its_own_dashboard_only(self):
        dashboards = self.env["spreadsheet.dashboard"]
        for user, own, other in ((self.accountant, self.accounting, self.payroll),
                                 (self.payroll_clerk, self.payroll, self.accounting)):
            visible = dashboards.with_user(user).search([("id", "in", (own | other).ids)])
            self.assertEqual(visible, own, user.login)
            with self.assertRaises(AccessError):
                other.with_user(user).get_readonly_dashboard()
        self.assertEqual(self.accounting.dashboard_group_id,
                         self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_finance"))
        self.assertEqual(self.payroll.dashboard_group_id,
                         self.env.ref("spreadsheet_dashboard.spreadsheet_dashboard_group_hr"))


@tagged("post_install", "-at_install")
class TestDashboardsInFrench(DashboardCase):
    def test_names_titles_filter_and_measures_read_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        french = self.env(context=dict(self.env.context, lang="fr_FR"))
        self.assertEqual(french.ref("is_cegid2odoo.dashboard_cegid_accounting").name, "Cegid – Comptabilité")
        self.assertEqual(french.ref("is_cegid2odoo.dashboard_cegid_payroll").name, "Cegid – Paie")
        # what the spreadsheet's _t() reads: the terms Odoo extracted from the *_dashboard.json files
        web = {message["id"]: message["string"]
               for message in code_translations.get_web_translations("is_cegid2odoo", "fr_FR")["messages"]}
        self.assertEqual(web.get("Balance by account and month"), "Solde par compte et par mois")
        self.assertEqual(web.get("Absence days by type and month"), "Jours d’absence par type et par mois")
        self.assertEqual(web.get("Accounting date"), "Date comptable")
        self.import_generated("ECRITURE", "ANALYTIQ")
        self.accountant.lang = "fr_FR"
        snapshot = self.accounting.with_user(self.accountant).with_context(lang="fr_FR").get_readonly_dashboard()
        names = {measure.get("userDefinedName") for pivot in snapshot["snapshot"]["pivots"].values()
                 for measure in pivot["measures"]} - {None}
        self.assertEqual(names, {"Solde", "Débit − crédit"})
        self.assertEqual(french["is.cegid.ecriture"].fields_get([MOVEMENT], ["string"])[MOVEMENT]["string"],
                         "Mouvement")  # the name the chart's measure reads
        titles = {pivot["name"] for pivot in snapshot["snapshot"]["pivots"].values()}
        self.assertIn("Écritures par journal et par mois", titles)
        self.assertNotIn("Entries by journal and month", titles)


SALARIES = ("MATRICULE;NOM;DATE_EMBAUCHE;SALAIRE_BASE\r\n0000001;Hélène Dupré;03/02/2020;3200,50\r\n"
            "0000002;Zoé Müller;15/02/2020;2800,00\r\n0000003;Hélène Dupré;01/06/2021;4100,25\r\n")


@tagged("post_install", "-at_install")
class TestStarterDashboard(DashboardCase):
    def setUp(self):
        # registered first, run last: once the test's savepoint is rolled back, the registry forgets its models
        self.addCleanup(forget_custom_models, self)
        super().setUp()
        self.manager = new_test_user(self.env, login="dash_manager",
                                     groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        self.drop("SALARIES.csv", SALARIES.encode("cp1252"))
        self.assertEqual(self.run_import().mapped("state"), ["done"])
        self.entry = self.env["is.cegid.export"].search([("name", "=", "SALARIES")])
        self.other_reader = new_test_user(self.env, login="dash_other",
                                          groups="base.group_user,is_cegid2odoo.group_cegid_other_data")

    def test_a_manager_makes_it_a_reader_of_the_entry_opens_it_the_table_takes_it_away(self):
        with self.assertRaises(AccessError):
            self.entry.with_user(self.other_reader).action_make_dashboard()
        action = self.entry.with_user(self.manager).action_make_dashboard()
        dashboard = self.env["spreadsheet.dashboard"].browse(action["params"]["dashboard_id"])
        self.assertEqual(self.entry.dashboard_id, dashboard)
        self.assertEqual(dashboard.group_ids, self.env.ref("is_cegid2odoo.group_cegid_other_data"))
        self.assertEqual(self.entry.with_user(self.manager).action_make_dashboard()["params"]["dashboard_id"],
                         dashboard.id)  # made once
        dashboard._check_spreadsheet_data()
        data = json.loads(dashboard.spreadsheet_data)
        model = self.entry.model_id.model
        definitions = sorted(((pivot["rows"], [m["fieldName"] for m in pivot["measures"]])
                              for pivot in data["pivots"].values()), key=str)
        self.assertEqual(definitions, sorted([
            ([{"fieldName": "x_date_embauche", "granularity": "month"}], ["x_salaire_base"]),
            ([{"fieldName": "x_matricule"}], ["x_salaire_base"])], key=str))
        self.assertFalse(dashboard.with_user(self.other_reader).get_readonly_dashboard().get("is_sample"))
        with self.assertRaises(AccessError):
            dashboard.with_user(self.accountant).get_readonly_dashboard()
        by_month = dict(self.env[model]._read_group([], ["x_date_embauche:month"], ["x_salaire_base:sum"]))
        self.assertEqual(by_month, {datetime.date(2020, 2, 1): 6000.5, datetime.date(2021, 6, 1): 4100.25})
        self.entry.with_user(self.manager).group_id = self.env.ref("is_cegid2odoo.group_cegid_payroll")
        self.assertEqual(dashboard.group_ids, self.env.ref("is_cegid2odoo.group_cegid_payroll"))
        self.entry.with_user(self.manager).unlink()
        self.assertFalse(dashboard.exists())
        self.assertFalse(self.env["ir.model.data"].search([("model", "=", "spreadsheet.dashboard"),
                                                           ("module", "=", "is_cegid2odoo"),
                                                           ("name", "like", "x_cegid_salaries")]))


    def make_dashboard(self):
        action = self.entry.with_user(self.manager).action_make_dashboard()
        return self.env["spreadsheet.dashboard"].browse(action["params"]["dashboard_id"])

    def update_table(self, text):
        """A SALARIES file the table refuses is held, a manager updates the table, the import cron does it."""
        self.drop("SALARIES.csv", text.encode("cp1252"))
        self.assertEqual((self.run_import().state, self.entry.state), ("rejected", "held"))
        self.entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual((self.entry.state, self.entry.last_import_id.message_code),
                         ("ready", "import.table_updated"))

    def definitions(self, dashboard):
        """Each pivot of ``dashboard`` as (its rows, its measures' fields), sorted."""
        return sorted(((pivot["rows"], [measure["fieldName"] for measure in pivot["measures"]])
                      for pivot in json.loads(dashboard.spreadsheet_data)["pivots"].values()), key=str)

    def assert_pivots_work(self, dashboard):
        """Each pivot of ``dashboard`` names fields of its model of a type it can use, and Odoo answers it."""
        dashboard._check_spreadsheet_data()
        for pivot in json.loads(dashboard.spreadsheet_data)["pivots"].values():
            fields = self.env[pivot["model"]].fields_get(attributes=["type", "aggregator"])
            for measure in pivot["measures"]:
                if measure["fieldName"] != COUNT:
                    field = fields.get(measure["fieldName"], {})
                    self.assertIn(field.get("type"), ("integer", "float", "monetary"), measure)
                    self.assertTrue(field.get("aggregator"), measure)
            for dimension in pivot["rows"] + pivot["columns"]:
                self.assertIn(dimension["fieldName"], fields)
                if dimension.get("granularity"):
                    self.assertIn(fields[dimension["fieldName"]]["type"], ("date", "datetime"), dimension)
            self.assertTrue(spreadsheet_rows(self.env, pivot), pivot["name"])

    def test_the_dashboard_follows_the_columns_of_each_update_of_the_table(self):
        dashboard = self.make_dashboard()
        # the amounts now text: no measure left to sum, the rows counted
        self.update_table(SALARIES + "0000004;Anaïs Rivière;01/09/2022;à définir\r\n")
        self.assertEqual(self.definitions(dashboard), [
            ([{"fieldName": "x_date_embauche", "granularity": "month"}], [COUNT]),
            ([{"fieldName": "x_matricule"}], [COUNT])])
        self.assert_pivots_work(dashboard)
        # then the amounts gone and the dates text: no month left either
        self.update_table("MATRICULE;NOM;DATE_EMBAUCHE\r\n0000005;Maël Côté;inconnue\r\n")
        self.assertEqual(self.definitions(dashboard), [([{"fieldName": "x_matricule"}], [COUNT])])
        self.assert_pivots_work(dashboard)
        snapshot = dashboard.with_user(self.other_reader).get_readonly_dashboard()["snapshot"]
        self.assertEqual([pivot["name"] for pivot in snapshot["pivots"].values()],
                         [f"SALARIES by {self.entry.column_ids[0].label}"])

    def test_a_dashboard_someone_made_his_own_is_left_as_he_made_it(self):
        dashboard = self.make_dashboard()
        data = json.loads(dashboard.spreadsheet_data)
        data["sheets"][0]["cells"]["E1"] = {"content": "=PIVOT.VALUE(1,\"x_salaire_base\")"}
        dashboard.spreadsheet_binary_data = base64.b64encode(json.dumps(data).encode())
        self.update_table(SALARIES + "0000004;Anaïs Rivière;01/09/2022;à définir\r\n")
        self.assertEqual(json.loads(dashboard.spreadsheet_data), data)

    def test_each_reader_reads_the_titles_in_his_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        # made by a French manager, read by an English and a French reader
        self.manager.lang = "fr_FR"
        action = self.entry.with_user(self.manager).with_context(lang="fr_FR").action_make_dashboard()
        dashboard = self.env["spreadsheet.dashboard"].browse(action["params"]["dashboard_id"])
        column = self.entry.column_ids.filtered(lambda col: col.field_name == "x_matricule").label

        def titles(lang):
            snapshot = dashboard.with_user(self.other_reader).with_context(lang=lang).get_readonly_dashboard()
            pivots = sorted(pivot["name"] for pivot in snapshot["snapshot"]["pivots"].values())
            cells = sorted(cell["content"] for cell in snapshot["snapshot"]["sheets"][0]["cells"].values()
                           if cell.get("content", "").startswith("=_t(") and cell["content"] != NOTE)
            return pivots, cells

        self.assertEqual(titles("en_US"), (
            sorted(["SALARIES by month", f"SALARIES by {column}"]),
            sorted(['=_t("SALARIES by month")', f'=_t("SALARIES by {column}")'])))
        self.assertEqual(titles("fr_FR"), (
            sorted(["SALARIES par mois", f"SALARIES par {column}"]),
            sorted(['=_t("SALARIES par mois")', f'=_t("SALARIES par {column}")'])))

    def test_a_table_or_column_renamed_renames_the_titles_each_reader_reads(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        dashboard = self.make_dashboard()
        entry = self.entry.with_user(self.manager)
        entry.description = "Salaries"
        entry.column_ids.filtered(lambda col: col.field_name == "x_matricule").label = "Employee number"

        def titles(lang):
            snapshot = dashboard.with_user(self.other_reader).with_context(lang=lang).get_readonly_dashboard()
            return (sorted(pivot["name"] for pivot in snapshot["snapshot"]["pivots"].values()),
                    sorted(cell["content"] for cell in snapshot["snapshot"]["sheets"][0]["cells"].values()
                           if cell.get("content", "").startswith("=_t(") and cell["content"] != NOTE))

        self.assertEqual(titles("en_US"), (["Salaries by Employee number", "Salaries by month"],
                                           ['=_t("Salaries by Employee number")', '=_t("Salaries by month")']))
        self.assertEqual(titles("fr_FR"), (["Salaries par Employee number", "Salaries par mois"],
                                           ['=_t("Salaries par Employee number")', '=_t("Salaries par mois")']))

    def test_a_label_renamed_in_french_is_the_columns_label_in_every_language(self):
        """The label is one text: written by a manager working in French, English readers kept the former one in
        the list, the form and the pivot, while the entry and the dashboard said the new one."""
        self.env["res.lang"]._activate_lang("fr_FR")
        column = self.entry.column_ids.filtered(lambda col: col.field_name == "x_matricule")
        column.with_user(self.manager).with_context(lang="fr_FR").label = "N° salarié"
        field = self.env["ir.model.fields"]._get("x_cegid_salaries", "x_matricule")
        self.assertEqual([field.with_context(lang=lang).field_description for lang in ("en_US", "fr_FR")],
                         ["N° salarié", "N° salarié"])
        self.assertEqual(self.env["x_cegid_salaries"].with_context(lang="en_US").fields_get(["x_matricule"])[
            "x_matricule"]["string"], "N° salarié")

    def test_a_dashboard_made_in_french_by_an_earlier_version_reads_in_english_too(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        action = self.entry.with_user(self.manager).action_make_dashboard()
        dashboard = self.env["spreadsheet.dashboard"].browse(action["params"]["dashboard_id"])
        column = self.entry.column_ids.filtered(lambda col: col.field_name == "x_matricule").label
        # what the versions before 18.0.1.4.0 stored: the titles in the maker's language
        data = base64.b64decode(dashboard.spreadsheet_binary_data).decode()
        data = data.replace("SALARIES by month", "SALARIES par mois").replace(
            f"SALARIES by {column}", f"SALARIES par {column}")
        self.assertIn("SALARIES par mois", data)
        dashboard.spreadsheet_binary_data = base64.b64encode(data.encode())
        snapshot = dashboard.with_user(self.other_reader).with_context(lang="en_US").get_readonly_dashboard()
        self.assertEqual(sorted(pivot["name"] for pivot in snapshot["snapshot"]["pivots"].values()),
                         sorted(["SALARIES by month", f"SALARIES by {column}"]))
        self.assertIn('=_t("SALARIES by month")', [cell.get("content") for cell in
                                                   snapshot["snapshot"]["sheets"][0]["cells"].values()])


@tagged("post_install", "-at_install")
class TestDashboardTour(DashboardMixin, HttpCase):
    """Each team opens its dashboard, filled with generated exports, in a browser."""

    def setUp(self):
        super().setUp()
        self.prepare_dashboards()
        self.import_generated(*ROWS)

    def test_an_accountant_opens_the_accounting_dashboard(self):
        self.start_tour("/odoo/dashboards", "is_cegid2odoo_dashboard_accounting", login=self.accountant.login)

    def test_a_payroll_clerk_opens_the_payroll_dashboard(self):
        self.start_tour("/odoo/dashboards", "is_cegid2odoo_dashboard_payroll", login=self.payroll_clerk.login)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An export the addon has never seen becomes Odoo data: catalogue entry, custom model, views, menu, rows."""


from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tests.common import HttpCase, JsonRpcException, new_test_user
from odoo.tools import SQL, mute_logger

from ..cegid_import import pg_replace
from ..models.folder_claim import CLAIM_FILE
from .common import CegidCase, ImportFolderMixin

HEADER = "MATRICULE;NOM;DATE_EMBAUCHE;SALAIRE_BASE"
FIRST = [("0000042", "Hélène Dupré", "30/06/2020", "2 500,50"), ("0000043", "Zoé Müller", "01/02/2021", "3000"),
         ("0000044", "Noël Garçon", "15/09/2019", "1 234,25")]
SECOND = [("0000050", "Chloé Œuvray", "13/01/2024", "4100,10"), ("0000051", "Jérôme Côté", "02/03/2024", "2000")]


def salaries(rows, header=HEADER):
    """A SALARIES export as Cegid writes it here: CP1252, ';', French decimals, dates dd/mm/yyyy."""
    return ("\r\n".join([header, *(";".join(row) for row in rows)]) + "\r\n").encode("cp1252")


def forget_custom_models(case):
    """After a test's savepoint is rolled back: the registry forgets the custom models the test made."""
    if any(name.startswith("x_cegid_") for name in case.registry):
        case.registry.setup_models(case.cr)


@tagged("post_install", "-at_install")
class TestNewExport(CegidCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, login="export_accountant",
                                       groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        cls.other_reader = new_test_user(cls.env, login="export_other",
                                         groups="base.group_user,is_cegid2odoo.group_cegid_other_data")

    def setUp(self):
        # registered first, run last: once the test's savepoint is rolled back, the registry forgets its models
        self.addCleanup(forget_custom_models, self)
        super().setUp()

    def entry(self, name="SALARIES"):
        return self.env["is.cegid.export"].search([("name", "=", name)])

    def rows(self, model="x_cegid_salaries"):
        records = self.env[model].search([], order="id")
        return [(rec.x_matricule, rec.x_nom, str(rec.x_date_embauche), rec.x_salaire_base) for rec in records]

    def listing(self, sub=""):
        folder = self.folder / sub
        # the database's claim on its folder aside (models/folder_claim.py)
        return sorted(path.name for path in folder.iterdir() if path.name != CLAIM_FILE) if folder.is_dir() else []

    def column_types(self, table="x_cegid_salaries"):
        self.env.cr.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s "
                            "AND column_name LIKE 'x\\_%%'", (table,))
        return dict(self.env.cr.fetchall())

    # -- a new export -----------------------------------------------------------------------------------------

    def test_an_export_never_seen_arrives_through_the_download_cron_and_becomes_a_typed_table(self):
        self.simulator.add_scheduler("SALARIES", content="SELECT * FROM SALARIES")
        self.env["is.cegid.query"]._sync_from_cegid()
        self.upload("SALARIES.csv", salaries(FIRST))
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").method_direct_trigger()
        transfer = self.env["is.cegid.transfer"].search([], limit=1)
        self.assertEqual(transfer.state, "done", transfer.error)
        record = self.env["is.cegid.import"].search([("transfer_id", "=", transfer.id)])
        self.assertEqual((record.state, record.row_count), ("done", 3), record.message)
        self.assertEqual(record.message, "New export SALARIES: its table was created from this file.")
        entry = self.entry()
        self.assertEqual(record.export_id, entry)
        self.assertEqual((entry.state, entry.builtin, entry.model), ("ready", False, "x_cegid_salaries"))
        self.assertEqual(entry.group_id, self.env.ref("is_cegid2odoo.group_cegid_other_data"))
        self.assertEqual([(col.name, col.field_name, col.kind, col.label) for col in entry.column_ids], [
            ("MATRICULE", "x_matricule", "char", "Matricule"), ("NOM", "x_nom", "char", "Nom"),
            ("DATE_EMBAUCHE", "x_date_embauche", "date", "Date embauche"),
            ("SALAIRE_BASE", "x_salaire_base", "float", "Salaire base")])
        self.assertEqual(self.column_types(), {"x_matricule": "character varying", "x_nom": "character varying",
                                               "x_date_embauche": "date", "x_salaire_base": "double precision"})
        self.assertEqual(self.rows(), [("0000042", "Hélène Dupré", "2020-06-30", 2500.5),
                                       ("0000043", "Zoé Müller", "2021-02-01", 3000.0),
                                       ("0000044", "Noël Garçon", "2019-09-15", 1234.25)])
        [total] = self.env["x_cegid_salaries"].read_group([], ["x_salaire_base:sum"], [])
        self.assertAlmostEqual(total["x_salaire_base"], 6734.75)
        self.assertTrue(record.stored_as.startswith("archive/"))
        # the query shows its export's table, the entry its query
        query = self.env["is.cegid.query"].search([("name", "=", "SALARIES")])
        self.assertEqual((query.export_id, entry.query_id), (entry, query))
        self.assertEqual((query.export_row_count, query.export_date), (3, record.file_date))
        self.assertEqual(query.action_open_export_table()["res_model"], "x_cegid_salaries")

    def test_the_table_is_an_odoo_model_with_views_a_menu_and_access_owned_by_the_addon(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        model = self.env["ir.model"].search([("model", "=", "x_cegid_salaries")])
        self.assertEqual(model.state, "manual")
        data = self.env["ir.model.data"].search([("module", "=", "is_cegid2odoo"), ("name", "like", "x_cegid_sal")])
        self.assertEqual(sorted(data.mapped("name")), sorted([
            "model_x_cegid_salaries", "access_x_cegid_salaries_readers", "action_x_cegid_salaries",
            "menu_x_cegid_salaries", *(f"view_x_cegid_salaries_{kind}" for kind in
                                       ("list", "form", "pivot", "graph", "search"))]))
        self.assertTrue(all(data.mapped("noupdate")))  # an update of the addon keeps them
        self.assertEqual(self.env.ref("is_cegid2odoo.model_x_cegid_salaries"), model)
        menu = self.env.ref("is_cegid2odoo.menu_x_cegid_salaries")
        self.assertEqual(menu.parent_id, self.env.ref("is_cegid2odoo.menu_cegid_data"))
        self.assertEqual(menu.groups_id, self.env.ref("is_cegid2odoo.group_cegid_other_data"))
        views = self.env["x_cegid_salaries"].with_user(self.other_reader).get_views(
            [(False, "list"), (False, "pivot"), (False, "graph"), (False, "search"), (False, "form")])
        self.assertIn('sum="Salaire base"', views["views"]["list"]["arch"])
        self.assertIn("x_date_embauche", views["views"]["pivot"]["arch"])
        for operation in ("write", "create", "unlink"):
            self.assertFalse(self.env["x_cegid_salaries"].with_user(self.manager).has_access(operation))

    def test_a_wide_export_lists_its_first_columns_and_keeps_the_others_a_click_away(self):
        names = [f"C{number:02d}" for number in range(1, 13)]
        self.drop("LARGE.csv", salaries([[str(number) for number in range(12)]], header=";".join(names)))
        self.run_import()
        listed = etree.fromstring(self.env["x_cegid_large"].get_views([(False, "list")])["views"]["list"]["arch"])
        expected = [(f"x_{name.lower()}", "show" if number < 10 else "hide") for number, name in enumerate(names)]
        self.assertEqual([(field.get("name"), field.get("optional")) for field in listed.iter("field")], expected)

    def test_a_second_file_replaces_the_rows_by_a_swap(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        self.env.cr.execute("SELECT 'x_cegid_salaries'::regclass::oid")
        oid = self.env.cr.fetchone()[0]
        self.drop("SALARIES.20261128T101500Z.csv", salaries(SECOND))
        record = self.run_import()
        self.assertEqual((record.state, record.row_count, record.export_id), ("done", 2, self.entry()))
        self.assertEqual(self.rows(), [("0000050", "Chloé Œuvray", "2024-01-13", 4100.1),
                                       ("0000051", "Jérôme Côté", "2024-03-02", 2000.0)])
        self.env.cr.execute("SELECT 'x_cegid_salaries'::regclass::oid")
        self.assertNotEqual(self.env.cr.fetchone()[0], oid)
        self.env.cr.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%" + pg_replace.LOAD_SUFFIX])
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(len(self.listing("archive")), 2)
        # a bad value rejects the whole file: the rows stay
        self.drop("SALARIES.csv", salaries([("0000060", "X", "31/02/2024", "1")]))
        rejected = self.run_import()
        self.assertEqual(rejected.state, "rejected")
        self.assertEqual(rejected.message_params["problem_code"], "import.value.invalid_date_in_order")
        self.assertEqual(len(self.rows()), 2)

    def test_a_header_change_is_held_then_applied(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        entry = self.entry()
        entry.column_ids.filtered(lambda col: col.name == "MATRICULE").label = "Employee number"
        changed = "MATRICULE;NOM_COMPLET;SALAIRE_BASE;SERVICE"
        self.drop("SALARIES.csv", salaries([("0000070", "Anaïs Rivière", "12,5", "Paie"),
                                            ("0000071", "Maël Côté", "7", "RH")], changed))
        record = self.run_import()
        self.assertEqual(record.state, "rejected")
        self.assertEqual(record.message, "The columns of SALARIES changed in Cegid (added: SERVICE; removed: "
                         "DATE_EMBAUCHE; renamed: NOM → NOM_COMPLET): the file is held until a manager updates "
                         "the table.")
        self.assertTrue(record.stored_as.startswith("anomalie/"))
        self.assertEqual((entry.state, entry.held_import_id), ("held", record))
        self.assertTrue(record.activity_ids, "the managers are told")
        self.assertEqual(len(self.rows()), 3)  # nothing lost meanwhile
        # a reader of the entry, who may read it: refused as no manager (not merely by the record rules)
        self.assertEqual(entry.with_user(self.other_reader).held_import_id, record)
        with self.assertRaises(AccessError):
            entry.with_user(self.other_reader).action_update_table()
        self.assertFalse(entry.update_requested)
        # on a copy of the database, whose scheduled action imports nothing: refused, nothing asked
        confirmed = self.env["ir.config_parameter"].sudo().get_param("is_cegid2odoo.database_uuid")
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.database_uuid", "another-database")
        with self.assertRaisesRegex(UserError, "before Odoo imports"):
            entry.with_user(self.manager).action_update_table()
        self.assertEqual((entry.update_requested, len(self.triggers())), (False, 0))
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.database_uuid", confirmed)
        action = entry.with_user(self.manager).action_update_table()
        self.assertIn("in the background", action["params"]["message"])
        # the request changes nothing yet: the cron does the update and the import, both or neither
        self.assertEqual((entry.state, entry.update_requested, len(self.triggers())), ("held", True, 1))
        self.assertEqual(len(self.rows()), 3)
        self.run_import_cron()
        self.assertEqual((entry.state, entry.held_import_id.id, entry.update_requested), ("ready", False, False))
        self.assertFalse(record.activity_ids, "the update ended the incident")
        self.assertEqual([(col.name, col.field_name, col.kind, col.label) for col in entry.column_ids], [
            ("MATRICULE", "x_matricule", "char", "Employee number"),
            ("NOM_COMPLET", "x_nom_complet", "char", "Nom complet"),
            ("SALAIRE_BASE", "x_salaire_base", "float", "Salaire base"),
            ("SERVICE", "x_service", "char", "Service")])
        self.assertEqual(self.column_types(), {"x_matricule": "character varying", "x_nom_complet":
                                               "character varying", "x_salaire_base": "double precision",
                                               "x_service": "character varying"})
        records = self.env["x_cegid_salaries"].search([], order="id")
        self.assertEqual([(rec.x_matricule, rec.x_nom_complet, rec.x_salaire_base, rec.x_service)
                          for rec in records], [("0000070", "Anaïs Rivière", 12.5, "Paie"),
                                                ("0000071", "Maël Côté", 7.0, "RH")])
        self.assertEqual(self.env["ir.model.fields"]._get("x_cegid_salaries", "x_matricule").field_description,
                         "Employee number")
        self.assertIn("x_service", self.env["x_cegid_salaries"].get_views([(False, "list")])["views"]["list"]["arch"])
        done = entry.last_import_id
        self.assertEqual((done.name, done.state, done.message_code), ("SALARIES.csv", "done", "import.table_updated"))
        self.assertEqual(self.listing("anomalie"), [])
        self.assertEqual(len(self.listing("archive")), 2)

    def test_an_update_widens_a_type_the_held_file_no_longer_fits(self):
        self.drop("SALARIES.csv", salaries([("1", "A", "01/01/2020", "1")], "ID;NOM;DATE_EMBAUCHE;SALAIRE_BASE"))
        self.run_import()
        entry = self.entry()
        self.assertEqual(entry.column_ids.mapped("kind"), ["integer", "char", "date", "integer"])
        self.drop("SALARIES.csv", salaries([("1", "A", "01/01/2020", "1"), ("2", "B", "inconnue", "1,5")],
                                           "ID;NOM;DATE_EMBAUCHE;SALAIRE_BASE"))
        record = self.run_import()
        self.assertEqual((record.state, entry.state), ("rejected", "held"))
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual(entry.column_ids.mapped("kind"), ["integer", "char", "char", "float"])
        self.assertEqual(self.column_types()["x_date_embauche"], "character varying")
        rec = self.env["x_cegid_salaries"].search([("x_id", "=", 2)])
        self.assertEqual((rec.x_id, rec.x_date_embauche, rec.x_salaire_base), (2, "inconnue", 1.5))
        # compared over the fields kept: the two made again were emptied, their values are no change
        update = entry.last_import_id
        self.assertEqual((update.rows_added, update.rows_removed, update.change_columns), (1, 0, ["x_id", "x_nom"]))

    def test_a_later_file_a_profiled_type_would_alter_is_held_then_its_column_made_text(self):
        """A code read as a whole number from the first file: a later 01000 was stored as 1000, a time dropped."""
        header = "CP;NOM;DATE_EMBAUCHE;SALAIRE_BASE"
        self.drop("SALARIES.csv", salaries([("75001", "A", "01/01/2020", "1")], header))
        self.run_import()
        entry = self.entry()
        self.assertEqual(entry.column_ids.mapped("kind"), ["integer", "char", "date", "integer"])
        self.drop("SALARIES.csv", salaries([("75001", "A", "01/01/2020", "1"), ("01000", "B", "02/01/2020", "2")],
                                           header))
        record = self.run_import()
        self.assertEqual((record.state, (record.message_params or {}).get("problem_code"), entry.state),
                         ("rejected", "import.value.leading_zero", "held"), record.message)
        self.assertEqual(self.env["x_cegid_salaries"].search([]).mapped("x_cp"), [75001])
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual(entry.column_ids.mapped("kind"), ["char", "char", "date", "integer"])
        self.assertEqual(self.env["x_cegid_salaries"].search([], order="x_cp").mapped("x_cp"), ["01000", "75001"])

    def test_uninstalling_drops_the_loading_copies_of_the_tables(self):
        """A load by parts under way, or a swap held back, leaves a copy of the table Odoo does not drop with it."""
        from .. import uninstall_hook

        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        tables = ["is_cegid_histocumsal", "x_cegid_salaries"]
        for table in tables:
            self.env.cr.execute(SQL("CREATE TABLE %s (LIKE %s)", SQL.identifier(table + "__cegid_load"),
                                    SQL.identifier(table)))
        uninstall_hook(self.env)
        for table in tables:
            self.env.cr.execute(SQL("SELECT to_regclass(%s)", table + "__cegid_load"))
            self.assertIsNone(self.env.cr.fetchone()[0], table)
            self.env.cr.execute(SQL("SELECT to_regclass(%s)", table))
            self.assertTrue(self.env.cr.fetchone()[0], "the table itself is Odoo's to drop")

    def test_an_update_keeps_the_guard_of_a_type_the_held_file_left_empty(self):
        """The held file left the date column empty (the update keeps its type): a later time of day was dropped."""
        header = "MATRICULE;DATE_SORTIE;SALAIRE_BASE"
        self.drop("SALARIES.csv", salaries([("1", "01/01/2020", "1,5")], header))
        self.run_import()
        entry = self.entry()
        self.drop("SALARIES.csv", salaries([("1", "", "2", "RH")], header + ";SERVICE"))
        self.assertEqual((self.run_import().state, entry.state), ("rejected", "held"))
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        self.assertEqual(entry.column_ids.mapped("kind"), ["integer", "date", "float", "char"])
        self.drop("SALARIES.csv", salaries([("1", "02/01/2020 14:30:00", "3", "RH")], header + ";SERVICE"))
        record = self.run_import()
        self.assertEqual((record.state, (record.message_params or {}).get("problem_code")),
                         ("rejected", "import.value.time_of_day"), record.message)

    def test_a_column_active_leaves_the_rows_shown(self):
        """Its field x_active was Odoo's archive flag: every search (list, pivot, dashboard) hid the rows."""
        self.drop("SALARIES.csv", salaries([("1", "O"), ("2", "N")], "MATRICULE;ACTIVE"))
        self.assertEqual(self.run_import().state, "done")
        self.assertEqual(self.entry().column_ids.mapped("field_name"), ["x_matricule", "x_active_2"])
        self.assertEqual(self.env["x_cegid_salaries"].search([]).mapped("x_active_2"), ["O", "N"])

    def test_an_update_that_makes_every_column_anew_is_not_compared(self):
        """No column kept alike, nothing to compare the rows over: the table is updated, its rows all added."""
        self.drop("SALARIES.csv", salaries([("1",), ("2",)], "ID"))
        self.run_import()
        entry = self.entry()
        self.drop("SALARIES.csv", salaries([("A1",), ("2",)], "ID"))
        self.assertEqual(self.run_import().state, "rejected")
        entry.with_user(self.manager).action_update_table()
        self.run_import_cron()
        update = entry.last_import_id
        self.assertEqual((update.state, update.message_code, update.compared, update.rows_added),
                         ("done", "import.table_updated", False, 2), update.message)
        self.assertEqual(self.env["x_cegid_salaries"].search([], order="id").mapped("x_id"), ["A1", "2"])

    def test_a_newer_file_with_the_old_columns_releases_the_hold(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        self.drop("SALARIES.csv", salaries([("1", "2", "3")], "MATRICULE;NOM;SERVICE"))
        self.run_import()
        entry = self.entry()
        self.assertEqual(entry.state, "held")
        self.drop("SALARIES.csv", salaries(SECOND))
        self.assertEqual(self.run_import().state, "done")
        self.assertEqual((entry.state, entry.held_import_id.id), ("ready", False))
        self.assertEqual(len(self.rows()), 2)

    def test_names_and_types_that_cannot_be(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        with self.assertRaises(UserError):
            self.entry().column_ids[:1].with_user(self.manager).kind = "integer"
        self.drop("Salariés.csv", salaries(FIRST))
        record = self.run_import()
        self.assertEqual((record.state, record.message_code), ("rejected", "import.name_taken"))
        self.assertEqual(record.message_params, {"name": "SALARIÉS", "model": "x_cegid_salaries",
                                                 "other": "SALARIES"})
        self.assertFalse(self.entry("SALARIÉS"))

    # -- who reads it -------------------------------------------------------------------------------------------

    def test_the_access_rule_holds(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        self.assertEqual(self.env["x_cegid_salaries"].with_user(self.other_reader).search_count([]), 3)
        with self.assertRaises(AccessError):
            self.env["x_cegid_salaries"].with_user(self.accountant).search([])
        self.assertFalse(self.entry().with_user(self.accountant).search([("name", "=", "SALARIES")]))
        self.entry().with_user(self.manager).group_id = self.env.ref("is_cegid2odoo.group_cegid_accounting")
        self.assertEqual(self.env["x_cegid_salaries"].with_user(self.accountant).search_count([]), 3)
        with self.assertRaises(AccessError):
            self.env["x_cegid_salaries"].with_user(self.other_reader).search([])
        self.assertEqual(self.env.ref("is_cegid2odoo.menu_x_cegid_salaries").groups_id,
                         self.env.ref("is_cegid2odoo.group_cegid_accounting"))

    def test_an_entry_without_readers_is_refused_and_its_table_stays_closed(self):
        """An access rule without a group is everyone's: an entry never loses its readers."""
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        entry = self.entry()
        with self.assertRaises(UserError):
            entry.with_user(self.manager).write({"group_id": False})
        self.env.invalidate_all()
        self.assertEqual(entry.group_id, self.env.ref("is_cegid2odoo.group_cegid_other_data"))
        access = self.env["ir.model.access"].search([("model_id.model", "=", "x_cegid_salaries")])
        self.assertEqual(access.group_id, entry.group_id)
        with self.assertRaises(AccessError):
            self.env["x_cegid_salaries"].with_user(self.internal_user).search([])
        self.assertNotIn(self.env.ref("is_cegid2odoo.menu_x_cegid_salaries").id,
                         self.env["ir.ui.menu"].with_user(self.internal_user)._visible_menu_ids())
        # the table's records never follow an entry whose group went (a group deleted: ondelete set null)
        self.env.cr.execute("UPDATE is_cegid_export SET group_id = NULL WHERE id = %s", (entry.id,))
        self.env.invalidate_all()
        with self.assertRaises(UserError):
            entry.sudo()._sync_table_labels()
        self.assertEqual(access.group_id, self.env.ref("is_cegid2odoo.group_cegid_other_data"))

    def test_the_tables_notes_are_english_not_the_language_of_whoever_made_it(self):
        """The model's notes (the Notes tab, in developer mode) are technical English, as the docstrings Odoo shows
        there for its own models: not French for every reader because the cron's user reads French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.drop("SALARIES.csv", salaries(FIRST))
        [record] = self.env["is.cegid.import"].with_context(lang="fr_FR")._import_folder().records
        self.assertEqual(record.state, "done", record.message)
        self.assertEqual(self.env["ir.model"]._get("x_cegid_salaries").info, "Rows of the Cegid export SALARIES.")

    # -- review first -------------------------------------------------------------------------------------------

    def test_the_review_mode_waits_for_the_manager(self):
        self.save_settings(cegid_new_exports="review")
        self.assertEqual(self.param("new_exports"), "review")
        self.drop("SALARIES.csv", salaries(FIRST))
        record = self.run_import()
        entry = self.entry()
        self.assertEqual((record.state, record.export_id, entry.state), ("waiting", entry, "review"))
        self.assertEqual(record.message, "New export SALARIES: its columns wait for a manager's review before its "
                         "table is created.")
        self.assertFalse(entry.model_id)
        self.assertNotIn("x_cegid_salaries", self.env)
        self.assertEqual(self.listing(), ["SALARIES.csv"])  # it waits in the folder
        self.assertFalse(self.run_import())  # quietly: no record per run
        salary = entry.column_ids.filtered(lambda col: col.name == "SALAIRE_BASE")
        name = entry.column_ids.filtered(lambda col: col.name == "NOM")
        manager_entry = entry.with_user(self.manager)
        name.with_user(self.manager).write({"kind": "integer"})
        with self.assertRaises(UserError):
            manager_entry.action_create_table()
        # a pasted tab reads as a space: the views' attributes cannot hold control characters
        name.with_user(self.manager).write({"kind": "char", "label": "Nom\tet prénom"})
        self.assertEqual(name.label, "Nom et prénom")
        with self.assertRaises(UserError):
            name.with_user(self.manager).write({"label": "\x01 "})
        salary.with_user(self.manager).write({"kind": "amount", "label": "Salaire de base", "index": True})
        # a label made from a header's control characters before they were kept out of labels
        number = entry.column_ids.filtered(lambda col: col.name == "MATRICULE")
        self.env.cr.execute(SQL("UPDATE is_cegid_export_column SET label = %s WHERE id = %s",
                                "Matricule\x0b(paie)", number.id))
        number.invalidate_recordset(["label"])
        # a reader of the entry, who may read it: refused as no manager (not merely by the record rules)
        self.assertEqual(entry.with_user(self.other_reader).state, "review")
        with self.assertRaises(AccessError):
            entry.with_user(self.other_reader).action_create_table()
        action = manager_entry.action_create_table()
        self.assertIn("in the background", action["params"]["message"])
        # the table is made in the request; its file is imported by the cron
        self.assertEqual((entry.state, entry.model), ("ready", "x_cegid_salaries"))
        self.assertEqual(self.env["ir.model.fields"]._get("x_cegid_salaries", "x_nom").field_description,
                         "Nom et prénom")
        self.assertEqual((number.label, self.env["ir.model.fields"]._get("x_cegid_salaries", "x_matricule")
                          .field_description), ("Matricule (paie)", "Matricule (paie)"))
        name.with_user(self.manager).write({"label": "Nom\x1fcomplet"})  # the table's views made again
        self.assertEqual(self.env["ir.model.fields"]._get("x_cegid_salaries", "x_nom").field_description,
                         "Nom complet")
        self.assertTrue(self.env["x_cegid_salaries"]._fields["x_salaire_base"].index)
        self.assertEqual((len(self.rows()), self.listing(), len(self.triggers())), (0, ["SALARIES.csv"], 1))
        self.run_import_cron()
        self.assertEqual(len(self.rows()), 3)
        self.assertEqual(self.listing(), ["archive"])
        done = self.env["is.cegid.import"].search([("export_id", "=", entry.id), ("state", "=", "done")])
        self.assertEqual(done.row_count, 3)

    def test_a_title_given_in_review_in_french_is_the_tables_in_french_only(self):
        """The model, action and menu were made with the title in the language of the manager who created the table,
        for every language, until a later rename."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.save_settings(cegid_new_exports="review")
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        entry = self.entry().with_user(self.manager).with_context(lang="fr_FR")
        entry.description = "Salaires"
        entry.action_create_table()
        action = entry.sudo()._owned("ir.actions.act_window")
        menu = self.env["ir.ui.menu"].search([("action", "=", f"ir.actions.act_window,{action.id}")])
        self.assertEqual([menu.with_context(lang=lang).name for lang in ("en_US", "fr_FR")], ["SALARIES", "Salaires"])

    def test_in_review_mode_a_second_file_of_the_new_export_waits_too(self):
        """Two files of an export never seen wait in the folder (the second under the download's suffix): the first
        makes the entry under review; the second waits with it, not rejected as a query named as another's."""
        self.save_settings(cegid_new_exports="review")
        self.drop("SALARIES.csv", salaries(FIRST))
        self.drop("SALARIES.20250101T000000Z.csv", salaries(SECOND))
        records = self.run_import()
        entry = self.entry()
        self.assertEqual([(record.name, record.state) for record in records], [("SALARIES.csv", "waiting")])
        self.assertEqual(entry.state, "review")
        self.assertEqual(self.listing(), ["SALARIES.20250101T000000Z.csv", "SALARIES.csv"])
        self.assertFalse(self.env["mail.activity"].search([("res_model", "=", "is.cegid.import")]), "no incident")
        entry.with_user(self.manager).action_create_table()
        self.run_import_cron()
        self.assertEqual(self.rows(), [("0000050", "Chloé Œuvray", "2024-01-13", 4100.1),
                                       ("0000051", "Jérôme Côté", "2024-03-02", 2000.0)])
        self.assertEqual(self.listing(), ["archive"])

    def test_deleting_an_entry_drops_its_table_but_the_shipped_ones_stay(self):
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        # a reader may not delete it: refused before anything is dropped
        with self.assertRaises(AccessError):
            self.entry().with_user(self.other_reader).unlink()
        self.env.cr.execute("SELECT to_regclass('x_cegid_salaries')")
        self.assertTrue(self.env.cr.fetchone()[0])
        self.assertEqual(self.env["x_cegid_salaries"].with_user(self.other_reader).search_count([]), 3)
        params = self.env["ir.config_parameter"].sudo()
        deferral = f"is_cegid2odoo.update_deferred.{self.entry().id}"
        params.set_param(deferral, "1")  # as a run notes the update of a held file it put off
        # a load by parts of a long file under way: its loading copy of the table
        self.env.cr.execute("CREATE TABLE x_cegid_salaries__cegid_load (LIKE x_cegid_salaries)")
        self.entry().with_user(self.manager).unlink()
        self.assertNotIn("x_cegid_salaries", self.env)
        self.env.cr.execute("SELECT to_regclass('x_cegid_salaries__cegid_load')")
        self.assertIsNone(self.env.cr.fetchone()[0], "no copy of its rows left behind")
        self.assertFalse(params.get_param(deferral), "no note outlives its export")
        self.env.cr.execute("SELECT to_regclass('x_cegid_salaries')")
        self.assertIsNone(self.env.cr.fetchone()[0])
        self.assertFalse(self.env["ir.model.data"].search([("name", "like", "x_cegid_salaries")]))
        self.assertFalse(self.env["ir.ui.menu"].search([("name", "=", "SALARIES")]))
        with self.assertRaises(UserError):
            self.env.ref("is_cegid2odoo.export_ecriture").with_user(self.manager).unlink()

    def test_deleting_a_selection_holding_a_shipped_entry_drops_no_table(self):
        """Selected with a shipped entry in the catalogue's list, a table made for another export stays whole."""
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        selection = self.entry() | self.env.ref("is_cegid2odoo.export_ecriture")
        with self.assertRaises(UserError):
            selection.with_user(self.manager).unlink()
        self.assertIn("x_cegid_salaries", self.env)
        self.assertEqual(self.env["x_cegid_salaries"].with_user(self.other_reader).search_count([]), 3)
        self.assertTrue(self.entry().model_id)

    def test_the_shipped_entries_are_bound_to_their_models(self):
        ecriture = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual((ecriture.model, ecriture.builtin, ecriture.state), ("is.cegid.ecriture", True, "ready"))
        self.assertEqual(ecriture.column_ids[:2].mapped("field_name"), ["e_datecomptable", "e_refinterne"])
        self.assertEqual(self.env.ref("is_cegid2odoo.export_histocumsal").group_id,
                         self.env.ref("is_cegid2odoo.group_cegid_payroll"))
        self.assertEqual(ecriture.action_open_table()["res_model"], "is.cegid.ecriture")
        # what a Cegid user opens: the catalogue, and a query's form with its button to the data
        views = self.env["is.cegid.export"].with_user(self.manager).get_views(
            [(False, "list"), (False, "form"), (False, "search")])
        self.assertIn("action_create_table", views["views"]["form"]["arch"])
        views = self.env["is.cegid.export"].with_user(self.cegid_user).get_views([(False, "form")])
        self.assertNotIn("action_create_table", views["views"]["form"]["arch"])
        query_form = self.env["is.cegid.query"].with_user(self.cegid_user).get_views([(False, "form")])
        self.assertIn("action_open_export_table", query_form["views"]["form"]["arch"])


@tagged("post_install", "-at_install")
class TestNewExportRpc(ImportFolderMixin, HttpCase):
    """What a browser or an RPC client reaches, with the entry's group or without it."""

    def setUp(self):
        self.addCleanup(forget_custom_models, self)
        super().setUp()
        self.use_own_import_folder("cegid-export-rpc-")
        new_test_user(self.env, login="rpc_accountant", groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        new_test_user(self.env, login="rpc_other_data", groups="base.group_user,is_cegid2odoo.group_cegid_other_data")
        (self.folder / "SALARIES.csv").write_bytes(salaries(FIRST))
        self.env["is.cegid.import"]._import_folder()

    def search_read(self):
        return self.make_jsonrpc_request("/web/dataset/call_kw/x_cegid_salaries/search_read", {
            "model": "x_cegid_salaries", "method": "search_read", "args": [[], ["x_nom", "x_salaire_base"]],
            "kwargs": {}})

    def test_a_user_without_the_entrys_group_cannot_read_the_table_through_rpc(self):
        self.authenticate("rpc_accountant", "rpc_accountant")
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self.search_read()
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.authenticate("rpc_other_data", "rpc_other_data")
        self.assertEqual(sorted(row["x_nom"] for row in self.search_read()),
                         ["Hélène Dupré", "Noël Garçon", "Zoé Müller"])
        menus = self.url_open("/web/webclient/load_menus/1").json()
        self.assertIn("SALARIES", [menu["name"] for menu in menus.values()])
        self.authenticate("rpc_accountant", "rpc_accountant")
        menus = self.url_open("/web/webclient/load_menus/1").json()
        self.assertNotIn("SALARIES", [menu["name"] for menu in menus.values()])

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Confidentiality by domain: accounting staff do not see payroll data, HR do not see the ledger.

Proved through what a user reaches: the models, menus and actions of the data,
and the history of the downloads and imports, read as that user (the ORM
checks RPC goes through).
"""

from lxml import etree

from odoo.api import call_kw
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from ..cegid_import.catalogue import KNOWN
from .cegid_testkit.samples import export_bytes
from .common import CegidCase

ACCOUNTING_FILES = ("ANALYTIQ.csv", "ECRITURE.csv")
PAYROLL_FILES = ("ABSENCESALARIE.csv", "HISTOCUMSAL.csv")


@tagged("post_install", "-at_install")
class TestConfidentiality(CegidCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, login="cegid_accountant",
                                       groups="base.group_user,is_cegid2odoo.group_cegid_accounting")
        cls.payroll_officer = new_test_user(cls.env, login="cegid_payroll",
                                            groups="base.group_user,is_cegid2odoo.group_cegid_payroll")

    def test_an_administrator_grants_each_cegid_group_without_developer_mode(self):
        """Odoo shows a category of groups that are no single chain as check boxes in developer mode only: the
        role and each data group are a choice of their own, shown to an administrator in the user form."""
        administrator = new_test_user(self.env, login="cegid_plain_admin", groups="base.group_user,base.group_system")
        self.assertFalse(administrator.has_group("base.group_no_one"))
        view = self.env.ref("base.view_users_form")
        form = self.env["res.users"].with_user(administrator).get_views([(view.id, "form")])["views"]["form"]["arch"]
        shown = {node.get("name") for node in etree.fromstring(form).iter("field") if not node.get("invisible")}
        for xmlid in ("group_cegid_accounting", "group_cegid_payroll", "group_cegid_other_data", "group_cegid_manager"):
            group = self.env.ref("is_cegid2odoo." + xmlid)
            self.assertTrue(any(name.startswith("sel_groups_") and str(group.id) in name.split("_")[2:]
                                for name in shown), xmlid)

    def download_all(self):
        """One run bringing the two accounting and the two payroll exports, imported; their sizes by file name."""
        sizes = {}
        for name in (*ACCOUNTING_FILES, *PAYROLL_FILES):
            data = export_bytes(name[:-4], 2)
            self.upload(name, data)
            sizes[name] = len(data)
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").method_direct_trigger()
        transfer = self.env["is.cegid.transfer"].search([], limit=1)
        self.assertEqual(transfer.file_count, 4, transfer.error)
        # what a user's request finds: nothing cached by the superuser's reads
        self.env.invalidate_all()
        return transfer, sizes

    def test_each_table_is_read_by_its_data_group(self):
        self.download_all()
        readers = {self.accountant: "is_cegid2odoo.group_cegid_accounting",
                   self.payroll_officer: "is_cegid2odoo.group_cegid_payroll"}
        for export in KNOWN:
            entry = self.env["is.cegid.export"].search([("name", "=", export.name)])
            self.assertTrue(self.env[export.model].search_count([]), export.name)
            for user, group in readers.items():
                allowed = entry.group_id == self.env.ref(group)
                model = self.env[export.model].with_user(user)
                self.assertEqual(model.has_access("read"), allowed, (export.name, user.login))
                if allowed:
                    self.assertEqual(model.search_count([]), self.env[export.model].search_count([]))
                else:
                    with self.assertRaises(AccessError):
                        model.search_read([], ["id"])
                # the catalogue entry, its row count and export date follow the same group
                self.assertEqual(bool(self.env["is.cegid.export"].with_user(user).search(
                    [("name", "=", export.name)])), allowed)
        with self.assertRaises(AccessError):
            self.env["is.cegid.ecriture"].with_user(self.cegid_user).search([])

    def test_a_reader_lists_the_columns_of_his_data_groups_exports_only(self):
        """The catalogue's columns (headers, labels) follow their entry's group, through RPC as in the views."""
        Column = self.env["is.cegid.export.column"]
        for user, group in ((self.accountant, "is_cegid2odoo.group_cegid_accounting"),
                            (self.payroll_officer, "is_cegid2odoo.group_cegid_payroll")):
            mine = Column.search([("export_id.group_id", "=", self.ref(group))])
            self.assertTrue(mine, group)
            found = call_kw(self.env(user=user, context={})["is.cegid.export.column"], "search", [[]], {})
            self.assertEqual(sorted(found), sorted(mine.ids), user.login)

    def test_menus_follow_the_data_groups(self):
        def visible(user):
            return set(self.env["ir.ui.menu"].with_user(user)._visible_menu_ids())

        payroll_menus = {self.env.ref("is_cegid2odoo.menu_cegid_histocumsal").id,
                         self.env.ref("is_cegid2odoo.menu_cegid_absencesalarie").id}
        accounting_menus = {self.env.ref("is_cegid2odoo.menu_cegid_ecriture").id,
                            self.env.ref("is_cegid2odoo.menu_cegid_analytiq").id}
        self.assertFalse(payroll_menus & visible(self.accountant))
        self.assertLessEqual(accounting_menus, visible(self.accountant))
        self.assertFalse(accounting_menus & visible(self.payroll_officer))
        self.assertLessEqual(payroll_menus, visible(self.payroll_officer))
        self.assertLessEqual(payroll_menus | accounting_menus, visible(self.manager))

    def test_an_accountant_sees_no_payroll_file_name_count_or_size(self):
        transfer, sizes = self.download_all()
        self.assertEqual(len(self.env["is.cegid.import"].search([("state", "=", "done")])), 4)
        self.env.invalidate_all()
        for user, mine in ((self.accountant, list(ACCOUNTING_FILES)), (self.payroll_officer, list(PAYROLL_FILES))):
            files = self.env["is.cegid.transfer.file"].with_user(user).search_read([], ["local_name", "size"])
            self.assertEqual(sorted(line["local_name"] for line in files), mine, user.login)
            imports = self.env["is.cegid.import"].with_user(user).search_read([], ["name", "row_count"])
            self.assertEqual(sorted(line["name"] for line in imports), mine, user.login)
            # the run shows, counting only the user's files
            [run] = self.env["is.cegid.transfer"].with_user(user).search_read(
                [("id", "=", transfer.id)], ["shown_file_count", "shown_byte_count", "file_ids", "error"])
            self.assertEqual(run["shown_file_count"], len(mine))
            self.assertEqual(run["shown_byte_count"], sum(sizes[name] for name in mine))
            self.assertEqual(len(run["file_ids"]), len(mine))
            # read alone (the rule's check, as superuser, filled the cache it is read from)
            self.env.invalidate_all()
            [run] = self.env["is.cegid.transfer"].with_user(user).browse(transfer.id).read(["file_ids"])
            self.assertEqual(len(run["file_ids"]), len(mine), user.login)
            # the run's totals, which count every file, are the managers'
            with self.assertRaises(AccessError):
                self.env["is.cegid.transfer"].with_user(user).browse(transfer.id).read(["byte_count"])
            self.env.invalidate_all()
        # a run of payroll files alone does not show to the accountant at all
        self.upload("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 1))
        self.env.ref("is_cegid2odoo.ir_cron_cegid_download").method_direct_trigger()
        payroll_run = self.env["is.cegid.transfer"].search([], limit=1)
        self.assertNotEqual(payroll_run, transfer)
        Transfer = self.env["is.cegid.transfer"]
        self.assertNotIn(payroll_run, Transfer.with_user(self.accountant).search([]))
        self.assertIn(payroll_run, Transfer.with_user(self.payroll_officer).search([]))
        with self.assertRaises(AccessError):
            Transfer.with_user(self.accountant).browse(payroll_run.id).read(["start"])
        # the managers see everything
        self.assertEqual(self.env["is.cegid.transfer.file"].with_user(self.manager).search_count([]), 5)
        self.assertEqual(Transfer.with_user(self.manager).browse(transfer.id).byte_count, sum(sizes.values()))

    def test_a_reader_of_a_run_gets_no_other_files_problem_through_rpc(self):
        """A run with a file of the accountant's and a refused one of nobody's: he reads neither its key nor the
        incident's note (in the run's messages once the incident is closed) naming the other file."""
        self.upload("ECRITURE.csv", export_bytes("ECRITURE", 1))
        self.upload("exports/.hidden-payroll.csv", b"secret;stuff\n")
        run = self.env["is.cegid.transfer"]._run()
        self.assertEqual(run.state, "partial")
        self.assertTrue(run.activity_ids)
        # the blob gone, a run of accounting files works again: the incident is closed in the run's messages
        self.container.delete_blob("exports/.hidden-payroll.csv")
        self.upload("ANALYTIQ.csv", export_bytes("ANALYTIQ", 1))
        self.assertEqual(self.env["is.cegid.transfer"]._run().state, "done")
        self.assertFalse(run.activity_ids)
        self.env.invalidate_all()
        env = self.env(user=self.accountant, context={})
        [seen] = call_kw(env["is.cegid.transfer"], "read", [run.ids, ["error", "message_ids"]], {})
        self.assertTrue(seen["message_ids"])
        messages = call_kw(env["mail.message"], "search_read", [
            [("model", "=", "is.cegid.transfer"), ("res_id", "=", run.id)], ["body", "subject"]], {})
        self.assertEqual(len(messages), len(seen["message_ids"]))
        self.assertNotIn("hidden", repr([seen, messages]))
        with self.assertRaises(AccessError):
            call_kw(env["is.cegid.transfer"], "read", [run.ids, ["problem_key"]], {})
        self.assertNotIn("problem_key", call_kw(env["is.cegid.transfer"], "fields_get", [], {}))
        # the managers see the file in the run
        self.assertIn("exports/.hidden-payroll.csv", run.with_user(self.manager).error)

    def test_the_settings_show_an_administrator_the_last_download_of_his_data_groups(self):
        """The settings name the last download and its problems: to an administrator who reads accounting data, the
        last run he may open and its files' problems he may see; to one outside the Cegid groups, the last run,
        named, with no file's name."""
        self.save_settings()
        accounting_admin = new_test_user(self.env, login="cegid_admin_accounting", groups=(
            "base.group_user,base.group_system,is_cegid2odoo.group_cegid_accounting"))
        plain_admin = new_test_user(self.env, login="cegid_admin_plain", groups="base.group_user,base.group_system")

        def last_seen_by(user):
            self.env.invalidate_all()  # each reader his own request: Odoo caches a one2many as its reader read it
            settings = self.env["res.config.settings"].with_user(user).create({})
            return settings.cegid_last_transfer_id.sudo(), settings.cegid_last_transfer_error or ""

        self.upload("ECRITURE.csv", export_bytes("ECRITURE", 1))
        self.upload("exports/.hidden-payroll.csv", b"secret;stuff\n")
        run = self.env["is.cegid.transfer"]._run()
        self.assertEqual(run.state, "partial")
        for admin in (accounting_admin, plain_admin):
            last, error = last_seen_by(admin)
            self.assertEqual(last, run, admin.login)
            self.assertNotIn("hidden", error, admin.login)
        self.assertIn("see the files of the run", last_seen_by(plain_admin)[1])
        # a run of payroll files alone is the last the plain administrator sees, not the accountant's
        self.container.delete_blob("exports/.hidden-payroll.csv")
        self.upload("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 1))
        payroll_run = self.env["is.cegid.transfer"]._run()
        self.assertEqual(payroll_run.state, "done")
        self.assertEqual(last_seen_by(accounting_admin)[0], run)
        self.assertEqual(last_seen_by(plain_admin), (payroll_run, ""))

    def test_a_run_that_failed_as_a_whole_shows_to_every_cegid_user(self):
        self.save_settings(cegid_api_key_secret="wrong")
        self.env["is.cegid.transfer"]._run()
        failed = self.env["is.cegid.transfer"].search([], limit=1)
        self.assertEqual(failed.state, "failed")
        for user in (self.accountant, self.payroll_officer, self.cegid_user):
            self.assertEqual(self.env["is.cegid.transfer"].with_user(user).search([]), failed, user.login)

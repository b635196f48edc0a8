# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every door checked on the server: each public method of the addon's models, called through RPC by each role.

Odoo's dispatcher (``get_public_method`` + ``call_kw``) runs any public method
for any logged-in user; access rights guard records, not method calls. The
methods are found by introspection (a method added later fails the test until
the matrix names it), called as each role, and each call is either allowed or
refused with AccessError; a refused call changes nothing.
"""

import datetime

from lxml import etree

from odoo import fields
from odoo.api import call_kw
from odoo.exceptions import AccessError, UserError
from odoo.service.model import get_public_method
from odoo.tests import tagged
from odoo.tests.common import JsonRpcException, new_test_user
from odoo.tools import SQL, mute_logger

from .common import CegidCase, CegidHttpCase
from .test_export import FIRST, SECOND, salaries

MODULE = "odoo.addons.is_cegid2odoo."
ROLES = ("internal", "cegid_user", "accounting", "payroll", "other_data", "manager", "administrator")
GROUPS = {
    "internal": "base.group_user",
    "cegid_user": "is_cegid2odoo.group_cegid_user",
    "accounting": "is_cegid2odoo.group_cegid_accounting",
    "payroll": "is_cegid2odoo.group_cegid_payroll",
    "other_data": "is_cegid2odoo.group_cegid_other_data",
    "manager": "is_cegid2odoo.group_cegid_manager",
    "administrator": "base.group_system",
}
EVERYONE = set(ROLES)
CEGID = {"cegid_user", "accounting", "payroll", "other_data", "manager"}
MANAGER = {"manager"}
ADMINISTRATOR = {"administrator"}
NOBODY = set()

# (model, method): the roles allowed, and how it is called (a function of the test giving (records, args))
MATRIX = {
    ("res.config.settings", "get_values"): (EVERYONE, lambda t: ("model", ())),
    ("res.config.settings", "default_get"): (EVERYONE, lambda t: ("model", (["cegid_tenant_id", "cegid_api_key_id",
                                                                            "cegid_mode"],))),
    ("res.config.settings", "set_values"): (ADMINISTRATOR, lambda t: (t.settings_record, ())),
    # the form's record: Odoo's access rules give it to the administrators (Settings) alone
    ("res.config.settings", "create"): (ADMINISTRATOR, lambda t: ("model", ({"cegid_tenant_id": "999"},))),
    ("res.config.settings", "write"): (ADMINISTRATOR, lambda t: (t.settings_record, ({"cegid_tenant_id": "998"},))),
    ("res.config.settings", "action_cegid_clear_secrets"): (ADMINISTRATOR, lambda t: ("empty", ())),
    ("res.config.settings", "action_cegid_confirm_database"): (ADMINISTRATOR, lambda t: ("empty", ())),
    ("res.config.settings", "action_cegid_test_connection"): (ADMINISTRATOR, lambda t: ("empty", ())),
    ("res.config.settings", "action_cegid_discover_provider"): (ADMINISTRATOR, lambda t: ("empty", ())),
    ("res.config.settings", "action_cegid_download_now"): (MANAGER, lambda t: ("empty", ())),
    ("res.config.settings", "action_cegid_sync_queries"): (MANAGER, lambda t: ("empty", ())),
    ("is.cegid.transfer", "action_download_now"): (MANAGER, lambda t: ("empty", ())),
    ("is.cegid.import", "action_import_now"): (MANAGER, lambda t: ("empty", ())),
    ("is.cegid.query", "action_sync_from_cegid"): (MANAGER, lambda t: ("empty", ())),
    ("is.cegid.query", "action_force_now"): (MANAGER, lambda t: (t.query, ())),
    ("is.cegid.query", "action_force_at"): (MANAGER, lambda t: (t.query, ())),
    ("is.cegid.query", "action_enable"): (MANAGER, lambda t: (t.query, ())),
    ("is.cegid.query", "action_disable"): (MANAGER, lambda t: (t.query, ())),
    # the query of an export of "other data": its table opens for its readers
    ("is.cegid.query", "action_open_export_table"): ({"other_data", "manager"}, lambda t: (t.query, ())),
    # what Odoo mirrors of Cegid is the synchronisation's
    ("is.cegid.query", "create"): (NOBODY, lambda t: ("model", ({"scheduler_id": "x", "name": "PIRATE"},))),
    ("is.cegid.query", "write"): (NOBODY, lambda t: (t.query, ({"enabled": False, "content": "SELECT 1"},))),
    ("is.cegid.force.wizard", "action_force"): (MANAGER, lambda t: (t.force_wizard, ())),
    ("is.cegid.export", "get_freshness"): (CEGID, lambda t: ("model", ("x_cegid_salaries",))),
    ("is.cegid.export", "action_open_table"): ({"other_data", "manager"}, lambda t: (t.entry, ())),
    ("is.cegid.export", "action_open_query"): ({"other_data", "manager"}, lambda t: (t.entry, ())),
    # allowed to run, refused by the entry's state (UserError): nothing to create, nothing held
    ("is.cegid.export", "action_create_table"): (MANAGER, lambda t: (t.entry, ())),
    ("is.cegid.export", "action_update_table"): (MANAGER, lambda t: (t.entry, ())),
    ("is.cegid.export", "action_make_dashboard"): (MANAGER, lambda t: (t.entry, ())),
    # the accounting dashboard opens for the readers of the accounting data alone
    ("spreadsheet.dashboard", "get_readonly_dashboard"): (
        {"accounting", "manager"}, lambda t: (t.env.ref("is_cegid2odoo.dashboard_cegid_accounting"), ())),
    ("is.cegid.export", "create"): (NOBODY, lambda t: ("model", ({"name": "PIRATE", "description": "x"},))),
    ("is.cegid.export", "write"): (MANAGER, lambda t: (t.entry, ({"description": "Salaires"},))),
    ("is.cegid.export", "update_field_translations"): (
        MANAGER, lambda t: (t.entry, ("description", {"en_US": "Salaires"}))),
    # a reader tries his custom entry (its table must stay); a manager, a shipped one (refused as such: UserError)
    ("is.cegid.export", "unlink"): (MANAGER, lambda t: (t.entry_to_delete, ())),
    ("is.cegid.export.column", "create"): (NOBODY, lambda t: ("model", ({"export_id": t.entry.id, "name": "X",
                                                                         "label": "X", "field_name": "x_x"},))),
    ("is.cegid.export.column", "write"): (MANAGER, lambda t: (t.entry.column_ids[:1], ({"label": "Matricule"},))),
}


def addon_public_methods(env):
    """(model, method) for every method RPC may call that runs the addon's code.

    The public methods the addon's classes define, and Odoo's public doors to
    a private method the addon overrides (``update_field_translations`` runs
    ``_update_field_translations``).
    """
    found = set()
    for model_name in env.registry:
        model = env[model_name]
        odoo_names = {name for klass in type(model).mro() if not klass.__module__.startswith(MODULE)
                      for name in vars(klass)}
        for klass in type(model).mro():
            if not klass.__module__.startswith(MODULE):
                continue
            for name, value in vars(klass).items():
                # a private method the addon overrides (Odoo's own: not one of the addon's that shares a door's name)
                overridden = name.startswith("_") and not name.startswith("__") and name in odoo_names
                door = name[1:] if overridden else name
                if door.startswith("_") or not callable(value) or not callable(getattr(model, door, None)):
                    continue
                try:
                    get_public_method(model, door)
                except AccessError:
                    continue  # @api.private
                found.add((model_name, door))
    return found


@tagged("post_install", "-at_install")
class TestRpcSurface(CegidCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {role: new_test_user(cls.env, login=f"rpc_{role}", groups=f"base.group_user,{group}")
                     for role, group in GROUPS.items()}

    def setUp(self):
        super().setUp()
        self.simulator.schedulers.clear()
        self.simulator.add_scheduler("SALARIES", content="SELECT * FROM SALARIES")
        self.env["is.cegid.query"]._sync_from_cegid()
        self.query = self.env["is.cegid.query"].search([("name", "=", "SALARIES")])
        self.drop("SALARIES.csv", salaries(FIRST))
        self.run_import()
        self.entry = self.env["is.cegid.export"].search([("name", "=", "SALARIES")])
        self.shipped_entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual(self.entry.group_id, self.env.ref("is_cegid2odoo.group_cegid_other_data"))
        self.assertEqual(self.table_state("x_cegid_salaries")[0], len(FIRST))

    # a transient record is its creator's: each role calls the methods of its own
    def settings_record(self, env):
        return env["res.config.settings"].sudo().create({"cegid_tenant_id": "999"}).sudo(False)

    def entry_to_delete(self, env):
        if env.user.has_group("is_cegid2odoo.group_cegid_manager"):
            return self.shipped_entry.with_env(env)
        return self.entry.with_env(env)

    def force_wizard(self, env):
        return env["is.cegid.force.wizard"].sudo().create({
            "query_ids": [(6, 0, self.query.ids)],
            "moment": fields.Datetime.now() + datetime.timedelta(hours=2)}).sudo(False)

    def observed(self):
        """What a call could change: settings and secrets, history, triggers, tables, catalogue, Cegid, files."""
        params = self.env["ir.config_parameter"].sudo().search([("key", "=like", "is_cegid2odoo.%")])
        return {
            "params": sorted((param.key, param.value) for param in params),
            "imports": self.env["is.cegid.import"].sudo().search_count([]),
            "transfers": self.env["is.cegid.transfer"].sudo().search_count([]),
            "triggers": self.env["ir.cron.trigger"].sudo().search_count([]),
            "tables": self.env["ir.model"].sudo().search_count([("model", "=like", "x_cegid_%")]),
            "table": self.table_state("x_cegid_salaries"),
            "entries": self.env["is.cegid.export"].sudo().search_read([], ["name", "description", "state",
                                                                           "update_requested", "group_id"]),
            "columns": self.env["is.cegid.export.column"].sudo().search_read([], ["name", "label", "kind"]),
            "queries": self.env["is.cegid.query"].sudo().search_read([], ["enabled", "next_execution", "active"]),
            "cegid_requests": [(request.method, request.path) for request in self.simulator.requests],
            "folder": sorted(str(path.relative_to(self.folder)) for path in self.folder.rglob("*")),
        }

    def table_state(self, table):
        """``table``'s rows in PostgreSQL (None when it is gone), its access rules and the addon's records of it."""
        self.env.cr.execute(SQL("SELECT to_regclass(%s) IS NOT NULL", table))
        if not self.env.cr.fetchone()[0]:
            return None
        self.env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
        rows = self.env.cr.fetchone()[0]
        access = self.env["ir.model.access"].sudo().search_count([("model_id.model", "=", table)])
        owned = self.env["ir.model.data"].sudo().search_count([("module", "=", "is_cegid2odoo"),
                                                               ("name", "like", table)])
        return rows, access, owned

    def call(self, role, model_name, method, target, args):
        """``method`` through Odoo's RPC dispatch as ``role``, inside a savepoint rolled back afterwards."""
        env = self.env(user=self.users[role], context={})
        model = env[model_name]
        if isinstance(target, str):
            records = {"model": model, "empty": model.browse()}[target]
        else:
            records = target(env) if callable(target) else target
        ids = records.ids
        get_public_method(model, method)
        name = getattr(type(model), method)
        is_model_method = getattr(name, "_api", None) is not None
        return call_kw(model, method, list(args) if is_model_method else [ids, *args], {})

    def test_the_matrix_names_every_public_method_of_the_addon(self):
        self.assertEqual(sorted(addon_public_methods(self.env) - set(MATRIX)), [],
                         "a public method the access matrix does not name: check its caller's group, then add it")
        self.assertEqual(sorted(set(MATRIX) - addon_public_methods(self.env)), [], "the matrix names a method gone")

    def test_every_button_of_the_addons_views_takes_the_ids_the_web_client_sends(self):
        """A button of type object is called with its record's ids (the selected ones above a list, maybe none):
        a method declared @api.model takes none, and fails on every click (TypeError)."""
        views = self.env["ir.ui.view"].browse(self.env["ir.model.data"].search([
            ("module", "=", "is_cegid2odoo"), ("model", "=", "ir.ui.view")]).mapped("res_id"))
        buttons = {(view.model, button.get("name")) for view in views
                   for button in etree.fromstring(view.arch_db).iter("button") if button.get("type") == "object"}
        self.assertIn(("is.cegid.import", "action_import_now"), buttons)
        self.assertEqual(sorted((model, name) for model, name in buttons
                                if getattr(getattr(type(self.env[model]), name), "_api", None)), [])

    def test_every_role_is_allowed_or_refused_as_the_matrix_says(self):
        outcomes = {}
        for (model_name, method), (_allowed, how) in sorted(MATRIX.items()):
            for role in ROLES:
                target, args = how(self)
                before = self.observed()
                self.env.cr.execute("SAVEPOINT rpc_call")
                try:
                    result = self.call(role, model_name, method, target, args)
                    outcome = "allowed"
                except AccessError:
                    outcome = "refused"
                    self.env.invalidate_all()
                    self.assertEqual(self.observed(), before, f"{model_name}.{method} refused to {role} changed "
                                     "something")
                except UserError as err:  # allowed to run, refused by a rule of the business
                    outcome = "allowed"
                    result = err
                self.env.cr.execute("ROLLBACK TO SAVEPOINT rpc_call")
                self.env.invalidate_all()
                self.env.registry.clear_cache()
                outcomes[model_name, method, role] = outcome
                if (model_name == "res.config.settings" and method in ("get_values", "default_get")
                        and role not in ADMINISTRATOR):
                    self.assertFalse([key for key in result if key.startswith("cegid_")], role)
        expected = {(model_name, method, role): "allowed" if role in allowed else "refused"
                    for (model_name, method), (allowed, _how) in MATRIX.items() for role in ROLES}
        self.assertEqual({key: value for key, value in outcomes.items() if expected[key] != value}, {})

    def test_a_form_asked_to_show_another_groups_import_shows_nothing_of_it(self):
        """Odoo's generic onchange computes a new record's fields from the values the client sends: an export with
        a held import, a changed row of an import. Computed and related fields read what they show with the
        caller's rights, so a user who cannot read an import gets no word of it (its message quotes the rows' cells;
        its compared columns name the table's fields): refused, or shown empty."""
        self.drop("SALARIES.csv", salaries(SECOND))
        compared = self.run_import()
        self.drop("SALARIES.csv", salaries([("0000060", "Anaïs Roux", "31/02/2024", "1000")]))
        rejected = self.run_import()
        self.assertEqual(rejected.state, "rejected")
        self.assertIn("31/02/2024", rejected.message)
        self.assertTrue(compared.change_columns)
        probes = [("is.cegid.export", {"held_import_id": rejected.id}, {"held_message": {}}),
                  ("is.cegid.import.change", {"import_id": compared.id, "row_values": ["a", "b"]},
                   {"data": {}, "line": {}})]
        seen = {}
        for role in ("internal", "accounting", "payroll"):
            for model_name, values, spec in probes:
                self.env.invalidate_all()  # a request starts with nothing read: what the test read is not its
                env = self.env(user=self.users[role], context={})
                try:
                    seen[role, model_name] = call_kw(env[model_name], "onchange", [[], values, [], spec], {})
                except AccessError:
                    seen[role, model_name] = "refused"
        for secret in ["31/02/2024", *compared.change_columns]:
            self.assertNotIn(secret, str(seen), "refused, or shown empty")
        self.env.invalidate_all()
        readers = self.env(user=self.users["other_data"], context={})
        shown = call_kw(readers["is.cegid.export"], "onchange", [[], {"held_import_id": rejected.id}, [],
                                                                  {"held_message": {}}], {})
        self.assertEqual(shown["value"]["held_message"], rejected.message, "the import's readers see it")


@tagged("post_install", "-at_install")
class TestListButtons(CegidHttpCase):
    """The buttons above a list (Download now, Import now, Synchronise), clicked in the browser: the web client
    sends the selected records' ids, none here, to /web/dataset/call_button."""

    BUTTONS = (("is.cegid.transfer", "action_download_now"), ("is.cegid.import", "action_import_now"),
               ("is.cegid.query", "action_sync_from_cegid"))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.simulator.add_scheduler("ECRITURE")
        for role in ("manager", "accounting"):
            new_test_user(cls.env, login=f"list_{role}", groups=f"base.group_user,{GROUPS[role]}")

    def click(self, model, method):
        """What the web client sends for a button above a list with no record selected."""
        return self.make_jsonrpc_request(f"/web/dataset/call_button/{model}/{method}", {
            "model": model, "method": method, "args": [[]], "kwargs": {"context": {}}})

    def test_a_manager_clicks_each_button_above_a_list(self):
        self.authenticate("list_manager", "list_manager")
        for (model, method), cron in zip(self.BUTTONS, (self.env.ref("is_cegid2odoo.ir_cron_cegid_download"),
                                                        self.env.ref("is_cegid2odoo.ir_cron_cegid_import")),
                                         strict=False):
            before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
            action = self.click(model, method)
            self.assertEqual(action["tag"], "display_notification", method)
            self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), before, method)
        self.assertFalse(self.env["is.cegid.query"].search([]))
        self.click(*self.BUTTONS[2])
        self.assertEqual(self.env["is.cegid.query"].search([]).mapped("name"), ["ECRITURE"])

    def test_a_reader_clicking_them_is_refused(self):
        self.authenticate("list_accounting", "list_accounting")
        for model, method in self.BUTTONS:
            with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
                self.click(model, method)
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError", method)
        self.assertFalse(self.env["is.cegid.query"].search([]))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The table of an export the addon does not know: a custom model made, changed and removed as Odoo data.

Creating the table makes, through Odoo's own models, what a developer would
have written: a custom model ``x_cegid_<name>`` (``ir.model``, state
``manual``) with one ``x_`` field per column (``ir.model.fields``), which gives
its PostgreSQL table; read access for the entry's Cegid group
(``ir.model.access``); list, pivot, graph, search and form views
(``ir.ui.view``); an action and a menu under *Cegid > Data*.

Each of these records is owned by the addon through an ``ir.model.data`` row
of module ``is_cegid2odoo`` with ``noupdate``: an update of the addon keeps
them (``_process_end`` leaves noupdate data alone), and uninstalling it deletes
them with the addon's own data (``ir.model.data._module_data_uninstall``): the
records first, then the custom model, whose ``unlink`` drops its table.
"""

import logging

from lxml import etree
from lxml.builder import E

from odoo import models
from odoo.exceptions import UserError

from ..cegid_import.catalogue import AMOUNT, CHAR, DATE, FLOAT, default_label, view_label
from ..cegid_import.errors import TableBusy
from ..cegid_import.pg_readers import lock_exclusively
from ..cegid_import.pg_replace import drop_load
from .cegid_staging import FIELD_OF_KIND

_logger = logging.getLogger(__name__)

MODULE = "is_cegid2odoo"
MEASURES = (FLOAT, AMOUNT)
MENU_SEQUENCE = 50
VIEW_TYPES = ("list", "form", "pivot", "graph", "search")
ADDED_VIEW_TYPES = ("list", "form")  # of a known table: what shows the columns added to it
MAX_SEARCH_FIELDS = 8
LIST_COLUMNS_SHOWN = 10  # a list's first columns; the others are a click away (optional), not squeezed
MAX_GROUP_BYS = 5


class CegidExportTable(models.Model):
    """The custom model of a catalogue entry, and what shows it."""

    _inherit = "is.cegid.export"

    # -- creating --------------------------------------------------------------------------------------------

    def _create_table(self):
        """Make the model, its fields and table, its access, views, action and menu; all owned by the addon."""
        self.ensure_one()
        for column in self.column_ids:  # labels made before control characters were kept out of them
            if view_label(column.label) != column.label:
                column.sudo().label = view_label(column.label) or default_label(column.name)
        readers = self._table_readers()
        definition = self._definition()
        # no x2many commands: ir.model.fields refuses them under sudo (the fields are made by a manager's action).
        # Its notes in English, untranslated: a stored text would keep its creator's language, and Odoo shows them
        # only in developer mode, where every other model's are its English docstring
        ir_model = self.env["ir.model"].create({
            "name": self.description, "model": definition.model, "state": "manual", "order": "id",
            "info": f"Rows of the Cegid export {self.name}.", "field_id": [],
        })
        self.env["ir.model.fields"].create([dict(self._field_values(column), model_id=ir_model.id)
                                            for column in self.column_ids])
        self.model_id = ir_model
        access = self.env["ir.model.access"].create({
            "name": f"{definition.model} readers", "model_id": ir_model.id, "group_id": readers.id,
            "perm_read": True, "perm_write": False, "perm_create": False, "perm_unlink": False,
        })
        views = self.env["ir.ui.view"].create([
            {"name": f"{definition.model}.{view_type}", "model": definition.model, "type": view_type,
             "arch": self._view_arch(view_type)} for view_type in VIEW_TYPES])
        action = self.env["ir.actions.act_window"].create({
            "name": self.description, "res_model": definition.model, "view_mode": "list,pivot,graph,form",
            "search_view_id": views.filtered(lambda view: view.type == "search").id,
            "groups_id": [(6, 0, readers.ids)],
        })
        menu = self.env["ir.ui.menu"].create({
            "name": self.description, "parent_id": self.env.ref("is_cegid2odoo.menu_cegid_data").id,
            "action": f"ir.actions.act_window,{action.id}", "sequence": MENU_SEQUENCE,
            "groups_id": [(6, 0, readers.ids)],
        })
        self._write_title(ir_model, action, menu)  # made in its creator's language: the title in every one
        names = self._data_names()
        self.env["ir.model.data"].create([
            {"module": MODULE, "name": name, "model": record._name, "res_id": record.id, "noupdate": True}
            for name, record in [(names["ir.model"][0], ir_model), (names["ir.model.access"][0], access),
                                 *((f"view_{definition.table}_{view.type}", view) for view in views),
                                 (names["ir.actions.act_window"][0], action), (names["ir.ui.menu"][0], menu)]])
        _logger.info("Cegid export %s: table %s created (%d columns)", self.name, definition.model,
                     len(self.column_ids))

    def _field_values(self, column):
        """The ``ir.model.fields`` values of a column's field (read-only: only the import writes the rows).

        ``cegid_kind`` gives it the options of its kind (digits...) as a shipped table's field has them.
        """
        return {"name": column.field_name, "field_description": column.label,
                "ttype": FIELD_OF_KIND[column.kind][0], "cegid_kind": column.kind,
                "index": column.index, "readonly": True, "copied": False}

    def _data_names(self):
        """The names of the ``ir.model.data`` of the table's records, by model."""
        table = self._definition().table
        return {"ir.model": [f"model_{table}"], "ir.model.access": [f"access_{table}_readers"],
                "ir.ui.view": [f"view_{table}_{view_type}" for view_type in VIEW_TYPES],
                "ir.actions.act_window": [f"action_{table}"], "ir.ui.menu": [f"menu_{table}"]}

    def _owned_data(self, model_names=None):
        """The ``ir.model.data`` rows that make the addon own the table's records (of ``model_names``)."""
        names = self._data_names()
        return self.env["ir.model.data"].search([
            ("module", "=", MODULE), ("model", "in", list(model_names or names)),
            ("name", "in", [name for model in (model_names or names) for name in names[model]])])

    def _owned(self, model_name):
        """The records of ``model_name`` this entry's table owns."""
        return self.env[model_name].browse(self._owned_data([model_name]).mapped("res_id")).exists()

    def _table_action(self):
        """The window action of the table (empty without a table)."""
        if self.builtin:
            return self.env["ir.actions.act_window"].search([("res_model", "=", self.model)], limit=1)
        return self._owned("ir.actions.act_window") if self.model_id else self.env["ir.actions.act_window"]

    # -- views -----------------------------------------------------------------------------------------------------

    def _view_arch(self, view_type, columns=None):
        """The arch of the table's view of ``view_type`` for ``columns`` (the entry's by default)."""
        columns = self.column_ids if columns is None else columns
        texts = columns.filtered(lambda col: col.kind == CHAR)
        dates = columns.filtered(lambda col: col.kind == DATE)
        measures = columns.filtered(lambda col: col.kind in MEASURES)
        read_only = {"create": "0", "edit": "0", "delete": "0"}
        if view_type == "list":
            node = E.list(*(E.field(name=col.field_name, optional="show" if number < LIST_COLUMNS_SHOWN else "hide",
                                    **({"sum": col.label} if col.kind in MEASURES else {}))
                            for number, col in enumerate(columns)), js_class="cegid_staging_list", **read_only)
        elif view_type == "form":
            node = E.form(E.sheet(E.group(*(E.field(name=col.field_name) for col in columns))), **read_only)
        elif view_type == "pivot":
            node = E.pivot(*[E.field(name=col.field_name, type="row") for col in texts[:1]],
                           *[E.field(name=col.field_name, type="col", interval="month") for col in dates[:1]],
                           *[E.field(name=col.field_name, type="measure") for col in measures],
                           disable_linking="1")
        elif view_type == "graph":
            axis = [E.field(name=col.field_name, interval="month") for col in dates[:1]] or [
                E.field(name=col.field_name) for col in texts[:1]]
            node = E.graph(*axis, *[E.field(name=col.field_name, type="measure") for col in measures[:1]],
                           type="bar", disable_linking="1")
        else:
            node = E.search(
                *(E.field(name=col.field_name) for col in texts[:MAX_SEARCH_FIELDS]),
                *(E.filter(name=f"filter_{col.field_name}", string=col.label, date=col.field_name) for col in dates),
                *(E.filter(name=f"group_{col.field_name}", string=col.label,
                           context=f"{{'group_by': '{col.field_name}'}}") for col in texts[:MAX_GROUP_BYS]),
                *(E.filter(name=f"group_{col.field_name}", string=col.label,
                           context=f"{{'group_by': '{col.field_name}:month'}}") for col in dates[:1]))
        return etree.tostring(node, encoding="unicode")

    def _write_views(self, columns=None):
        """The table's views as its ``columns`` (the entry's by default) say; a known table's added columns."""
        if self.builtin:
            self._write_added_views(columns)
            return
        for view in self._owned("ir.ui.view"):
            view.arch = self._view_arch(view.type, columns)

    def _write_added_views(self, columns=None):
        """The list and form of a known table show the columns added to it: views extending the shipped ones.

        Owned by the addon (``ir.model.data``, ``noupdate``) as a custom table's
        views are: an update keeps them, uninstalling deletes them.
        """
        columns = self.column_ids if columns is None else columns
        added = columns.filtered(lambda col: col.field_name.startswith("x_"))
        for view_type in ADDED_VIEW_TYPES:
            name = f"view_{self._definition().table}_added_{view_type}"
            if not added:  # none left: the views go, before their fields (Odoo refuses to drop a field shown)
                data = self.env["ir.model.data"].search([("module", "=", MODULE), ("name", "=", name)])
                self.env["ir.ui.view"].browse(data.res_id).exists().unlink()
                data.unlink()
                continue
            fields = [E.field(name=col.field_name, **({"optional": "show"} if view_type == "list" else {}))
                      for col in added]
            target = E.xpath(*fields, expr="/list", position="inside") if view_type == "list" else E.xpath(
                E.group(*fields), expr="//sheet", position="inside")
            arch = etree.tostring(E.data(target), encoding="unicode")
            view = self.env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
            if view:
                view.arch = arch
                continue
            view = self.env["ir.ui.view"].create({
                "name": f"{self.model}.{view_type}.added", "model": self.model, "mode": "extension",
                "inherit_id": self.env["ir.ui.view"].default_view(self.model, view_type), "arch": arch})
            self.env["ir.model.data"].create({"module": MODULE, "name": name, "model": "ir.ui.view",
                                              "res_id": view.id, "noupdate": True})

    # -- changing ----------------------------------------------------------------------------------------------

    def _sync_table_labels(self):
        """The model's title, fields' labels, views, action, menu and readers as the entry now says."""
        self.ensure_one()
        group = self._table_readers()
        self.model_id.name = self.description
        fields_by_name = {field.name: field for field in self.model_id.field_id}
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        for column in self.column_ids:
            field = fields_by_name.get(column.field_name)
            # a label is one text, the same in every language (a write sets the writer's language only)
            for localized in (field.with_context(lang=code) for code in langs) if field else ():
                if localized.field_description != column.label:
                    localized.field_description = column.label
        self._write_views()
        readers = [(6, 0, group.ids)]
        self._write_title(self.model_id, self._owned("ir.actions.act_window"), self._owned("ir.ui.menu"))
        self._owned("ir.actions.act_window").write({"name": self.description, "groups_id": readers})
        self._owned("ir.ui.menu").write({"name": self.description, "groups_id": readers})
        self._owned("ir.model.access").write({"group_id": group.id})

    def _write_title(self, *recordsets):
        """The ``name`` of the records is the title in every language installed (a write sets the writer's only)."""
        langs = [code for code, _name in self.env["res.lang"].get_installed()]
        titles = {code: self.with_context(lang=code).description for code in langs}
        for records in recordsets:
            for record in records:
                record._update_field_translations("name", titles)

    def _lock_table(self):
        """Lock the export's table for this transaction; False when its readers keep it more than a few seconds."""
        return lock_exclusively(self.env.cr, self.env[self.model_id.model]._table)

    def _apply_columns(self, commands):
        """Change the columns with ``commands`` (One2many commands) and the model's fields with them.

        A field whose kind changes is dropped and made again: its rows are
        about to be replaced by the held file's. The views first lose the
        fields that go (Odoo refuses to drop a field a view shows). The table is
        locked first, for a few seconds at most: a column waiting behind a
        reader (a backup, a long report) would stop every other reader of the
        table, for as long as that one lasts. Raises TableBusy when readers
        keep it. Returns the names of the fields kept as they were.
        """
        self.ensure_one()
        if not self._lock_table():
            raise TableBusy(self.name)
        before = {column.field_name: column.kind for column in self.column_ids}
        self.sudo().column_ids = commands
        after = {column.field_name: column for column in self.column_ids}
        kept = self.column_ids.filtered(lambda col: before.get(col.field_name) == col.kind)
        self._write_views(kept)
        fields_model = self.env["ir.model.fields"]
        dropped = fields_model.search([("model_id", "=", self.model_id.id), ("state", "=", "manual"),
                                       ("name", "in", [name for name in before if name not in kept.mapped(
                                           "field_name")])])
        dropped.unlink()
        new = [after[name] for name in after if name not in kept.mapped("field_name")]
        if new:
            fields_model.create([dict(self._field_values(column), model_id=self.model_id.id) for column in new])
        self._write_views()
        _logger.info("Cegid export %s: table %s updated (%d fields dropped, %d made)", self.name,
                     self.model_id.model, len(dropped), len(new))
        return set(kept.mapped("field_name"))

    # -- removing -------------------------------------------------------------------------------------------------

    def _drop_table(self):
        """Delete the model (and with it its table), its views, action, menu and access, and their data.

        Only when the table's readers let it, within seconds (see :meth:`_apply_columns`): else UserError.
        """
        self.ensure_one()
        if not self._lock_table():
            raise UserError(self.env._(
                "Readers (a backup, a long report) kept the table of %(export)s for more than a few seconds: it was "
                "not deleted. Try again once they are done.", export=self.name))
        drop_load(self.env.cr, self.env[self.model_id.model]._table)  # a load by parts' copy, else left for good
        data = self._owned_data()
        owned = [self._owned(name) for name in ("ir.ui.menu", "ir.actions.act_window", "ir.ui.view",
                                                 "ir.model.access")]
        for records in owned:
            records.unlink()
        model = self.model_id
        self.model_id = False
        model.unlink()
        data.unlink()
        _logger.info("Cegid export %s: table dropped", self.name)

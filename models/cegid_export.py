# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The export catalogue: one entry per kind of export, the table its files are imported into.

The four known exports are shipped entries bound to their models
(``data/cegid_export_data.xml``; their columns come from
``cegid_import.catalogue.KNOWN``). The first file of any other export is
profiled (``cegid_import.profile``) and makes an entry of its own, named after
the file; its table, a custom model ``x_cegid_<name>``, is created at once or
once a manager has reviewed its columns, as the settings say
(``cegid_export_table.py`` makes and changes the model). A file whose header
no longer is its export's is held in ``anomalie/`` until a manager updates the
table (``cegid_import_held``). A known export's file with columns its table lacks gives the table an
``x_`` field for each, by the same rules (at once, or once a manager updates
the table); its entry lists them after the shipped columns.
"""

import dataclasses
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

from ..cegid_import.catalogue import (
    AMOUNT,
    CHAR,
    DATE,
    FLOAT,
    INTEGER,
    KNOWN,
    KNOWN_BY_NAME,
    Catalogue,
    Column,
    ExportDef,
    custom_field_names,
    custom_model_name,
    distinct_labels,
)
from ..cegid_import.errors import ExportFormatError
from .cegid_backend import IMPORT_CRON, PARAM_NEW_EXPORTS, notification

_logger = logging.getLogger(__name__)

KIND_LABELS = [(CHAR, "Text"), (INTEGER, "Whole number"), (FLOAT, "Decimal number"), (AMOUNT, "Amount"),
               (DATE, "Date")]
NUMBERS = (INTEGER, FLOAT, AMOUNT)
READER_GROUPS = ("group_cegid_accounting", "group_cegid_payroll", "group_cegid_other_data")
# set by the addon's own server-side code only (as superuser): they name SQL and registry objects
ADDON_ONLY_ENTRY_FIELDS = {"name", "builtin", "state", "model_id", "held_import_id", "update_requested"}
SHIPPED_ENTRY_FIELDS = {"description", "group_id"}  # a shipped entry's title and readers are the addon's
ADDON_ONLY_COLUMN_FIELDS = {"export_id", "sequence", "name", "header", "field_name", "inferred_kind", "empty",
                            "longest"}
NEW_EXPORTS_CREATE = "create"
NEW_EXPORTS_REVIEW = "review"


def check_client_values(records, vals, addon_only):
    """Refuse ``vals`` from a client (anyone but the superuser) when it sets fields of ``addon_only``."""
    refused = sorted(addon_only & set(vals))
    if refused and not records.env.su:
        described = records.sudo().fields_get(refused, ["string"])  # a field of a group the user lacks is named too
        labels = ", ".join(described[name]["string"] for name in refused)
        raise AccessError(records.env._("Only the Cegid addon sets these fields: %(fields)s.", fields=labels))


def accepts(kind, inferred, empty=False):
    """True when a column of ``kind`` can hold every value of a column profiled as ``inferred``."""
    return empty or kind in (inferred, CHAR) or (kind in (FLOAT, AMOUNT) and inferred in NUMBERS)


def wider(kind, inferred, empty=False):
    """The kind of a column that held ``kind`` and now holds values profiled as ``inferred``."""
    if accepts(kind, inferred, empty):
        return kind
    return inferred if accepts(inferred, kind) else CHAR


class CegidExport(models.Model):
    """A kind of Cegid export: the scheduled query of its name, its columns, the table of its rows."""

    _name = "is.cegid.export"
    _description = "Cegid export"
    _order = "builtin desc, name"

    name = fields.Char("Export", required=True, readonly=True, index=True,
                       help="The file's name without its extension and its time stamp, as the scheduled query's.")
    description = fields.Char("Table", required=True, translate=True, help="The title of its table in Cegid > Data.")
    builtin = fields.Boolean("Shipped", readonly=True, help="One of the four exports the addon ships a table for.")
    state = fields.Selection(
        [("review", "To review"), ("ready", "Table created"), ("held", "File held")], required=True,
        default="ready", readonly=True,
        help="To review: a manager checks the columns, then creates the table. File held: the columns of the "
             "export changed in Cegid; the file waits in anomalie/ until the table is updated.")
    model_id = fields.Many2one("ir.model", readonly=True, ondelete="set null")
    model = fields.Char(related="model_id.model", string="Model name")
    # not required in the database: uninstalling deletes the groups before this table
    group_id = fields.Many2one("res.groups", "Readers", ondelete="set null",
                               default=lambda self: self.env.ref("is_cegid2odoo.group_cegid_other_data"),
                               help="The Cegid group whose members read this table.")
    column_ids = fields.One2many("is.cegid.export.column", "export_id", "Columns")
    held_import_id = fields.Many2one("is.cegid.import", "Held file", readonly=True, ondelete="set null")
    # read with the caller's rights: Odoo's onchange computes it for any import id a client sends
    held_message = fields.Text(related="held_import_id.message", string="Why it is held", related_sudo=False)
    update_requested = fields.Boolean(
        "Update requested", readonly=True,
        help="A manager asked for the update of the table: the cron does it with the held file.")
    query_id = fields.Many2one("is.cegid.query", "Scheduled query", compute="_compute_query_id")
    last_import_id = fields.Many2one("is.cegid.import", "Last import", compute="_compute_last_import")
    export_date = fields.Datetime("Export date", compute="_compute_last_import",
                                  help="When Cegid wrote the file the rows come from.")
    row_count = fields.Integer("Rows", compute="_compute_row_count")

    _sql_constraints = [("name_unique", "UNIQUE(name)", "An export is in the catalogue only once.")]

    @api.constrains("group_id")
    def _check_readers(self):
        """An entry's readers are a Cegid data group, never none: an access rule without a group is everyone's."""
        readers = {self.env.ref(f"is_cegid2odoo.{name}") for name in READER_GROUPS}
        if any(entry.group_id not in readers for entry in self):
            raise UserError(self.env._("The readers of an export are one of the Cegid data groups."))

    def _table_readers(self):
        """The group that reads the entry's table, its menu and dashboard (UserError when none: everyone's)."""
        self.ensure_one()
        if not self.group_id:
            raise UserError(self.env._("The readers of an export are one of the Cegid data groups."))
        return self.group_id

    def _compute_query_id(self):
        # the query Cegid runs today before one it deleted (archived) or an old one of the same name disabled
        queries = self.env["is.cegid.query"].with_context(active_test=False).search(
            [], order="active desc, enabled desc, id desc")
        by_name = queries.grouped(lambda query: query.name.upper())
        for entry in self:
            entry.query_id = by_name.get(entry.name.upper(), queries.browse())[:1]

    def _compute_last_import(self):
        imports = self.env["is.cegid.import"]
        last_done = imports._last_done(self)
        for entry in self:
            last = last_done.get(entry, imports)
            entry.last_import_id = last
            entry.export_date = last.file_date

    def _compute_row_count(self):
        """The rows of each entry's table the user may read (0 without access): one query for the batch."""
        readable = self.filtered(lambda entry: entry.model and entry.model in self.env
                                 and self.env[entry.model].has_access("read"))
        counts = {}
        if readable:
            for model in {entry.model for entry in readable}:
                self.env[model].flush_model()
            self.env.cr.execute(SQL(" UNION ALL ").join(
                SQL("SELECT %s, count(*) FROM %s", entry.model, SQL.identifier(self.env[entry.model]._table))
                for entry in readable))
            counts = dict(self.env.cr.fetchall())
        for entry in self:
            entry.row_count = counts.get(entry.model, 0)

    # -- the catalogue ----------------------------------------------------------------------------------------

    @api.model
    def _catalogue(self):
        """The exports a file may belong to: the known ones (with the columns added to them) and every entry with
        a table."""
        entries = self.sudo().search(["|", ("builtin", "=", True), ("model_id", "!=", False)])
        known = {entry.name: entry._definition() for entry in entries if entry.builtin and entry.name in KNOWN_BY_NAME}
        return Catalogue((*(known.get(export.name, export) for export in KNOWN),
                          *(entry._definition() for entry in entries if not entry.builtin)))

    @api.model
    def _entry(self, name):
        """The entry of export ``name`` (as superuser), or an empty recordset."""
        return self.sudo().search([("name", "=", name)], limit=1)

    def _definition(self):
        """The cegid_import ExportDef of this entry: the known one and the columns added to it, or its columns.

        The columns added to a known export are optional: a later file without them leaves them empty.
        """
        self.ensure_one()
        if self.builtin:
            known = KNOWN_BY_NAME[self.name]
            added = tuple(Column(column.name, column.kind, column.index, column.label, column.field_name,
                                 optional=True, header=column.header or column.name,
                                 profiled=column.kind == column.inferred_kind)
                          for column in self.column_ids if column.name not in known.column_names)
            return dataclasses.replace(known, columns=known.columns + added) if added else known
        # a file that does not fit the profile's kinds is held, and Update the table widens them (a kind a manager
        # chose is theirs); so are a known export's columns added for its files
        columns = tuple(Column(column.name, column.kind, column.index, column.label, column.field_name,
                               header=column.header or column.name, profiled=column.kind == column.inferred_kind)
                        for column in self.column_ids)
        return ExportDef(self.name, self.model_id.model or custom_model_name(self.name), self.description, columns)

    @api.model
    def _sync_known_columns(self):
        """The columns of the shipped entries, as the catalogue declares them (at each install and update).

        The columns added to them for the extra columns of their files (``x_`` fields) stay, after them.
        """
        for entry in self.sudo().search([("builtin", "=", True)]):
            export = KNOWN_BY_NAME.get(entry.name)
            if export is not None:
                added = entry.column_ids.filtered(lambda col, known=export: col.name not in known.column_names)
                entry.column_ids = [
                    (2, column.id) for column in entry.column_ids - added] + [(0, 0, {
                        "sequence": number, "name": column.name, "header": column.header,
                        "field_name": column.field, "label": column.label, "kind": column.kind,
                        "inferred_kind": column.kind, "index": column.index,
                    }) for number, column in enumerate(export.columns)] + [
                    (1, column.id, {"sequence": len(export.columns) + number}) for number, column in enumerate(added)]

    # -- a new export -------------------------------------------------------------------------------------------

    @api.model
    def _review_first(self):
        """True when a manager reviews new tables and columns before they are made (the settings say so)."""
        return self.env["ir.config_parameter"].sudo().get_param(PARAM_NEW_EXPORTS) == NEW_EXPORTS_REVIEW

    def _add_file_columns(self, profile):
        """Give a known export's table a field for each column of a file's ``profile`` it lacks.

        Returns the added columns' headers as written.
        """
        self.ensure_one()
        before = self.column_ids
        # the columns added before stay as they are: a value one cannot hold holds the file (see _holds), and the
        # rows are compared over them
        self._apply_columns(self._plan_columns(profile, widen=False))
        return (self.column_ids - before).mapped("header")

    @api.model
    def _check_name_free(self, name):
        """Raise ExportFormatError when another export's table has the model a new export ``name`` would get."""
        model = custom_model_name(name)
        taken = self.sudo().search([("builtin", "=", False)]).filtered(
            lambda entry: entry._definition().model == model)
        if taken:
            raise ExportFormatError("import.name_taken", name=name, model=model, other=taken[0].name)

    @api.model
    def _create_from_file(self, name, profile):
        """The entry of export ``name`` made from its first file's ``profile``, with its table unless reviewed first.

        The caller checked the name free (:meth:`_check_name_free`) before the profile, which may take several runs.
        """
        review = self._review_first()
        entry = self.sudo().create({
            "name": name, "description": name, "builtin": False, "state": "review" if review else "ready",
            "column_ids": self.browse()._column_values(profile, profile.export.columns),
        })
        _logger.info("Cegid export %s: new, %d columns profiled on %d rows", name, len(entry.column_ids),
                     profile.rows)
        if not review:
            entry._create_table()
        return entry

    def _column_values(self, profile, columns):
        """One2many commands creating ``columns`` as profiled, beside the entry's own (none for a new entry).

        Field names and labels are distinct from the entry's; a known export's
        added column is labelled with its header as written.
        """
        names = custom_field_names([column.name for column in columns], taken=self.column_ids.mapped("field_name"))
        labels = distinct_labels([column.header if self.builtin else column.label for column in columns],
                                 taken=self.column_ids.mapped("label"))
        return [(0, 0, {
            "name": column.name, "header": column.header, "field_name": field_name, "label": label,
            "kind": column.kind, "inferred_kind": column.kind, "longest": profile.longest[column.name],
            "empty": column.name in profile.empty,
        }) for column, field_name, label in zip(columns, names, labels, strict=True)]

    # -- actions ---------------------------------------------------------------------------------------------------

    def action_create_table(self):
        """Create the reviewed table now; its files waiting in the import folder are imported by the cron."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database(imports=True)
        backend._check_cegid_cron(IMPORT_CRON)
        self.ensure_one()
        if self.state != "review":
            raise UserError(self.env._("The table of %(export)s exists already.", export=self.name))
        refused = self.column_ids.filtered(lambda col: not accepts(col.kind, col.inferred_kind, col.empty))
        if refused:
            raise UserError(self.env._(
                "These columns hold values their type cannot: %(columns)s. Choose Text, or the type found.",
                columns=", ".join(refused.mapped("name"))))
        self.sudo()._create_table()
        self.sudo().state = "ready"
        # the first file's line said it waited; it gets its own line when imported
        self.env["is.cegid.import"].sudo().search([("export_id", "=", self.id), ("state", "=", "waiting")]).unlink()
        self.env["is.cegid.import"]._import_soon()
        return self._notify(self.env._(
            "Table %(table)s created; its waiting files are imported in the background within a minute "
            "(see Cegid > Data > Imports).", table=self.description))

    def action_open_table(self):
        """The table's rows (list, pivot, graph)."""
        self.ensure_one()
        self.check_access("read")
        action = self.sudo()._table_action()
        if not action:
            raise UserError(self.env._("%(export)s has no table yet.", export=self.name))
        # what ir.actions.act_window gives the web client (its readable fields); no public method returns it
        return action._get_action_dict()

    def action_open_query(self):
        """The scheduled query of this export."""
        self.ensure_one()
        self.check_access("read")
        return {"type": "ir.actions.act_window", "res_model": "is.cegid.query", "res_id": self.query_id.id,
                "view_mode": "form", "name": self.query_id.name}

    def _notify(self, message):
        return notification(self.env._("Cegid export"), message, "success",
                            next_action={"type": "ir.actions.client", "tag": "soft_reload"})

    def _plan_columns(self, profile, widen=True):
        """The columns once updated to ``profile``'s: kept ones (widened if need be), new ones; the commands.

        A known export only gains columns: its own stay as shipped, and those
        added for earlier files stay too (a file may lack them), widened by an
        update of the table (``widen``) only.
        """
        current = {column.name: column for column in self.column_ids}
        new = [column for column in profile.export.columns if column.name not in current]
        if self.builtin:
            added = set(self._added_columns().mapped("name")) if widen else set()
            commands = [(1, current[column.name].id, self._widened(current[column.name], column, profile))
                        for column in profile.export.columns if column.name in added]
            for number, command in enumerate(self._column_values(profile, new)):
                command[2]["sequence"] = len(current) + number
                commands.append(command)
            return commands
        commands, kept = [], []
        for number, column in enumerate(profile.export.columns):
            old = current.get(column.name)
            if old is None:
                continue
            kept.append(old.name)
            commands.append((1, old.id, dict(self._widened(old, column, profile), sequence=number)))
        commands += [(2, column.id) for name, column in current.items() if name not in kept]
        for command, column in zip(self._column_values(profile, new), new, strict=True):
            command[2]["sequence"] = profile.export.column_names.index(column.name)
            commands.append(command)
        return commands

    @staticmethod
    def _widened(old, column, profile):
        """The values of column ``old`` that now also holds ``column``'s values (of a file's ``profile``)."""
        empty = column.name in profile.empty
        kind = wider(old.kind, column.kind, empty)
        # a kind the files' values gave stays theirs (the import refuses what it would alter, see _definition), even
        # if this file's values, none or whole numbers in a decimal column, say less; a manager's stays his
        inferred = kind if old.kind == old.inferred_kind else column.kind
        return {"kind": kind, "inferred_kind": inferred, "empty": empty, "longest": profile.longest[column.name]}

    def _holds(self, record):
        """Whether this entry's rejected import ``record`` waits for Update the table: any for a new export's, for
        a known export's a header changed or a value a column added for its files does not fit."""
        if not self.model_id:
            return False
        if not self.builtin or record.message_code == "import.header_changed":
            return True
        column = (record.message_params or {}).get("column") if record.message_code == "import.bad_value" else None
        return bool(column) and column in self._added_columns().mapped("name")

    def _added_columns(self):
        """The columns of a known export added for its files (its own are shipped): all of another export's."""
        shipped = KNOWN_BY_NAME[self.name].column_names if self.builtin and self.name in KNOWN_BY_NAME else ()
        return self.column_ids.filtered(lambda column: column.name not in shipped)

    # -- edits by a manager ---------------------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Entries are made by the import alone (a file never seen before)."""
        for vals in vals_list:
            check_client_values(self, vals, ADDON_ONLY_ENTRY_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        """Keep the custom model in step: its title and readers follow the entry."""
        self._check_client_edit(vals)
        result = super().write(vals)
        if {"description", "group_id"} & set(vals):
            self._sync_custom_tables()
        return result

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=None):
        """The title's translations (Odoo's translation dialog, past write) follow write's rules."""
        self._check_client_edit({field_name: translations})
        if field_name == "description" and not all((value or value is False) for value in translations.values()):
            raise UserError(self.env._("A table needs a title."))
        result = super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)
        if field_name == "description":
            self._sync_custom_tables()
        return result

    def _check_client_edit(self, vals):
        """Refuse a client's ``vals`` that set what the addon alone sets, or a shipped entry's title and readers."""
        check_client_values(self, vals, ADDON_ONLY_ENTRY_FIELDS)
        if any(self.mapped("builtin")):
            check_client_values(self, vals, SHIPPED_ENTRY_FIELDS)

    def _sync_custom_tables(self):
        """The tables made for these entries (not the shipped ones) take their title and readers."""
        for entry in self.filtered(lambda rec: not rec.builtin and rec.model_id):
            entry.sudo()._sync_table_labels()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shipped(self):
        if any(entry.builtin for entry in self):
            raise UserError(self.env._("The shipped exports cannot be deleted."))

    def unlink(self):
        """Delete custom entries with their tables (model, views, menu, rows).

        The caller's right to delete is checked first: the tables are dropped as superuser. A selection holding a
        shipped entry too (the catalogue's list lets a manager select them all) is refused before any table goes.
        """
        self.check_access("unlink")
        if not self.env.context.get(MODULE_UNINSTALL_FLAG):  # as Odoo runs the ondelete check: not at uninstall
            self._unlink_except_shipped()
        self._forget_deferral()
        for entry in self.filtered(lambda rec: not rec.builtin and rec.model_id):
            entry.sudo()._drop_table()
        return super().unlink()


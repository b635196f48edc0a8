# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What changed in Cegid since the last export: each import compares its snapshot with the rows it replaces.

The comparison runs in PostgreSQL, in the import's transaction, while the
previous rows and the new ones are both there (``cegid_import.changes``): the
rows added and removed are counted, a capped number of them kept as detail,
the net change of debit and credit kept per account and month for the
accounting exports, and a change dated in a period the team has closed
(settings *Accounting closed until*, *Payroll closed until*) opens an activity
for the Cegid managers. The table is replaced all the same: the export is
Cegid's truth, the alert is how the team learns of it.
"""

import datetime
import logging
from decimal import Decimal

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools.misc import format_date, formatLang

from ..cegid_import import changes
from .cegid_backend import PARAM_PREFIX

PARAM_DETAIL_LIMIT = PARAM_PREFIX + "change_detail_limit"
PARAM_SKIP_COMPARISON = PARAM_PREFIX + "skip_comparison"
PARAM_CLOSED_UNTIL = {"accounting": PARAM_PREFIX + "accounting_closed_until",
                      "payroll": PARAM_PREFIX + "payroll_closed_until"}
_logger = logging.getLogger(__name__)

DEFAULT_DETAIL_LIMIT = 100_000
MAX_SHOWN_DECIMALS = 15  # a float's tiny value (1e-300) reads as PostgreSQL wrote it, not as 0.000…
ALERT_LINES = 30  # lines of an activity; the import's Changes tab shows them all
CLOSED_PERIOD_ACTIVITY = "mail.mail_activity_data_todo"
KINDS = [(changes.ADDED, "Added"), (changes.REMOVED, "Removed")]


class CegidImportChange(models.Model):
    """One row an import added or removed (as many as the detail limit keeps)."""

    _name = "is.cegid.import.change"
    _description = "Cegid import: a row added or removed"
    _order = "import_id, id"
    # no create_uid / write_uid / create_date / write_date: the import the row belongs to tells who and when, and
    # the two users' foreign keys would be checked for each of up to 100,000 rows
    _log_access = False

    import_id = fields.Many2one("is.cegid.import", required=True, ondelete="cascade", index=True,
                                readonly=True)
    kind = fields.Selection(KINDS, "Added or removed", required=True, readonly=True)
    # an array, its names kept once on the import: an object per row took twice the room and the time to build
    row_values = fields.Json("Values in order", readonly=True,
                             help="The row's values, in the order of its import's compared columns.")
    data = fields.Json("Values", compute="_compute_data", help="The row's values by field name.")
    line = fields.Text("Row", compute="_compute_line", help="The row's values, column by column.")

    @api.depends("row_values", "import_id.change_columns")
    def _compute_data(self):
        # with the caller's rights, as _compute_line: Odoo's onchange computes them for any import id a client sends
        for change in self:
            names = change.import_id.change_columns or []
            change.data = dict(zip(names, change.row_values or [], strict=False))

    @api.depends("data", "import_id.export_id.column_ids.shown_label")
    @api.depends_context("lang")
    def _compute_line(self):
        columns = {}
        separator = list_separator(self.env)
        for change in self:
            export = change.import_id.export_id
            if export not in columns:
                table = self.env.get(export.model or "")
                columns[export] = [(column.field_name, column.shown_label,
                                    table._fields.get(column.field_name) if table is not None else None)
                                   for column in export.column_ids]
            values = change.data or {}
            change.line = separator.join(
                self.env._("%(label)s: %(value)s", label=label, value=_readable(self.env, field, values.get(name)))
                for name, label, field in columns[export] if name in values)


class CegidImportMoney(models.Model):
    """The net change of debit and credit of an account (axis, section) in a month, between two snapshots."""

    _name = "is.cegid.import.money"
    _description = "Cegid import: change of debit and credit"
    _order = "import_id, account, axis, section, month"

    import_id = fields.Many2one("is.cegid.import", required=True, ondelete="cascade", index=True,
                                readonly=True)
    account = fields.Char("General account", readonly=True)
    axis = fields.Char(readonly=True)
    section = fields.Char(readonly=True)
    month = fields.Date(readonly=True)
    debit = fields.Float("Debit change", digits=(16, 2), readonly=True)
    credit = fields.Float("Credit change", digits=(16, 2), readonly=True)
    row_count = fields.Integer("Rows changed", readonly=True)


class CegidImportChanges(models.Model):
    """The comparison of each import with the rows it replaced."""

    _inherit = "is.cegid.import"

    compared = fields.Boolean(readonly=True, help="Compared with the previous export of the same query.")
    rows_added = fields.Integer("Rows added", readonly=True, aggregator=None,
                                help="Rows of this export the previous one did not have (all of them, for a first "
                                     "export).")
    rows_removed = fields.Integer("Rows removed", readonly=True, aggregator=None,
                                  help="Rows of the previous export this one no longer has.")
    change_ids = fields.One2many("is.cegid.import.change", "import_id", "Rows added and removed", readonly=True)
    loaded_columns = fields.Json("Loaded columns", readonly=True,
                                 help="The fields of the table this file filled: the next import is compared over "
                                      "those it fills too.")
    change_columns = fields.Json("Compared columns", readonly=True,
                                 help="The fields the rows were compared over, in the order of each changed row's "
                                      "values.")
    money_ids = fields.One2many("is.cegid.import.money", "import_id", "Money changes", readonly=True)
    closed_changes = fields.Json("Closed-period changes", readonly=True,
                                 help="The changes dated in a closed period: [keys, month, measures, rows].")
    closed_summary = fields.Text("Changes in closed periods", compute="_compute_closed_summary")
    money_per_section = fields.Boolean("Money per axis and section", compute="_compute_money_per_section",
                                       help="The money changes are also told apart by analytic axis and section.")

    @api.depends("export_id.name")
    def _compute_money_per_section(self):
        for record in self:
            spec = changes.CHANGE_SPECS.get(record.export_id.name)
            record.money_per_section = bool(spec and spec.money and len(spec.keys) > 1)

    @api.depends("closed_changes")
    @api.depends_context("lang")
    def _compute_closed_summary(self):
        for record in self:
            record.closed_summary = "\n".join(record._closed_lines()) or False

    # -- the comparison, inside the import's transaction ---------------------------------------------------------

    def _comparer(self, export, values, columns):
        """The ``compare(old, new)`` of ``pg_replace.replace_table`` for this import, or None.

        None for the first import of an export (nothing to compare with),
        when the settings turn the comparison off, and when no column is left
        to compare over (an update of the table that made every column anew).
        It fills ``values``. The rows are compared over those of ``columns``
        (the file's fields the table had) that the previous snapshot filled
        too: a column the file adds, or an optional one the previous file
        lacked, changes no row.
        """
        self.ensure_one()
        params = self.env["ir.config_parameter"].sudo()
        entry = self.env["is.cegid.export"]._entry(export.name)
        previous = self._last_done(entry, excluding=self).get(entry)
        if not previous or params.get_param(PARAM_SKIP_COMPARISON):
            return None
        if previous.loaded_columns:  # (18.0.1.4.0 infers them for the last imports of earlier versions)
            columns = [name for name in columns if name in previous.loaded_columns]
        if not columns:
            return None
        spec = changes.CHANGE_SPECS.get(export.name)
        keep = self._side_to_keep(entry)

        def compare(old, new):
            limit = int(params.get_param(PARAM_DETAIL_LIMIT) or DEFAULT_DETAIL_LIMIT)
            comparison = changes.Comparison(self.env.cr, old, new, columns, limit, keep)
            values.update(rows_added=comparison.added, rows_removed=comparison.removed, compared=True,
                          change_columns=list(columns))
            _logger.info("Cegid import: %s compared, %d rows added, %d removed (the %s groups kept, %s guessed)",
                         export.name, comparison.added, comparison.removed, comparison.keep, keep or "none")
            self._keep_details(comparison)
            if spec:
                until = fields.Date.to_date(params.get_param(PARAM_CLOSED_UNTIL[spec.period]) or False) or None
                totals = comparison.totals(spec, until)
                if spec.money:
                    self._keep_money(spec, totals)
                closed = [_jsonable(row[:-1]) for row in totals if row[-1]]
                values["closed_changes"] = closed or False
            comparison.forget()

        return compare

    def _side_to_keep(self, entry):
        """What the comparison keeps, guessed from the last import of the export that was compared (None: none)."""
        previous = self.sudo().search([("export_id", "=", entry.id), ("state", "=", "done"), ("compared", "=", True),
                                       ("id", "!=", self.id)], order="id desc", limit=1)
        if not previous:
            return None
        return changes.side_to_keep(previous.row_count, previous.rows_added, previous.rows_removed)

    def _keep_details(self, comparison):
        """The first rows added and removed, as many as the settings keep."""
        Change = self.env["is.cegid.import.change"].sudo()
        Change.flush_model()
        comparison.keep_details(Change._table, {"import_id": self.id})
        Change.invalidate_model()

    def _keep_money(self, spec, totals):
        """The money table: net debit and credit change per account (axis, section) and month, all rows counted."""
        keys = len(spec.keys)
        merged = {}  # a month's rows before and after the closed date make one line
        for row in totals:
            key = tuple(row[:keys + 1])
            debit, credit, count = merged.get(key, (0, 0, 0))
            merged[key] = (debit + row[keys + 1], credit + row[keys + 2], count + row[keys + 3])
        self.env["is.cegid.import.money"].sudo().create([
            dict(zip(("account", "axis", "section"), key[:keys], strict=False), import_id=self.id, month=key[keys],
                 debit=debit, credit=credit, row_count=count)
            for key, (debit, credit, count) in merged.items()])

    # -- telling the managers ------------------------------------------------------------------------------------

    def _closed_lines(self):
        """The changes in closed periods as lines, in the reader's language."""
        self.ensure_one()
        spec = changes.CHANGE_SPECS.get(self.export_id.name)
        if not spec or not self.closed_changes:
            return []
        keys = len(spec.keys)
        labels = self.env[self.export_id.sudo().model].fields_get(list(spec.measures), ["string"])
        separator = list_separator(self.env)  # a comma would read inside French amounts (« 1 234,50, 0,00 »)
        lines = []
        for row in self.closed_changes:
            month = format_date(self.env, fields.Date.to_date(row[keys]), date_format="MMMM y")
            amounts = separator.join(
                self.env._("%(label)s: %(value)s", label=labels[measure]["string"],
                           value=formatLang(self.env, value, digits=2))
                for measure, value in zip(spec.measures, row[keys + 1:-1], strict=True))
            lines.append(self.env._("%(what)s, %(month)s: %(amounts)s (%(rows)s row(s) changed)",
                                    what=" / ".join(str(key or "-") for key in row[:keys]), month=month,
                                    amounts=amounts, rows=formatLang(self.env, row[-1], digits=0)))
        return lines

    def _alert_closed_periods(self):
        """An activity for each Cegid manager when this import changed a closed period (in his language)."""
        self.ensure_one()
        if not self.closed_changes:
            return

        def texts(record):
            lines = record._closed_lines()
            shown = [escape(line) for line in lines[:ALERT_LINES]]
            if len(lines) > ALERT_LINES:
                shown.append(escape(record.env._("… and %(count)s more: see the import's Changes tab.",
                                                 count=formatLang(record.env, len(lines) - ALERT_LINES,
                                                                  digits=0))))
            summary = record.env._("Cegid: %(export)s changed a closed period", export=record.export_id.name)
            return summary, Markup("<br/>").join(shown)

        # a to-do, not an incident: the next import that works does not close it, a person does
        self._cegid_open_incident(texts, activity_type=CLOSED_PERIOD_ACTIVITY)


def list_separator(env):
    """What separates the items of a list in the reader's language ("; " in English, " ; " in French)."""
    return env._("%(before)s; %(after)s", before="", after="")


def _readable(env, field, text):
    """A value as PostgreSQL wrote it (``col::text``), as the reader writes it.

    Dates and decimal numbers (amounts with their field's digits, other
    decimals with their own) in the reader's language; whole numbers as they
    are (Cegid's are order numbers, periods, codes: no thousands separator);
    text, and anything that does not read as its field's type, as it is.
    """
    if text is None or text == "" or field is None:
        return text or ""
    try:
        if field.type == "date":
            return format_date(env, fields.Date.to_date(text))
        if field.type in ("float", "monetary"):
            digits = field.get_digits(env) if field.type == "float" else None
            scale = digits[1] if digits else max(0, -Decimal(text).as_tuple().exponent)
            return formatLang(env, float(text), digits=scale) if scale <= MAX_SHOWN_DECIMALS else text
    except (ArithmeticError, TypeError, ValueError):  # NaN's exponent is a letter
        return text
    return text


def _jsonable(row):
    """A totals row as JSON keeps it: dates as ISO text, numbers as floats."""
    return [value.isoformat() if isinstance(value, datetime.date) else
            float(value) if value is not None and not isinstance(value, (str, int)) else value for value in row]

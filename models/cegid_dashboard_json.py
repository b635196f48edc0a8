# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Spreadsheet dashboards described once, written as Odoo 18 spreadsheet JSON (no Odoo import).

A dashboard is a list of answers, stacked on its first sheet (the only one
Odoo shows): a :class:`Pivot` (an ``=PIVOT()`` formula that spreads its
table), a :class:`Chart` (an Odoo graph), or a :class:`TopChart` (the
``count`` largest rows of a pivot's measure, as a bar chart: the pivot's rows
sorted by that measure, largest first, its first ``count`` read).
:func:`dashboard_json` writes the live file, :func:`sample_json` the sample
Odoo shows while the tables are empty (the same answers, made-up figures).
The shipped files in ``data/dashboards/`` are written by
``tools/gen_dashboards.py`` from :data:`SHIPPED`; the starter dashboard of a
custom table is made at run time with the same functions. Titles are in
``=_t("...")`` cells and chart titles, where Odoo's term extraction finds them.
"""

import dataclasses
import json
import re
import uuid

SPREADSHEET_VERSION = 21
ODOO_VERSION = 12
NAMESPACE = uuid.UUID("6f2c9fec-21d0-4c6e-9a1b-c3e9d2a0b021")
MAX_SHEET_ROWS = 3000  # the last pivot of a dashboard grows to there, no further
MAX_SHEET_COLUMNS = 160  # room for four years of months with three measures
ROW_HEIGHT = 23  # pixels, o-spreadsheet's default
LABEL_COLUMN_WIDTH = 220  # pixels: a pivot's row headers (an account, an employee)
VALUE_COLUMN_WIDTH = 125  # pixels, not o-spreadsheet's 96: a total of hundreds of millions ("104 405 239,35") whole
CHART_ROWS = 18
PIVOT_MARGIN_ROWS = 7  # column headers (up to three rows), the total row, a gap
# under each pivot's title: a pivot is cut where its formula's bounds end, never where the sheet ends (#SPILL!)
CUT_NOTE = "Only the first rows and columns that fit are shown."
SAMPLE_ROWS = 5
STARTER_MONTHS = 240  # the months a starter dashboard shows before its next pivot
BALANCE = "balance"
COUNT = "__count"
MOVEMENT = "movement"  # is.cegid.ecriture's debit + credit (models/cegid_staging.py), summed by SQL


@dataclasses.dataclass(frozen=True)
class Pivot:
    """A pivot: ``rows``/``columns`` are "field" or "field:month"; ``computed`` maps a measure to its formula.

    ``totals``: False where summing across groups means nothing (payroll cumulatives of different codes).
    ``max_rows``: the pivot's rows shown, so that the next answer below it keeps its place.
    """

    title: str
    model: str
    rows: tuple
    measures: tuple
    columns: tuple = ()
    computed: tuple = ()  # ((name, label, formula), ...)
    date_field: str = ""
    totals: bool = True
    max_rows: int = 0  # rows shown (0: all, for the last pivot of a dashboard only)


@dataclasses.dataclass(frozen=True)
class Chart:
    """An Odoo graph (``odoo_bar``) of ``measure`` by ``group_by`` (first is the axis)."""

    title: str
    model: str
    group_by: tuple
    measure: str
    date_field: str = ""
    stacked: bool = True


@dataclasses.dataclass(frozen=True)
class TopChart:
    """The ``count`` rows of ``pivot`` with the largest ``measure``, as a bar chart.

    ``measure`` is a field of the pivot's (not a computed measure): Odoo sorts
    a pivot's rows by the sum of a field only, and the chart reads the first
    ``count`` rows of the pivot so sorted, whatever the number of its rows.
    """

    title: str
    pivot: Pivot
    measure: str
    count: int = 10


@dataclasses.dataclass(frozen=True)
class Dashboard:
    """A dashboard: its answers (one sheet each) and the label of its date filter (none if empty)."""

    key: str
    answers: tuple
    date_filter: str = ""

    def pivots(self):
        """The pivots of the dashboard, TopCharts' included, in sheet order."""
        return [answer.pivot if isinstance(answer, TopChart) else answer
                for answer in self.answers if isinstance(answer, (Pivot, TopChart))]


def _uid(*parts):
    return str(uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts)))


def _dimension(spec):
    field, _sep, granularity = spec.partition(":")
    return {"fieldName": field, **({"granularity": granularity} if granularity else {})}


def _string(text):
    """``text`` as a string of a spreadsheet formula, in double quotes.

    o-spreadsheet 18 ends a string at the first ``"`` not preceded by ``\\``,
    with no escape it would remove (``""`` is two strings, ``\\"`` keeps its
    backslash): a double quote inside becomes a single one, and a text ending
    with a backslash gets a space after it (else its closing quote is read as
    part of the string).
    """
    text = text.replace('"', "'")
    return '"' + (text + " " if text.endswith("\\") else text) + '"'


def title_formula(title):
    """A title's cell: translated by the spreadsheet's ``_t`` (the shipped files' terms)."""
    return f"=_t({_string(title)})"


def _column_widths():
    """The sheet's column widths: the row headers', then the values'."""
    return {str(column): {"size": LABEL_COLUMN_WIDTH if column == 0 else VALUE_COLUMN_WIDTH}
            for column in range(MAX_SHEET_COLUMNS)}


def _sheet(dashboard, name, cells, figures=(), rows=MAX_SHEET_ROWS):
    return {"id": _uid(dashboard.key, "sheet", name), "name": name, "colNumber": MAX_SHEET_COLUMNS,
            "rowNumber": rows, "rows": {}, "cols": _column_widths(), "merges": [], "cells": cells,
            "styles": {}, "formats": {}, "borders": {}, "conditionalFormats": [], "figures": list(figures),
            "tables": [], "areGridLinesVisible": False, "isVisible": True,
            "headerGroups": {"ROW": [], "COL": []}, "dataValidationRules": [], "comments": {}}


def _document(dashboard, sheets, pivots=None, filters=()):
    return {"version": SPREADSHEET_VERSION, "sheets": sheets, "styles": {}, "formats": {}, "borders": {},
            "revisionId": "START_REVISION", "uniqueFigureIds": True,
            "settings": {"locale": {"name": "English (US)", "code": "en_US", "thousandsSeparator": ",",
                                    "decimalSeparator": ".", "dateFormat": "mm/dd/yyyy",
                                    "timeFormat": "hh:mm:ss", "formulaArgSeparator": ",", "weekStart": 7}},
            "pivots": pivots or {}, "pivotNextId": len(pivots or {}) + 1, "customTableStyles": {},
            "odooVersion": ODOO_VERSION, "globalFilters": list(filters), "lists": {}, "listNextId": 1,
            "chartOdooMenusReferences": {}}


def _matching(dashboard, date_field):
    if not (dashboard.date_filter and date_field):
        return {}
    return {_uid(dashboard.key, "date_filter"): {"chain": date_field, "type": "date", "offset": 0}}


def _sorted_column(measure):
    """Odoo's ``sortedColumn`` of a pivot: its rows by ``measure`` in the total column, largest first."""
    if not measure:
        return None
    return {"groupId": [[], []], "measure": measure, "order": "desc"}


def _pivot_definition(dashboard, pivot_id, pivot, sheet_id, sorted_by=""):
    measures = [{"id": measure, "fieldName": measure, **({} if measure == COUNT else {"aggregator": "sum"})}
                for measure in pivot.measures]
    measures += [{"id": name, "fieldName": name, "aggregator": "sum", "userDefinedName": label,
                  "computedBy": {"formula": formula, "sheetId": sheet_id}} for name, label, formula in pivot.computed]
    return {"type": "ODOO", "id": pivot_id, "formulaId": pivot_id, "name": pivot.title, "model": pivot.model,
            "domain": [], "context": {}, "measures": measures, "rows": [_dimension(row) for row in pivot.rows],
            "columns": [_dimension(column) for column in pivot.columns], "sortedColumn": _sorted_column(sorted_by),
            "fieldMatching": _matching(dashboard, pivot.date_field)}


def _figure(figure_id, row, data):
    return {"id": figure_id, "x": 0, "y": row * ROW_HEIGHT, "width": 900, "height": CHART_ROWS * ROW_HEIGHT - 10,
            "tag": "chart", "data": data}


def _bar(title, data_range, label_range):
    return {"type": "bar", "dataSetsHaveTitle": False, "dataSets": [{"dataRange": data_range, "yAxisId": "y"}],
            "legendPosition": "none", "labelRange": label_range, "title": {"text": title}, "stacked": False,
            "aggregated": False}


def _odoo_chart(dashboard, chart):
    group_by = list(chart.group_by)
    return {"title": {"text": chart.title}, "background": "#FFFFFF", "legendPosition": "top",
            "metaData": {"groupBy": group_by, "measure": chart.measure, "order": None, "resModel": chart.model,
                         "mode": "bar"},
            "searchParams": {"comparison": None, "context": {}, "domain": [], "groupBy": group_by, "orderBy": []},
            "type": "odoo_bar", "verticalAxisPosition": "left", "stacked": chart.stacked,
            "fieldMatching": _matching(dashboard, chart.date_field)}


def _check_top(top):
    """Refuse a TopChart whose measure Odoo cannot sort its pivot by (see :class:`TopChart`)."""
    if top.measure not in top.pivot.measures:
        raise ValueError(f"{top.title}: Odoo sorts a pivot's rows by one of its summed fields only, and "
                         f"{top.measure} is none of them")


def _top_cells(pivot_id, top, column):
    """Data sheet columns ``column`` and the next: the first ``count`` rows of the sorted pivot and their measure."""
    label, value = column, chr(ord(column) + 1)
    row_field = _string("#" + top.pivot.rows[0])
    cells = {}
    for number in range(1, top.count + 1):
        cells[f"{label}{number}"] = {"content": f'=IFERROR(PIVOT.HEADER({pivot_id},{row_field},{number}),"")'}
        cells[f"{value}{number}"] = {"content": f"=IFERROR(PIVOT.VALUE({pivot_id},{_string(top.measure)},"
                                                f"{row_field},{number}),0)"}
    return cells, f"Data!{value}1:{value}{top.count}", f"Data!{label}1:{label}{top.count}"


def _block_height(answer):
    """The rows an answer takes on the dashboard sheet: its title (and a pivot's note), its chart or pivot, a gap."""
    if not isinstance(answer, Pivot):
        return 1 + CHART_ROWS + 1
    return 2 + (answer.max_rows or 0) + PIVOT_MARGIN_ROWS


def pivot_formula(pivot_id, pivot, anchor_row):
    """The ``=PIVOT()`` of ``pivot`` written at ``A<anchor_row>``, bounded to the sheet.

    o-spreadsheet shows #SPILL! instead of a result that goes past the
    sheet's last row or column, which a read-only dashboard cannot add: the
    rows (``max_rows``, else all that fit under the column headers, at most
    two more than the column groupings) and the columns (whole groups of
    measures) are bounded; the note under the title says they may be cut.
    """
    rows = pivot.max_rows or MAX_SHEET_ROWS - anchor_row + 1 - (len(pivot.columns) + 2)
    measures = len(pivot.measures) + len(pivot.computed)
    columns = (MAX_SHEET_COLUMNS - 1) // measures * measures
    return f"=PIVOT({pivot_id},{rows},{'TRUE' if pivot.totals else 'FALSE'},TRUE,{columns})"


def dashboard_json(dashboard):
    """The dashboard as Odoo 18 spreadsheet data (a dict, to dump as JSON).

    Odoo shows a dashboard's first sheet only: the answers are stacked on it,
    each pivot bounded to its ``max_rows`` (only the last one grows, to the sheet's end);
    a TopChart's helper cells are on a second sheet, *Data*, its pivot sorted by its measure.
    """
    main_id = _uid(dashboard.key, "sheet", "Dashboard")
    cells, figures, data_cells, pivots, row = {}, [], {}, {}, 1
    for number, answer in enumerate(dashboard.answers, start=1):
        cells[f"A{row}"] = {"content": title_formula(answer.title)}
        figure_id = _uid(dashboard.key, "figure", number)
        if isinstance(answer, (Pivot, TopChart)):
            pivot = answer.pivot if isinstance(answer, TopChart) else answer
            sorted_by = answer.measure if isinstance(answer, TopChart) else ""
            pivot_id = str(len(pivots) + 1)
            pivots[pivot_id] = _pivot_definition(dashboard, pivot_id, pivot, main_id, sorted_by)
        if isinstance(answer, Pivot):
            cells[f"A{row + 1}"] = {"content": title_formula(CUT_NOTE)}
            cells[f"A{row + 2}"] = {"content": pivot_formula(pivot_id, answer, row + 2)}
        elif isinstance(answer, TopChart):
            _check_top(answer)
            column = chr(ord("A") + 2 * len([a for a in dashboard.answers[:number - 1] if isinstance(a, TopChart)]))
            helper, values, labels = _top_cells(pivot_id, answer, column)
            data_cells.update(helper)
            figures.append(_figure(figure_id, row, _bar(answer.title, values, labels)))
        else:
            figures.append(_figure(figure_id, row, _odoo_chart(dashboard, answer)))
        row += _block_height(answer)
    sheets = [_sheet(dashboard, "Dashboard", cells, figures)]
    if data_cells:
        longest = max(answer.count for answer in dashboard.answers if isinstance(answer, TopChart))
        sheets.append(_sheet(dashboard, "Data", data_cells, rows=longest + 10))
    filters = []
    if dashboard.date_filter:
        filters.append({"id": _uid(dashboard.key, "date_filter"), "type": "date", "label": dashboard.date_filter,
                        "rangeType": "from_to", "disabledPeriods": []})
    return _document(dashboard, sheets, pivots, filters)


def sample_json(dashboard):
    """The sample shown while the tables are empty: the same answers with made-up figures, no Odoo data."""
    cells, figures, row = {}, [], 1
    for number, answer in enumerate(dashboard.answers, start=1):
        cells[f"A{row}"] = {"content": title_formula(answer.title)}
        first, last = row + 1, row + SAMPLE_ROWS
        for line, sample_row in enumerate(range(first, last + 1), start=1):
            cells[f"A{sample_row}"] = {"content": f'=CONCAT(_t("Sample")," ",{line})'}
            cells[f"B{sample_row}"] = {"content": str(1000 * (SAMPLE_ROWS - line) + 250 * line)}
        if isinstance(answer, Pivot):
            row += 1 + SAMPLE_ROWS + 2
        else:
            # the chart covers its sample figures
            figures.append(_figure(_uid(dashboard.key, "sample", number), row,
                                   _bar(answer.title, f"B{first}:B{last}", f"A{first}:A{last}")))
            row += _block_height(answer)
    return _document(dashboard, [_sheet(dashboard, "Dashboard", cells, figures)])


def dumps(data):
    """The JSON text of spreadsheet data, as the shipped files hold it."""
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


# -- the shipped dashboards --------------------------------------------------------------------------------

_ENTRY_PIVOT = Pivot("Top accounts", "is.cegid.ecriture", ("e_general",), (MOVEMENT,), date_field="e_datecomptable")

# Odoo shows the first sheet only: the answers are stacked, the charts first, the longest pivot last
ACCOUNTING = Dashboard("accounting", (
    TopChart("Ten accounts with the largest movement", _ENTRY_PIVOT, MOVEMENT),
    Pivot("Entries by journal and month", "is.cegid.ecriture", ("e_journal",), ("e_debit", "e_credit"),
          ("e_datecomptable:month",), date_field="e_datecomptable", max_rows=40),
    Pivot("Analytic debit minus credit by axis and section", "is.cegid.analytiq", ("y_axe", "y_section"),
          ("y_debit", "y_credit"), computed=((BALANCE, "Debit - credit", "=y_debit-y_credit"),),
          date_field="y_datecomptable", max_rows=200),
    Pivot("Balance by account and month", "is.cegid.ecriture", ("e_general",), ("e_debit", "e_credit"),
          ("e_datecomptable:month",), computed=((BALANCE, "Balance", "=e_debit-e_credit"),),
          date_field="e_datecomptable"),
), date_filter="Accounting date")

PAYROLL = Dashboard("payroll", (
    Chart("Absence days by type and month", "is.cegid.absencesalarie", ("pcn_datedebutabs:month", "pcn_typeconge"),
          "pcn_jours"),
    Pivot("Absences by employee", "is.cegid.absencesalarie", ("pcn_salarie",), ("pcn_jours", "pcn_heures"),
          ("pcn_typeconge",), max_rows=500),
    Pivot("Payroll cumulatives by code and employee", "is.cegid.histocumsal", ("phc_salarie",), ("phc_montant",),
          ("phc_cumulpaie",), totals=False),
))

# file stem -> dashboard (data/dashboards/<stem>_dashboard.json and <stem>_sample_dashboard.json)
SHIPPED = {"cegid_accounting": ACCOUNTING, "cegid_payroll": PAYROLL}


def starter_dashboard(key, model, measures, by_month=None, by_text=None, whole=""):
    """A custom table's starter: ``measures`` by ``by_month`` = (title, date field), by ``by_text`` = (title, field).

    Without a date or a text column, one pivot titled ``whole``; without measures, the row count.
    """
    measures = tuple(measures) or (COUNT,)
    answers = []
    if by_month:
        answers.append(Pivot(by_month[0], model, (f"{by_month[1]}:month",), measures, max_rows=STARTER_MONTHS))
    if by_text:
        answers.append(Pivot(by_text[0], model, (by_text[1],), measures))
    return Dashboard(key, tuple(answers) or (Pivot(whole, model, (), measures),))


# the keys of a pivot's definition that say what it asks of Odoo (its name is a title)
_PIVOT_KEYS = ("type", "model", "domain", "context", "measures", "rows", "columns", "sortedColumn", "fieldMatching")


def _content(cell):
    """A cell's formula, a ``=PIVOT()``'s bounds aside (layout: versions before 18.0.1.6.0 wrote none)."""
    content = cell.get("content", "") if isinstance(cell, dict) else str(cell)
    bare = re.fullmatch(r"=PIVOT\((\d+)(?:,\w*)*\)", content)  # a formula that does more than the call is kept
    return f"=PIVOT({bare[1]})" if bare else content


def _shape(data):
    """What a dashboard's data asks of Odoo and shows, its titles and layout (column widths...) aside."""
    pivots = sorted(dumps({key: pivot.get(key) for key in _PIVOT_KEYS})
                    for pivot in (data.get("pivots") or {}).values())
    sheets = data.get("sheets") or []
    contents = sorted(_content(cell) for sheet in sheets for cell in (sheet.get("cells") or {}).values())
    return (pivots, [content for content in contents if not content.startswith("=_t(")],
            sum(len(sheet.get("figures") or []) for sheet in sheets), len(sheets), data.get("globalFilters") or [],
            data.get("lists") or {})


def _starter_parts(pivots):
    """A starter's (measures, by_month, by_text, whole) read back from its pivots' definitions; None if none fits."""
    measures, by_month, by_text, whole = None, None, None, ""
    for pivot in pivots:
        names = tuple(measure.get("fieldName") for measure in pivot.get("measures") or [])
        rows = pivot.get("rows") or []
        if measures not in (None, names) or len(rows) > 1:
            return None
        measures = names
        if not rows:
            whole = pivot.get("name", "")
        elif rows[0].get("granularity") == "month":
            by_month = (pivot.get("name", ""), rows[0].get("fieldName"))
        else:
            by_text = (pivot.get("name", ""), rows[0].get("fieldName"))
    if measures is None:
        return None
    return (() if measures == (COUNT,) else measures), by_month, by_text, whole


def is_starter(key, model, data):
    """True when ``data`` is the starter dashboard of table ``key`` (model ``model``) as this module writes it.

    The starter is read back from the data's own pivots, whatever the table's
    columns have become since: its titles (a table renamed, an earlier
    version's French) and layout aside, the data must be what
    :func:`dashboard_json` writes for it. A dashboard someone made his own (a
    pivot, a cell, a chart added or changed) is not a starter any more.
    """
    parts = _starter_parts((data.get("pivots") or {}).values())
    return parts is not None and _shape(dashboard_json(starter_dashboard(key, model, *parts))) == _shape(data)

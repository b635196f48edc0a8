# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The shipped dashboard files: written from their description, their texts extracted for translation."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import gen_dashboards  # noqa: E402

BUILDER = gen_dashboards._builder()


def test_the_shipped_files_are_those_the_description_writes():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_dashboards.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_each_dashboard_has_its_sample_and_the_names_odoo_extracts_texts_from():
    files = sorted(path.name for path in gen_dashboards.expected_files())
    # each name ends with _dashboard.json: Odoo extracts the terms of such files (.*_dashboard(\.osheet)?\.json$)
    assert files == ["cegid_accounting_dashboard.json", "cegid_accounting_sample_dashboard.json",
                     "cegid_payroll_dashboard.json", "cegid_payroll_sample_dashboard.json"]


def _texts(data):
    """The texts Odoo extracts from a spreadsheet file (its _t() cells, chart titles, filter labels)."""
    terms = set()
    for sheet in data["sheets"]:
        for cell in sheet["cells"].values():
            content = cell["content"]
            if content.startswith('=_t("'):
                terms.add(content[5:-2])
        terms.update(figure["data"]["title"]["text"] for figure in sheet["figures"])
    terms.update(global_filter["label"] for global_filter in data["globalFilters"])
    return terms


def test_every_answer_title_and_the_date_filter_are_translatable():
    data = BUILDER.dashboard_json(BUILDER.ACCOUNTING)
    titles = {answer.title for answer in BUILDER.ACCOUNTING.answers}
    assert titles | {"Accounting date"} <= _texts(data)
    assert {answer.title for answer in BUILDER.PAYROLL.answers} <= _texts(BUILDER.dashboard_json(BUILDER.PAYROLL))


def test_the_accounting_pivots_match_the_date_filter_on_their_accounting_date():
    data = BUILDER.dashboard_json(BUILDER.ACCOUNTING)
    [date_filter] = data["globalFilters"]
    chains = {pivot["model"]: pivot["fieldMatching"][date_filter["id"]]["chain"] for pivot in data["pivots"].values()}
    assert chains == {"is.cegid.ecriture": "e_datecomptable", "is.cegid.analytiq": "y_datecomptable"}


def test_the_payroll_cumulatives_pivot_has_no_total_across_codes():
    data = BUILDER.dashboard_json(BUILDER.PAYROLL)
    [pivot_id] = [key for key, pivot in data["pivots"].items() if pivot["model"] == "is.cegid.histocumsal"]
    formulas = [cell["content"] for sheet in data["sheets"] for cell in sheet["cells"].values()]
    assert f"=PIVOT({pivot_id},2466,FALSE,TRUE,159)" in formulas


def test_the_sample_reads_no_odoo_data():
    for dashboard in BUILDER.SHIPPED.values():
        sample = BUILDER.sample_json(dashboard)
        assert sample["pivots"] == {} and sample["lists"] == {}
        assert all(not figure["data"]["type"].startswith("odoo_") for sheet in sample["sheets"]
                   for figure in sheet["figures"])
        assert "PIVOT" not in json.dumps(sample["sheets"])


def test_a_starter_dashboard_without_dates_or_texts_still_answers():
    dashboard = BUILDER.starter_dashboard("x_cegid_t", "x_cegid_t", [], None, None, "T")
    [pivot] = dashboard.pivots()
    assert pivot.measures == (BUILDER.COUNT,) and pivot.rows == ()


def _starter_data():
    dashboard = BUILDER.starter_dashboard("x_cegid_t", "x_cegid_t", ["x_amount"], ("T by month", "x_day"),
                                          ("T by Name", "x_name"), "T")
    return BUILDER.dashboard_json(dashboard)


def test_a_starter_is_known_by_its_pivots_whatever_its_titles_and_layout():
    data = _starter_data()
    assert BUILDER.is_starter("x_cegid_t", "x_cegid_t", data)
    for pivot in data["pivots"].values():  # titled in French by an earlier version, its table renamed since
        pivot["name"] = "Autre titre " + pivot["name"]
    for cell in data["sheets"][0]["cells"].values():
        cell["content"] = cell["content"].replace("=_t(\"T by", "=_t(\"U par")
    data["sheets"][0]["cols"] = {"0": {"size": 96}}  # the column widths of an earlier version
    assert BUILDER.is_starter("x_cegid_t", "x_cegid_t", data)
    assert not BUILDER.is_starter("x_cegid_t", "x_cegid_u", data)  # the starter of another table


def test_a_starter_of_an_earlier_version_its_pivots_unbounded_is_still_a_starter():
    data = _starter_data()
    for cell in data["sheets"][0]["cells"].values():
        cell["content"] = re.sub(r"^=PIVOT\((\d+),.*\)$", r"=PIVOT(\1)", cell["content"])
    assert BUILDER.is_starter("x_cegid_t", "x_cegid_t", data)


def test_a_starter_whose_pivot_formula_someone_extended_is_his_own():
    """Only a pivot's bounds are not the starter's own: a formula that does more than the call was edited."""
    data = _starter_data()
    name, cell = next((name, cell) for name, cell in data["sheets"][0]["cells"].items()
                      if cell["content"].startswith("=PIVOT("))
    cell["content"] += "*100"
    assert not BUILDER.is_starter("x_cegid_t", "x_cegid_t", data), name


def _pivot_cells(data):
    """(row of the cell, pivot id, row count, include total, column count) of each ``=PIVOT()`` of the sheet."""
    found = []
    for name, cell in data["sheets"][0]["cells"].items():
        match = re.fullmatch(r"=PIVOT\((\d+)(?:,(\d*)(?:,(\w*)(?:,(\w*)(?:,(\d*))?)?)?)?\)", cell["content"])
        if match:
            assert name.startswith("A")
            found.append((int(name[1:]), match[1], match[2], match[3], match[5]))
    return found


@pytest.mark.parametrize("name", ["accounting", "payroll", "starter", "starter without dates"])
def test_every_pivot_is_bounded_to_what_fits_its_sheet_and_says_so(name):
    """o-spreadsheet shows #SPILL! for a result that goes past the sheet: each PIVOT's largest result fits.

    PIVOT(id, row_count=10000, include_total, include_column_titles, column_count=all) is at most
    ``column headers + row_count`` high (at most two header rows more than the column groupings) and
    ``1 + column_count`` wide; a note under the pivot's title says that rows and columns may be cut.
    """
    dashboards = {"accounting": BUILDER.ACCOUNTING, "payroll": BUILDER.PAYROLL,
                  "starter": BUILDER.starter_dashboard("x_cegid_t", "x_cegid_t", ["x_a", "x_b"],
                                                       ("T by month", "x_day"), ("T by Name", "x_name"), "T"),
                  "starter without dates": BUILDER.starter_dashboard("x_cegid_t", "x_cegid_t", [], None,
                                                                     ("T by Name", "x_name"), "T")}
    data = BUILDER.dashboard_json(dashboards[name])
    sheet = data["sheets"][0]
    cells = _pivot_cells(data)
    assert len(cells) == len(data["pivots"]) - (1 if name == "accounting" else 0)  # the top chart's pivot aside
    for row, pivot_id, row_count, _total, column_count in cells:
        pivot = data["pivots"][pivot_id]
        measures = len(pivot["measures"])
        assert row_count and column_count, f"PIVOT({pivot_id}) unbounded"
        assert row + len(pivot["columns"]) + 2 + int(row_count) - 1 <= sheet["rowNumber"], pivot["name"]
        assert 1 + int(column_count) <= sheet["colNumber"], pivot["name"]
        assert int(column_count) % measures == 0, "a month shown without all its measures"
        assert sheet["cells"][f"A{row - 1}"]["content"] == BUILDER.title_formula(BUILDER.CUT_NOTE)
        assert sheet["cells"][f"A{row - 2}"]["content"] == BUILDER.title_formula(pivot["name"])


def test_a_starter_someone_added_to_or_changed_is_his_own():
    changes = [
        lambda data: data["sheets"][0]["cells"].update({"F3": {"content": "=1+1"}}),
        lambda data: data["sheets"][0]["figures"].append({"id": "f", "tag": "chart", "data": {}}),
        lambda data: data["pivots"]["1"]["measures"].append({"id": "x_other", "fieldName": "x_other",
                                                               "aggregator": "sum"}),
        lambda data: data["pivots"]["2"].update(domain=[["x_name", "=", "A"]]),
        lambda data: data["sheets"].append({"name": "Mine", "cells": {}}),
        lambda data: data.update(pivots={}),
    ]
    for change in changes:
        data = _starter_data()
        change(data)
        assert not BUILDER.is_starter("x_cegid_t", "x_cegid_t", data)


def test_the_ten_largest_are_the_first_rows_of_their_pivot_sorted_by_a_summed_field():
    data = BUILDER.dashboard_json(BUILDER.ACCOUNTING)
    [top] = [answer for answer in BUILDER.ACCOUNTING.answers if isinstance(answer, BUILDER.TopChart)]
    [pivot] = [pivot for pivot in data["pivots"].values() if pivot["name"] == top.pivot.title]
    assert pivot["sortedColumn"] == {"groupId": [[], []], "measure": top.measure, "order": "desc"}
    assert top.measure in [measure["fieldName"] for measure in pivot["measures"] if "computedBy" not in measure]
    computed = BUILDER.TopChart("T", BUILDER.Pivot("P", "m", ("f",), ("a",), computed=(("b", "B", "=a*2"),)), "b")
    with pytest.raises(ValueError, match="summed fields only"):
        BUILDER.dashboard_json(BUILDER.Dashboard("k", (computed,)))


def _spreadsheet_string(formula, start):
    """The string token at ``formula[start]`` and where it ends, as o-spreadsheet 18's tokenizeString reads it.

    A string ends at the first ``"`` not preceded by a backslash; nothing is unescaped.
    """
    assert formula[start] == '"'
    end = start + 1
    while end < len(formula) and (formula[end] != '"' or formula[end - 1] == "\\"):
        end += 1
    return formula[start + 1:end], end + 1


def test_a_title_with_double_quotes_or_a_final_backslash_is_one_string_of_its_formula():
    titles = ('Primes "2024" by month', "Primes by C:\\", 'Export "A\\"')
    dashboard = BUILDER.starter_dashboard("x_cegid_t", "x_cegid_t", ["x_amount"], (titles[0], "x_day"),
                                          (titles[1], "x_name"), "T")
    data = BUILDER.dashboard_json(dashboard)
    formulas = [cell["content"] for cell in data["sheets"][0]["cells"].values()
                if cell["content"].startswith("=_t(")
                and cell["content"] != BUILDER.title_formula(BUILDER.CUT_NOTE)] + [BUILDER.title_formula(titles[2])]
    assert len(formulas) == 3
    for formula, title in zip(formulas, titles, strict=True):
        text, end = _spreadsheet_string(formula, len("=_t("))
        assert formula[end:] == ")", formula  # the rest of the formula is not swallowed by the string
        assert text.rstrip() == title.replace('"', "'")

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Profiling the first file of an export never seen: its columns, and each column's type from all its values."""

import dataclasses
import json
import time

import pytest
from exportfiles import decode_copy_text, write
from lxml.builder import E

from cegid_import.catalogue import CHAR, DATE, FLOAT, INTEGER, Catalogue, ExportDef, NewExport
from cegid_import.errors import ExportFormatError, ExportRowError
from cegid_import.profile import Profile, ProfileProgress, profile_file
from cegid_import.reader import ExportReader
from cegid_import.text_file import read_header
from cegid_import.values import DAY_FIRST, MONTH_FIRST

SALARIES = (
    "MATRICULE;NOM;DATE_EMBAUCHE;SALAIRE_BASE;ENFANTS;VIDE;NOTE\r\n"
    "0000042;Hélène Dupont;30/06/2020;2 500,50;2;;Très bien\r\n"
    "0000043;Zoé Martin;01/02/2021;3000;0;;\r\n"
    "0000044;\"Noël; Jean\";15/09/2019;-12,5;1;;\r\n"
)


def profile(tmp_path, text, name="SALARIES.csv", encoding="cp1252"):
    header = read_header(write(tmp_path, text, name, encoding))
    found = Catalogue().identify(header.names, name)
    assert isinstance(found, NewExport)
    return header, profile_file(header, found.name, batch_rows=2)


def kinds(result):
    return {column.name: column.kind for column in result.export.columns}


def test_each_column_gets_the_type_all_its_values_allow(tmp_path):
    header, result = profile(tmp_path, SALARIES)
    assert (header.encoding, header.delimiter) == ("cp1252-latin1", ";")
    assert kinds(result) == {"MATRICULE": CHAR, "NOM": CHAR, "DATE_EMBAUCHE": DATE, "SALAIRE_BASE": FLOAT,
                             "ENFANTS": INTEGER, "VIDE": CHAR, "NOTE": CHAR}
    assert result.longest == {"MATRICULE": 7, "NOM": 13, "DATE_EMBAUCHE": 10, "SALAIRE_BASE": 8, "ENFANTS": 1,
                              "VIDE": 0, "NOTE": 9}
    assert (result.rows, result.date_order, result.empty) == (3, DAY_FIRST, {"VIDE"})
    assert [column.label for column in result.export.columns][:3] == ["Matricule", "Nom", "Date embauche"]


def test_a_profiled_file_imports_with_its_types(tmp_path):
    header, result = profile(tmp_path, SALARIES)
    reader = ExportReader(header, result.export, range(7))
    rows = [row for chunk in reader.copy_batches() for row in decode_copy_text(chunk)]
    assert rows[0] == ["0000042", "Hélène Dupont", "2020-06-30", "2500.50", "2", None, "Très bien"]
    assert [row[3] for row in rows] == ["2500.50", "3000", "-12.5"]


def profiled_rows(tmp_path, first, later, profiled=True):
    """The rows of file ``later`` read with the columns ``first`` profiled (as the import reads a new export's next
    files: ``profiled``; a kind a manager chose: not)."""
    _header, result = profile(tmp_path, first)
    export = dataclasses.replace(result.export, columns=tuple(
        dataclasses.replace(column, profiled=profiled) for column in result.export.columns))
    header = read_header(write(tmp_path, later, "SALARIES.csv", "cp1252"))
    reader = ExportReader(header, export, range(len(export.columns)))
    return [row for chunk in reader.copy_batches() for row in decode_copy_text(chunk)]


@pytest.mark.parametrize(("column", "value", "problem"), [
    (4, "02", "import.value.leading_zero"), (4, " -007 ", "import.value.leading_zero"),
    (3, "007,5", "import.value.leading_zero"), (3, "1E1", "import.value.exponent"),
    (2, "02/07/2025 14:30:00", "import.value.time_of_day"),
])
def test_a_later_file_with_a_value_its_profiled_type_would_alter_is_refused(tmp_path, column, value, problem):
    """The first file typed the column; a later one's value the profile would have kept as text (a code with a
    leading zero, an exponent, a time of day) was stored altered: 1000 for 01000, the date without its time. A
    type a manager chose stays theirs: the value is converted."""
    def later(value):
        fields = ["0000045", "Léa Roux", "02/07/2025", "1 200,5", "3", "", ""]
        fields[column] = value
        return SALARIES.split("\r\n")[0] + "\r\n" + ";".join(fields) + "\r\n"

    with pytest.raises(ExportRowError) as caught:
        profiled_rows(tmp_path, SALARIES, later(value))
    assert (caught.value.line, caught.value.column, caught.value.params["problem_code"]) == (
        2, SALARIES.split(";")[column], problem)
    assert profiled_rows(tmp_path, SALARIES, later(value), profiled=False)[0][column] is not None
    fitting = {4: "-3", 3: "0,5", 2: "02/07/2025 00:00:00"}[column]
    assert profiled_rows(tmp_path, SALARIES, later(fitting))[0][:5] == [
        "0000045", "Léa Roux", "2025-07-02", "0.5" if column == 3 else "1200.5", "-3" if column == 4 else "3"]


@pytest.mark.parametrize(("values", "kind"), [
    (["1", "-2", "0", ""], INTEGER),
    (["1", "2147483647"], CHAR),  # beyond 9 digits and no decimal part: an identifier
    (["1,5", "2", "1E-05"], CHAR),  # an exponent: maybe a code, text keeps it as written
    (["1E1", "2E03", "3,5"], CHAR),  # codes, not 10, 2000 and 3.5
    (["1,5", "1e-400"], CHAR),
    (["1.234,56", "1 234,56", "7"], FLOAT),
    (["007", "8"], CHAR),  # a leading zero: a code
    (["007,5", "1 234,5"], CHAR),  # a leading zero among numbers read one by one (the thousands' space)
    (["0,5", "0.25"], FLOAT),
    (["2025-06-30 00:00:00", "2025-06-30", "30/06/2025"], DATE),
    (["2025-06-30 13:45:00"], CHAR),  # a time of day: not a date
    (["2025-02-30"], CHAR),
    (["", " "], CHAR),
    (["abc", "1"], CHAR),
    ([" 12 ", "  ", "-3"], INTEGER),
    (['"1\n2"', "3"], CHAR),  # a value with a line break is not two numbers
])
def test_kinds(tmp_path, values, kind):
    text = "V;OTHER\n" + "".join(f"{value};x\n" for value in values)
    _header, result = profile(tmp_path, text, "KINDS.csv", "utf-8")
    assert kinds(result)["V"] == kind


def test_month_first_only_when_some_column_says_so_and_none_contradicts(tmp_path):
    _header, result = profile(tmp_path, "A;B\n01/02/2025;03/04/2025\n02/13/2025;03/04/2025\n", "US.csv", "utf-8")
    assert result.date_order == MONTH_FIRST
    assert kinds(result) == {"A": DATE, "B": DATE}
    text = "A;B\n02/13/2025;13/02/2025\n"
    _header, result = profile(tmp_path, text, "MIXED.csv", "utf-8")
    assert result.date_order == DAY_FIRST
    assert kinds(result) == {"A": CHAR, "B": DATE}


def test_a_row_the_import_would_reject_rejects_the_profile_with_its_line(tmp_path):
    with pytest.raises(ExportRowError) as caught:
        profile(tmp_path, "A;B\n1;2\n3;4\n5;6;7\n", "BAD.csv", "utf-8")
    assert (caught.value.line, caught.value.params["problem_code"]) == (4, "import.line.field_count")
    with pytest.raises(ExportFormatError, match="import.nul_character"):
        profile(tmp_path, "A;B\n1;a\x00b\n", "NUL.csv", "utf-8")


def test_a_stray_quote_rejects_the_profile_with_its_line(tmp_path):
    with pytest.raises(ExportRowError) as caught:
        profile(tmp_path, 'A;B;C;D\n1;"x;2;0\n3;y;4;0\n5;z;6;0\n', "QUOTE.csv", "utf-8")
    assert caught.value.params == {"line": 2, "problem_code": "import.line.quote_spans_rows", "column": "B"}


def test_a_quoted_address_over_two_lines_of_a_narrow_file_is_no_stray_quote(tmp_path):
    """Its second line holds as many commas as a row of three columns: not one of the rows a stray quote takes."""
    _header, result = profile(
        tmp_path, 'NOM,ADRESSE,VILLE\nDupont,"12, rue X\nBP 5, 75000, Paris",Lyon\nMartin,3 rue Y,Nice\n',
        "ADRESSES.csv", "utf-8")
    assert result.rows == 2


def test_a_value_under_a_nameless_last_column_rejects_the_profile_with_its_line(tmp_path):
    with pytest.raises(ExportRowError) as caught:
        profile(tmp_path, "A;B;\n1;2;\n3;4;5\n", "NAMELESS.csv", "utf-8")
    assert caught.value.params == {"line": 3, "problem_code": "import.line.value_without_column", "position": 3,
                                   "value": "5"}


def test_blank_lines_trailing_delimiters_and_nameless_columns(tmp_path):
    header, result = profile(tmp_path, "A;;C;\n\n1;x;2;\n\n3;y;4;\n", "ODD.csv", "utf-8")
    assert [column.name for column in result.export.columns] == ["A", "COLUMN_2", "C"]
    assert kinds(result) == {"A": INTEGER, "COLUMN_2": CHAR, "C": INTEGER}
    assert result.rows == 2
    assert isinstance(result.export, ExportDef) and header.names == ("A", "COLUMN_2", "C", "")


def test_the_labels_of_a_header_with_control_characters_fit_in_a_view(tmp_path):
    """A new export's labels become ``string`` attributes of its views, where lxml refuses control characters."""
    _header, result = profile(tmp_path, "DATE\x01PAIE;LIBELLE\x02;MONTANT\x1b\x7f;\x03\n2025-01-31;x;1,5;y\n",
                              "PAIE.csv", "utf-8")
    labels = [column.label for column in result.export.columns]
    assert labels == ["Date paie", "Libelle", "Montant", "Column"]
    for label in labels:
        E.filter(name="f", string=label)  # ValueError: All strings must be XML compatible
    # the columns keep the header's names: the next file of the export is recognised
    assert [column.name for column in result.export.columns] == ["DATE\x01PAIE", "LIBELLE\x02", "MONTANT\x1b\x7f",
                                                                  "\x03"]


def profile_by_parts(header, name, batch_rows=2):
    """Profile a batch per call (a deadline already past), the progress kept as JSON between calls; (profile, calls)."""
    progress = None
    for calls in range(1, 100):  # a profile that never went on would read its first batch for ever
        result = profile_file(header, name, batch_rows=batch_rows, progress=progress, until=time.monotonic() - 1)
        if isinstance(result, Profile):
            return result, calls
        assert isinstance(result, ProfileProgress)
        progress = ProfileProgress.from_dict(json.loads(json.dumps(result.as_dict())))
    pytest.fail("the profile did not end")


def test_a_row_a_resumed_profile_rejects_is_named_by_its_line_in_the_file(tmp_path):
    """The batch that fails is read again row by row from its own start: the line named is the file's."""
    text = 'A;B\n1;2\n3;"x\ny"\n5;6\n7;8\n9;10;11\n12;13\n'
    header = read_header(write(tmp_path, text, "BAD.csv", "utf-8"))
    with pytest.raises(ExportRowError) as caught:
        profile_by_parts(header, "BAD")
    assert (caught.value.line, caught.value.params["problem_code"]) == (7, "import.line.field_count")


def test_a_file_profiled_by_parts_gets_what_it_gets_at_once(tmp_path):
    # what tells each kind comes in a later part: a fraction, a text among numbers, a month-first date
    text = ("A;B;C;D;E;F\r\n"
            "1;2;01/02/2025;x;;2025-01-31\r\n"
            "\r\n"
            "3;4;03/04/2025;\"y;z\";;2025-02-28\r\n"
            "5;6,5;02/13/2025;w;;2025-03-31\r\n"
            "7;abc;01/01/2025;v;;2025-04-30 10:00:00\r\n"
            "8;9;01/01/2025;u;;\r\n")
    header, at_once = profile(tmp_path, text, "PARTS.csv", "utf-8")
    by_parts, calls = profile_by_parts(header, "PARTS", batch_rows=1)
    assert calls == 6  # five rows, one a call, and the call that finds the end
    assert by_parts == at_once
    assert (by_parts.date_order, by_parts.rows, by_parts.empty) == (MONTH_FIRST, 5, {"E"})
    assert kinds(by_parts) == {"A": INTEGER, "B": CHAR, "C": DATE, "D": CHAR, "E": CHAR, "F": CHAR}


def test_a_profile_by_parts_of_a_cp1252_file_with_quoted_line_breaks_reads_each_row_once(tmp_path):
    rows = "".join(f'{number};"Hélène\r\nligne {number}";{number},5\r\n' for number in range(1, 12))
    header, at_once = profile(tmp_path, "N;NOTE;MONTANT\r\n" + rows, "NOTES.csv", "cp1252")
    by_parts, calls = profile_by_parts(header, "NOTES", batch_rows=2)
    assert (by_parts, calls) == (at_once, 7)
    assert (by_parts.rows, by_parts.longest["NOTE"]) == (11, 16)


def test_a_progress_of_other_columns_starts_over_and_a_bad_row_in_a_later_part_names_its_line(tmp_path):
    header, at_once = profile(tmp_path, SALARIES)
    other = ProfileProgress(line=3, offset=10, rows=2, columns=({"name": "ELSEWHERE"},))
    assert profile_file(header, "SALARIES", progress=other) == at_once
    assert ProfileProgress.from_dict({"line": 1, "unknown": 2}) is None
    assert ProfileProgress.from_dict(None) is None
    header = read_header(write(tmp_path, "A;B\n1;2\n3;4\n5;6;7\n", "LATE.csv"))
    progress = profile_file(header, "LATE", batch_rows=1, until=time.monotonic() - 1)
    assert (progress.line, progress.rows) == (2, 1)
    with pytest.raises(ExportRowError) as caught:
        profile_by_parts(header, "LATE", batch_rows=1)
    assert (caught.value.line, caught.value.params["problem_code"]) == (4, "import.line.field_count")

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Export files: encodings, delimiters, header recognition, rows, numbers, dates, errors as codes."""

import csv
import gc
import itertools
import random
import string
import threading

import psycopg2
import pytest
from exportfiles import ECRITURE_HEADER, decode_copy_text, open_export, write

from cegid_import import text_file, values
from cegid_import.catalogue import KNOWN_BY_NAME, Catalogue
from cegid_import.errors import BadValue, ExportFormatError, ExportRowError, csv_problem
from cegid_import.pg_copy import CopyStream, converted_ahead
from cegid_import.reader import ExportReader, collector_eased
from cegid_import.text_file import read_header
from cegid_import.values import DAY_FIRST, MONTH_FIRST, parse_date, parse_integer, parse_number

SAMPLES = {
    "ECRITURE": (
        ECRITURE_HEADER + "\r\n2025-06-30 00:00:00;FAC001;Vente été;411000;1 234,56;0;C001;\r\n",
        ["2025-06-30", "FAC001", "Vente été", "411000", "1234.56", "0", "C001", ""],
    ),
    "ANALYTIQ": (
        "Y_DATECOMPTABLE;Y_GENERAL;Y_AXE;Y_SECTION;Y_REFINTERNE;Y_LIBELLE;Y_NATUREPIECE;Y_REFEXTERNE;Y_JOURNAL;"
        "Y_CONTREPARTIEAUX;Y_DEBIT;Y_CREDIT\n2025-06-30;607000;A1;SEC01;R1;Achat;FF;X9;ACH;F001;0;-12,5\n",
        ["2025-06-30", "607000", "A1", "SEC01", "R1", "Achat", "FF", "X9", "ACH", "F001", "0", "-12.5"],
    ),
    "ABSENCESALARIE": (
        "PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;PCN_DATEDEBUTABS;"
        "PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID\n"
        "ABS;0000042;3;0;CPA;-;Congés payés;01/07/2025;MAT;15/07/2025;PAM;10,5;73.5;{A-B}\n",
        ["ABS", "0000042", "3", "0", "CPA", "-", "Congés payés", "2025-07-01", "MAT", "2025-07-15", "PAM", "10.5",
         "73.5", "{A-B}"],
    ),
    "HISTOCUMSAL": (
        "PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\n0000042;01;2500.00\n",
        ["0000042", "01", "2500.00"],
    ),
}
# rows of an ECRITURE file, one a day
ROWS = [f"2025-01-0{day};R{day};x{day};512000;{day};0;C;L" for day in range(1, 8)]


def fast_rows(reader, extra=(), batch_rows=3):
    """The rows of the batch (COPY text) path, decoded."""
    return [row for chunk in reader.copy_batches(extra, batch_rows) for row in decode_copy_text(chunk)]


def read_all(path):
    """The rows of the per-row path, after checking that the batch path gives the same (or the same error)."""
    reader = open_export(path)
    try:
        fast, fast_error = fast_rows(reader), None
    except ExportFormatError as err:
        fast, fast_error = None, err
    try:
        rows = list(reader.rows())
    except ExportFormatError as err:
        assert fast_error is not None and str(fast_error) == str(err), (fast_error, err)
        raise
    assert fast_error is None, fast_error
    # COPY text cannot tell an empty text from NULL: '' is NULL in both paths' tables
    assert fast == [[value if value != "" else None for value in row] for row in rows]
    return reader, rows


def by_parts(path, batch_rows):
    """The rows of a load by parts: a new reader per part, from the line after the last one loaded, decoded."""
    rows, line = [], 0
    while (part := next(open_export(path).copy_parts(batch_rows=batch_rows, start_line=line), None)) is not None:
        text, _count, line = part
        rows.extend(decode_copy_text(text))
    return rows


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_export_is_recognised_and_converted(tmp_path, name):
    text, expected = SAMPLES[name]
    reader, rows = read_all(write(tmp_path, text))
    # the known export, without the optional columns the sample lacks
    known = KNOWN_BY_NAME[name]
    assert reader.export.column_names == known.required_names
    assert (reader.export.name, reader.export.model) == (known.name, known.model)
    assert reader.export.table == "is_cegid_" + name.lower()
    assert rows == [expected]
    assert reader.row_count == 1


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252-latin1"),
])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])  # a tab: Excel's "Text (Tab delimited)"
def test_encodings_and_delimiters(tmp_path, encoding, expected, delimiter):
    text = (ECRITURE_HEADER.replace(";", delimiter) + "\n"
            + delimiter.join(["2025-06-30", "R1", "Créance € réglée", "411000", "1234.56", "0", "C1", "L"]) + "\n")
    quoted = delimiter.join(["2025-07-01", "R2", f'"Avoir{delimiter} remise"', "411000", "7.5", "0", "C1", "L"])
    reader, rows = read_all(write(tmp_path, text + quoted + "\n", encoding=encoding))
    assert (reader.encoding, reader.delimiter) == (expected, delimiter)
    assert rows[0][2] == "Créance € réglée"
    assert rows[0][4] == "1234.56"
    assert rows[1][2] == f"Avoir{delimiter} remise"


def test_cp1252_detected_even_when_only_the_last_line_is_not_ascii(tmp_path):
    lines = [ECRITURE_HEADER] + ["2025-06-30;R;plain ascii;411000;1;0;C;"] * 5000
    lines.append("2025-06-30;R;Dépôt;411000;1;0;C;")
    reader, rows = read_all(write(tmp_path, "\n".join(lines) + "\n", encoding="cp1252"))
    assert reader.encoding == "cp1252-latin1"
    assert rows[-1][2] == "Dépôt"



def test_cp1252_detected_when_the_file_ends_in_the_middle_of_what_utf8_would_read(tmp_path):
    """The last byte, an "é" of CP1252 (0xE9), starts a three-byte UTF-8 character that never comes."""
    text = ECRITURE_HEADER + "\n2025-06-30;R;plain;411000;1;0;C;Libellé"
    reader, rows = read_all(write(tmp_path, text, encoding="cp1252"))
    assert reader.encoding == "cp1252-latin1"
    assert rows[-1][-1] == "Libellé"


@pytest.mark.parametrize(("name", "bad", "line"), [
    ("ECRITURE.csv", b"Caf\xe9;C;", 3),  # a CP1252 "é" pasted in
    ("PAIE.csv", b"Caf\xc3(;C;", 3),  # the first byte of a two-byte character, then no second
    ("PAIE.csv", b"\r\rCaf\xe9;C;", 5),  # "\r" alone ends a line, as the csv module counts lines
    ("ECRITURE.csv", b"Caf\xe2\x82", 3),  # the file ends in the middle of a three-byte character (a "€")
])
def test_a_file_with_a_utf8_bom_and_a_byte_that_is_not_utf8_is_refused_where_the_byte_is(tmp_path, monkeypatch,
                                                                                          name, bad, line):
    """A BOM says UTF-8: not read as CP1252 (mojibake, a first column "ï»¿E_DATECOMPTABLE", the file refused as
    lacking it or read as another export); refused, with where the byte is, wherever the chunks of sniff_bytes cut
    the file. Without a BOM, after UTF-8 accented letters, the same: read as CP1252 they were garbled, silently."""
    start = ("\ufeff" + ECRITURE_HEADER + "\r\n2025-06-30;R;Créance € réglée;411000;1;0;C;L\r\n"
             + "2025-06-30;R;411000;1;0;").encode()
    path = write(tmp_path, start + bad, name)
    offset = len(start) + bad.index(b"Caf") + 3
    for chunk in (4, 5, 6, 7, 8, 13, text_file.READ_CHUNK):  # the first chunk holds the BOM
        monkeypatch.setattr(text_file, "READ_CHUNK", chunk)
        with pytest.raises(ExportFormatError) as caught:
            read_header(path)
        assert (caught.value.code, caught.value.params) == ("import.bad_utf8", {"offset": offset, "line": line}), chunk
        with pytest.raises(ExportFormatError) as caught:
            read_header(write(tmp_path, start[3:] + bad, "NO_BOM.csv"))
        assert (caught.value.code, caught.value.params) == (
            "import.mixed_encoding", {"offset": offset - 3, "line": line}), chunk


@pytest.mark.parametrize("chunk", [3, 4, 5, 64, 1024 * 1024])
def test_a_cp1252_file_is_read_as_cp1252_wherever_its_chunks_are_cut(tmp_path, monkeypatch, chunk):
    """Its accented letters are bytes UTF-8 does not decode; one cut after its first byte is no UTF-8 letter. An
    upper-case letter then a no-break space (French typography, before a colon) is UTF-8's U+0260, no French letter."""
    monkeypatch.setattr(text_file, "READ_CHUNK", chunk)
    data = (ECRITURE_HEADER + "\r\n2025-06-30;R;PAYÉ\u00a0: solde;411000;1;0;C;L\r\n"
            "2025-06-30;R;Créance € réglée;411000;1;0;C;L\r\n").encode("cp1252")
    reader, rows = read_all(write(tmp_path, data))
    assert (reader.encoding, rows[0][2], rows[1][2]) == ("cp1252-latin1", "PAYÉ\u00a0: solde", "Créance € réglée")


def test_the_bytes_cp1252_leaves_undefined_are_read_as_latin1(tmp_path):
    data = (ECRITURE_HEADER + "\n2025-06-30;R;Caf\xe9;411000;1;0;C;").encode("cp1252") + b"\x81\x8d\x8f\x90\x9d\n"
    reader, rows = read_all(write(tmp_path, data))
    assert reader.encoding == "cp1252-latin1"
    assert rows == [["2025-06-30", "R", "Café", "411000", "1", "0", "C", "\x81\x8d\x8f\x90\x9d"]]

def test_bom_with_quoted_header_and_free_order_and_case(tmp_path):
    text = ('\ufeff"e_debit";"E_GENERAL";e_datecomptable;E_Credit;E_REFINTERNE;E_LIBELLE;E_AUXILIAIRE;'
            'E_REFLIBRE\n5;512000;2025-01-02;0;R;"Libellé; avec ; des points-virgules";;\n')
    reader, rows = read_all(write(tmp_path, text, encoding="utf-8"))
    assert reader.encoding == "utf-8-sig"
    assert rows == [["2025-01-02", "R", "Libellé; avec ; des points-virgules", "512000", "5", "0", "", ""]]



def test_header_names_quoted_after_a_space_are_the_names(tmp_path):
    """'; "E_GENERAL"': the csv module keeps a quote that does not open the field; the name is what it quotes."""
    header = "; ".join(f'"{name}"' for name in ECRITURE_HEADER.split(";"))
    reader, rows = read_all(write(tmp_path, header + "\n2025-01-02;R;x;512000;5;0;C;\n"))
    assert reader.export.name == "ECRITURE"
    assert rows == [["2025-01-02", "R", "x", "512000", "5", "0", "C", ""]]

def test_quoted_field_with_newline_keeps_line_numbers(tmp_path):
    text = (ECRITURE_HEADER + '\n2025-01-02;R;"two\nlines";512000;1;0;C;\n'
            "2025-01-02;R;x;512000;oops;0;C;\n")
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    assert caught.value.line == 4


@pytest.mark.parametrize(("lines", "line", "column"), [
    # a quote opened in row 2's label and closed in row 5's: rows 2 to 5 would load as one
    ([ROWS[0], ROWS[1].replace("x2", '"Tarif 2025'), *ROWS[2:4], ROWS[4].replace("x5", 'Ecran 27"'), *ROWS[5:]],
     3, "E_LIBELLE"),
    # never closed, in row 3's last column: every line after it would be its value
    ([*ROWS[:2], ROWS[2][:-1] + '"ref', *ROWS[3:]], 4, "E_REFLIBRE"),
    # opened after a quoted label on two lines: named by the line where it opens
    ([*ROWS[:2], ROWS[2].replace("x3", '"two\nlines"')[:-1] + '"ref', *ROWS[3:]], 5, "E_REFLIBRE"),
], ids=["closed-rows-later", "never-closed", "after-a-line-break"])
def test_a_quote_that_swallows_whole_rows_is_refused_where_it_opens(tmp_path, lines, line, column):
    path = write(tmp_path, ECRITURE_HEADER + "\n" + "\n".join(lines) + "\n")
    with pytest.raises(ExportRowError) as caught:
        read_all(path)
    assert (caught.value.code, caught.value.params) == ("import.bad_line", {
        "line": line, "problem_code": "import.line.quote_spans_rows", "column": column})
    for batch_rows in (1, 2, 5000):  # a load by parts is refused alike, whatever part holds the quote
        with pytest.raises(ExportRowError) as in_parts:
            by_parts(path, batch_rows)
        assert in_parts.value.params == caught.value.params


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_quote_that_swallows_rows_of_a_file_of_three_columns_is_refused(tmp_path, delimiter):
    """Three rows merged into the second column of the first, the import done with one row."""
    text = "PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT\nS1;\"C1;10\nS2;C2;20\nS3;C3;30\nS4;\"C4\";40\n"
    path = write(tmp_path, text.replace(";", delimiter), "HISTOCUMSAL.csv")
    with pytest.raises(ExportRowError) as caught:
        read_all(path)
    assert (caught.value.code, caught.value.params) == ("import.bad_line", {
        "line": 2, "problem_code": "import.line.quote_spans_rows", "column": "PHC_CUMULPAIE"})


@pytest.mark.parametrize("lines", [
    # quoted fields whole between delimiters, holding the delimiter, empty, at the start and the end of a line;
    # a value holding the character that stands for hidden delimiters
    ['2025-01-02;R;"x; y";512000;1;0;C;"L;M"', '"2025-01-03";"S";"";512000;2;0;C;',
     "2025-01-04;T;z\x1fw;512000;3;0;C;"],
    # a quote inside a field, doubled quotes, a quoted line break: the csv rules decide
    ['2025-01-02;R;ab"c;512000;1;0;C;', '2025-01-03;S;"say ""hi""; bye";512000;2;0;C;',
     '2025-01-04;T;"two\r\nlines; x";512000;3;0;C;', "2025-01-05;U;w;512000;4;0;C;"],
    # quoted fields that do not stand whole
    ['2025-01-01;Q;a"b"c;512000;1;0;C;', "2025-01-02;R;x;512000;1;0;C;", "2025-01-02;R;y;512000;1;0;C;",
     '2025-01-02;R;a"b;c"d;512000;1;0;C', "2025-01-03;S;x\x1fy;512000;2;0;C;", '2025-01-05;U;"u"v;512000;4;0;C;'],
    # old Mac line ends inside a batch
    ["2025-01-02;R;x;512000;1;0;C;\r2025-01-03;S;y;512000;2;0;C;", "2025-01-04;T;z;512000;3;0;C;"],
], ids=["simple-quotes", "csv-quotes", "odd-quotes", "lone-cr"])
def test_batches_and_rows_read_odd_quotes_and_line_ends_alike(tmp_path, lines):
    reader, rows = read_all(write(tmp_path, ECRITURE_HEADER + "\r\n" + "\r\n".join(lines) + "\r\n"))
    assert reader.row_count == len(rows) >= 3


def test_rows_too_short_and_too_long_in_one_batch_do_not_make_up_for_each_other(tmp_path):
    text = ECRITURE_HEADER + "\n2025-01-02;R;x;512000;1;0;C\n2025-01-03;S;y;512000;2;0;C;L;extra\n"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    assert caught.value.line == 2


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(ExportFormatError, match=r"^import\.empty_file$"):
        open_export(write(tmp_path, b""))
    with pytest.raises(ExportFormatError, match=r"^import\.empty_file$"):
        open_export(write(tmp_path, "\n\n"))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_file_is_rejected_as_such(tmp_path, encoding):
    """Excel's "Unicode Text" (UTF-16 with its BOM), not a file with NUL characters."""
    text = "\ufeffMATRICULE\tNOM\n001\tDupont\n" if encoding != "utf-16" else "MATRICULE\tNOM\n001\tDupont\n"
    with pytest.raises(ExportFormatError) as caught:
        read_header(write(tmp_path, text, "PAIE.csv", encoding))
    assert (caught.value.code, caught.value.params) == ("import.utf16", {})


def test_a_tab_delimited_file_of_a_new_export_has_its_columns(tmp_path):
    header = read_header(write(tmp_path, "MATRICULE\tNOM;PRÉNOM\tMONTANT\n001\tDupont\t12,5\n", "PAIE.csv"))
    assert (header.delimiter, header.names) == ("\t", ("MATRICULE", "NOM;PRÉNOM", "MONTANT"))



def test_the_delimiter_that_makes_a_known_header_wins_over_the_most_frequent(tmp_path):
    """A comma-separated accounting export whose added column's name holds more semicolons than it has commas."""
    names = [*ECRITURE_HEADER.split(";"), "Note;1;2;3;4;5;6;7;8;9"]
    catalogue = Catalogue()
    header = read_header(write(tmp_path, ",".join(names) + "\n", "export.csv"),
                         lambda keys: catalogue.by_header(keys) is not None)
    assert (header.delimiter, header.names) == (",", (*ECRITURE_HEADER.split(";"), "NOTE;1;2;3;4;5;6;7;8;9"))

def test_header_only_is_an_empty_snapshot(tmp_path):
    reader, rows = read_all(write(tmp_path, ECRITURE_HEADER + "\n"))
    assert reader.export.name == "ECRITURE"
    assert rows == []



def test_the_header_is_the_first_line_that_is_not_blank(tmp_path):
    """Blank lines before the header, read at once, by batches and by parts resumed after a line.

    A line of delimiters only is blank too (Excel writes ";;;" for an empty first row).
    """
    lines = [f"2025-01-0{day};R{day};x;512000;{day};0;C;L" for day in range(1, 6)]
    path = write(tmp_path, '\n \n\t\n;;;\n"";""\n' + ECRITURE_HEADER + "\n" + "\n".join(lines) + "\n")
    reader, rows = read_all(path)
    assert [row[1] for row in rows] == ["R1", "R2", "R3", "R4", "R5"]
    text, _count, line = next(reader.copy_parts(batch_rows=2))
    resumed = [row[1] for text, _count, _line in open_export(path).copy_parts(batch_rows=2, start_line=line)
               for row in decode_copy_text(text)]
    assert ([row[1] for row in decode_copy_text(text)], resumed) == (["R1", "R2"], ["R3", "R4", "R5"])


@pytest.mark.parametrize("stray", ['"', ';"', '"""'])
@pytest.mark.parametrize("later", ["", '2025-01-09;R9;"quoted";512000;9;0;C;L\n'])
def test_a_quote_on_a_blank_line_before_the_header_is_refused(tmp_path, stray, later):
    """Blank to the header's first look, the line opens a quoted value over the header and the rows: read as one
    header of one column (no row, an empty snapshot replacing the table), or of another width (a crash)."""
    path = write(tmp_path, stray + "\n" + ECRITURE_HEADER + "\n" + "\n".join(ROWS) + "\n" + later)
    for read in (read_all, lambda path: by_parts(path, 2)):
        with pytest.raises(ExportFormatError) as caught:
            read(path)
        assert (caught.value.code, caught.value.params) == (
            "import.header_unreadable", {"detail_code": "import.header.quote_before"})


def test_blank_lines_and_trailing_delimiter_are_harmless(tmp_path):
    text = ECRITURE_HEADER + "\n\n2025-01-02;R;x;512000;1;0;C;L;\n\n"
    _reader, rows = read_all(write(tmp_path, text))
    assert rows == [["2025-01-02", "R", "x", "512000", "1", "0", "C", "L"]]


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_row_wider_than_the_header_by_more_than_a_trailing_delimiter_is_refused(tmp_path, delimiter):
    """Amounts written 12,50 in a file of commas: their rows ended by empty fields, dropped as trailing delimiters,
    loaded shifted (debit 12, credit 50)."""
    header = ECRITURE_HEADER.replace(";", delimiter)
    path = write(tmp_path, header + "\n30/06/2025,R1,Achat,401000,12,50,0,00,,\n".replace(",", delimiter))
    with pytest.raises(ExportRowError) as caught:
        read_all(path)
    assert (caught.value.code, caught.value.params) == (
        "import.bad_line", {"line": 2, "problem_code": "import.line.field_count", "count": 10, "width": 8})


def test_lines_of_spaces_and_delimiters_only_are_blank_lines(tmp_path):
    text = ECRITURE_HEADER + "\n   \n2025-01-02;R;x;512000;1;0;C;L\n ; ;\t;\n"
    _reader, rows = read_all(write(tmp_path, text))
    assert rows == [["2025-01-02", "R", "x", "512000", "1", "0", "C", "L"]]


@pytest.mark.parametrize("blank", [";;;;;;;", '"";"";"";"";"";"";"";""', " ;\t; ; ; ; ; ; "])
def test_a_line_of_as_many_empty_fields_as_the_header_has_is_a_blank_line(tmp_path, blank):
    """Excel writes ";;;;;;;" for an empty row; a row of values whose first one is empty still loads."""
    lines = [ROWS[0], blank, ROWS[1], ";S;y;512000;2;0;C;L", blank]
    path = write(tmp_path, ECRITURE_HEADER + "\n" + "\n".join(lines) + "\n")
    _reader, rows = read_all(path)
    assert [row[1] for row in rows] == ["R1", "R2", "S"]
    assert [row[1] for row in by_parts(path, 2)] == ["R1", "R2", "S"]


def test_a_value_under_a_nameless_last_column_is_refused(tmp_path):
    """A header ending with a delimiter has a last column without a name: empty below it is harmless, a value
    there would be lost."""
    lines = [ROWS[0] + ";", ROWS[1] + "; ", ROWS[2] + ";999,99"]
    path = write(tmp_path, ECRITURE_HEADER + ";\n" + "\n".join(lines[:2]) + "\n")
    _reader, rows = read_all(path)
    assert [row[1] for row in rows] == ["R1", "R2"]
    path = write(tmp_path, ECRITURE_HEADER + ";\n" + "\n".join(lines) + "\n")
    with pytest.raises(ExportRowError) as caught:
        read_all(path)
    assert (caught.value.code, caught.value.params) == ("import.bad_line", {
        "line": 4, "problem_code": "import.line.value_without_column", "position": 9, "value": "999,99"})
    with pytest.raises(ExportRowError) as in_parts:
        by_parts(path, 2)
    assert in_parts.value.params == caught.value.params


def test_malformed_amount_names_line_column_value(tmp_path):
    text = ECRITURE_HEADER + "\n2025-01-02;R;x;512000;1;0;C;\n2025-01-02;R;x;512000;12,3,4;0;C;\n"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    error = caught.value
    assert (error.line, error.column, error.value) == (3, "E_DEBIT", "12,3,4")
    assert (error.code, error.params) == ("import.bad_value", {
        "line": 3, "column": "E_DEBIT", "value": "12,3,4", "problem_code": "import.value.not_a_number"})


def test_an_amount_in_digits_other_than_ascii_names_line_column_value(tmp_path):
    text = ECRITURE_HEADER + "\n2025-01-02;R;x;512000;\uff11\uff12,\uff15;0;C;\n"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    assert (caught.value.code, caught.value.params) == ("import.bad_value", {
        "line": 2, "column": "E_DEBIT", "value": "\uff11\uff12,\uff15", "problem_code": "import.value.not_a_number"})


def test_malformed_date_names_line_column_value(tmp_path):
    text = ECRITURE_HEADER + "\n2025-02-30;R;x;512000;1;0;C;\n"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    error = caught.value
    assert (error.line, error.column, error.value) == (2, "E_DATECOMPTABLE", "2025-02-30")
    assert error.params["problem_code"] == "import.value.invalid_date"



def test_an_amount_holding_a_line_break_is_refused_not_spread_over_the_next_rows(tmp_path):
    """"1<line break>2" would read as two plain numbers in a batch's column: the rows after it would shift."""
    text = ECRITURE_HEADER + '\n2025-01-02;R;x;512000;"1\n2";0;C;\n2025-01-03;S;y;512000;5;0;C;\n'
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    assert (caught.value.line, caught.value.column, caught.value.value) == (3, "E_DEBIT", "1\n2")

def test_a_long_value_is_shown_cut(tmp_path):
    text = ECRITURE_HEADER + "\n2025-01-02;R;x;512000;" + "9" * 100 + "x;0;C;\n"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, text))
    assert caught.value.params["value"] == "9" * 80 + "…"
    assert caught.value.value == "9" * 100 + "x"



def test_a_value_of_the_longest_length_shown_is_shown_whole(tmp_path):
    value = "9" * 79 + "x"
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, ECRITURE_HEADER + "\n2025-01-02;R;x;512000;" + value + ";0;C;\n"))
    assert caught.value.params["value"] == value


def test_a_date_between_spaces_is_a_date(tmp_path):
    _reader, rows = read_all(write(tmp_path, ECRITURE_HEADER + "\n 2025-01-02 ;R;x;512000;1;0;C;\n"))
    assert rows[0][0] == "2025-01-02"

def test_short_row_is_rejected(tmp_path):
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, ECRITURE_HEADER + "\n2025-01-02;R;x\n"))
    assert (caught.value.code, caught.value.params) == ("import.bad_line", {
        "line": 2, "problem_code": "import.line.field_count", "count": 3, "width": 8})


def test_unreadable_csv_names_its_line(tmp_path):
    limit = csv.field_size_limit(100)
    try:
        with pytest.raises(ExportRowError) as caught:
            read_all(write(tmp_path, ECRITURE_HEADER + "\n2025-01-02;R;" + "x" * 200 + ";512000;1;0;C;\n"))
    finally:
        csv.field_size_limit(limit)
    assert (caught.value.line, caught.value.params) == (2, {
        "line": 2, "problem_code": "import.line.unreadable", "detail_code": "import.csv.field_too_large", "limit": 100})


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.56", "1234.56"), ("1 234,56", "1234.56"), ("-12,5", "-12.5"), ("", "0"), ("  ", "0"),
    ("1\u00a0234,5", "1234.5"), ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("+3", "3"),
    ("1E-05", "1E-05"), (".5", ".5"), ("0", "0"),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "12,3,4", "1..2", "--1", "nan", "inf", "1 2 3x", "\u0661\u0662",
                                  "\uff11\uff12,\uff15", "1\u0662.5", "1e\u0663"])
def test_parse_number_refuses(text):
    """Digits other than ASCII's among them: PostgreSQL would refuse the text, a failed import on every run."""
    with pytest.raises(BadValue, match=r"^import\.value\.not_a_number$"):
        parse_number(text)


NUMBERS_IN_RANGE = ["1e308", "-1.5E+308", "1e-307", "4.9e-324", "0e-999", "0." + "0" * 500, "1" * 300,
                    "1" * 30 + "." + "1" * 30]
NUMBERS_OVERFLOWING = ["1e200000", "1e400", "-1e309", "1" * 400]
NUMBERS_UNDERFLOWING = ["1e-400", "0." + "0" * 400 + "1"]


def test_a_number_beyond_what_odoo_or_its_column_takes_is_refused_by_its_reason(connect):
    """Odoo reads every number as a float: beyond its range, refused; a double precision column (PostgreSQL's
    float8) also refuses what it would make 0, which an amount (numeric) keeps."""
    out_of_range = r"^import\.value\.number_out_of_range$"
    with connect().cursor() as cursor:
        for text in NUMBERS_IN_RANGE:
            cursor.execute("SELECT %s::float8, %s::numeric", (parse_number(text, double=True), parse_number(text)))
        for text in NUMBERS_OVERFLOWING + NUMBERS_UNDERFLOWING:
            with pytest.raises(psycopg2.errors.NumericValueOutOfRange):
                cursor.execute("SAVEPOINT s; SELECT %s::float8", (text,))
            cursor.execute("ROLLBACK TO SAVEPOINT s")
            with pytest.raises(BadValue, match=out_of_range):
                parse_number(text, double=True)
        for text in NUMBERS_OVERFLOWING:
            with pytest.raises(BadValue, match=out_of_range):
                parse_number(text)
        for text in NUMBERS_UNDERFLOWING:
            cursor.execute("SELECT %s::numeric", (parse_number(text),))


def test_a_batch_holding_a_number_beyond_the_range_names_its_line(tmp_path):
    lines = [ECRITURE_HEADER, "2025-01-02;R;L;512000;1;0;C;", f"2025-01-02;R;L;512000;{'9' * 400};0;C;"]
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, "\n".join(lines) + "\n"))
    assert (caught.value.line, caught.value.params["problem_code"]) == (3, "import.value.number_out_of_range")


def incompressible(size, seed=0):
    """A text of ``size`` bytes that PostgreSQL cannot compress (an index entry is compressed when it can be)."""
    letters = string.ascii_letters + string.digits + "+/"
    return "".join(random.Random(seed).choices(letters, k=size))


def test_an_indexed_text_longer_than_an_index_holds_is_refused_by_its_reason(tmp_path, connect):
    """PostgreSQL's btree refuses a text it cannot compress past INDEX_KEY_BYTES; the reader refuses such a text in
    an indexed column (E_GENERAL), with its line, and keeps a long text where no index is (E_LIBELLE)."""
    with connect().cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE keys (k varchar); CREATE INDEX ON keys (k)")
        cursor.execute("INSERT INTO keys VALUES (%s)", (incompressible(values.INDEX_KEY_BYTES),))
        with pytest.raises(psycopg2.errors.ProgramLimitExceeded):
            cursor.execute("INSERT INTO keys VALUES (%s)", (incompressible(values.INDEX_KEY_BYTES + 1),))
    kept = "é" * (values.INDEX_KEY_BYTES // 2)  # two bytes each in UTF-8: at the bound
    refused = kept + "e"
    lines = [ECRITURE_HEADER, f"2025-01-02;R;{'L' * 5000};{kept};1;0;C;", f"2025-01-02;R;L;{refused};1;0;C;"]
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, "\n".join(lines) + "\n"))
    assert (caught.value.line, caught.value.column, caught.value.params["problem_code"]) == (
        3, "E_GENERAL", "import.value.too_long_for_index")
    assert (caught.value.params["size"], caught.value.params["limit"]) == (values.INDEX_KEY_BYTES + 1, 2692)
    _reader, rows = read_all(write(tmp_path, "\n".join(lines[:2]) + "\n", "kept.csv"))
    assert (len(rows[0][2]), rows[0][3]) == (5000, kept)


def test_parse_integer():
    assert parse_integer("3") == "3"
    assert parse_integer("3,00") == "3"
    assert parse_integer("") == "0"
    with pytest.raises(BadValue, match=r"^import\.value\.not_whole$"):
        parse_integer("3,5")
    with pytest.raises(BadValue, match=r"^import\.value\.out_of_range$"):
        parse_integer("99999999999")



def test_a_whole_number_column_takes_what_postgresql_integer_takes(tmp_path):
    """PCN_ORDRE is an integer column: its bounds are PostgreSQL's integer's, one more is refused."""
    header = absences().split("\n", 1)[0]
    lines = [f"ABS;42;{number};0;CPA;-;x;01/02/2025;MAT;01/02/2025;PAM;1;7;g"
             for number in ("2147483647", "-2147483648", "1 000")]
    _reader, rows = read_all(write(tmp_path, "\n".join([header, *lines]) + "\n"))
    assert [row[2] for row in rows] == ["2147483647", "-2147483648", "1000"]
    for number in ("2147483648", "-2147483649"):
        with pytest.raises(ExportRowError) as caught:
            read_all(write(tmp_path, f"{header}\n{lines[0].replace('2147483647', number)}\n"))
        assert (caught.value.value, caught.value.params["problem_code"]) == (number, "import.value.out_of_range")


def test_a_whole_number_written_with_decimals_is_stored_whole(tmp_path):
    """PCN_ORDRE "3,00" is 3 for PostgreSQL's integer, "3,5" is refused as not whole, in whichever batch."""
    header = absences().split("\n", 1)[0]
    line = "ABS;42;{};0;CPA;-;x;01/02/2025;MAT;01/02/2025;PAM;1;7;g"
    _reader, rows = read_all(write(tmp_path, "\n".join([header, line.format("3,00"), line.format("4")]) + "\n"))
    assert [row[2] for row in rows] == ["3", "4"]
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, "\n".join([header, line.format("3,5"), line.format("4")]) + "\n"))
    assert (caught.value.value, caught.value.params["problem_code"]) == ("3,5", "import.value.not_whole")

@pytest.mark.parametrize(("text", "order", "expected"), [
    ("2025-06-30 00:00:00", DAY_FIRST, "2025-06-30"),
    ("2025-06-30T13:45:00.123", DAY_FIRST, "2025-06-30"),
    ("2025-06-30", MONTH_FIRST, "2025-06-30"),
    ("30/06/2025", DAY_FIRST, "2025-06-30"),
    ("06/30/2025", MONTH_FIRST, "2025-06-30"),
    ("01/02/2025 00:00:00", DAY_FIRST, "2025-02-01"),
    ("01/02/2025", MONTH_FIRST, "2025-01-02"),
    ("", DAY_FIRST, None),
])
def test_parse_date(text, order, expected):
    assert parse_date(text, order) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("2025-13-01", "import.value.invalid_date"), ("30.06.2025", "import.value.not_a_date"),
    ("2025/06/30", "import.value.not_a_date"), ("x", "import.value.not_a_date"),
    ("31/02/2025", "import.value.invalid_date_in_order"),
])
def test_parse_date_refuses(text, code):
    with pytest.raises(BadValue) as caught:
        parse_date(text)
    assert caught.value.code == code


def test_a_batch_that_fills_the_date_memo_converts_all_its_dates(monkeypatch):
    """Over DATE_CACHE_SIZE distinct dates (dates with their times), the memo starts again with the whole batch's:
    the dates it held before are parsed again, not missing (a KeyError that failed the file every run)."""
    monkeypatch.setattr(values, "DATE_CACHE_SIZE", 3)
    convert = values.column_converter(values.DATE)
    assert convert(["2025-01-01", "2025-01-02", "2025-01-03"]) == ["2025-01-01", "2025-01-02", "2025-01-03"]
    assert convert(["2025-01-01", "2025-01-04", "2025-01-01"]) == ["2025-01-01", "2025-01-04", "2025-01-01"]
    assert convert(["2025-01-05", "2025-01-04"]) == ["2025-01-05", "2025-01-04"]
    assert len(convert.memo) <= 3


def absences(*dates):
    header = ("PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
              "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID")
    lines = [f"ABS;42;1;0;CPA;-;x;{start};MAT;{end};PAM;1;7;g" for start, end in dates]
    return header + "\n" + "\n".join(lines) + "\n"


def test_date_order_is_decided_per_file(tmp_path):
    us = open_export(write(tmp_path, absences(("01/02/2025", "01/02/2025"), ("06/03/2025", "06/30/2025")), "us.csv"))
    assert us.date_order == MONTH_FIRST
    assert [row[7] for row in us.rows()] == ["2025-01-02", "2025-06-03"]
    fr = open_export(write(tmp_path, absences(("01/02/2025", "13/02/2025")), "fr.csv"))
    assert fr.date_order == DAY_FIRST
    assert [row[9] for row in fr.rows()] == ["2025-02-13"]
    unknown = open_export(write(tmp_path, absences(("01/02/2025", "03/04/2025")), "default.csv"))
    assert unknown.date_order == DAY_FIRST  # French by default
    assert [row[7] for row in unknown.rows()] == ["2025-02-01"]



def test_a_reader_given_the_order_an_earlier_part_decided_does_not_read_the_file_for_it(tmp_path):
    """A load by parts keeps the order (decided_order): its later parts do not scan a file whose dates never tell."""
    path = write(tmp_path, absences(*[("01/02/2025", "03/04/2025")] * 3) + "ABS;42;short\n")
    with pytest.raises(ExportRowError):  # nothing tells: the scan reads on to the last line
        open_export(path)
    header = read_header(path)
    found = Catalogue().identify(header.names, "ABSENCESALARIE.csv")
    told = ExportReader(header, found.export, found.positions, [MONTH_FIRST, [2, "PCN_DATEFINABS", "x"]])
    assert (told.date_order, told.date_order_evidence) == (MONTH_FIRST, (2, "PCN_DATEFINABS", "x"))
    assert [row[7] for row in itertools.islice(told.rows(), 3)] == ["2025-01-02"] * 3
    assert open_export(write(tmp_path, absences(("01/02/2025", "03/04/2025")), "fr.csv")).decided_order == [
        DAY_FIRST, None]
    us = open_export(write(tmp_path, absences(("01/02/2025", "06/30/2025"), ("04/03/2025", "x")), "us.csv"))
    assert us.decided_order == [MONTH_FIRST, [2, "PCN_DATEFINABS", "06/30/2025"]]


def test_a_slashed_date_across_two_chunks_of_the_first_look_is_seen(tmp_path, monkeypatch):
    """The only slashed date of the file, wherever the chunks of sniff_bytes cut it, decides the date order."""
    path = write(tmp_path, absences(("02/13/2025", "2025-02-14")))
    for chunk in range(8, 24):
        monkeypatch.setattr(text_file, "READ_CHUNK", chunk)
        reader = open_export(path)
        assert (reader.date_order, [row[7] for row in reader.rows()]) == (MONTH_FIRST, ["2025-02-13"]), chunk


@pytest.mark.parametrize(("dates", "order", "read"), [
    (("12/05/2025", "05/13/2025"), MONTH_FIRST, ["2025-12-05", "2025-05-13"]),  # 12/05 reads both ways
    (("12/05/2025", "13/05/2025"), DAY_FIRST, ["2025-05-12", "2025-05-13"]),
    (("12/13/2025", "12/14/2025"), MONTH_FIRST, ["2025-12-13", "2025-12-14"]),  # a 12 beside a 13 tells
])
def test_a_twelve_is_a_month_or_a_day_the_date_order_is_told_by_a_thirteen(tmp_path, dates, order, read):
    reader = open_export(write(tmp_path, absences(dates)))
    assert (reader.date_order, [row[7:10:2] for row in reader.rows()]) == (order, [read])

def test_contradictory_date_orders_are_rejected_with_the_deciding_value(tmp_path):
    path = write(tmp_path, absences(("13/02/2025", "14/02/2025"), ("02/13/2025", "02/14/2025")))
    with pytest.raises(ExportRowError) as caught:
        read_all(path)
    error = caught.value
    assert (error.line, error.column, error.value) == (3, "PCN_DATEDEBUTABS", "02/13/2025")
    assert error.params == {
        "line": 3, "column": "PCN_DATEDEBUTABS", "value": "02/13/2025",
        "problem_code": "import.value.invalid_date_in_order", "order": DAY_FIRST,
        "order_line": 2, "order_column": "PCN_DATEDEBUTABS", "order_value": "13/02/2025"}


def test_an_impossible_date_in_the_default_order_says_so(tmp_path):
    with pytest.raises(ExportRowError) as caught:
        read_all(write(tmp_path, absences(("00/02/2025", "01/02/2025"))))
    assert caught.value.params["problem_code"] == "import.value.invalid_date_in_default_order"


def test_copy_text_escapes_only_what_needs_it(tmp_path):
    text = (ECRITURE_HEADER + '\n2025-01-02;R;"a ""quoted""\r\nvalue,\twith\rreturns \\ back";512000;1;0;C;\n'
            + "2025-01-03;S;plain;512000;2;0;C;\n")
    reader = open_export(write(tmp_path, text))
    chunks = list(reader.copy_batches(["7", "2025-01-01 00:00:00"], batch_rows=10))
    assert len(chunks) == 1
    assert decode_copy_text(chunks[0]) == [
        ["2025-01-02", "R", 'a "quoted"\r\nvalue,\twith\rreturns \\ back', "512000", "1", "0", "C", None, "7",
         "2025-01-01 00:00:00"],
        ["2025-01-03", "S", "plain", "512000", "2", "0", "C", None, "7", "2025-01-01 00:00:00"]]
    assert "\\r\\nvalue,\\twith\\rreturns \\\\ back" in chunks[0]
    assert reader.row_count == 2


def test_batches_take_the_per_value_way_when_needed(tmp_path):
    # French thousands, empty amounts, a value with a newline in a number column position of another batch
    lines = ["2025-01-02;R;x;512000;1 234,56;;C;", "30/01/2025;R;x;512000;1.234,5;-0,5;C;",
             '2025-01-04;R;"two\nlines";512000;7;8;C;']
    reader, rows = read_all(write(tmp_path, ECRITURE_HEADER + "\n" + "\n".join(lines) + "\n"))
    assert [row[0] for row in rows] == ["2025-01-02", "2025-01-30", "2025-01-04"]
    assert [row[4:6] for row in rows] == [["1234.56", "0"], ["1234.5", "-0.5"], ["7", "8"]]
    assert reader.row_count == 3


def test_bad_value_in_a_later_batch_is_named_by_its_line(tmp_path):
    good = "2025-01-02;R;x;512000;1;0;C;\n"
    text = ECRITURE_HEADER + "\n" + good * 7 + '2025-01-02;R;"a\nb";512000;1;0;C;\n' + good + \
        "2025-01-02;R;x;512000;1;x;C;\n"
    with pytest.raises(ExportRowError) as caught:
        fast_rows(open_export(write(tmp_path, text)), batch_rows=4)
    assert (caught.value.line, caught.value.column, caught.value.value) == (12, "E_CREDIT", "x")


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_bad_value_met_by_a_resumed_load_is_named_by_its_line_in_the_file(tmp_path, newline):
    """The batch that does not convert is read again row by row from its own start, not from the file's (which may
    take longer than a run): the line named is still the file's, whether the load began at the header or resumed."""
    good = "2025-01-02;R;x;512000;1;0;C;"
    lines = [ECRITURE_HEADER, *[good] * 5, '2025-01-02;R;"a\nb";512000;1;0;C;', *[good] * 6,
             "2025-01-02;R;x;512000;1;x;C;", good]
    path = write(tmp_path, newline.join(lines) + newline)
    first_part = next(open_export(path).copy_parts(batch_rows=4))
    for start_line in (0, first_part[2]):
        with pytest.raises(ExportRowError) as caught:
            for _part in open_export(path).copy_parts(batch_rows=4, start_line=start_line):
                pass
        assert (caught.value.line, caught.value.column, caught.value.value) == (15, "E_CREDIT", "x"), start_line


def test_copy_stream_keeps_the_reader_error(tmp_path):
    reader = open_export(write(tmp_path, ECRITURE_HEADER + "\n2025-01-02;R;a\x00b;512000;1;0;C;\n"))
    stream = CopyStream(reader.copy_batches())
    with pytest.raises(ExportFormatError, match=r"^import\.nul_character$"):
        stream.read()
    assert isinstance(stream.error, ExportFormatError)


def test_collector_eased_during_the_block_and_put_back_after_even_on_error():
    thresholds = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), collector_eased():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 100_000
        raise RuntimeError
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert gc.get_threshold() == thresholds


def test_collector_eased_leaves_someone_elses_freeze_alone():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector_eased():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()




def test_leaving_the_copy_early_stops_and_closes_the_conversion():
    """The driver may stop reading (connection lost): the converting thread must not stay blocked behind it."""
    closed = []

    def batches():
        try:
            yield from (f"batch {number}" for number in range(1000))
        finally:
            closed.append(True)

    with converted_ahead(batches(), ahead=2) as ahead:
        assert next(ahead) == "batch 0"
    assert closed == [True]
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("cegid-copy-convert")]


def test_an_error_while_converting_ahead_reaches_the_reader():
    def batches():
        yield "one"
        raise ExportRowError(7, "PHC_MONTANT", "x", "import.value.not_a_number")

    with converted_ahead(batches()) as ahead:
        assert next(ahead) == "one"
        with pytest.raises(ExportRowError, match="line=7"):
            next(ahead)


def test_a_header_is_read_as_written_its_repeated_names_distinct(tmp_path):
    header = read_header(write(tmp_path, '"Montant";MONTANT;" Montánt ";;id;\nx;y;z;w;v;\n'))
    assert header.names == ("MONTANT", "MONTANT_2", "MONTÁNT", "COLUMN_4", "ID", "")
    assert header.written == ("Montant", "MONTANT", "Montánt", "", "id", "")


@pytest.mark.parametrize(("text", "code", "params"), [
    ('"A;B\n1;2\n', "import.header_unreadable", {"detail_code": "import.csv.quote_not_closed"}),
    ('"A"x;B\n1;2\n', "import.header_unreadable",
     {"detail_code": "import.csv.quote_expected", "expected": ";", "after": '"'}),
    ("A\x00;B\n1;2\n", "import.nul_character", {}), ("\n \n", "import.empty_file", {})])
def test_only_a_header_that_cannot_be_read_is_refused_with_its_reason(tmp_path, text, code, params):
    with pytest.raises(ExportFormatError) as caught:
        read_header(write(tmp_path, text))
    assert (caught.value.code, caught.value.params) == (code, params)


def test_a_header_line_longer_than_any_export_is_refused_without_reading_the_file_in_memory(tmp_path, monkeypatch):
    """Lines ended by a character the reader does not take for a line end (U+2028) make one line of the file."""
    monkeypatch.setattr(text_file, "HEADER_CHARS", 1000)
    path = write(tmp_path, "A;B" + "".join(f"\u2028{number};x" for number in range(1000)) + "\n")
    with pytest.raises(ExportFormatError) as caught:
        read_header(path)
    assert (caught.value.code, caught.value.params) == (
        "import.header_unreadable", {"detail_code": "import.header.too_long", "limit": 1000})


def test_a_header_of_more_columns_than_a_table_holds_is_refused(tmp_path):
    too_many = text_file.MAX_COLUMNS + 1
    with pytest.raises(ExportFormatError) as caught:
        read_header(write(tmp_path, ";".join(["MONTANT"] * too_many) + "\n"))
    assert (caught.value.code, caught.value.params) == (
        "import.header_unreadable",
        {"detail_code": "import.header.too_many_columns", "count": too_many, "limit": text_file.MAX_COLUMNS})
    assert len(read_header(write(tmp_path, ";".join(["MONTANT"] * (too_many - 1)) + "\n")).names) == too_many - 1


@pytest.mark.parametrize(("message", "params"), [
    ("',' expected after '\"'", {"detail_code": "import.csv.quote_expected", "expected": ",", "after": '"'}),
    ("unexpected end of data", {"detail_code": "import.csv.quote_not_closed"}),
    ("new-line character seen in unquoted field - do you need to open the file with newline=''?",
     {"detail_code": "import.csv.line_break"}),
    ("line contains NUL", {"detail_code": "import.csv.nul"}),
    ("field larger than field limit (131072)", {"detail_code": "import.csv.field_too_large", "limit": 131072}),
    ("a message of a later Python", {"detail": "a message of a later Python"})])
def test_what_the_csv_module_says_is_a_code_the_reader_reads_in_his_language(message, params):
    assert csv_problem(csv.Error(message)) == params

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Cegid export files: what they hold, how to recognise, read and bulk-load them.

An export is recognised by its header, never by its file name: the column
names (case and order free, extra columns ignored) must include every known
column of exactly one export. Values are converted to what PostgreSQL's
``COPY ... (FORMAT csv)`` reads:

- encoding: UTF-8 (with or without BOM) when the whole file decodes as UTF-8,
  else CP1252 (Latin-1 for the few bytes CP1252 leaves undefined);
- delimiter: ``;`` or ``,``, whichever makes the header recognisable;
- numbers: ``1234.56``, ``1 234,56``, ``-12,5``, ``1.234,56``, ``1,234.56``,
  ``1E-05``; an EMPTY number is stored as 0, as Odoo's ORM does for a Float or
  an Integer, so that SQL reports computing ``debit - credit`` keep working;
- dates: ``2025-06-30 00:00:00``, ``2025-06-30``, ``30/06/2025``,
  ``06/30/2025`` (a time part is dropped). The day/month order of slashed
  dates is decided once per file from its values (a first part above 12 means
  day first, a second part above 12 means month first), French day first when
  nothing tells; an empty date is NULL;
- texts are kept as they are; an empty text is NULL.

A header without rows is a valid, empty snapshot. Any bad row rejects the file
with its line, column and value (:class:`ExportRowError`).

Rows stream from the file to the database in bounded memory: nothing here
holds more than one COPY batch. A batch of lines is split with str methods
(in one split when its fields are regular, quoted fields included when they
stand whole), the csv module reading only the lines whose quotes need its
rules. The conversion works a batch of rows at a
time, column by column, with C-level string operations (one regex match per
number column and batch, a memo per date value); a batch whose values need more
work goes through the per-value converters, and a bad value sends the file
through the per-row reader (:meth:`ExportReader.rows`) again to name its line.
The conversion runs in a thread of its own, a couple of batches ahead of
the COPY (:func:`converted_ahead`): the client converts while the server
parses, instead of each waiting for the other.

A table is replaced by loading a new table and swapping it in (see
:func:`replace_table`).
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime
import gc
import itertools
import logging
import operator
import os
import queue
import re
import threading
import time
from decimal import Decimal, InvalidOperation

from .errors import CegidError
from .staging.folder import link_noreplace

_logger = logging.getLogger(__name__)

CHAR = "char"
DATE = "date"
AMOUNT = "amount"
FLOAT = "float"
INTEGER = "integer"

ARCHIVE_FOLDER = "archive"
ANOMALY_FOLDER = "anomalie"
DELIMITERS = (";", ",")
READ_CHUNK = 1024 * 1024
COPY_BATCH_ROWS = 5000
COPY_BATCHES_AHEAD = 2
DATE_CACHE_SIZE = 100_000
MAX_SHOWN_VALUE = 80
INT4_MAX = 2**31 - 1


@dataclasses.dataclass(frozen=True)
class Column:
    """One known column of an export: its header name and the type of its field."""

    name: str
    kind: str = CHAR
    index: bool = False

    @property
    def field(self):
        """The Odoo field (and SQL column) name: the header name in lower case."""
        return self.name.lower()


@dataclasses.dataclass(frozen=True)
class ExportDef:
    """A known export: its name, the Odoo model that stages it and its columns."""

    name: str
    model: str
    description: str
    columns: tuple

    @property
    def table(self):
        """The SQL table of the staging model."""
        return self.model.replace(".", "_")

    @property
    def column_names(self):
        """The header names of the known columns, in the order of the definition."""
        return tuple(column.name for column in self.columns)


def _columns(spec):
    """Columns from a compact spec: "NAME" (text), "NAME:kind", "NAME:kind:index" or "NAME::index"."""
    result = []
    for item in spec.split():
        name, _sep, rest = item.partition(":")
        kind, _sep, index = rest.partition(":")
        result.append(Column(name, kind or CHAR, bool(index)))
    return tuple(result)


EXPORTS = (
    ExportDef("ECRITURE", "is.cegid.ecriture", "Cegid accounting entry", _columns(
        "E_DATECOMPTABLE:date:index E_REFINTERNE E_LIBELLE E_GENERAL::index E_DEBIT:amount E_CREDIT:amount "
        "E_AUXILIAIRE E_REFLIBRE")),
    ExportDef("ANALYTIQ", "is.cegid.analytiq", "Cegid analytic entry", _columns(
        "Y_DATECOMPTABLE:date:index Y_GENERAL::index Y_AXE::index Y_SECTION::index Y_REFINTERNE Y_LIBELLE "
        "Y_NATUREPIECE Y_REFEXTERNE Y_JOURNAL Y_CONTREPARTIEAUX Y_DEBIT:amount Y_CREDIT:amount")),
    ExportDef("ABSENCESALARIE", "is.cegid.absencesalarie", "Cegid employee absence", _columns(
        "PCN_TYPEMVT PCN_SALARIE::index PCN_ORDRE:integer PCN_PERIODECP:integer PCN_TYPECONGE "
        "PCN_SENSABS PCN_LIBELLE PCN_DATEDEBUTABS:date:index PCN_DEBUTDJ PCN_DATEFINABS:date:index PCN_FINDJ "
        "PCN_JOURS:float PCN_HEURES:float PCN_GUID")),
    ExportDef("HISTOCUMSAL", "is.cegid.histocumsal", "Cegid payroll cumulative history", _columns(
        "PHC_SALARIE::index PHC_CUMULPAIE PHC_MONTANT:amount")),
)
EXPORTS_BY_NAME = {export.name: export for export in EXPORTS}


class ExportFormatError(CegidError):
    """The file is not a readable Cegid export (unknown header, empty, bad row): it is rejected."""


class ExportRowError(ExportFormatError):
    """One value of one row cannot be read; ``line`` is the file's line number (1 = header)."""

    def __init__(self, line, column, value, problem):
        shown = value if len(value) <= MAX_SHOWN_VALUE else value[:MAX_SHOWN_VALUE] + "…"
        where = f"line {line}, column {column}" if column else f"line {line}"
        super().__init__(f"{where}: {problem}" + (f" ({shown!r})" if value else ""))
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem


# -- encoding ---------------------------------------------------------------------------------------------------

# starts with a literal "/" so that the regex engine skips ahead quickly (a leading \d made the scan 10x slower)
_SLASH_DATE = re.compile(rb"/\d{1,2}/\d{4}")


def sniff_bytes(path):
    """``(encoding, has_slashed_dates)`` from one pass over the raw bytes.

    UTF-8 only when the whole file decodes as UTF-8 (a CP1252 file can start
    with pure ASCII lines); the BOM selects ``utf-8-sig`` so that it is dropped.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    slashed = False
    tail = b""
    with open(path, "rb") as handle:
        first = handle.read(READ_CHUNK)
        chunk = first
        while chunk:
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            # a few bytes of the previous chunk, so that a date across two chunks is seen
            slashed = slashed or bool(_SLASH_DATE.search(tail + chunk))
            tail = chunk[-8:]
            chunk = handle.read(READ_CHUNK)
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return ("utf-8-sig" if first.startswith(codecs.BOM_UTF8) else "utf-8"), slashed
    return "cp1252-latin1", slashed


def _cp1252_latin1_error(error):
    """Decode the five bytes CP1252 leaves undefined as Latin-1 (their C1 control character)."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("cp1252-latin1", _cp1252_latin1_error)


def open_text(path, encoding):
    """Open ``path`` as text for the csv module with an encoding from :func:`sniff_bytes`."""
    if encoding == "cp1252-latin1":
        return open(path, encoding="cp1252", errors="cp1252-latin1", newline="")
    return open(path, encoding=encoding, newline="")


# -- header --------------------------------------------------------------------------------------------------------

def normalise_header(names):
    """Header names as compared with the known columns: stripped, BOM-less, upper case."""
    return [name.strip().lstrip("\ufeff").strip().strip('"').upper() for name in names]


def recognise(names):
    """``(ExportDef, positions)`` for a header; ``positions[i]`` is the file column of the export's i-th column.

    Raises ExportFormatError for an unknown header or a known column given twice.
    """
    header = normalise_header(names)
    present = set(header)
    for export in EXPORTS:
        if present.issuperset(export.column_names):
            for name in export.column_names:
                if header.count(name) > 1:
                    raise ExportFormatError(f"{export.name}: column {name} appears twice in the header")
            return export, tuple(header.index(name) for name in export.column_names)
    raise ExportFormatError(_unknown_header_message(header))


def _unknown_header_message(header):
    """Say which export the header resembles and what it lacks, or that it resembles none."""
    best = max(EXPORTS, key=lambda export: len(set(header) & set(export.column_names)))
    found = set(header) & set(best.column_names)
    shown = ";".join(header)
    shown = shown if len(shown) <= 200 else shown[:200] + "…"
    if found:
        missing = ", ".join(name for name in best.column_names if name not in found)
        return f"unknown header: looks like {best.name} but lacks {missing} (header: {shown})"
    known = ", ".join(export.name for export in EXPORTS)
    return f"unknown header, not one of the known exports {known} (header: {shown})"


def detect_delimiter(first_line):
    """The delimiter (``;`` or ``,``) that makes ``first_line`` a known header; ExportFormatError otherwise."""
    error = None
    for delimiter in sorted(DELIMITERS, key=first_line.count, reverse=True):
        names = next(csv.reader([first_line], delimiter=delimiter), [])
        try:
            recognise(names)
        except ExportFormatError as err:
            error = error or err
            continue
        return delimiter
    raise error


# -- values ------------------------------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?").fullmatch
_COMMA_NUMBER = re.compile(r"-?\d+,\d+").fullmatch
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?").fullmatch
_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u202f\t'")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?").fullmatch
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?").fullmatch
DAY_FIRST = "dd/mm/yyyy"
MONTH_FIRST = "mm/dd/yyyy"


def parse_number(text):
    """A number as COPY reads it ("1 234,56" -> "1234.56"); empty -> "0"; ValueError when not a number."""
    if _PLAIN_NUMBER(text):
        return text
    if _COMMA_NUMBER(text):
        return text.replace(",", ".")
    cleaned = text.translate(_NUMBER_SPACES)
    if not cleaned:
        return "0"
    if "," in cleaned and "." in cleaned:
        # both: the last one is the decimal separator, the other groups thousands
        thousands = "." if cleaned.rindex(",") > cleaned.rindex(".") else ","
        cleaned = cleaned.replace(thousands, "")
    if cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER(cleaned):
        raise ValueError("not a number")
    return cleaned.lstrip("+")


def parse_integer(text):
    """A whole number ("3", "3,00") as COPY reads it; empty -> "0"; ValueError otherwise."""
    number = parse_number(text)
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise ValueError("not a number") from None
    if value != value.to_integral_value():
        raise ValueError("not a whole number")
    if abs(value) > INT4_MAX:
        raise ValueError("whole number out of range")
    return str(int(value))


def parse_date(text, order=DAY_FIRST):
    """An ISO date string for COPY, None for an empty value; ValueError with the reason otherwise."""
    text = text.strip()
    if not text:
        return None
    match = _ISO_DATE(text)
    if match:
        year, month, day = match.groups()
        problem = "not a valid date"
    else:
        match = _SLASHED(text)
        if not match:
            raise ValueError("not a date (expected 2025-06-30, 30/06/2025 or 06/30/2025)")
        first, second, year = match.groups()
        day, month = (first, second) if order == DAY_FIRST else (second, first)
        problem = f"not a valid date in the file's day/month order ({order})"
    try:
        return datetime.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise ValueError(problem) from None


def slashed_order_evidence(text):
    """DAY_FIRST or MONTH_FIRST when a slashed date can be read only one way, else None."""
    match = _SLASHED(text.strip())
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    if first > 12 >= second:
        return DAY_FIRST
    if second > 12 >= first:
        return MONTH_FIRST
    return None


_UNSEEN = object()


def _date_converter(order):
    """parse_date bound to ``order`` with a bounded memo: exports repeat the same dates over and over."""
    memo = {}

    def convert(text):
        value = memo.get(text, _UNSEEN)
        if value is not _UNSEEN:
            return value
        value = parse_date(text, order)
        if len(memo) >= DATE_CACHE_SIZE:
            memo.clear()
        memo[text] = value
        return value

    return convert


# -- whole columns of a batch -----------------------------------------------------------------------------------

# a column of plain numbers joined by "\n": one C-level match instead of one per value
_PLAIN_NUMBERS = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?(?:\n-?[0-9]+(?:[.,][0-9]+)?)*").fullmatch
_PLAIN_INTEGERS = re.compile(r"-?[0-9]{1,9}(?:\n-?[0-9]{1,9})*").fullmatch
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_QUOTED_FIELD = re.compile(r'"([^"\n]*)"')
_HIDDEN_DELIMITER = "\x1f"  # stands for a delimiter inside a quoted field while the batch is split


def _split_batch(lines, delimiter, separators):
    """The values of a batch of ``lines`` by header position, or None when they are not regular.

    Regular: every line holds ``separators + 1`` fields, quoted fields
    (if any) hold no quote or line break and stand whole between delimiters.
    Then the batch is one split and each position a slice of it.
    """
    text = "".join(lines).replace("\r\n", "\n")
    quoted = '"' in text
    if quoted:
        text = _unquote_simple_fields(text, delimiter)
        if text is None:
            return None
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()
    if "\r" in text or not all(line.count(delimiter) == separators for line in lines):
        return None
    values = text.removesuffix("\n").replace("\n", delimiter).split(delimiter)
    width = separators + 1
    columns = [values[position::width] for position in range(width)]
    if quoted and _HIDDEN_DELIMITER in text:
        columns = [_delimiters_shown(column, delimiter) for column in columns]
    return columns


def _unquote_simple_fields(text, delimiter):
    """``text`` with each quoted field unquoted, its delimiters hidden; None when a quote is used otherwise."""
    if _HIDDEN_DELIMITER in text:
        return None
    end = len(text)
    boundaries = (delimiter, "\n")
    whole = True

    def unquote(match):
        nonlocal whole
        start, stop = match.span()
        if (start and text[start - 1] not in boundaries) or (stop < end and text[stop] not in boundaries):
            whole = False
        return match.group(1).replace(delimiter, _HIDDEN_DELIMITER)

    unquoted = _QUOTED_FIELD.sub(unquote, text)
    return unquoted if whole and '"' not in unquoted else None


def _delimiters_shown(column, delimiter):
    """The column's values with their hidden delimiters put back."""
    joined = "\n".join(column)
    return joined.replace(_HIDDEN_DELIMITER, delimiter).split("\n") if _HIDDEN_DELIMITER in joined else column


class _BadBatch(Exception):
    """A batch holds a value or a row the fast path cannot place: the per-row reader names it."""


def _split_plain(column, match):
    """The column's values with "," read as "." when ``match`` accepts them all, else None."""
    joined = "\n".join(column)
    if not match(joined):
        return None
    parts = joined.replace(",", ".").split("\n")
    # a value holding "\n" would shift the values after it: then take the per-value way
    return parts if len(parts) == len(column) else None


def _per_value(convert, column):
    """``convert`` on each value; _BadBatch at the first refused one."""
    try:
        return list(map(convert, column))
    except ValueError:
        raise _BadBatch from None


def _number_column(column):
    """COPY text of a number column (empty -> "0")."""
    return _split_plain(column, _PLAIN_NUMBERS) or _per_value(parse_number, column)


def _integer_column(column):
    """COPY text of a whole-number column (empty -> "0")."""
    return _split_plain(column, _PLAIN_INTEGERS) or _per_value(parse_integer, column)


def _date_column_converter(order):
    """COPY text of a date column (empty -> "", NULL in COPY): a memo of every distinct value, bounded."""
    memo = {}

    def convert(column):
        missing = set(column).difference(memo)
        if missing:
            if len(memo) + len(missing) > DATE_CACHE_SIZE:
                memo.clear()
            for text in missing:
                try:
                    memo[text] = parse_date(text, order) or ""
                except ValueError:
                    raise _BadBatch from None
        return list(map(memo.__getitem__, column))

    return convert


def _text_column(column):
    """Text values go as they are; escaping, when needed, is decided for the whole batch."""
    return column


def _escaped(column):
    """COPY text escaping of each value (backslash, tab, newline, carriage return)."""
    return [value.translate(_COPY_ESCAPES) for value in column]


def _batch_text(columns, rows, text_columns):
    """The COPY text of a batch from its converted columns; ``text_columns`` are escaped only when needed.

    The extra columns are endless ``itertools.repeat``: zip stops at the rows.
    """
    text = "\n".join(map("\t".join, zip(*columns, strict=False))) + "\n"
    # separators are exact only when no value holds a tab, newline, return or backslash: the usual case
    if ("\\" in text or "\r" in text or text.count("\n") != rows
            or text.count("\t") != rows * (len(columns) - 1)):
        columns = [_escaped(column) if index in text_columns else column for index, column in enumerate(columns)]
        text = "\n".join(map("\t".join, zip(*columns, strict=False))) + "\n"
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL; say so instead of letting the server fail obscurely
        raise ExportFormatError("the file contains a NUL character, which a database text cannot hold")
    return text


# -- reading ----------------------------------------------------------------------------------------------------------

class ExportReader:
    """An opened, recognised export file; :meth:`rows` streams its converted rows.

    Attributes: ``path``, ``export`` (ExportDef), ``encoding``, ``delimiter``,
    ``date_order``, ``row_count`` (rows yielded so far).
    """

    def __init__(self, path):
        self.path = path
        self.encoding, slashed = sniff_bytes(path)
        self.delimiter = None
        with open_text(path, self.encoding) as handle:
            first_line = handle.readline()
            while first_line and not first_line.strip():
                first_line = handle.readline()
        if not first_line.strip():
            raise ExportFormatError("empty file: no header line")
        self.delimiter = detect_delimiter(first_line.lstrip("\ufeff"))
        self.export, self.positions = recognise(next(csv.reader([first_line.lstrip("\ufeff")],
                                                                delimiter=self.delimiter)))
        self.date_order = DAY_FIRST
        self.date_order_reason = "default (French)"
        if slashed:
            self._decide_date_order()
        self.row_count = 0

    def __repr__(self):
        return f"<ExportReader {self.export.name} {self.path} {self.encoding} {self.delimiter!r}>"

    def _csv_after_header(self, handle):
        """``(csv reader, header width)`` positioned on the first row after the header."""
        reader = csv.reader(handle, delimiter=self.delimiter)
        header = next(reader)
        while not any(field.strip() for field in header):
            header = next(reader)
        return reader, len(header)

    def _records(self, handle):
        """``(line, fields)`` of the data rows (blank lines skipped), after the header."""
        reader = None
        try:
            reader, width = self._csv_after_header(handle)
            for fields in reader:
                if len(fields) != width:
                    if not any(field.strip() for field in fields):
                        continue
                    # a trailing delimiter on data lines only adds empty fields: harmless
                    if len(fields) > width and not any(field.strip() for field in fields[width:]):
                        yield reader.line_num, fields
                        continue
                    raise ExportRowError(reader.line_num, None, "",
                                         f"{len(fields)} fields where the header has {width}")
                yield reader.line_num, fields
        except csv.Error as err:
            raise ExportRowError(reader.line_num if reader else 1, None, "", f"unreadable CSV: {err}") from None

    def _date_positions(self):
        return [(self.positions[i], column) for i, column in enumerate(self.export.columns) if column.kind == DATE]

    def _decide_date_order(self):
        """Read the date columns once to decide dd/mm against mm/dd; stop at the first telling value."""
        dates = self._date_positions()
        if not dates:
            return
        with open_text(self.path, self.encoding) as handle:
            for line, fields in self._records(handle):
                for position, column in dates:
                    order = slashed_order_evidence(fields[position])
                    if order:
                        self.date_order = order
                        self.date_order_reason = f"line {line}, column {column.name}: {fields[position]!r}"
                        return

    def _converters(self):
        """``[(index, column, function)]`` for the columns whose text needs converting."""
        by_kind = {DATE: _date_converter(self.date_order), AMOUNT: parse_number, FLOAT: parse_number,
                   INTEGER: parse_integer}
        return [(i, column, by_kind[column.kind]) for i, column in enumerate(self.export.columns)
                if column.kind in by_kind]

    def rows(self, extra=()):
        """Yield each data row as a list of COPY-ready values, in the export's column order, then ``extra``.

        Raises ExportRowError (line, column, value) at the first bad value.
        """
        pick = operator.itemgetter(*self.positions)
        converters = self._converters()
        extra = list(extra)
        self.row_count = 0
        with open_text(self.path, self.encoding) as handle:
            for line, fields in self._records(handle):
                values = list(pick(fields))
                for index, column, convert in converters:
                    try:
                        values[index] = convert(values[index])
                    except ValueError as err:
                        raise self._row_error(line, column, values[index], err) from None
                values.extend(extra)
                self.row_count += 1
                yield values

    def copy_batches(self, extra=(), batch_rows=COPY_BATCH_ROWS):
        """Yield the rows as COPY text (``FORMAT text, NULL ''``), ``batch_rows`` rows per string.

        Same values as :meth:`rows`, ``extra`` appended to every row (texts
        without tab, newline or backslash); same ExportRowError at the first
        bad value.
        """
        plan = self._column_plan()
        extra = [itertools.repeat(value) for value in extra]
        text_columns = {index for index, column in enumerate(self.export.columns) if column.kind == CHAR}
        self.row_count = 0
        with open_text(self.path, self.encoding) as handle:
            try:
                _reader, width = self._csv_after_header(handle)
                for count, by_position in self._batches_by_position(handle, width, batch_rows):
                    columns = [convert(by_position[position]) for position, convert in plan] + extra
                    text = _batch_text(columns, count, text_columns)
                    self.row_count += count
                    yield text
            except (_BadBatch, csv.Error):
                _logger.debug("%s: a batch did not convert, reading row by row for the exact error", self.path)
            else:
                return
        self._raise_first_error()

    def _batches_by_position(self, handle, width, batch_rows):
        """Yield ``(rows, values by header position)`` for each batch of ``batch_rows`` lines after the header.

        str methods split the lines, far faster than the csv module: a batch
        whose lines all hold ``width`` fields, quoted ones standing whole, is
        one split, each position a slice of it (:func:`_split_batch`). Other
        batches are split line by line, a line with a quote by the csv module
        (its quoted field may run on into the next lines), then regularised.
        """
        delimiter = self.delimiter
        separators = width - 1
        lines_of_file = iter(handle)
        while lines := list(itertools.islice(lines_of_file, batch_rows)):
            columns = _split_batch(lines, delimiter, separators)
            if columns is not None:
                yield len(lines), columns
                continue
            rows = self._regular(self._split_lines(lines, lines_of_file), width)
            if rows:
                yield len(rows), list(zip(*rows, strict=True))

    def _split_lines(self, lines, lines_after):
        """The fields of each line; a line with a quote is read by the csv rules, on into the next lines if need be."""
        rows = []
        lines = iter(lines)
        for line in lines:
            if '"' in line:
                # the csv reader takes lines from the batch, then from the file, only while a quote is open
                rows.append(next(csv.reader(itertools.chain([line], lines, lines_after), delimiter=self.delimiter)))
            else:
                rows.append(line.rstrip("\r\n").split(self.delimiter))
        return rows

    def _column_plan(self):
        """``[(file position, column converter)]`` in the export's column order."""
        by_kind = {CHAR: _text_column, DATE: _date_column_converter(self.date_order), AMOUNT: _number_column,
                   FLOAT: _number_column, INTEGER: _integer_column}
        pairs = zip(self.positions, self.export.columns, strict=True)
        return [(position, by_kind[column.kind]) for position, column in pairs]

    @staticmethod
    def _regular(batch, width):
        """The batch with every row ``width`` fields long (blank rows dropped, empty trailing fields cut)."""
        if len(batch[0]) == width and len(set(map(len, batch))) == 1:
            return batch
        regular = []
        for fields in batch:
            if len(fields) == width:
                regular.append(fields)
            elif len(fields) > width and not any(field.strip() for field in fields[width:]):
                regular.append(fields[:width])
            elif any(field.strip() for field in fields):
                raise _BadBatch
        return regular

    def _raise_first_error(self):
        """Read the file again row by row: its first bad row raises ExportRowError with its line."""
        for _values in self.rows():
            pass
        raise ExportFormatError("the file could not be read in batches, yet every row reads alone")

    def _row_error(self, line, column, value, err):
        problem = str(err)
        if column.kind == DATE and "day/month order" in problem:
            problem += f", decided from {self.date_order_reason}"
        return ExportRowError(line, column.name, value, problem)


def open_export(path):
    """Open and recognise an export file; raises ExportFormatError when it is not one."""
    return ExportReader(path)


# -- loading -----------------------------------------------------------------------------------------------------

class CopyStream:
    """A file-like object for ``copy_expert`` over an iterator of COPY text; keeps the error that stopped it.

    When reading fails, psycopg2 aborts the COPY with a generic message; the
    original error stays in ``error`` so that the caller can report it.
    """

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self.error = None

    # a file object for psycopg2, not an Odoo model: there is no super().read to call
    def read(self, _size=-1):  # pylint: disable=method-required-super
        """The next chunk of COPY text ('' at the end)."""
        try:
            return next(self._chunks, "")
        except Exception as err:
            self.error = err
            raise

    def readline(self, size=-1):
        """psycopg2 only calls read(); defined for file-like completeness."""
        return self.read(size)


@contextlib.contextmanager
def old_objects_frozen():
    """Keep the cyclic garbage collector off the objects that exist now, for the duration of the block.

    The rows of a file allocate millions of short-lived lists and tuples,
    which trigger collections; in an Odoo process each older-generation one
    also walks the whole loaded registry (about 2 s per 1,000,000 rows, as
    much as the conversion itself). Frozen, the old objects are skipped, new
    cycles (of any thread) are still collected, and everything is unfrozen
    afterwards. Left alone when someone else froze objects: unfreezing would
    undo their freeze.
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextlib.contextmanager
def converted_ahead(chunks, ahead=COPY_BATCHES_AHEAD):
    """Run the iterator ``chunks`` in a thread of its own, at most ``ahead`` items ahead; yield their iterator.

    psycopg2 lets go of the GIL while it sends a batch and waits for the
    server to take it: meanwhile the next batch is converted, so that the
    conversion (Python) and the COPY (the server) work side by side instead
    of in turns. Memory stays at ``ahead`` + 2 batches. An error of the
    thread is raised by the iterator; leaving the block early stops and
    closes ``chunks``.
    """
    handover = queue.Queue(ahead)
    stopped = threading.Event()

    def offer(item):
        while not stopped.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for chunk in chunks:
                if not offer((chunk, None)):
                    return
            offer((None, None))
        except BaseException as err:  # handed to the consumer, which raises it
            offer((None, err))
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def consume():
        while True:
            chunk, error = handover.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk

    producer = threading.Thread(target=produce, name="cegid-copy-convert", daemon=True)
    producer.start()
    try:
        yield consume()
    finally:
        stopped.set()
        producer.join()


def copy_sql(export, extra_columns=(), table=None, freeze=False):
    """The COPY statement loading ``export``'s columns then ``extra_columns`` into ``table`` (its own by default).

    Text format with ``NULL ''``: an empty value is NULL (what the ORM stores for an empty text or date).
    """
    columns = ", ".join(f'"{name}"' for name in [column.field for column in export.columns] + list(extra_columns))
    options = "FORMAT text, NULL ''" + (", FREEZE" if freeze else "")
    return f'COPY "{table or export.table}" ({columns}) FROM STDIN WITH ({options})'


def _copy(cursor, reader, extra, table=None, freeze=False):
    """COPY the reader's rows into ``table``; re-raise the reader's own error rather than the driver's."""
    batches = reader.copy_batches([str(value) for value in extra.values()])
    try:
        with old_objects_frozen(), converted_ahead(batches) as ahead:
            stream = CopyStream(ahead)
            cursor.copy_expert(copy_sql(reader.export, extra.keys(), table, freeze), stream, size=READ_CHUNK)
    except Exception:
        if stream.error is not None:
            raise stream.error from None
        raise
    return reader.row_count


def replace_table(cursor, reader, extra=None):
    """Replace the content of the reader's table with the file's rows; return the row count.

    ``cursor`` is a psycopg2 cursor; ``extra`` maps more columns to one value
    for every row (create_uid, create_date...). The caller owns the
    transaction: run it inside a savepoint or a transaction and roll back on
    error, so that the table keeps its old rows.

    The rows go into a new table created in the same transaction (``COPY
    FREEZE``, no index to maintain row by row), then its primary key, indexes
    and foreign keys are built in one pass each, and it takes the old table's
    place (sequence, grants, names). Readers keep reading the old table until
    the swap; the swap itself holds an exclusive lock on it until the commit,
    an instant. Frozen rows are visible to every snapshot, so a reader whose
    transaction began before the commit sees the new rows, never an empty
    table. A table the swap cannot rebuild faithfully (views or foreign keys
    pointing at it, triggers, policies...), or whose readers do not let go of
    it, is filled with DELETE and INSERT instead, which MVCC keeps invisible
    until the commit.
    """
    extra = extra or {}
    table = reader.export.table
    obstacle = swap_obstacle(cursor, table)
    if obstacle:
        # slower, and the old rows stay behind as dead rows for autovacuum: worth the administrator's eye
        _logger.warning("%s: replaced in place (DELETE + COPY), not swapped: %s", table, obstacle)
        cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table from the constant EXPORTS
        return _copy(cursor, reader, extra)
    # no DDL on the old table meanwhile (module upgrade); readers are not blocked by this mode
    cursor.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
    new = f"{table}{LOAD_SUFFIX}"
    cursor.execute(f'CREATE TABLE "{new}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                   "INCLUDING STORAGE INCLUDING COMMENTS)")
    restore_defaults = _constant_defaults(cursor, new, extra)
    count = _copy(cursor, reader, {}, new, freeze=True)
    cursor.execute(restore_defaults)
    renames = _rebuild_like(cursor, table, new)
    if _lock_for_swap(cursor, table):
        _hand_over_sequences(cursor, table, new)
        cursor.execute(f'DROP TABLE "{table}"')
        cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{table}"')
        for statement in renames:
            cursor.execute(statement)
    else:
        _logger.warning("%s: readers held the table for too long: replaced in place (DELETE + INSERT)", table)
        columns = ", ".join(f'"{name}"' for name in [column.field for column in reader.export.columns]
                            + list(extra))
        cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608 - table from the constant EXPORTS
        cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{new}"')  # noqa: S608
        cursor.execute(f'DROP TABLE "{new}"')
    return count


def _constant_defaults(cursor, table, values):
    """Make ``values`` (column -> value) the defaults of ``table``'s columns; return the SQL that restores them.

    A column the same for every row is then filled by the server from one
    constant, instead of being sent, parsed and converted a million times
    (about a third of the COPY text of an ECRITURE row).
    """
    if not values:
        return "SELECT 1"
    cursor.execute("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                   "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                   "WHERE a.attrelid = %s::regclass AND a.attname = ANY(%s)", (f'"{table}"', list(values)))
    previous = dict(cursor.fetchall())
    if set(previous) != set(values):
        raise ExportFormatError(f"{table} lacks a column among {', '.join(sorted(values))}")
    cursor.execute(f'ALTER TABLE "{table}" '
                   + ", ".join(f'ALTER COLUMN "{name}" SET DEFAULT %s' for name in values), list(values.values()))
    return f'ALTER TABLE "{table}" ' + ", ".join(
        f'ALTER COLUMN "{name}" ' + (f"SET DEFAULT {previous[name]}" if previous[name] else "DROP DEFAULT")
        for name in values)


LOAD_SUFFIX = "__cegid_load"
SWAP_LOCK_ATTEMPTS = 10
SWAP_LOCK_TIMEOUT_MS = 500
LOCK_NOT_AVAILABLE = "55P03"

# what a swap could not carry over to the new table: then the table is filled in place
_OBSTACLES = (
    ("it is not a plain permanent table", "SELECT 1 FROM pg_class WHERE oid = %(t)s::regclass "
     "AND (relkind <> 'r' OR relpersistence <> 'p' OR relrowsecurity OR relhassubclass)"),
    ("another role owns it", "SELECT 1 FROM pg_class WHERE oid = %(t)s::regclass "
     "AND relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user)"),
    ("a foreign key points at it", "SELECT 1 FROM pg_constraint WHERE confrelid = %(t)s::regclass"),
    ("a view or rule depends on it", "SELECT 1 FROM pg_depend WHERE refobjid = %(t)s::regclass "
     "AND classid = 'pg_rewrite'::regclass"),
    ("it has triggers", "SELECT 1 FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal"),
    ("it has policies", "SELECT 1 FROM pg_policy WHERE polrelid = %(t)s::regclass"),
    ("it inherits", "SELECT 1 FROM pg_inherits WHERE inhrelid = %(t)s::regclass"),
    ("it is published", "SELECT 1 FROM pg_publication_rel WHERE prrelid = %(t)s::regclass"),
    ("it has column privileges", "SELECT 1 FROM pg_attribute WHERE attrelid = %(t)s::regclass "
     "AND attacl IS NOT NULL"),
    ("it has extended statistics", "SELECT 1 FROM pg_statistic_ext WHERE stxrelid = %(t)s::regclass"),
)


def swap_obstacle(cursor, table):
    """Why ``table`` cannot be swapped for a freshly loaded copy (a sentence), or None."""
    for reason, query in _OBSTACLES:
        cursor.execute(query, {"t": f'"{table}"'})
        if cursor.fetchone():
            return reason
    return None


def _rebuild_like(cursor, table, new):
    """Give ``new`` the constraints, indexes, options, grants and sequences of ``table``, under temporary names.

    Returns the statements that give the constraints and indexes their
    original names once ``table`` is gone.
    """
    renames = []
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                   "AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'f', conname", (f'"{table}"',))
    for number, (name, definition) in enumerate(cursor.fetchall()):
        temporary = f"{new}_c{number}"
        # a foreign key is checked here in one pass over the loaded rows, not row by row
        cursor.execute(f'ALTER TABLE "{new}" ADD CONSTRAINT "{temporary}" {definition}')
        renames.append(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{temporary}" TO "{name}"')
    cursor.execute("SELECT c.relname, i.indisunique, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                   "AND k.conrelid = i.indrelid) ORDER BY c.relname", (f'"{table}"',))
    for number, (name, unique, definition) in enumerate(cursor.fetchall()):
        temporary = f"{new}_i{number}"
        # "CREATE [UNIQUE] INDEX name ON schema.table USING method (...)": keep what follows USING
        _head, using, method = definition.partition(" USING ")
        if not using:
            raise ExportFormatError(f"cannot read the definition of index {name}: {definition}")
        cursor.execute(f'CREATE {"UNIQUE " if unique else ""}INDEX "{temporary}" ON "{new}" USING {method}')
        renames.append(f'ALTER INDEX "{temporary}" RENAME TO "{name}"')
    _copy_options_and_grants(cursor, table, new)
    return renames


def _copy_options_and_grants(cursor, table, new):
    """Comment, storage options and grants of ``table`` onto ``new`` (LIKE copies the columns' comments only)."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", (f'"{table}"',))
    cursor.execute(f'COMMENT ON TABLE "{new}" IS %s', (cursor.fetchone()[0],))
    cursor.execute("SELECT array_to_string(reloptions, ', ') FROM pg_class WHERE oid = %s::regclass "
                   "AND reloptions IS NOT NULL", (f'"{table}"',))
    for (options,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE "{new}" SET ({options})')
    cursor.execute("SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' "
                   "ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable "
                   "FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = %s::regclass "
                   "AND a.grantee <> c.relowner", (f'"{table}"',))
    for privilege, grantee, grantable in cursor.fetchall():
        cursor.execute(f'GRANT {privilege} ON "{new}" TO {grantee}' + (" WITH GRANT OPTION" if grantable else ""))


def _hand_over_sequences(cursor, table, new):
    """The sequences ``table`` owns (its id's) become ``new``'s, so that dropping ``table`` keeps them."""
    cursor.execute("SELECT s.oid::regclass::text, a.attname FROM pg_depend d "
                   "JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                   "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                   "WHERE d.classid = 'pg_class'::regclass AND d.refobjid = %s::regclass AND d.deptype = 'a'",
                   (f'"{table}"',))
    for sequence, column in cursor.fetchall():
        cursor.execute(f'ALTER SEQUENCE {sequence} OWNED BY "{new}"."{column}"')


def _lock_for_swap(cursor, table):
    """Take ``table``'s exclusive lock for the swap, waiting a little at a time; False when readers keep it.

    A lock request waiting in the queue would block every new reader behind
    it: short waits let them through between the attempts.
    """
    cursor.execute("SELECT current_setting('lock_timeout')")
    previous = cursor.fetchone()[0]
    for attempt in range(SWAP_LOCK_ATTEMPTS):
        cursor.execute("SAVEPOINT cegid_swap_lock")
        cursor.execute(f"SET LOCAL lock_timeout = {int(SWAP_LOCK_TIMEOUT_MS)}")
        try:
            cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        except Exception as err:
            if getattr(err, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            cursor.execute("ROLLBACK TO SAVEPOINT cegid_swap_lock")
            _logger.info("%s: readers hold the table (attempt %d)", table, attempt + 1)
            time.sleep(SWAP_LOCK_TIMEOUT_MS / 1000)
            continue
        # the lock stays until the commit; the lock_timeout goes back to what it was
        cursor.execute("RELEASE SAVEPOINT cegid_swap_lock")
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", (previous,))
        return True
    return False


# -- the import folder -------------------------------------------------------------------------------------------

def waiting_files(folder):
    """The names of the CSV files waiting in ``folder``, oldest first (mtime, then name).

    Only the folder itself is read: hidden entries (the transfer's staging
    folder) and sub-folders (``archive/``, ``anomalie/``) are left alone, and so
    are files that do not end in ``.csv`` (any case).
    """
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.lower().endswith(".csv"):
                continue
            if entry.is_file():
                found.append((entry.stat().st_mtime, entry.name))
    return [name for _mtime, name in sorted(found)]


def file_away(folder, name, subfolder, moment, reason=None):
    """Move ``folder/name`` to ``folder/subfolder/<stamp>_name`` (never overwriting); return that relative path.

    ``moment`` (a datetime) gives the stamp. With ``reason``, a ``.txt`` file
    beside it says why the file was put there, for whoever looks at the folder.
    """
    target_dir = os.path.join(folder, subfolder)
    os.makedirs(target_dir, exist_ok=True)
    stamp = moment.strftime("%Y%m%dT%H%M%S")
    for counter in itertools.count(1):
        target = f"{stamp}_{name}" if counter == 1 else f"{stamp}-{counter}_{name}"
        try:
            link_noreplace(os.path.join(folder, name), os.path.join(target_dir, target))
        except FileExistsError:
            continue
        break
    if reason:
        with open(os.path.join(target_dir, target + ".txt"), "w", encoding="utf-8") as note:
            note.write(reason.rstrip("\n") + "\n")
    return f"{subfolder}/{target}"

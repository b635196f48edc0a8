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
holds more than one COPY batch.
"""

import codecs
import csv
import dataclasses
import datetime
import io
import itertools
import logging
import operator
import os
import re
from decimal import Decimal, InvalidOperation

from .errors import CegidError
from .staging import rename_noreplace

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
COPY_BATCH_ROWS = 2000
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

    def _records(self, handle):
        """``(line, fields)`` of the data rows (blank lines skipped), after the header."""
        reader = csv.reader(handle, delimiter=self.delimiter)
        try:
            header = next(reader)
            while not any(field.strip() for field in header):
                header = next(reader)
            width = len(header)
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
            raise ExportRowError(reader.line_num, None, "", f"unreadable CSV: {err}") from None

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
    """A file-like object for ``copy_expert``: CSV batches of rows; keeps the error that stopped it.

    When reading fails, psycopg2 aborts the COPY with a generic message; the
    original error stays in ``error`` so that the caller can report it.
    """

    def __init__(self, rows, batch_rows=COPY_BATCH_ROWS):
        self._rows = iter(rows)
        self._batch_rows = batch_rows
        self._buffer = io.StringIO()
        # "\r\n" makes the csv module quote values holding a lone "\r" too (PostgreSQL would end the row there)
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self.error = None

    # a file object for psycopg2, not an Odoo model: there is no super().read to call
    def read(self, _size=-1):  # pylint: disable=method-required-super
        """The next batch of CSV text ('' at the end)."""
        self._buffer.seek(0)
        self._buffer.truncate()
        try:
            self._writer.writerows(itertools.islice(self._rows, self._batch_rows))
        except Exception as err:
            self.error = err
            raise
        text = self._buffer.getvalue()
        if "\x00" in text:
            # PostgreSQL text cannot hold NUL; say so instead of letting the server fail obscurely
            self.error = ExportFormatError("the file contains a NUL character, which a database text cannot hold")
            raise self.error
        return text

    def readline(self, size=-1):
        """psycopg2 only calls read(); defined for file-like completeness."""
        return self.read(size)


def copy_sql(export, extra_columns=()):
    """The COPY statement loading ``export``'s columns then ``extra_columns`` into its table."""
    columns = ", ".join(f'"{name}"' for name in [column.field for column in export.columns] + list(extra_columns))
    return f'COPY "{export.table}" ({columns}) FROM STDIN WITH (FORMAT csv)'


def replace_table(cursor, reader, extra=None):
    """Replace the content of the reader's table with the file's rows; return the row count.

    ``cursor`` is a DB-API cursor with psycopg2's ``copy_expert``; ``extra`` maps
    more columns to one value for every row (create_uid, create_date...). The
    caller owns the transaction: run it inside a savepoint or a transaction and
    roll back on error, so that the table keeps its old rows. DELETE (not
    TRUNCATE, which is not MVCC-safe) lets concurrent readers keep seeing the
    old rows until the commit.
    """
    extra = extra or {}
    cursor.execute(f'DELETE FROM "{reader.export.table}"')  # noqa: S608 - table from the constant EXPORTS
    stream = CopyStream(reader.rows(extra.values()))
    try:
        cursor.copy_expert(copy_sql(reader.export, extra.keys()), stream, size=READ_CHUNK)
    except Exception:
        if stream.error is not None:
            raise stream.error from None
        raise
    return reader.row_count


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
            rename_noreplace(os.path.join(folder, name), os.path.join(target_dir, target))
        except FileExistsError:
            continue
        break
    if reason:
        with open(os.path.join(target_dir, target + ".txt"), "w", encoding="utf-8") as note:
            note.write(reason.rstrip("\n") + "\n")
    return f"{subfolder}/{target}"

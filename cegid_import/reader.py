# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reading an export file's rows with the csv module, once its first look (:mod:`.text_file`) found its header.

- rows: blank lines are skipped, and so is one empty field after the header's
  width (a trailing delimiter); any other row of another width rejects the file;
- the day/month order of slashed dates is decided once per file from its
  values (a first part above 12 means day first, a second part above 12 means
  month first); when nothing tells, the order of the export's earlier files
  (``usual_order``), else French day first.

A header without rows is a valid, empty snapshot. Any bad row rejects the file
with its line, column and value (:class:`~.errors.ExportRowError`).

Rows stream from the file in bounded memory: nothing here holds more than one
batch. :meth:`ExportReader.copy_batches` converts a batch of rows at a time,
column by column (``values.column_converter``); a batch that does not convert
sends its rows through the row-by-row reader (:meth:`ExportReader.rows`), with
the same converters, to name the first bad line.
"""

import contextlib
import csv
import gc
import itertools
import logging
import re

from .catalogue import CHAR, DATE, significant_names, written_header
from .errors import BadValue, ExportFormatError, ExportRowError, ImportFailure, csv_problem, shown_value
from .text_file import line_offset, open_text
from .values import DAY_FIRST, batch_text, column_converter, slashed_order_evidence

_logger = logging.getLogger(__name__)

COPY_BATCH_ROWS = 5000
YOUNG_THRESHOLD = 100_000  # allocations between two collections of the youngest generation, while reading
# the line ends of the csv module's text source (open_text's newline=""), kept as they are in a quoted field
LINE_END = re.compile(r"\r\n|\r|\n")
MIN_SWALLOWED_DELIMITERS = 3  # a line a quoted field took holding fewer commas may be an address


@contextlib.contextmanager
def collector_eased():
    """Keep the cyclic garbage collector off the objects that exist now, and rarer, for the duration of the block.

    The rows of a file allocate millions of short-lived lists and tuples (the
    csv module makes a list per row), while it is profiled or loaded, which trigger collections; in an Odoo
    process each older-generation one also walks the whole loaded registry
    (about 2 s per 1,000,000 rows, as much as the conversion itself). Frozen,
    the old objects are skipped; and the youngest generation is collected
    every YOUNG_THRESHOLD allocations instead of 700, so that the rows of the
    batches being converted are not promoted, then walked again, generation
    after generation (10 to 20 % of the conversion's CPU on 1,000,000 rows).
    New cycles, of any thread, are still collected; everything is put back
    afterwards. The freeze is left alone when someone else froze objects:
    unfreezing would undo theirs.
    """
    if not gc.isenabled():
        yield
        return
    thresholds = gc.get_threshold()
    freeze = not gc.get_freeze_count()
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def is_blank(fields):
    """Whether a row of ``fields`` holds nothing but blanks: the one test of a blank row, both readers use it."""
    return not any(field.strip() for field in fields)


def fit_width(fields, width, line):
    """``fields`` as a row of ``width`` fields, None for a blank row; ExportRowError for another width.

    The one rule for blank lines and trailing delimiters, both readers use it.
    A row of the header's width is blank too when all its fields are
    (Excel writes ``;;;;;;;`` for an empty row).
    """
    if len(fields) == width and fields[0].strip():
        return fields
    if is_blank(fields):
        return None
    if len(fields) == width:
        return fields
    # a trailing delimiter on data lines only adds one empty field: harmless; more are values that held the
    # delimiter unquoted (12,50 in a file of commas), whose row would load shifted
    if len(fields) == width + 1 and not fields[width].strip():
        return fields[:width]
    raise ExportRowError(line, None, "", "import.line.field_count", count=len(fields), width=width)


def spanning_quote(fields, width, delimiter):
    """The position of the first of ``fields`` whose lines after its first hold a whole row, or None.

    The csv module is not strict (a label like ``"Dupont" SA`` loads), so a
    stray quote opening a field makes it run over the following lines, up to
    the next quote or the end of the file, without a word: rows merged into
    one. A line the field took that holds a row's delimiters (the header's
    width less one) would be a row of its own; a quoted address on two lines
    holds a few commas at most ("BP 5, 75000, Paris": two), so in a file of
    commas a line needs three at least: there, in a file of fewer than four
    columns, a stray quote is not told from an address. A semicolon or a tab
    in a text is rare: one or two in a line of a file of two or three columns
    are its rows.
    """
    least = max(width - 1, MIN_SWALLOWED_DELIMITERS if delimiter == "," else 1)
    for position, field in enumerate(fields):
        if ("\n" in field or "\r" in field) and any(
                line.count(delimiter) >= least for line in LINE_END.split(field)[1:]):
            return position
    return None


def _has_blank_row(columns):
    """Whether a row of ``columns`` (a batch transposed) is blank: only rows whose first field is are looked at."""
    first = columns[0]
    return any(is_blank(column[row] for column in columns) for row in range(len(first)) if not first[row].strip())


# -- reading -------------------------------------------------------------------------------------------------------

class ExportReader:
    """A recognised export file; :meth:`rows` and :meth:`copy_batches` stream its converted rows.

    Attributes: ``path``, ``export`` (ExportDef), ``positions`` (the file
    column of each of its columns), ``encoding``, ``delimiter``,
    ``date_order``, ``row_count`` (rows read so far).

    ``decided``: the ``date_order`` and ``date_order_evidence`` an earlier
    reader of the same file found (:attr:`decided_order`, kept by a load by
    parts): the file is not read again to decide them. ``usual_order``: the
    order when no date of the file tells (all fit both orders, 05/06/2025):
    the export's earlier files', else day first.
    """

    def __init__(self, header, export, positions, decided=None, usual_order=DAY_FIRST):
        self.path = header.path
        self.export = export
        self.positions = tuple(positions)
        self.names = tuple(header.names)
        self.written = tuple(header.written)
        self.named = len(significant_names(self.names))  # the columns after these have no name in the header
        self.encoding = header.encoding
        self.delimiter = header.delimiter
        self.date_order = usual_order
        self.date_order_evidence = None  # (line, column, value) that decided it
        if decided:
            self.date_order, evidence = decided
            self.date_order_evidence = tuple(evidence) if evidence else None
        elif header.slashed:
            self._decide_date_order()
        self.row_count = 0

    @property
    def decided_order(self):
        """``[date_order, evidence]``, as JSON keeps it: what a later reader of this file is given as ``decided``."""
        return [self.date_order, list(self.date_order_evidence) if self.date_order_evidence else None]

    def __repr__(self):
        return f"<ExportReader {self.export.name} {self.path} {self.encoding} {self.delimiter!r}>"

    def _csv_after_header(self, handle):
        """``(csv reader, header width)`` positioned on the first row after the header."""
        reader = csv.reader(handle, delimiter=self.delimiter)
        header = next(reader)
        while is_blank(header):
            header = next(reader)
        if tuple(written_header(header)) != self.written:
            # a quote on a line before it, blank to the header's first look, opened a value over the header
            raise ExportFormatError("import.header_unreadable", detail_code="import.header.quote_before")
        return reader, len(header)

    def _refuse_spanning_quote(self, fields, width, first_line):
        """ExportRowError ``import.line.quote_spans_rows`` when a field of the row starting at ``first_line``
        holds whole rows (:func:`spanning_quote`), named by the line where that field starts."""
        position = spanning_quote(fields, width, self.delimiter)
        if position is not None:
            line = first_line + sum(len(LINE_END.findall(field)) for field in fields[:position])
            name = self.names[position] if position < len(self.names) else ""
            raise ExportRowError(line, None, "", "import.line.quote_spans_rows",
                                 column=name or f"COLUMN_{position + 1}")

    def _refuse_nameless_value(self, fields, line):
        """ExportRowError ``import.line.value_without_column`` for a value under a last column of the header
        without a name (a header's trailing delimiter): no column loads it, it would be lost."""
        for position in range(self.named, len(fields)):
            if fields[position].strip():
                raise ExportRowError(line, None, "", "import.line.value_without_column", position=position + 1,
                                     value=shown_value(fields[position]))

    def records(self, start_line=0, start_offset=None):
        """Yield ``(line, fields)`` of the data rows after the header (blank rows skipped, widths fitted).

        ``line`` is the row's last line (a quoted field may hold line breaks).
        From the line after ``start_line`` (0: after the header), at byte
        ``start_offset`` when known, as :meth:`column_batches`.
        """
        reader = None
        try:
            with self._csv_from(start_line, start_offset) as (reader, width):
                nameless = width > self.named
                previous = reader.line_num
                for fields in reader:
                    if reader.line_num - previous > 1:  # a row over several lines: rows a stray quote merged?
                        self._refuse_spanning_quote(fields, width, start_line + previous + 1)
                    previous = reader.line_num
                    line = start_line + reader.line_num
                    fitted = fit_width(fields, width, line)
                    if fitted is not None:
                        if nameless:
                            self._refuse_nameless_value(fitted, line)
                        yield line, fitted
        except csv.Error as err:
            raise ExportRowError(start_line + reader.line_num if reader else 1, None, "", "import.line.unreadable",
                                 **csv_problem(err)) from None

    @contextlib.contextmanager
    def _csv_from(self, start_line, start_offset):
        """``(csv reader, header width)`` on the rows after line ``start_line`` (0: after the header), the file
        opened at byte ``start_offset`` (where that line ends) when known; the reader's ``line_num`` counts the
        lines after ``start_line``."""
        if start_line:
            with open_text(self.path, self.encoding) as handle:
                width = self._csv_after_header(handle)[1]
        offset = line_offset(self.path, start_line) if start_offset is None else start_offset
        with open_text(self.path, self.encoding, offset) as handle:
            if start_line:
                reader = csv.reader(handle, delimiter=self.delimiter)
            else:
                reader, width = self._csv_after_header(handle)
            yield reader, width

    def column_batches(self, batch_rows=COPY_BATCH_ROWS, start_line=0, start_offset=None):
        """Yield ``(rows, columns, line)``: the fields of up to ``batch_rows`` rows, by file position.

        From the line after ``start_line`` (0: after the header); ``line`` is
        the number of the file's last line the batch read, where a later
        reading resumes, and ``start_offset`` where that line starts, when
        known (:func:`line_offset`). A batch whose rows all have the header's
        width is transposed as it is, unless its first column holds a blank
        value (the row may be blank); others are fitted row by row first
        (:func:`fit_width`). Only a batch that read more lines than rows is
        searched for a field holding whole rows (:func:`spanning_quote`), and
        only the columns without a name in the header for a value.
        Raises ExportRowError or csv.Error without the line: see
        :meth:`copy_batches`.
        """
        with self._csv_from(start_line, start_offset) as (reader, width):
            read = reader.line_num
            while batch := list(itertools.islice(reader, batch_rows)):
                line = start_line + reader.line_num
                if reader.line_num - read != len(batch) and any(
                        spanning_quote(fields, width, self.delimiter) is not None for fields in batch):
                    raise ExportRowError(0, None, "", "import.line.quote_spans_rows")
                read = reader.line_num
                columns = None
                if len(batch[0]) == width and len(set(map(len, batch))) == 1:
                    columns = list(zip(*batch, strict=True))
                    if any(not value.strip() for value in set(columns[0])) and _has_blank_row(columns):
                        columns = None  # a blank row is as wide as the header too
                if columns is None:
                    batch = [fitted for fields in batch if (fitted := fit_width(fields, width, 0)) is not None]
                    if not batch:
                        continue
                    columns = list(zip(*batch, strict=True))
                if any(value.strip() for column in columns[self.named:] for value in set(column)):
                    raise ExportRowError(0, None, "", "import.line.value_without_column")
                yield len(batch), columns, line

    def _decide_date_order(self):
        """Read the date columns once to decide dd/mm against mm/dd; stop at the first telling value."""
        dates = [(self.positions[index], column) for index, column in enumerate(self.export.columns)
                 if column.kind == DATE]
        if not dates:
            return
        for line, fields in self.records():
            for position, column in dates:
                order = slashed_order_evidence(fields[position])
                if order:
                    self.date_order = order
                    self.date_order_evidence = (line, column.name, fields[position])
                    return

    def _plan(self):
        """``[(file position, converter)]`` in the export's column order."""
        return [(position, column_converter(column.kind, self.date_order, column.index, column.profiled))
                for position, column in zip(self.positions, self.export.columns, strict=True)]

    def rows(self, extra=(), start_line=0, start_offset=None):
        """Yield each data row as a list of COPY-ready values, in the export's column order, then ``extra``.

        Raises ExportRowError (line, column, value) at the first bad value.
        ``start_line``, ``start_offset``: see :meth:`records`.
        """
        plan = self._plan()
        extra = list(extra)
        self.row_count = 0
        for line, fields in self.records(start_line, start_offset):
            values = []
            for (position, convert), column in zip(plan, self.export.columns, strict=True):
                try:
                    values.extend(convert((fields[position],)))
                except BadValue as err:
                    raise self._row_error(line, column, fields[position], err) from None
            values.extend(extra)
            self.row_count += 1
            yield values

    def copy_batches(self, extra=(), batch_rows=COPY_BATCH_ROWS):
        """Yield the rows as COPY text (``FORMAT text, NULL ''``), ``batch_rows`` rows per string.

        Same values as :meth:`rows`, ``extra`` appended to every row (texts
        without tab, newline or backslash); same ExportRowError at the first
        bad value.
        """
        for text, _count, _line in self.copy_parts(extra, batch_rows):
            yield text

    def copy_parts(self, extra=(), batch_rows=COPY_BATCH_ROWS, start_line=0, start_offset=None):
        """:meth:`copy_batches` from the line after ``start_line``, as ``(text, rows, line)``.

        ``line`` is the file's last line the batch read: a load stopped after
        this batch resumes with ``start_line=line`` (and ``start_offset``, the
        byte where that line starts, when known: else it is searched for).
        """
        plan = self._plan()
        extra = [itertools.repeat(value) for value in extra]
        text_columns = {index for index, column in enumerate(self.export.columns) if column.kind == CHAR}
        self.row_count = 0
        converted = start_line  # the last line of the batches converted
        try:
            for count, by_position, line in self.column_batches(batch_rows, start_line, start_offset):
                columns = [convert(by_position[position]) for position, convert in plan] + extra
                text = batch_text(columns, count, text_columns)
                self.row_count += count
                yield text, count, line
                converted = line
        except (BadValue, ExportRowError, csv.Error):
            _logger.debug("%s: a batch did not convert, reading it row by row for the exact error", self.path)
        else:
            return
        self._raise_first_error(converted, self.resume_offset(converted, start_line, start_offset))

    def resume_offset(self, line, known_line=0, known_offset=None):
        """The byte where the line after ``line`` starts, searched from ``known_line`` when its offset is known."""
        return line_offset(self.path, line, (0, 0) if known_offset is None else (known_line, known_offset))

    def _raise_first_error(self, start_line=0, start_offset=None):
        """Read the rows after ``start_line`` again one by one (the batches before them converted): the first bad
        row raises ExportRowError with its line. Not from the file's start: that may take longer than a run."""
        for _values in self.rows(start_line=start_line, start_offset=start_offset):
            pass
        raise ImportFailure("import.batch_unreadable")

    def _row_error(self, line, column, value, err):
        details = dict(err.params)
        problem = err.code
        if problem == "import.value.invalid_date_in_order":
            if self.date_order_evidence:
                details.update(zip(("order_line", "order_column", "order_value"), self.date_order_evidence,
                                   strict=True))
            else:
                problem = "import.value.invalid_date_in_default_order"
        return ExportRowError(line, column.name, value, problem, **details)

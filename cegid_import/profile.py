# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The columns of an export never seen before, and the type of each, inferred from all its values.

A column is, in this order of preference:

- a whole number (INTEGER) when every value is one that fits PostgreSQL's
  ``integer`` without a leading zero (``0000042`` is an identifier: text);
- a decimal number (FLOAT) when every value is a number in French or ISO
  notation (``1 234,56``, ``1234.56``...) without a leading zero, some with a
  decimal part (whole numbers too large for ``integer`` are identifiers: text);
- a date (DATE) when every value is a date in a format Cegid writes
  (``2025-06-30 00:00:00``, ``2025-06-30``, ``30/06/2025``, ``06/30/2025``)
  at midnight, in the file's day/month order: month first only when some
  column can be read only that way and none only the other way;
- else text (CHAR), with its longest length; a column with no value is text.

Empty values are left out of the inference: the import stores them as 0 in a
number column, NULL in a date or text column. Since every value was read,
a file that was profiled imports with the inferred types without a rejection.

A file too long for one run of a scheduled action is profiled by parts: with
a deadline, :func:`profile_file` stops after the batch that reaches it and
returns a :class:`ProfileProgress`, from which a later call goes on.
"""

import csv
import dataclasses
import datetime
import re
import time

from .catalogue import (
    CHAR,
    DATE,
    FLOAT,
    INTEGER,
    Column,
    ExportDef,
    default_label,
    distinct_labels,
    significant_names,
)
from .errors import BadValue, ExportFormatError, ExportRowError
from .reader import ExportReader, collector_eased
from .values import DAY_FIRST, MONTH_FIRST, date_parts, parse_number

# a batch of values joined by "\n" at once; a value may be empty or blank, or a number between spaces
_INTEGER = r"[ \t]*(?:-?(?:0|[1-9][0-9]{0,8})[ \t]*)?"
_DECIMAL = r"[ \t]*(?:-?(?:0|[1-9][0-9]*)(?:[.,][0-9]+)?[ \t]*)?"
_INTEGERS = re.compile(f"{_INTEGER}(?:\n{_INTEGER})*").fullmatch
_DECIMALS = re.compile(f"{_DECIMAL}(?:\n{_DECIMAL})*").fullmatch
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]").match


@dataclasses.dataclass
class ColumnProfile:
    """What the values of one column allow: the kinds still possible, the longest value, whether any is filled."""

    name: str
    integer: bool = True
    decimal: bool = True
    day_first: bool = True
    month_first: bool = True
    longest: int = 0
    filled: bool = False
    fraction: bool = False  # a value with a decimal part
    seen_dates: set = dataclasses.field(default_factory=set, repr=False)

    def add(self, values):
        """Take a batch of the column's values into account (one regex match per kind and batch)."""
        self.longest = max(self.longest, max(map(len, values), default=0))
        joined = "\n".join(values)
        if not joined.strip():
            return
        self.filled = True
        # a value holding a line break would read as two: such a column is text
        whole = joined.count("\n") == len(values) - 1
        if self.integer:
            self.integer = whole and bool(_INTEGERS(joined))
        if self.decimal:
            self.decimal = whole and (bool(_DECIMALS(joined)) or all(map(_is_decimal, _filled(values))))
            self.fraction = self.fraction or (self.decimal and any(mark in joined for mark in ".,"))
        if self.day_first or self.month_first:
            for text in set(values).difference(self.seen_dates):
                if value := text.strip():
                    self._add_date(value)
            self.seen_dates.update(values)

    def state(self):
        """What the values seen so far allow, as a plain dict (JSON); the memo of dates seen is left out."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                if field.name != "seen_dates"}

    def _add_date(self, value):
        parts = date_parts(value)
        if parts is None or not parts[3]:
            self.day_first = self.month_first = False
            return
        year, first, second, _midnight, slashed = parts
        # an ISO date reads the same in either order: (month, day) = (first, second)
        day_first_month, day_first_day = (second, first) if slashed else (first, second)
        self.day_first = self.day_first and _valid(year, day_first_month, day_first_day)
        self.month_first = self.month_first and _valid(year, first, second)
        if not (self.day_first or self.month_first):
            self.seen_dates.clear()

    def kind(self, order):
        """The column's kind once every value was seen, in the file's day/month ``order``."""
        if not self.filled:
            return CHAR
        if self.integer:
            return INTEGER
        if self.decimal:
            # whole numbers beyond PostgreSQL's integer are identifiers (SIRET...), not quantities
            return FLOAT if self.fraction else CHAR
        if self.day_first if order == DAY_FIRST else self.month_first:
            return DATE
        return CHAR


def _filled(values):
    """The values that are not blank, stripped."""
    return [value for value in map(str.strip, values) if value]


def _is_decimal(value):
    """A number in French or ISO notation, without a leading zero or an exponent, a double precision holds.

    An exponent makes the column text: codes read ``1E1`` or ``2E03`` (a
    section, an account) would be stored as 10 and 2000.
    """
    if "e" in value or "E" in value:
        return False
    try:
        parse_number(value, double=True)
    except BadValue:
        return False
    return not _LEADING_ZERO(value)


def _valid(year, month, day):
    """True when the parts make a calendar date."""
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class Profile:
    """The profile of a file: its export (columns with kinds), longest lengths, empty columns, rows, date order."""

    export: ExportDef
    longest: dict
    empty: frozenset
    rows: int
    date_order: str


@dataclasses.dataclass(frozen=True)
class ProfileProgress:
    """Where the profile of a file stopped by its deadline stands (:func:`profile_file`); stored as a dict.

    ``line``: the file's last line read (the next call reads from the line
    after, at byte ``offset``); ``rows``: the rows read; ``columns``: what
    the values of each column allowed so far (:meth:`ColumnProfile.state`).
    """

    line: int = 0
    offset: int = 0
    rows: int = 0
    columns: tuple = ()

    def as_dict(self):
        """The progress as a plain dict (JSON)."""
        return {"line": self.line, "offset": self.offset, "rows": self.rows, "columns": list(self.columns)}

    @classmethod
    def from_dict(cls, values):
        """The progress :meth:`as_dict` gave, or None for anything else."""
        try:
            progress = cls(**values) if isinstance(values, dict) else None
            return progress and dataclasses.replace(progress, columns=tuple(map(dict, progress.columns)))
        except (TypeError, ValueError):
            return None

    def profiles(self, names):
        """A :class:`ColumnProfile` per column of ``names``, as this progress left them; None for other columns."""
        try:
            profiles = [ColumnProfile(**state) for state in self.columns]
        except TypeError:
            return None
        return profiles if [profile.name for profile in profiles] == list(names) else None


def profile_file(header, name, batch_rows=5000, progress=None, until=None):
    """Read every row of the file of ``header`` and infer its columns: a :class:`Profile` of export ``name``.

    The columns' kinds and labels are the profile's; their Odoo model and
    field names are the caller's to choose (``catalogue.custom_model_name``,
    ``custom_field_names``). Raises ExportFormatError (an ExportRowError) for a
    row the import would reject (another width, unreadable CSV), or for a NUL
    character.

    With ``until`` (a ``time.monotonic()`` deadline), the reading stops after
    the batch that reaches it, and a :class:`ProfileProgress` is returned
    instead, unless the file was read whole; call again with it as
    ``progress`` to go on from the next line (a progress of other columns
    starts over). Each call reads at least one batch.
    """
    names = significant_names(header.names)
    if not names:
        raise ExportFormatError("import.empty_file")
    raw = ExportDef(name, "", name, tuple(Column(column) for column in names))
    reader = ExportReader(header, raw, range(len(names)))
    profiles = progress.profiles(names) if progress else None
    if profiles is None:
        progress, profiles = ProfileProgress(), [ColumnProfile(column) for column in names]
    rows, read = progress.rows, progress.line
    try:
        with collector_eased():
            for count, columns, line in reader.column_batches(batch_rows, progress.line, progress.offset):
                # trailing columns of the file without a name are not the export's
                for profile, values in zip(profiles, columns, strict=False):
                    if "\x00" in "".join(values):
                        raise ExportFormatError("import.nul_character")
                    profile.add(values)
                rows, read = rows + count, line
                if until is not None and time.monotonic() >= until:
                    # where the next call begins, found from where this one began
                    offset = reader.resume_offset(line, progress.line, progress.offset)
                    return ProfileProgress(line, offset, rows, tuple(profile.state() for profile in profiles))
    except (ExportRowError, csv.Error):
        # the row reader names the line, from the batch that failed (the file's start may be more than a run away)
        for _record in reader.records(read, reader.resume_offset(read, progress.line, progress.offset)):
            pass
        raise
    order = _file_order(profiles)
    written = [name or key for name, key in zip(header.written or names, names, strict=False)]
    labels = distinct_labels([default_label(name) for name in written])
    columns = tuple(Column(profile.name, profile.kind(order), label=label, header=name)
                    for profile, label, name in zip(profiles, labels, written, strict=True))
    return Profile(ExportDef(name, "", name, columns), {p.name: p.longest for p in profiles},
                   frozenset(p.name for p in profiles if not p.filled), rows, order)


def _file_order(profiles):
    """Month first only when a column reads as dates only that way and none only the other way."""
    possible = [profile for profile in profiles if profile.filled and not (profile.integer or profile.decimal)]
    month_only = any(profile.month_first and not profile.day_first for profile in possible)
    day_only = any(profile.day_first and not profile.month_first for profile in possible)
    return MONTH_FIRST if month_only and not day_only else DAY_FIRST

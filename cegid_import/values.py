# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The values of an export as PostgreSQL's ``COPY ... (FORMAT text, NULL '')`` reads them.

- numbers: ``1234.56``, ``1 234,56``, ``-12,5``, ``1.234,56``, ``1,234.56``,
  ``1E-05``; an EMPTY number is stored as 0, as Odoo's ORM does for a Float or
  an Integer, so that SQL reports computing ``debit - credit`` keep working;
- dates: ``2025-06-30 00:00:00``, ``2025-06-30``, ``30/06/2025``,
  ``06/30/2025`` (a time part is dropped); the day/month order of slashed
  dates is the file's (see ``reader``); an empty date is NULL;
- texts are kept as they are; an empty text is NULL; a text of an indexed
  column is refused past ``INDEX_KEY_BYTES``.

A column whose kind was found from an earlier file (a new export's,
:func:`column_converter` ``profiled``) also refuses a value that kind would
alter where the profile would have made the column text: a number with a
leading zero (``01000``) or an exponent (``1E1``), a date with a time of day.

A column is converted a batch at a time (one function per kind of column,
:func:`column_converter`): a column of plain numbers is checked by one C-level
regex match over the whole batch, a date column through a memo of its distinct
values; anything else goes value by value. A refused value raises
:class:`~.errors.BadValue` with its reason as a code.
"""

import datetime
import math
import re
from decimal import Decimal, InvalidOperation

from .catalogue import AMOUNT, CHAR, DATE, FLOAT, INTEGER
from .errors import BadValue, ExportFormatError

# how a file writes its slashed dates: 31/12/2025 or 12/31/2025
DAY_FIRST = "day_first"
MONTH_FIRST = "month_first"
DATE_CACHE_SIZE = 100_000
INT4_MIN, INT4_MAX = -(2**31), 2**31 - 1
# PostgreSQL's btree holds an entry of at most 2,704 bytes (a third of a page), a text's 2,692 and 12 of its own:
# a text it cannot compress past that (a longer one that compresses may fit) fails the index's build, at every run.
# The largest text sure to fit; no account, section or employee code comes near it.
INDEX_KEY_BYTES = 2692
# a text of fewer characters holds fewer bytes, whatever its letters (at most 4 bytes each in UTF-8)
SURELY_SHORT_ENOUGH = INDEX_KEY_BYTES // 4
# a number written in fewer characters, without an exponent, is within double precision's range (about 1e±308)
SURELY_IN_RANGE = 40

# ASCII digits: PostgreSQL reads no other (Arabic-Indic, full-width) in a number's text
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII).fullmatch
_COMMA_NUMBER = re.compile(r"-?\d+,\d+", re.ASCII).fullmatch
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII).fullmatch
_NUMBER_SPACES = str.maketrans("", "", " \u00a0\u202f\t'")
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME).fullmatch
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME.replace("[ T]", " ")).fullmatch

# a column of plain numbers joined by "\n": one C-level match instead of one per value (longer ones: one by one)
_PLAIN_NUMBERS = re.compile(r"-?[0-9]{1,30}(?:[.,][0-9]{1,30})?(?:\n-?[0-9]{1,30}(?:[.,][0-9]{1,30})?)*").fullmatch
_PLAIN_INTEGERS = re.compile(r"-?[0-9]{1,9}(?:\n-?[0-9]{1,9})*").fullmatch
_PROFILED_INTEGERS = re.compile(r"-?(?:0|[1-9][0-9]{0,8})(?:\n-?(?:0|[1-9][0-9]{0,8}))*").fullmatch
_PROFILED_NUMBERS = re.compile(
    r"-?(?:0|[1-9][0-9]{0,29})(?:[.,][0-9]{1,30})?(?:\n-?(?:0|[1-9][0-9]{0,29})(?:[.,][0-9]{1,30})?)*").fullmatch
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]").match
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


# -- one value -------------------------------------------------------------------------------------------------

def parse_number(text, double=False):
    """A number as COPY reads it ("1 234,56" -> "1234.56"); empty -> "0"; BadValue when not a number.

    A number beyond double precision's range (1e400) is refused: Odoo reads
    every number as a float (it would be infinite), and PostgreSQL's numeric
    refuses some (1e200000). For a column of double precision (``double``),
    so is a number it would make 0 (1e-400), which PostgreSQL refuses there.
    """
    number = _number_text(text)
    if (len(number) > SURELY_IN_RANGE or "e" in number or "E" in number) and not _in_range(number, double):
        raise BadValue("import.value.number_out_of_range")
    return number


def _in_range(number, double):
    """True when ``number`` (a number's COPY text) is finite as a float and, when ``double``, not made 0."""
    value = float(number)
    if math.isinf(value):
        return False
    return value != 0 or not double or not any(digit in "123456789" for digit in re.split("[eE]", number)[0])


def _number_text(text):
    """``text`` as a number's COPY text; BadValue when it is not a number."""
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
        raise BadValue("import.value.not_a_number")
    return cleaned.lstrip("+")


def parse_integer(text):
    """A whole number ("3", "3,00") as COPY reads it; empty -> "0"; BadValue otherwise."""
    number = parse_number(text)
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise BadValue("import.value.not_a_number") from None
    if value != value.to_integral_value():
        raise BadValue("import.value.not_whole")
    if not INT4_MIN <= value <= INT4_MAX:
        raise BadValue("import.value.out_of_range")
    return str(int(value))


def date_parts(text):
    """``(year, first, second, time_is_midnight, slashed)`` of a date text, or None when it is not one.

    ISO dates give ``(year, month, day, ...)``; slashed ones their two first
    parts in the order written (the file's order says which is the day).
    """
    match = _ISO_DATE(text)
    slashed = match is None
    if slashed:
        match = _SLASHED(text)
        if match is None:
            return None
        first, second, year = match.group(1, 2, 3)
    else:
        year, first, second = match.group(1, 2, 3)
    midnight = not any(int(part) for part in match.group(4, 5, 6, 7) if part)
    return int(year), int(first), int(second), midnight, slashed


def parse_date(text, order=DAY_FIRST, times=True):
    """An ISO date string for COPY, None for an empty value; BadValue with the reason otherwise.

    A time part is dropped; ``times`` False refuses one that is not midnight.
    """
    text = text.strip()
    if not text:
        return None
    parts = date_parts(text)
    if parts is None:
        raise BadValue("import.value.not_a_date")
    year, first, second, midnight, slashed = parts
    if not (times or midnight):
        raise BadValue("import.value.time_of_day")
    month, day = (second, first) if slashed and order == DAY_FIRST else (first, second)
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        if slashed:
            raise BadValue("import.value.invalid_date_in_order", order=order) from None
        raise BadValue("import.value.invalid_date") from None


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


# -- one column of a batch -----------------------------------------------------------------------------------

def _split_plain(column, match):
    """The column's values with "," read as "." when ``match`` accepts them all, else None."""
    joined = "\n".join(column)
    if not match(joined):
        return None
    parts = joined.replace(",", ".").split("\n")
    # a value holding "\n" would shift the values after it: then take the per-value way
    return parts if len(parts) == len(column) else None


def number_column(column, double=False):
    """COPY text of a number column (empty -> "0"); ``double``: of double precision (see :func:`parse_number`)."""
    return _split_plain(column, _PLAIN_NUMBERS) or [parse_number(text, double) for text in column]


def double_column(column):
    """COPY text of a column of double precision (a float's)."""
    return number_column(column, double=True)


def integer_column(column):
    """COPY text of a whole-number column (empty -> "0")."""
    return _split_plain(column, _PLAIN_INTEGERS) or list(map(parse_integer, column))


def _kept_as_written(column):
    """BadValue when a number of ``column`` has a leading zero or an exponent, which its number would lose."""
    for text in column:
        cleaned = text.strip()
        if _LEADING_ZERO(cleaned):
            raise BadValue("import.value.leading_zero")
        if "e" in cleaned or "E" in cleaned:
            raise BadValue("import.value.exponent")


def profiled_integer_column(column):
    """COPY text of a whole-number column whose kind an earlier file's values gave (see the module's doc)."""
    if _PROFILED_INTEGERS("\n".join(column)) is None:
        _kept_as_written(column)
    return integer_column(column)


def profiled_double_column(column):
    """COPY text of a decimal column whose kind an earlier file's values gave (see the module's doc)."""
    if _PROFILED_NUMBERS("\n".join(column)) is None:
        _kept_as_written(column)
    return double_column(column)


def text_column(column):
    """Text values go as they are; escaping, when needed, is decided for the whole batch (:func:`batch_text`)."""
    return column


def indexed_text_column(column):
    """Texts of an indexed column: as they are, each within INDEX_KEY_BYTES in UTF-8 (the database's encoding)."""
    if max(map(len, column), default=0) > SURELY_SHORT_ENOUGH:
        for text in column:
            size = len(text.encode("utf-8"))
            if size > INDEX_KEY_BYTES:
                raise BadValue("import.value.too_long_for_index", size=size, limit=INDEX_KEY_BYTES)
    return column


class DateColumn:
    """COPY text of a date column (empty -> "", NULL in COPY) in the file's day/month ``order``.

    Exports repeat the same dates over and over: each distinct value is parsed
    once, in a memo bounded to DATE_CACHE_SIZE values, or to one batch's
    distinct values when they are more.
    """

    def __init__(self, order, times=True):
        self.order = order
        self.times = times
        self.memo = {}

    def __call__(self, column):
        memo = self.memo
        missing = set(column).difference(memo)
        if missing:
            if len(memo) + len(missing) > DATE_CACHE_SIZE:
                memo.clear()
                # the batch's values the memo held are gone with the rest: parsed again, so that all are found
                missing = set(column)
            for text in missing:
                memo[text] = parse_date(text, self.order, self.times) or ""
        return list(map(memo.__getitem__, column))


# the one table from a kind of column to its converter: ``factory(order)`` gives ``convert(column) -> list``
_CONVERTERS = {
    CHAR: lambda _order: text_column,
    DATE: DateColumn,
    AMOUNT: lambda _order: number_column,
    FLOAT: lambda _order: double_column,
    INTEGER: lambda _order: integer_column,
}


# the converters of the kinds a profile gives, for its columns (``profiled``)
_PROFILED_CONVERTERS = {
    DATE: lambda order: DateColumn(order, times=False),
    FLOAT: lambda _order: profiled_double_column,
    INTEGER: lambda _order: profiled_integer_column,
}


def column_converter(kind, order=DAY_FIRST, indexed=False, profiled=False):
    """The converter of a column of ``kind`` (``indexed``: a key of an index; ``profiled``: its kind found from an
    earlier file's values): a function from a batch of its texts to their COPY texts."""
    if indexed and kind == CHAR:
        return indexed_text_column
    return (_PROFILED_CONVERTERS if profiled and kind in _PROFILED_CONVERTERS else _CONVERTERS)[kind](order)


# -- the COPY text of a batch ------------------------------------------------------------------------------------

def _escaped(column):
    """COPY text escaping of each value (backslash, tab, newline, carriage return)."""
    return [value.translate(_COPY_ESCAPES) for value in column]


def batch_text(columns, rows, text_columns):
    """The COPY text of a batch from its converted columns; ``text_columns`` are escaped only when needed.

    Columns may be endless (``itertools.repeat`` of a constant): zip stops at the rows.
    """
    text = "\n".join(map("\t".join, zip(*columns, strict=False))) + "\n"
    # separators are exact only when no value holds a tab, newline, return or backslash: the usual case
    if ("\\" in text or "\r" in text or text.count("\n") != rows
            or text.count("\t") != rows * (len(columns) - 1)):
        columns = [_escaped(column) if index in text_columns else column for index, column in enumerate(columns)]
        text = "\n".join(map("\t".join, zip(*columns, strict=False))) + "\n"
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL; say so instead of letting the server fail obscurely
        raise ExportFormatError("import.nul_character")
    return text

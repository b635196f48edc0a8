# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Why a file is rejected: a message code and its parameters, never a sentence.

The codes are the ``import.`` entries of ``cegid_data_access.errors.CODES``
(the one vocabulary of the project; this package cannot import it, being
importable on its own): Odoo renders them in its reader's language
(``models/cegid_message.py``). A parameter ending in ``_code`` holds a nested
code (the problem of a line or of a value).
"""

import re

MAX_SHOWN_VALUE = 80
# what the csv module says (CPython's _csv.c, strict mode) -> a code and its parameters
CSV_PROBLEMS = (
    (re.compile(r"'(?P<expected>.)' expected after '(?P<after>.)'"), "import.csv.quote_expected"),
    (re.compile(r"unexpected end of data"), "import.csv.quote_not_closed"),
    (re.compile(r"new-line character seen in unquoted field"), "import.csv.line_break"),
    (re.compile(r"line contains NUL"), "import.csv.nul"),
    (re.compile(r"field larger than field limit \((?P<limit>\d+)\)"), "import.csv.field_too_large"),
)


class CodedError(Exception):
    """An error told by a code and its parameters; ``str()`` is for logs and tests only."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self):
        if not self.params:
            return self.code
        return f"{self.code} ({', '.join(f'{key}={value!r}' for key, value in self.params.items())})"


class ExportFormatError(CodedError):
    """The file is not a readable export (empty, unknown columns, a bad row...): it is rejected."""


class ImportFailure(CodedError):
    """The import cannot finish for a reason of its own (a table or a file not as it must be): it failed, the
    file stays for the next run."""


class NoteNotWritten(CodedError):
    """A file was filed away (``stored_as``), but the note saying why could not be written beside it.

    Code ``import.note_failed``; no partial note is left.
    """

    def __init__(self, stored_as, note, error):
        super().__init__("import.note_failed", note=note, error=str(error))
        self.stored_as = stored_as


class BadValue(CodedError, ValueError):
    """A value that cannot be converted: ``code`` is an ``import.value.`` code."""


def shown_value(value):
    """``value`` as a message shows it: cut after MAX_SHOWN_VALUE characters."""
    return value if len(value) <= MAX_SHOWN_VALUE else value[:MAX_SHOWN_VALUE] + "…"


class ExportRowError(ExportFormatError):
    """One row cannot be read: ``line`` is the file's line number (1 = header).

    ``column`` and ``value`` name the bad value (``import.bad_value``), or are
    empty when the line itself is bad (``import.bad_line``); ``problem`` is the
    nested code, ``details`` its parameters (positional-only arguments: a
    line's problem may have a ``column`` or ``value`` of its own).
    """

    def __init__(self, line, column, value, problem, /, **details):
        shown = shown_value(value)
        if column:
            super().__init__("import.bad_value", line=line, column=column, value=shown, problem_code=problem,
                             **details)
        else:
            super().__init__("import.bad_line", line=line, problem_code=problem, **details)
        self.line = line
        self.column = column
        self.value = value
        self.problem = problem


def csv_problem(err):
    """The parameters telling the csv module's ``err``: its code (``detail_code``), else its own text (``detail``)."""
    text = str(err)
    for pattern, code in CSV_PROBLEMS:
        found = pattern.match(text)
        if found:
            params = found.groupdict()
            if "limit" in params:
                params["limit"] = int(params["limit"])
            return {"detail_code": code, **params}
    return {"detail": text}


class TableBusy(ImportFailure):
    """Readers kept an export's table while its columns had to change (code ``import.table_busy``): no fault of
    the file, which waits for the next run."""

    def __init__(self, export):
        super().__init__("import.table_busy", export=export)

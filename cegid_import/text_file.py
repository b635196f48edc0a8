# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An export file before its rows: its encoding, where its lines start, its delimiter and header.

- encoding: UTF-8 (with or without BOM) when the whole file decodes as UTF-8,
  else CP1252 (Latin-1 for the few bytes CP1252 leaves undefined); a file
  starting with a UTF-16 BOM (Excel's "Unicode Text") is rejected as such,
  and one starting with a UTF-8 BOM that is not UTF-8 throughout too;
- delimiter: ``;``, ``,`` or a tab (Excel's "Text (Tab delimited)"), the one
  that makes the header a known export's, else the one the header line holds
  most;
- header: the first line that is not blank, at most ``HEADER_CHARS`` long and
  ``MAX_COLUMNS`` wide.

The rows are :mod:`.reader`'s.
"""

import codecs
import csv
import dataclasses
import io
import re
import string

from .catalogue import header_keys, written_header
from .errors import ExportFormatError, csv_problem

DELIMITERS = (";", ",", "\t")
# what a line holds when it holds no value: spaces, delimiters, the quotes of empty fields (Excel writes ";;;" for
# an empty first row); the rows after the header are told blank by their fields (reader.fit_width)
NOTHING_ON_A_LINE = string.whitespace + "\ufeff\"" + "".join(DELIMITERS)
READ_CHUNK = 1024 * 1024
# a header line longer is no export's (its lines ended by a character the reader does not take for a line end)
HEADER_CHARS = 1024 * 1024
# PostgreSQL holds at most 1,600 columns in a table: Odoo's own columns, and a margin for columns added later
MAX_COLUMNS = 1500
# starts with a literal "/" so that the regex engine skips ahead quickly (a leading \d made the scan 10x slower)
_SLASH_DATE = re.compile(rb"/\d{1,2}/\d{4}")

# -- encoding ------------------------------------------------------------------------------------------------------

# what UTF-8 French text holds beyond ASCII: Latin-1's letters and signs, the euro, œ, typographic quotes, dashes and
# spaces. Two CP1252 bytes that happen to be UTF-8 read otherwise ("É" then a no-break space: U+0260)
_FRENCH = re.compile("[\u00a0-\u00ff\u0152\u0153\u0178\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u202f\u20ac]")

def _has_slashed_date(data):
    """True when ``data`` holds "d/m/yyyy"-like text (a literal "/" first: the regex engine skips ahead fast)."""
    return _SLASH_DATE.search(data) is not None


def _not_utf8_at(decoder, chunk, end):
    """``(bad, accented)``: ``bad`` None when ``chunk``, the file's bytes up to ``end``, decodes as UTF-8 after those
    before, else the offset of its first byte that does not; an empty ``chunk`` ends the file (a character left cut
    there does not). ``accented``: whether a French letter or sign written in UTF-8 (:data:`_FRENCH`) decoded before
    that byte."""
    try:
        text = decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError as err:
        # err.object: the bytes the decoder held back from the chunk before (a character cut in two), then chunk
        return end - len(err.object) + err.start, _has_french(err.object[:err.start].decode("utf-8"))
    return None, _has_french(text)


def _has_french(text):
    """Whether ``text`` holds a character of :data:`_FRENCH` (none in pure ASCII, the usual case, checked fast)."""
    return not text.isascii() and _FRENCH.search(text) is not None


def sniff_bytes(path):
    """``(encoding, has_slashed_dates)`` from one pass over the raw bytes.

    UTF-8 only when the whole file decodes as UTF-8 (a CP1252 file can start
    with pure ASCII lines); the BOM selects ``utf-8-sig`` so that it is dropped.
    A UTF-16 BOM (UTF-32's starts with one) raises ExportFormatError
    ``import.utf16``: its two-byte characters are neither encoding, and the
    readers here look for line ends and dates in the file's bytes. A UTF-8 BOM
    says the file is UTF-8: a byte that is not raises ``import.bad_utf8``
    (``offset``, ``line``), the file is not read as CP1252; so do UTF-8
    accented letters before that byte (``import.mixed_encoding``): read as
    CP1252, each of them would be garbled ("é" read "Ã©").
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad = None  # the offset of the first byte that is not UTF-8
    accented = False  # a character beyond ASCII decoded before it
    slashed = False
    tail = b""
    end = 0
    with open(path, "rb") as handle:
        first = handle.read(READ_CHUNK)
        if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ExportFormatError("import.utf16")
        chunk = first
        while chunk:
            end += len(chunk)
            if bad is None:
                bad, accented_here = _not_utf8_at(decoder, chunk, end)
                accented = accented or accented_here
            # a few bytes of the previous chunk, so that a date across two chunks is seen
            slashed = slashed or _has_slashed_date(tail + chunk)
            tail = chunk[-8:]
            chunk = handle.read(READ_CHUNK)
    if bad is None:
        bad = _not_utf8_at(decoder, b"", end)[0]
    bom = first.startswith(codecs.BOM_UTF8)
    if bad is None:
        return ("utf-8-sig" if bom else "utf-8"), slashed
    if bom:
        raise ExportFormatError("import.bad_utf8", offset=bad, line=_line_of(path, bad))
    if accented:
        raise ExportFormatError("import.mixed_encoding", offset=bad, line=_line_of(path, bad))
    return "cp1252-latin1", slashed


def _cp1252_latin1_error(error):
    """Decode the five bytes CP1252 leaves undefined as Latin-1 (their C1 control character)."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("cp1252-latin1", _cp1252_latin1_error)


def open_text(path, encoding, offset=0):
    """Open ``path`` as text for the csv module with an encoding from :func:`sniff_bytes`, from byte ``offset``.

    An offset is the start of a line (:func:`line_offset`): both encodings
    read from there as from the start (a BOM is only ever at byte 0).
    """
    binary = open(path, "rb")  # the text wrapper owns it and closes it
    try:
        binary.seek(offset)
        if encoding == "cp1252-latin1":
            return io.TextIOWrapper(binary, encoding="cp1252", errors="cp1252-latin1", newline="")
        return io.TextIOWrapper(binary, encoding=encoding, newline="")
    except BaseException:
        binary.close()
        raise


def _whole_line_ends(handle, chunk):
    """``chunk`` and the bytes after it up to the first that is not "\r": a "\r\n" is never cut in two.

    One byte more is not enough: the second "\r" of "\r\r\n" (CRLF text
    written again through a Windows text stream) would end the chunk, and its
    "\n", first of the next chunk, would count as a line end of its own.
    """
    while chunk.endswith(b"\r"):
        following = handle.read(1)
        if not following:
            break
        chunk += following
    return chunk


def _line_ends(chunk):
    """How many lines ``chunk`` ends: each "\r\n", and each "\n" or "\r" alone."""
    return chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")


def _line_of(path, offset):
    """The number of the line (1: the first) that holds byte ``offset`` of ``path``, lines counted as the csv
    module counts them (:func:`line_offset`)."""
    ends = position = 0
    with open(path, "rb") as handle:
        while position < offset and (chunk := handle.read(min(READ_CHUNK, offset - position))):
            # a "\r" just before ``offset`` ends its line alone: the byte there is no "\n"
            chunk = _whole_line_ends(handle, chunk)
            ends += _line_ends(chunk)
            position += len(chunk)
    return ends + 1


def line_offset(path, line, known=(0, 0)):
    """The byte offset of the start of line ``line + 1`` of ``path`` (0 for line 0), in one pass over its bytes.

    Lines end as the csv module's text source sees them: ``\r\n``, ``\n``
    or ``\r``; a file of fewer lines gives its size. Counting the line ends
    of a chunk costs next to nothing (bytes.count); only the chunk where the
    line ends is searched. ``known``: a (line, offset) already found, at or
    before ``line``, where the search begins.
    """
    ends = re.compile(rb"\r\n|\n|\r")
    seen, position = known
    with open(path, "rb") as handle:
        handle.seek(position)
        while line > seen:
            chunk = handle.read(READ_CHUNK)
            if not chunk:
                return position
            chunk = _whole_line_ends(handle, chunk)
            in_chunk = _line_ends(chunk)
            if seen + in_chunk < line:
                seen += in_chunk
                position += len(chunk)
                continue
            for end in ends.finditer(chunk):
                seen += 1
                if seen == line:
                    return position + end.end()
    return position


# -- header --------------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FileHeader:
    """What the first look at a file found: encoding, delimiter, header keys, slashed dates, header as written.

    ``names`` are the columns' keys (``catalogue.header_keys``: distinct, upper
    case), ``written`` their names as the file writes them, position for position.
    """

    path: str
    encoding: str
    delimiter: str
    names: tuple
    slashed: bool
    written: tuple = ()


def read_header(path, recognised=lambda names: False, sniffed=None):
    """The :class:`FileHeader` of ``path``; ``recognised(names)`` tells a known export's header.

    ``sniffed``: the ``(encoding, has_slashed_dates)`` of :func:`sniff_bytes`
    when already known (a load by parts goes on), which reads the whole file.
    Raises ExportFormatError ``import.empty_file`` when no line holds anything,
    ``import.header_unreadable`` when the csv module cannot read the header line,
    or it is longer than ``HEADER_CHARS`` or has more than ``MAX_COLUMNS`` columns.
    """
    encoding, slashed = sniffed or sniff_bytes(path)
    with open_text(path, encoding) as handle:
        first_line = handle.readline(HEADER_CHARS + 1)
        while first_line and not first_line.strip(NOTHING_ON_A_LINE):
            first_line = handle.readline(HEADER_CHARS + 1)
    if len(first_line.rstrip("\n")) > HEADER_CHARS:
        raise ExportFormatError("import.header_unreadable", detail_code="import.header.too_long", limit=HEADER_CHARS)
    first_line = first_line.lstrip("\ufeff")
    if not first_line.strip(NOTHING_ON_A_LINE):
        raise ExportFormatError("import.empty_file")
    if "\x00" in first_line:
        raise ExportFormatError("import.nul_character")
    written, errors = {}, []
    for delimiter in sorted(DELIMITERS, key=first_line.count, reverse=True):
        try:
            written[delimiter] = written_header(next(csv.reader([first_line], delimiter=delimiter, strict=True), []))
        except csv.Error as err:  # a quote left open, text after a closing quote: not with this delimiter
            errors.append(err)
    if not written:
        raise ExportFormatError("import.header_unreadable", **csv_problem(errors[0]))
    candidates = list(written)
    headers = {delimiter: header_keys(names) for delimiter, names in written.items()}
    delimiter = next((delimiter for delimiter in candidates if recognised(headers[delimiter])), candidates[0])
    if len(written[delimiter]) > MAX_COLUMNS:
        raise ExportFormatError("import.header_unreadable", detail_code="import.header.too_many_columns",
                                count=len(written[delimiter]), limit=MAX_COLUMNS)
    return FileHeader(str(path), encoding, delimiter, tuple(headers[delimiter]), slashed, tuple(written[delimiter]))

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Local file names for blobs: untrusted blob names in, safe base names out.

The downstream import expects each export under its blob's base name (what
follows the last ``/``). A blob name is untrusted input: anything that could
resolve outside the import folder, hide a file, or break the file system is
refused rather than "cleaned", so that nobody imports a file under a name
nobody chose. A refusal is a reason code (``name.*`` in ``errors.CODES``).
"""

import os
import re
import sys
import unicodedata

MAX_NAME_BYTES = 255
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"  # the arrival time in a no-overwrite suffix
# the no-overwrite suffix candidate_names puts before the extension, parsed by original_name: one format
_SUFFIX = re.compile(r"\.\d{8}T\d{6}Z(?:-\d+)?$")
_DRIVE = re.compile(r"^[A-Za-z]:")
# Cc: C0/C1 controls, NUL, DEL; Zl/Zp: line/paragraph separators; Cs: lone surrogates; Cf: invisible formatting
# (a right-to-left override shows "evil\u202evsc.csv" as "evilcsv.csv")
_FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp", "Cs", "Cf"}
# the import folder's own sub-folders (cegid_import.folders: ARCHIVE_FOLDER, ANOMALY_FOLDER): a file of that name
# would stop every imported or rejected file from being put away
RESERVED_NAMES = frozenset({"archive", "anomalie"})
# what Windows (an SMB share as the import folder) refuses: its device names, with or without an extension (COM and
# LPT also with a superscript digit), and a name ending with a dot or a space (which the import, reading *.csv, would
# never see either)
_NOT_PORTABLE = re.compile(r"(?i)^(?:(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(?:\..*)?|.*[. ])$")


def base_name(blob_name):
    """What follows the last '/' of a blob name."""
    return blob_name.rsplit("/", 1)[-1]


def _name_bytes(blob_name):
    return len(base_name(blob_name).encode("utf-8"))


def _not_encodable(blob_name):
    """True when the file system's encoding (Python's, from the locale) cannot write the base name: no link could."""
    try:
        os.fsencode(base_name(blob_name))
    except UnicodeEncodeError:
        return True
    return False


# (test on the whole blob name, reason code), checked in order
_RULES = (
    (lambda name: not name, "name.empty"),
    (lambda name: "\\" in name, "name.backslash"),
    (lambda name: name.startswith("/"), "name.absolute"),
    (lambda name: _DRIVE.match(name), "name.drive_letter"),
    (lambda name: any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in name), "name.control_characters"),
    (lambda name: any(part in (".", "..") for part in name.split("/")), "name.dot_segment"),
    (lambda name: not base_name(name), "name.ends_with_slash"),
    (lambda name: base_name(name).startswith("."), "name.hidden"),
    (lambda name: base_name(name).lower() in RESERVED_NAMES, "name.reserved"),
    (lambda name: _NOT_PORTABLE.match(base_name(name)), "name.not_portable"),
    (_not_encodable, "name.not_encodable"),
    (lambda name: _name_bytes(name) > MAX_NAME_BYTES, "name.too_long"),
)


def refusal(blob_name):
    """Why ``blob_name`` cannot be delivered, as (reason code, its parameters); None when it is safe."""
    for refused, code in _RULES:
        if refused(blob_name):
            return code, _refusal_params(code)
    return None


def _refusal_params(code):
    if code == "name.too_long":
        return {"max_bytes": MAX_NAME_BYTES}
    if code == "name.not_encodable":
        return {"encoding": sys.getfilesystemencoding()}
    return {}


def _fit(stem, suffix, ext):
    """``stem + suffix + ext`` cut (on the stem) to the file-name byte limit.

    An extension too long to leave the stem's first character is taken as part of the stem (the suffix then
    ends the name): cutting the stem to nothing would make a hidden name (``.20261128T101500Z.xxx``), which
    the import never reads.
    """
    if MAX_NAME_BYTES - len((suffix + ext).encode("utf-8")) < len(stem[:1].encode("utf-8")):
        stem, ext = stem + ext, ""
    room = MAX_NAME_BYTES - len((suffix + ext).encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return stem + suffix + ext


def candidate_names(base, arrival):
    """Names to try for ``base``, in order: itself, then unique suffixed variants.

    A suffix keeps the extension and sorts by arrival time (``arrival`` is an
    aware UTC datetime): ``ECRITURE.csv``, ``ECRITURE.20261128T101500Z.csv``,
    ``ECRITURE.20261128T101500Z-2.csv``, ...
    """
    yield base
    stem, ext = os.path.splitext(base)
    stamp = arrival.strftime(STAMP_FORMAT)
    yield _fit(stem, f".{stamp}", ext)
    counter = 2
    while True:
        yield _fit(stem, f".{stamp}-{counter}", ext)
        counter += 1


def original_name(name):
    """The base name ``name`` had before :func:`candidate_names` suffixed it (``name`` itself when it was not).

    ``ECRITURE.20261128T101500Z-2.csv`` → ``ECRITURE.csv``; ``SALARIES.20261128T101500Z`` → ``SALARIES``.
    """
    if _SUFFIX.search(name):  # no extension: the suffix ends the name
        return _SUFFIX.sub("", name)
    stem, ext = os.path.splitext(name)
    return _SUFFIX.sub("", stem) + ext

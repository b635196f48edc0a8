# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Local file names for blobs: untrusted blob names in, safe base names out.

The downstream import expects each export under its blob's base name (what
follows the last ``/``). A blob name is untrusted input: anything that could
resolve outside the import folder, hide a file, or break the file system is
refused rather than "cleaned", so that nobody imports a file under a name
nobody chose.
"""

import os
import re
import unicodedata

MAX_NAME_BYTES = 255
_DRIVE = re.compile(r"^[A-Za-z]:")
# Cc: C0/C1 controls, NUL, DEL; Zl/Zp: line/paragraph separators; Cs: lone surrogates.
_FORBIDDEN_CATEGORIES = {"Cc", "Zl", "Zp", "Cs"}


def base_name(blob_name):
    """What follows the last '/' of a blob name."""
    return blob_name.rsplit("/", 1)[-1]


def _name_bytes(blob_name):
    return len(base_name(blob_name).encode("utf-8"))


# (test on the whole blob name, why it is refused), checked in order
_RULES = (
    (lambda name: not name, "empty name"),
    (lambda name: "\\" in name, "contains a backslash"),
    (lambda name: name.startswith("/"), "absolute path"),
    (lambda name: _DRIVE.match(name), "starts with a drive letter"),
    (lambda name: any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in name), "contains control characters"),
    (lambda name: any(part in (".", "..") for part in name.split("/")), "contains '.' or '..' path segments"),
    (lambda name: not base_name(name), "empty base name (ends with '/')"),
    (lambda name: base_name(name).startswith("."), "hidden name (starts with '.')"),
    (lambda name: _name_bytes(name) > MAX_NAME_BYTES, f"base name longer than {MAX_NAME_BYTES} bytes"),
)


def refusal_reason(blob_name):
    """Why ``blob_name`` cannot be delivered, or None when it is safe."""
    for refused, reason in _RULES:
        if refused(blob_name):
            return reason
    return None


def _fit(stem, tail):
    """``stem + tail`` cut (on the stem) to the file-name byte limit."""
    room = MAX_NAME_BYTES - len(tail.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return stem + tail


def candidate_names(base, arrival):
    """Names to try for ``base``, in order: itself, then unique suffixed variants.

    A suffix keeps the extension and sorts by arrival time (``arrival`` is an
    aware UTC datetime): ``ECRITURE.csv``, ``ECRITURE.20261128T101500Z.csv``,
    ``ECRITURE.20261128T101500Z-2.csv``, ...
    """
    yield base
    stem, ext = os.path.splitext(base)
    stamp = arrival.strftime("%Y%m%dT%H%M%SZ")
    yield _fit(stem, f".{stamp}{ext}")
    counter = 2
    while True:
        yield _fit(stem, f".{stamp}-{counter}{ext}")
        counter += 1

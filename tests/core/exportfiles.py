# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Helpers of the import tests: write an export file, open it as the import does, read COPY text back."""

import os

from cegid_import.catalogue import Catalogue, Match
from cegid_import.reader import ExportReader
from cegid_import.text_file import read_header

ECRITURE_HEADER = "E_DATECOMPTABLE;E_REFINTERNE;E_LIBELLE;E_GENERAL;E_DEBIT;E_CREDIT;E_AUXILIAIRE;E_REFLIBRE"


def write(tmp_path, text, name="export.csv", encoding="utf-8"):
    """Write ``text`` (str in ``encoding``, or bytes) as ``tmp_path/name``; return the path."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def open_export(path, catalogue=None):
    """The ExportReader of a file as the import opens it (header, then catalogue); the match must be found."""
    catalogue = catalogue or Catalogue()
    header = read_header(path, lambda names: catalogue.by_header(names) is not None)
    found = catalogue.identify(header.names, os.path.basename(path))
    assert isinstance(found, Match), found
    return ExportReader(header, found.export, found.positions)


def decode_copy_text(text):
    """COPY text (FORMAT text, NULL '') back into rows of values, None for NULL, as PostgreSQL reads it."""
    escapes = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}

    def value(field):
        if field == "":
            return None
        out, chars = [], iter(field)
        for char in chars:
            out.append(escapes[next(chars)] if char == "\\" else char)
        return "".join(out)

    assert text == "" or text.endswith("\n")
    return [[value(field) for field in line.split("\t")] for line in text.split("\n")[:-1]]

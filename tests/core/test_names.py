# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Blob names to local names: refusals and unique suffixes."""

import datetime
import itertools

import pytest

from cegid_data_access.errors import CODES
from cegid_data_access.staging.names import (
    MAX_NAME_BYTES,
    RESERVED_NAMES,
    base_name,
    candidate_names,
    original_name,
    refusal,
)
from cegid_import.folders import ANOMALY_FOLDER, ARCHIVE_FOLDER

ARRIVAL = datetime.datetime(2026, 11, 28, 10, 15, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("name, code", [
    ("", "name.empty"), ("../x.csv", "name.dot_segment"), ("a/../../x.csv", "name.dot_segment"),
    ("a/./x.csv", "name.dot_segment"), ("..", "name.dot_segment"), ("/etc/passwd", "name.absolute"),
    ("a\\..\\x.csv", "name.backslash"), ("C:x.csv", "name.drive_letter"), ("c:/x.csv", "name.drive_letter"),
    ("x\x00.csv", "name.control_characters"), ("x\x01.csv", "name.control_characters"),
    ("x\x7f.csv", "name.control_characters"), ("x\u2028.csv", "name.control_characters"),
    ("x\n.csv", "name.control_characters"), ("folder/", "name.ends_with_slash"), (".cegid-partial", "name.hidden"),
    ("a/.cegid-partial", "name.hidden"), (".bashrc", "name.hidden"), ("é" * 128 + ".csv", "name.too_long"),
    ("evil\u202evsc.csv", "name.control_characters"), ("x\u200b.csv", "name.control_characters"),
    ("archive", "name.reserved"), ("exports/Anomalie", "name.reserved"), ("CON", "name.not_portable"),
    ("a/nul.csv", "name.not_portable"), ("Com1.csv", "name.not_portable"), ("lpt9", "name.not_portable"),
    ("ECRITURE.csv ", "name.not_portable"), ("ECRITURE.csv.", "name.not_portable"),
    ("COM¹.csv", "name.not_portable"), ("lpt³", "name.not_portable"), ("CONIN$", "name.not_portable"),
    ("conout$.csv", "name.not_portable"),
])
def test_refused(name, code):
    refused_code, params = refusal(name)
    assert refused_code == code
    assert set(params) == set(CODES[code])


@pytest.mark.parametrize("name, base", [
    ("ECRITURE.csv", "ECRITURE.csv"), ("exports/2026/ANALYTIQ.csv", "ANALYTIQ.csv"),
    ("a//b.csv", "b.csv"), ("Écriture comptable.csv", "Écriture comptable.csv"), ("x" * 255, "x" * 255),
    ("a..b.csv", "a..b.csv"), ("archive.csv", "archive.csv"), ("archives", "archives"), ("CONSO.csv", "CONSO.csv"),
    ("com10.csv", "com10.csv"), ("exports/nul/x.csv", "x.csv"),
])
def test_accepted(name, base):
    assert refusal(name) is None
    assert base_name(name) == base


def test_suffixes_keep_extension_and_sort_by_arrival():
    names = list(itertools.islice(candidate_names("ECRITURE.csv", ARRIVAL), 4))
    assert names == ["ECRITURE.csv", "ECRITURE.20261128T101500Z.csv", "ECRITURE.20261128T101500Z-2.csv",
                     "ECRITURE.20261128T101500Z-3.csv"]


def test_suffixed_long_names_stay_within_the_limit():
    names = list(itertools.islice(candidate_names("é" * 120 + ".csv", ARRIVAL), 3))
    assert all(len(name.encode()) <= MAX_NAME_BYTES and name.endswith(".csv") for name in names)
    assert len(set(names)) == 3


@pytest.mark.parametrize("base", ["a." + "x" * 237, "é." + "x" * 236, "a" * 15 + "." + "x" * 239,
                                  "a" * 200 + "." + "x" * 54])
def test_a_suffixed_name_is_never_hidden_nor_too_long(base):
    """A base name (accepted: at most 255 bytes) whose extension leaves no room for the no-overwrite suffix."""
    names = list(itertools.islice(candidate_names(base, ARRIVAL), 12))
    for name in names[1:]:
        assert name[0] == base[0], name  # never cut to nothing: ".20261128T101500Z.xxx" would be a hidden file
        assert len(name.encode()) <= MAX_NAME_BYTES, len(name.encode())
        assert refusal(name) is None, name
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("base", ["ECRITURE.csv", "SALARIES", "Paie mensuelle.2026.csv", "x.20261128T101500Z.csv.csv"])
def test_a_suffixed_name_gives_back_the_name_it_was_made_from(base):
    for name in itertools.islice(candidate_names(base, ARRIVAL), 4):
        assert original_name(name) == base, name
    assert original_name("SALARIES.2026.csv") == "SALARIES.2026.csv"


def test_the_names_refused_as_reserved_are_the_import_folders_own_sub_folders():
    assert RESERVED_NAMES == {ARCHIVE_FOLDER, ANOMALY_FOLDER}

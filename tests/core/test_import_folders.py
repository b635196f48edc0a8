# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import folder: waiting files, archive/ and anomalie/, moves that never overwrite."""

import datetime
import errno
import os

import pytest

from cegid_import.errors import NoteNotWritten
from cegid_import.folders import file_away, move_noreplace, waiting_files


def test_waiting_files_oldest_first_skipping_hidden_folders_and_others(tmp_path):
    for name, mtime in [("b.csv", 300), ("a.CSV", 100), ("c.csv", 200), (".hidden.csv", 50), ("notes.txt", 10)]:
        path = tmp_path / name
        path.write_text("x")
        os.utime(path, (mtime, mtime))
    for folder in ("archive", "anomalie", ".cegid-partial"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "old.csv").write_text("x")
    assert waiting_files(tmp_path) == ["a.CSV", "c.csv", "b.csv"]



def test_a_folder_named_like_an_export_is_not_a_waiting_file(tmp_path):
    (tmp_path / "ECRITURE.csv").mkdir()
    (tmp_path / "ECRITURE.csv" / "inside.csv").write_text("x")
    (tmp_path / "SALARIES.csv").write_text("x")
    assert waiting_files(tmp_path) == ["SALARIES.csv"]

def test_file_away_never_overwrites_and_notes_the_reason(tmp_path):
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "E.csv").write_text("first")
    assert file_away(tmp_path, "E.csv", "anomalie", moment, "line 2: bad") == "anomalie/20260102T030405_E.csv"
    (tmp_path / "E.csv").write_text("second")
    assert file_away(tmp_path, "E.csv", "anomalie", moment) == "anomalie/20260102T030405-2_E.csv"
    assert (tmp_path / "anomalie" / "20260102T030405_E.csv").read_text() == "first"
    assert (tmp_path / "anomalie" / "20260102T030405-2_E.csv").read_text() == "second"
    assert (tmp_path / "anomalie" / "20260102T030405_E.csv.txt").read_text() == "line 2: bad\n"
    assert not (tmp_path / "E.csv").exists()



def test_a_note_ends_with_one_line_break_whatever_the_reason_ends_with(tmp_path):
    (tmp_path / "E.csv").write_text("x")
    stored = file_away(tmp_path, "E.csv", "anomalie", datetime.datetime(2026, 1, 2), "line 2: bad\n\n")
    assert (tmp_path / (stored + ".txt")).read_text() == "line 2: bad\n"

def test_a_held_file_leaves_anomalie_for_the_archive_with_its_note(tmp_path):
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "S.csv").write_text("held")
    held = file_away(tmp_path, "S.csv", "anomalie", moment, "columns changed")
    later = datetime.datetime(2026, 1, 3, 0, 0, 0)
    assert file_away(tmp_path, "S.csv", "archive", later, source=held) == "archive/20260103T000000_S.csv"
    assert (tmp_path / "archive" / "20260103T000000_S.csv").read_text() == "held"
    assert os.listdir(tmp_path / "anomalie") == []


@pytest.mark.parametrize("subfolder, reason", [("archive", None), ("anomalie", "line 2: bad")])
def test_a_name_as_long_as_the_transfer_delivers_is_shortened_to_fit_its_stamp_and_note(tmp_path, subfolder, reason):
    """The transfer delivers names of up to 255 bytes; the stamp (and a counter) and the note's ".txt" must fit."""
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    # 255 bytes each, different only at the end of the stem; a two-byte character cut in its middle is no name
    names = ["ECRITURE_" + "é" * 120 + "ab.csv", "ECRITURE_" + "é" * 120 + "ac.csv"]
    for name in names:
        assert len(name.encode()) == 255
        (tmp_path / name).write_text(name)
    stored = [file_away(tmp_path, name, subfolder, moment, reason) for name in names]
    for name, path in zip(names, stored, strict=True):
        assert not (tmp_path / name).exists()
        assert (tmp_path / path).read_text() == name
        base = path.split("/", 1)[1]
        assert len((base + ".txt").encode()) <= 255, base  # whole characters: a valid UTF-8 name
        assert base.startswith(("20260102T030405_ECRITURE_éé", "20260102T030405-2_ECRITURE_éé")), base
        assert base.endswith(".csv"), base  # the extension kept
        assert (tmp_path / (path + ".txt")).is_file() == bool(reason)
    # both shorten to the same stem: the second one takes the counter, nothing overwritten
    assert stored[0].split("/", 1)[1].startswith("20260102T030405_")
    assert stored[1].split("/", 1)[1].startswith("20260102T030405-2_")



def test_a_name_whose_extension_leaves_no_room_for_its_stem_keeps_its_beginning(tmp_path):
    """The stamp, the note's ".txt" and the "extension" fill the 255 bytes exactly: the name is cut as a whole."""
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    name = "E." + "x" * 234  # "20260102T030405_" + ".xxx..." + ".txt" is 255 bytes
    (tmp_path / name).write_text("odd")
    stored = file_away(tmp_path, name, "anomalie", moment, "line 1: bad")
    assert stored == "anomalie/20260102T030405_" + name[:-1]
    assert (tmp_path / stored).read_text() == "odd"
    assert len((stored.split("/", 1)[1] + ".txt").encode()) == 255

def test_a_note_the_full_disk_cuts_is_removed_and_the_move_still_told(tmp_path):
    """The note's name leads to /dev/full: opening it works, writing fails (No space left on device)."""
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "E.csv").write_text("rejected")
    (tmp_path / "anomalie").mkdir()
    note = tmp_path / "anomalie" / "20260102T030405_E.csv.txt"
    note.symlink_to("/dev/full")
    with pytest.raises(NoteNotWritten) as caught:
        file_away(tmp_path, "E.csv", "anomalie", moment, "line 2: bad")
    assert caught.value.stored_as == "anomalie/20260102T030405_E.csv"
    assert (caught.value.code, caught.value.params["note"]) == (
        "import.note_failed", "anomalie/20260102T030405_E.csv.txt")
    assert "No space left on device" in caught.value.params["error"]
    assert (tmp_path / caught.value.stored_as).read_text() == "rejected"
    assert os.listdir(tmp_path / "anomalie") == ["20260102T030405_E.csv"]  # no partial note
    assert not (tmp_path / "E.csv").exists()


def test_a_note_that_cannot_be_opened_leaves_what_holds_its_name(tmp_path):
    moment = datetime.datetime(2026, 1, 2, 3, 4, 5)
    (tmp_path / "E.csv").write_text("rejected")
    (tmp_path / "anomalie" / "20260102T030405_E.csv.txt").mkdir(parents=True)
    with pytest.raises(NoteNotWritten) as caught:
        file_away(tmp_path, "E.csv", "anomalie", moment, "line 2: bad")
    assert caught.value.stored_as == "anomalie/20260102T030405_E.csv"
    assert (tmp_path / caught.value.stored_as).read_text() == "rejected"
    assert (tmp_path / "anomalie" / "20260102T030405_E.csv.txt").is_dir()


def test_move_noreplace_refuses_an_existing_target(tmp_path):
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    with pytest.raises(FileExistsError):
        move_noreplace(tmp_path / "a", tmp_path / "b")
    assert ((tmp_path / "a").read_text(), (tmp_path / "b").read_text()) == ("a", "b")
    move_noreplace(tmp_path / "a", tmp_path / "c")
    assert sorted(os.listdir(tmp_path)) == ["b", "c"]


def test_move_noreplace_without_hard_links_renames_when_the_target_is_free(tmp_path, monkeypatch):
    def no_links(_source, _target):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    with pytest.raises(FileExistsError):
        move_noreplace(tmp_path / "a", tmp_path / "b")
    move_noreplace(tmp_path / "a", tmp_path / "c")
    assert sorted(os.listdir(tmp_path)) == ["b", "c"]

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import folder: the files waiting there, and where they go once read.

An imported file goes to ``archive/``, a rejected one to ``anomalie/`` with a
``.txt`` note beside it saying why, both under a time-stamped name that never
overwrites another file (a long name is shortened so that the stamp and the
note fit). Hidden entries (the transfer's staging folder) and the sub-folders
are never read as waiting files.
"""

import contextlib
import errno
import itertools
import os

from .errors import NoteNotWritten

ARCHIVE_FOLDER = "archive"
ANOMALY_FOLDER = "anomalie"
NOTE_SUFFIX = ".txt"
# the usual file-name limit (ext4, XFS, NTFS...), where the file system does not tell its own
_NAME_MAX_BYTES = 255
# file systems without hard links (some network shares) say so with one of these
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}


def waiting_files(folder):
    """The names of the CSV files waiting in ``folder``, oldest first (mtime, then name).

    Only the folder itself is read: hidden entries and sub-folders
    (``archive/``, ``anomalie/``) are left alone, and so are files that do not
    end in ``.csv`` (any case).
    """
    found = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith(".") or not entry.name.lower().endswith(".csv"):
                continue
            if entry.is_file():
                found.append((entry.stat().st_mtime, entry.name))
    return [name for _mtime, name in sorted(found)]


def move_noreplace(source, target):
    """Move ``source`` to ``target`` (same file system), FileExistsError when ``target`` exists.

    A hard link then the removal of the old name: the link fails when the
    target exists, atomically. A crash between the two leaves the file under
    both names; the next import then reads the waiting one again, which is
    harmless since a file is a full snapshot. Where the file system has no
    hard links, a rename after checking that the target is free (the import
    runs alone, under its lock).
    """
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError as err:
        if err.errno not in _NO_LINKS:
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), target) from None
        os.rename(source, target)
        return
    os.unlink(source)


def _name_max_bytes(folder):
    """The longest file name ``folder``'s file system takes, in bytes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, ValueError, OSError):  # no pathconf (Windows), or the file system does not tell
        return _NAME_MAX_BYTES


def _stamped_name(prefix, name, max_bytes):
    """``prefix + name`` within ``max_bytes`` bytes: the end of the name's stem is cut, its extension kept.

    The beginning of the name (the export's name) stays readable; a name is
    cut on whole characters (its bytes are the file system's, ``os.fsencode``).
    """
    stem, ext = os.path.splitext(name)
    if len(os.fsencode(prefix + ext)) >= max_bytes:  # no room for the stem: a name without its extension
        stem, ext = name, ""
    while stem and len(os.fsencode(prefix + stem + ext)) > max_bytes:
        stem = stem[:-1]
    return prefix + stem + ext


def file_away(folder, name, subfolder, moment, reason=None, source=None):
    """Move ``folder/source`` (``name`` by default) to ``folder/subfolder/<stamp>_name``; return that relative path.

    Never overwrites: a counter follows the stamp when the name is taken.
    ``moment`` (a datetime) gives the stamp. The name is shortened (at the end
    of its stem) when the stamped name and its note's would not fit in a file
    name. With ``reason``, a ``.txt`` note
    beside the file says why it was put there, for whoever looks at the folder;
    a file leaving ``anomalie/`` takes its note away. A note that cannot be
    written raises NoteNotWritten once the file is moved: it tells where.
    """
    source = source or name
    target_dir = os.path.join(folder, subfolder)
    os.makedirs(target_dir, exist_ok=True)
    stamp = moment.strftime("%Y%m%dT%H%M%S")
    max_bytes = _name_max_bytes(target_dir) - len(NOTE_SUFFIX)
    for counter in itertools.count(1):
        target = _stamped_name(f"{stamp}_" if counter == 1 else f"{stamp}-{counter}_", name, max_bytes)
        try:
            move_noreplace(os.path.join(folder, source), os.path.join(target_dir, target))
        except FileExistsError:
            continue
        break
    old_note = os.path.join(folder, source + NOTE_SUFFIX)
    if source != name and os.path.isfile(old_note):
        os.unlink(old_note)
    stored = f"{subfolder}/{target}"
    if reason:
        _write_note(folder, stored, reason)
    return stored


def _write_note(folder, stored, reason):
    """Write ``reason`` in the note of ``folder/stored``; NoteNotWritten when it cannot, leaving no partial note."""
    note = stored + NOTE_SUFFIX
    path = os.path.join(folder, note)
    try:
        handle = open(path, "w", encoding="utf-8")  # opened apart: only a note this opened is removed
    except OSError as err:
        raise NoteNotWritten(stored, note, err) from err
    try:
        with handle:
            handle.write(reason.rstrip("\n") + "\n")
    except OSError as err:  # a full disk: the end of the note is missing
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise NoteNotWritten(stored, note, err) from err

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The file operations the staging folder is built from: made durable, never replacing a name, gone is fine."""

import contextlib
import errno
import json
import logging
import os

_logger = logging.getLogger(__name__)


def fsync_path(path):
    """Make the content of file ``path``, or the entries of directory ``path``, durable."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderNotDurable(OSError):
    """The import folder could not be fsynced after a group's renames; ``names``: each file's final name, or None."""

    def __init__(self, err, names):
        super().__init__(err.errno, err.strerror, err.filename)
        self.names = names


class NoHardLinks(OSError):
    """The import folder's file system cannot link a file under a second name (FAT, a Windows share)."""


# what link() answers where the file system has no hard links (a part file is ours: fs.protected_hardlinks allows it)
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP}


def link_noreplace(src, dst):
    """Give ``src`` the name ``dst`` atomically, failing with FileExistsError if ``dst`` exists.

    ``os.link`` then ``os.unlink``: a crash in between leaves ``src`` with two
    links, which the journal recovery reads as "delivered". Only a failed link
    raises: once it is made the file has its name, and an unlink that fails
    leaves the same two links (removed later); raising then would read as
    "not delivered" and bring the blob again, as a second copy.
    """
    try:
        os.link(src, dst)
    except OSError as err:
        if err.errno in _NO_HARD_LINKS:
            raise NoHardLinks(err.errno, err.strerror, dst) from None
        raise
    try:
        os.unlink(src)
    except OSError as err:
        _logger.warning("%s delivered, its second link %s kept: %s", dst, src, err.strerror or err)


def discard(path):
    """Remove a file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def read_json(path):
    """The JSON value in file ``path``; None when it is missing or torn (not JSON).

    Any other failure to read it raises (OSError): read as torn, a journal
    entry another user wrote, or one an I/O error hid, would be removed, and
    its delivered file brought again as a second copy.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (FileNotFoundError, ValueError):
        return None

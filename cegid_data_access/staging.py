# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The local side of a transfer: the hidden staging folder of the import folder.

``<import>/.cegid-partial/`` holds, on the same file system as the import
folder (so that a rename is atomic):

- ``lock``: flock'ed by the running transfer (one at a time per folder);
- ``<key>.part``: a blob being downloaded;
- ``<key>.json``: the journal entry of a blob that is being (or was) delivered
  but not yet deleted from Azure. It is written and fsynced BEFORE the rename
  of ``<key>.part`` to its final name, and removed after the delete.

- ``<group>.group``: the journal of a group of files renamed together (group
  commit): their ``.part`` files are fsynced together first, then the journal
  is written (one file, one fsync and one folder fsync for the whole group)
  before the first rename; the import folder is fsynced once after the last.
  It is removed once the group's blobs are deleted (an entry whose delete
  failed is first copied to its own ``<key>.json``).

After a crash, an entry whose ``.part`` file is gone (or hard-linked to its
final name) was delivered: the blob is only deleted, never delivered twice.
An entry whose ``.part`` file is still there was not: both are dropped and the
blob is downloaded again. No partial file ever carries a final name. Hence a
``.part`` file named in a journal is removed only after that journal.
"""

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import logging
import mmap
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from .errors import ConfigError
from .naming import candidate_names

_logger = logging.getLogger(__name__)

HIDDEN_FOLDER = ".cegid-partial"
LOCK_NAME = "lock"
GROUP_SUFFIX = ".group"
_FSYNC_THREADS = 8
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100


def entry_key(blob_name, etag):
    """A file-name-safe key for one version of one blob."""
    return hashlib.sha256(f"{blob_name}\0{etag}".encode()).hexdigest()[:40]


def fsync_path(path):
    """Make the content of file ``path``, or the entries of directory ``path``, durable."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


_renameat2 = _load_renameat2()


def rename_noreplace(src, dst):
    """Rename ``src`` to ``dst`` atomically, failing with EEXIST if ``dst`` exists.

    renameat2(RENAME_NOREPLACE) where the kernel and file system have it, else
    link + unlink (a crash in between leaves ``src`` with two links, which the
    journal recovery reads as "delivered").
    """
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), dst)
    os.link(src, dst)
    os.unlink(src)


ALIGNMENT = 4096  # of offsets, lengths and buffers in O_DIRECT writes (a page: every block size divides it)


def aligned_buffer(size):
    """A writable buffer of ``size`` bytes (rounded up to ALIGNMENT), page-aligned as O_DIRECT wants it."""
    return memoryview(mmap.mmap(-1, -(-size // ALIGNMENT) * ALIGNMENT))


class PartFile:
    """The ``.part`` file of one download attempt, written in whole blocks at their offsets.

    Where the file system allows it (O_DIRECT), blocks go from our buffers to
    the disk without a copy in the page cache: every byte of an export has to
    be on disk before its blob is deleted, and buffered writes would cost a
    copy into the page cache now and its write-back in the fsync. Elsewhere
    (or once a write is refused, as on a file system with other alignment
    rules), plain buffered writes, whose write-back starts at once.
    Blocks must start at multiples of ALIGNMENT and come from aligned_buffer;
    only the last one of the file may be shorter.
    """

    def __init__(self, path):
        self.path = path
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            self.fd = os.open(path, flags | getattr(os, "O_DIRECT", 0), 0o600)
            self.direct = hasattr(os, "O_DIRECT")
        except OSError as err:
            if err.errno != errno.EINVAL:
                raise
            self.fd = os.open(path, flags, 0o600)
            self.direct = False
        self.padded = False  # the last block was written whole: the file is longer than its content

    def write_at(self, block, count, offset):
        """Write the first ``count`` bytes of ``block`` at ``offset`` (all of them, or raise OSError)."""
        if self.direct:
            length = -(-count // ALIGNMENT) * ALIGNMENT
            try:
                written = os.pwrite(self.fd, block[:length], offset)
            except OSError as err:
                if err.errno != errno.EINVAL:
                    raise
                written = 0
            if written >= count:
                self.padded = self.padded or written > count
                return
            self._stop_direct()  # refused, or cut short (a size limit): the rest the plain way
            offset, block, count = offset + written, block[written:], count - written
        _pwrite_all(self.fd, block[:count], offset)
        if count and hasattr(os, "posix_fadvise"):
            # POSIX_FADV_DONTNEED starts the write-back of these pages without waiting for it: the
            # fsync before the rename has little left to do, and the page cache does not fill up
            os.posix_fadvise(self.fd, offset, count, os.POSIX_FADV_DONTNEED)

    def _stop_direct(self):
        fcntl.fcntl(self.fd, fcntl.F_SETFL, fcntl.fcntl(self.fd, fcntl.F_GETFL) & ~os.O_DIRECT)
        self.direct = False

    def read_at(self, block, count, offset):
        """Read back into ``block`` up to ``count`` bytes of what is on disk at ``offset``; the count read."""
        if self.direct:
            try:
                return min(count, os.preadv(self.fd, [block[:-(-count // ALIGNMENT) * ALIGNMENT]], offset))
            except OSError as err:
                if err.errno != errno.EINVAL:
                    raise
                self._stop_direct()
        return os.preadv(self.fd, [block[:count]], offset)

    def finish(self, size, mtime=None):
        """Cut the padding of the last block and set the mtime: the file holds ``size`` bytes.

        Not fsynced here: StagingArea.deliver_group fsyncs a group of files at once.
        """
        if self.padded:
            os.ftruncate(self.fd, size)
        if mtime is not None:
            os.utime(self.fd, (mtime, mtime))

    def close(self):
        os.close(self.fd)


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        offset += written
        view = view[written:]


class StagingArea:
    """The hidden folder of one import folder: lock, temporary files, journal."""

    def __init__(self, import_folder):
        self.import_folder = os.path.abspath(import_folder)
        self.path = os.path.join(self.import_folder, HIDDEN_FOLDER)
        self._lock_fd = None
        self._journal_lock = threading.Lock()

    # -- lock ---------------------------------------------------------------

    def acquire(self):
        """Take the per-folder lock; False when another transfer holds it."""
        if not os.path.isdir(self.import_folder):
            raise ConfigError("import_folder", f"is not an existing folder: {self.import_folder}")
        try:
            os.makedirs(self.path, exist_ok=True)
            fd = os.open(os.path.join(self.path, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise ConfigError("import_folder", f"is not writable: {self.path}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def release(self):
        """Drop the lock (closing the descriptor releases the flock)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- files --------------------------------------------------------------

    def part_path(self, key):
        return os.path.join(self.path, key + ".part")

    def journal_path(self, key):
        return os.path.join(self.path, key + ".json")

    def open_part(self, key):
        """A fresh PartFile for one download attempt (the file of an earlier attempt goes)."""
        try:
            return PartFile(self.part_path(key))
        except FileExistsError:
            discard(self.part_path(key))
        return PartFile(self.part_path(key))

    def recover(self):
        """Read the journal after a possible crash; clean leftovers.

        Return the entries of blobs delivered but maybe not deleted, as dicts
        (blob_name, etag, md5, size, local_name, key).
        """
        delivered = []
        for name in sorted(os.listdir(self.path)):
            if name.endswith(GROUP_SUFFIX):
                self._split_group(os.path.join(self.path, name))
        names = sorted(os.listdir(self.path))
        for name in names:
            if name.endswith(".json"):
                entry = self._recover_entry(name[: -len(".json")])
                if entry:
                    delivered.append(entry)
        if delivered:  # their renames may be in the page cache only: make them durable before any delete
            fsync_path(self.import_folder)
        keep = {LOCK_NAME} | {entry["key"] + ".json" for entry in delivered}
        for name in os.listdir(self.path):
            if name not in keep:
                _logger.info("removing leftover temporary file %s", name)
                discard(os.path.join(self.path, name))
        return delivered

    def _split_group(self, path):
        """Give each delivered entry of a group journal its own ``<key>.json`` (then the group goes)."""
        try:
            with open(path, encoding="utf-8") as handle:
                entries = json.load(handle)
        except (OSError, ValueError):
            return  # torn: it was not fsynced, so no rename of the group happened
        for entry in entries:
            key = entry["key"]
            if not os.path.exists(self.journal_path(key)) and self._part_links(key) != 1:
                self.write_journal(key, entry)

    def _part_links(self, key):
        try:
            return os.stat(self.part_path(key)).st_nlink
        except FileNotFoundError:
            return 0

    def _recover_entry(self, key):
        part = self.part_path(key)
        try:
            with open(self.journal_path(key), encoding="utf-8") as handle:
                entry = json.load(handle)
        except (OSError, ValueError):
            # written before the rename: a torn entry means no rename happened
            return None
        if self._part_links(key) == 1:
            return None  # crashed before the rename: download again
        discard(part)
        entry["key"] = key
        return entry

    def write_journal(self, key, entry):
        """Write a journal entry durably (file and folder fsynced)."""
        self._write_durably(self.journal_path(key), entry)

    def drop_journal(self, key):
        discard(self.journal_path(key))

    def deliver(self, key, base, arrival, entry):
        """Move ``<key>.part`` to a free final name; return that name.

        The journal entry is written (and fsynced) before each rename attempt,
        naming the file it is about to create.
        """
        part = self.part_path(key)
        for name in candidate_names(base, arrival):
            target = os.path.join(self.import_folder, name)
            if os.path.lexists(target):
                continue
            self.write_journal(key, dict(entry, local_name=name))
            try:
                rename_noreplace(part, target)
            except FileExistsError:
                continue  # taken meanwhile by someone else: never overwrite
            fsync_path(self.import_folder)
            return name
        raise AssertionError("candidate_names is endless")


    def deliver_group(self, items, arrival):
        """Move several ``<key>.part`` files to free final names, with one group journal.

        ``items``: [(key, base name, journal entry)]. The group journal is made
        durable before the first rename, the import folder after the last.
        The ``.part`` files are fsynced first, several at once (the file system
        commits them together, where one after the other each would wait for
        its own commit).
        Return (group journal path, [(final name or None, OSError or None)]).
        Raise OSError when a file or the journal cannot be made durable
        (nothing renamed) or the folder cannot be fsynced (the journal stays:
        the next run recovers).
        """
        self._fsync_parts([key for key, _base, _entry in items])
        taken = set()
        planned = []
        for key, base, entry in items:
            name = next(name for name in candidate_names(base, arrival)
                        if name not in taken and not os.path.lexists(os.path.join(self.import_folder, name)))
            taken.add(name)
            planned.append(dict(entry, key=key, local_name=name))
        group = os.path.join(self.path, uuid.uuid4().hex + GROUP_SUFFIX)
        self._write_durably(group, planned)
        results = [self._rename_planned(entry, base, arrival)
                   for entry, (_key, base, _entry) in zip(planned, items, strict=True)]
        fsync_path(self.import_folder)
        return group, results

    def _fsync_parts(self, keys):
        if not keys:
            return
        with ThreadPoolExecutor(min(_FSYNC_THREADS, len(keys)), thread_name_prefix="cegid-fsync") as pool:
            list(pool.map(fsync_path, map(self.part_path, keys)))

    def _rename_planned(self, entry, base, arrival):
        try:
            rename_noreplace(self.part_path(entry["key"]), os.path.join(self.import_folder, entry["local_name"]))
            return entry["local_name"], None
        except FileExistsError:  # taken meanwhile by someone else: the one-file way, with its own journal
            _logger.debug("%s was taken meanwhile: delivering under another name", entry["local_name"])
        except OSError as err:
            return None, err
        record = {k: v for k, v in entry.items() if k not in ("key", "local_name")}
        try:
            return self.deliver(entry["key"], base, arrival, record), None
        except OSError as err:
            return None, err

    def _write_durably(self, path, value):
        """Write ``value`` as JSON to ``path``; fsync the file and the staging folder."""
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        fsync_path(self.path)


def discard(path):
    """Remove a file if it exists."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The hidden staging folder of an import folder: lock, part files, journal, delivery, recovery.

``<import>/.cegid-partial/`` holds, on the same file system as the import
folder (so that a hard link into it is atomic):

- ``lock``: flock'ed by the running transfer (one at a time per folder);
- ``<key>.part``: a blob being downloaded (``key``: one version of one blob,
  see ``entry_key``);
- ``<key>.resume``: the resume record of a large blob's download (blob name,
  ETag, size, and ``durable``: how many leading bytes of the ``.part`` file
  are fsynced). Written durably when the download starts, replaced
  atomically (temporary file, fsync, rename) at each checkpoint, after the
  ``.part`` file itself was fsynced: the record never claims more than the
  disk holds. A lost replacement (power cut) leaves an older, smaller claim,
  still true;
- ``<key>.json``: the journal entry of a blob that is being (or was)
  delivered but not yet deleted from Azure, written and fsynced BEFORE the
  ``.part`` file gets its final name, removed after the delete (or by the
  next run, when a new version replaced the blob meanwhile: that run
  compares its Content-MD5 with the entry's). Like every
  small file here it is replaced atomically: a crash leaves the earlier
  entry or the new one, never a torn one;
- ``<group>.group``: the journal of a group of files delivered together
  (group commit): their ``.part`` files are fsynced together first, then the
  journal is written (one file, one fsync and one folder fsync for the whole
  group) before the first rename; the import folder is fsynced once after
  the last. It is removed once the group's blobs are deleted (an entry whose
  delete failed is first copied to its own ``<key>.json``).

A final name is given by ``os.link`` (which never replaces an existing file)
and then ``os.unlink`` of the ``.part`` name. After a crash, an entry whose
``.part`` file is gone, or still has two links, was delivered: the blob is
only deleted, never delivered twice. An entry whose ``.part`` file has one
link was not: the entry goes, and the ``.part`` file stays only if a resume
record covers it (the next download continues it). No partial file ever
carries a final name. Hence a ``.part`` file named in a journal is removed
only after that journal.
"""

import errno
import fcntl
import hashlib
import json
import logging
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

from ..errors import ConfigError, DiskFull
from .files import FolderNotDurable, discard, fsync_path, link_noreplace, read_json
from .names import candidate_names

_logger = logging.getLogger(__name__)

HIDDEN_FOLDER = ".cegid-partial"
LOCK_NAME = "lock"
PART, RESUME, ENTRY, GROUP = ".part", ".resume", ".json", ".group"
_FSYNC_THREADS = 8


def entry_key(blob_name, etag):
    """A file-name-safe key for one version of one blob."""
    return hashlib.sha256(f"{blob_name}\0{etag}".encode()).hexdigest()[:40]


def _folder_error(err, code, path):
    """The CegidError of ``err`` met in the staging folder: DiskFull, or ConfigError ``code`` naming ``path``."""
    if err.errno in (errno.ENOSPC, errno.EDQUOT):  # no setting to mend: space to free
        return DiskFull("file.disk_full", detail=os.strerror(err.errno))
    return ConfigError(code, "import_folder", path=os.fsdecode(path), detail=err.strerror or str(err))


def existing_folder(import_folder):
    """``import_folder``, absolute; ConfigError when it is no existing folder (never created: a typo, a share not
    mounted, would receive the exports)."""
    path = os.path.abspath(import_folder)
    if not os.path.isdir(path):
        raise ConfigError("config.not_a_folder", "import_folder", path=path)
    return path


class StagingFolder:
    """The hidden folder of one import folder: lock, part files, resume records, journal."""

    def __init__(self, import_folder):
        self.import_folder = os.path.abspath(import_folder)
        self.path = os.path.join(self.import_folder, HIDDEN_FOLDER)
        self._lock_fd = None

    # -- lock ---------------------------------------------------------------

    def acquire(self):
        """Take the per-folder lock; False when another transfer holds it."""
        existing_folder(self.import_folder)
        try:
            os.makedirs(self.path, exist_ok=True)
            # the umask's permissions, as every file here: the folder's other user (Odoo, the script) opens it too
            fd = os.open(os.path.join(self.path, LOCK_NAME), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as err:
            raise _folder_error(err, "config.not_writable", self.path) from None
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

    # -- part files and resume records ------------------------------------------

    def part_path(self, key):
        return os.path.join(self.path, key + PART)

    def open_part(self, key, keep=0):
        """A descriptor on ``<key>.part`` for writing, its first ``keep`` bytes kept (0: a fresh, empty file).

        Its permissions are the umask's, as the original script's ``open(path, "wb")`` gave: the delivered file is
        this one, and Odoo may read it as another user than the transfer's (a script in root's crontab).
        """
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | (0 if keep else os.O_TRUNC)
        fd = os.open(self.part_path(key), flags, 0o666)
        try:
            os.ftruncate(fd, keep)  # what lies past the durable prefix may be torn or out of order
        except BaseException:
            os.close(fd)
            raise
        return fd

    def write_resume(self, key, record, first=False):
        """Record how much of ``<key>.part`` is durable (the part itself already fsynced).

        ``first``: the record of a download that starts, made durable with the
        staging folder's entries; later ones replace it atomically.
        """
        path = os.path.join(self.path, key + RESUME)
        if first:
            self._write_durably(path, record)
        else:
            self._write_file(path, record)

    def drop_part(self, key):
        """Forget a download: its resume record, then its ``.part`` file."""
        discard(os.path.join(self.path, key + RESUME))
        discard(self.part_path(key))

    def end_group(self, group, undelivered):
        """Remove the group journal ``group`` once its blobs are dealt with, then the files it could not name.

        ``undelivered``: the keys of the files whose rename failed. Their
        journals go first (the group's, then each one's own entry), made
        durable by the staging folder's fsync before any part goes, as in
        ``_remove_leftovers``: recovery reads a missing part as "delivered",
        and a power cut that kept a part's removal but not its journal's
        would delete the blob of a file that has no name. A part whose entry
        cannot go, or whose journals' removal cannot be made durable, stays
        for recovery. A part with a second link (which a failed rename does
        not leave) was given the name its entry records: both stay, as
        recovery would read them.
        """
        discard(group)
        keys = [key for key in undelivered if self.part_links(key) <= 1 and self._drop_entry(key)]
        if not keys:
            return
        try:
            fsync_path(self.path)
        except OSError as err:
            _logger.warning("staging folder not made durable (%s): its part files are left to the next run",
                            err.strerror or err)
            return
        for key in keys:
            self.drop_part(key)

    def _drop_entry(self, key):
        """Remove the journal entry of ``key``; False when it could not go (its part must then stay)."""
        try:
            self.drop_journal(key)
        except OSError:
            return False
        return True

    # -- journal --------------------------------------------------------------

    def journal_path(self, key):
        return os.path.join(self.path, key + ENTRY)

    def write_journal(self, key, entry):
        """Write a journal entry durably (file and folder fsynced)."""
        self._write_durably(self.journal_path(key), entry)

    def drop_journal(self, key):
        discard(self.journal_path(key))

    # -- recovery -------------------------------------------------------------

    def recover(self):
        """Read the journal and the resume records after a possible crash; clean the leftovers.

        Return (delivered, resumable): the journal entries of blobs delivered
        but maybe not deleted, as dicts (blob_name, etag, md5, size,
        local_name, key); the resume records of downloads to continue, by key
        (blob_name, etag, size, durable, key). A file of the staging folder
        that cannot be read or changed (another user's, an I/O error, a full
        disk) raises ConfigError (or DiskFull) before anything is touched
        further: no blob is listed, downloaded or deleted.
        """
        try:
            return self._recover()
        except OSError as err:
            raise _folder_error(err, "config.staging_unusable", err.filename or self.path) from None

    def _recover(self):
        for name in sorted(os.listdir(self.path)):
            if name.endswith(GROUP):
                self._split_group(os.path.join(self.path, name))
        delivered = [entry for name in sorted(os.listdir(self.path)) if name.endswith(ENTRY)
                     for entry in [self._recover_entry(name[: -len(ENTRY)])] if entry]
        if delivered:  # their renames may be in the page cache only: make them durable before any delete
            fsync_path(self.import_folder)
        done = {entry["key"] for entry in delivered}
        resumable = {record["key"]: record for name in sorted(os.listdir(self.path)) if name.endswith(RESUME)
                     for record in [self._recover_resume(name[: -len(RESUME)], done)] if record}
        keep = {LOCK_NAME} | {key + ENTRY for key in done} | {key + suffix for key in resumable
                                                              for suffix in (RESUME, PART)}
        self._remove_leftovers(keep)
        return delivered, resumable

    def _remove_leftovers(self, keep):
        """Remove what recovery does not ``keep``: the journals first, durably, then the ``.part`` files they name.

        A ``.part`` file gone while its journal stays reads as delivered (its
        blob is deleted): a kill between the two removals must leave the journal gone.
        """
        leftovers = [name for name in os.listdir(self.path) if name not in keep]
        journals = [name for name in leftovers if name.endswith((ENTRY, GROUP))]
        others = [name for name in leftovers if name not in journals]
        for name in journals:
            discard(os.path.join(self.path, name))
        if journals and others:
            fsync_path(self.path)
        for name in others:
            discard(os.path.join(self.path, name))
        if leftovers:
            _logger.info("removed leftover temporary files: %s", ", ".join(sorted(leftovers)))

    def _split_group(self, path):
        """Give each delivered entry of a group journal its own ``<key>.json`` (then the group goes)."""
        entries = read_json(path)
        if not isinstance(entries, list):
            return  # torn: it was not fsynced, so no rename of the group happened
        for entry in entries:
            key = entry["key"]
            # an entry of its own that does not parse (torn by a crash in an older version's in-place write) tells
            # nothing: the group's still names the delivered file
            if not isinstance(read_json(self.journal_path(key)), dict) and self.part_links(key) != 1:
                self.write_journal(key, entry)

    def part_links(self, key):
        """The links of ``<key>.part``: 1 while it has no final name, 2 or 0 once it was given one."""
        try:
            return os.stat(self.part_path(key)).st_nlink
        except FileNotFoundError:
            return 0

    def _recover_entry(self, key):
        entry = read_json(self.journal_path(key))
        if not isinstance(entry, dict):
            return None  # written before the rename: a torn entry means no rename happened
        if self.part_links(key) == 1:
            return None  # crashed before the rename: not delivered
        discard(self.part_path(key))  # the second link of a delivered file, if any
        entry["key"] = key
        return entry

    def _recover_resume(self, key, delivered):
        """A resume record still describing its ``.part`` file, or None (torn, delivered, part gone or short)."""
        if key in delivered:
            return None
        record = read_json(os.path.join(self.path, key + RESUME))
        try:
            size = os.stat(self.part_path(key)).st_size
        except OSError:
            return None
        if not isinstance(record, dict) or not isinstance(record.get("durable"), int) or size < record["durable"]:
            return None
        record["key"] = key
        return record

    # -- delivery -------------------------------------------------------------

    def deliver(self, key, base, arrival, entry):
        """Give ``<key>.part`` a free final name; return that name (the caller fsyncs the import folder).

        The journal entry is written (and fsynced) before each attempt, naming
        the file it is about to create. Raise OSError when the file got no
        name: the entry may then name a file that does not exist, and must go
        before the part (``end_group``).
        """
        part = self.part_path(key)
        for name in candidate_names(base, arrival):
            target = os.path.join(self.import_folder, name)
            if os.path.lexists(target):
                continue
            self.write_journal(key, dict(entry, local_name=name))
            try:
                link_noreplace(part, target)
            except FileExistsError:
                continue  # taken meanwhile by someone else: never overwrite
            return name
        raise AssertionError("candidate_names is endless")

    def deliver_group(self, items, arrival):
        """Give several ``<key>.part`` files free final names, with one group journal.

        ``items``: [(key, base name, journal entry)]. The ``.part`` files are
        fsynced first, several at once (the file system commits them together,
        where one after the other each would wait for its own commit); the
        group journal is made durable before the first rename, the import
        folder after the last.
        Return (group journal path, [(final name or None, OSError or None)]).
        Raise OSError when a file or the journal cannot be made durable
        (nothing renamed), FolderNotDurable when the folder cannot be fsynced
        (the journal stays: the next run recovers).
        """
        self._fsync_parts([key for key, _base, _entry in items])
        taken = set()
        planned = []
        for key, base, entry in items:
            name = next(name for name in candidate_names(base, arrival)
                        if name not in taken and not os.path.lexists(os.path.join(self.import_folder, name)))
            taken.add(name)
            planned.append(dict(entry, key=key, local_name=name))
        group = os.path.join(self.path, uuid.uuid4().hex + GROUP)
        self._write_durably(group, planned)
        results = [self._rename_planned(entry, base, arrival)
                   for entry, (_key, base, _entry) in zip(planned, items, strict=True)]
        try:
            fsync_path(self.import_folder)
        except OSError as err:
            raise FolderNotDurable(err, [name for name, _error in results]) from err
        return group, results

    def _fsync_parts(self, keys):
        if not keys:
            return
        with ThreadPoolExecutor(min(_FSYNC_THREADS, len(keys)), thread_name_prefix="cegid-fsync") as pool:
            list(pool.map(fsync_path, map(self.part_path, keys)))

    def _rename_planned(self, entry, base, arrival):
        try:
            link_noreplace(self.part_path(entry["key"]), os.path.join(self.import_folder, entry["local_name"]))
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

    # -- durable small files ---------------------------------------------------------

    @staticmethod
    def _write_file(path, value):
        """Write ``value`` as JSON to ``path`` atomically: into a temporary file, fsynced, then renamed over ``path``.

        Written in place, a crash (or a full disk) midway would leave an
        empty or cut entry where a good one stood; the temporary file left
        instead is a leftover that recovery removes.
        """
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        temporary = path + ".tmp"
        # the umask's permissions, as the part files': the other user of the folder (Odoo, or the script in root's
        # crontab) must read what this one journaled
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)

    def _write_durably(self, path, value):
        """Write ``value`` as JSON to ``path`` atomically; fsync the file and the staging folder (its rename)."""
        self._write_file(path, value)
        fsync_path(self.path)

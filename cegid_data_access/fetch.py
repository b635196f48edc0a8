# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One blob fetched into its ``.part`` file of the staging folder, continuing a recorded download, verified.

A blob larger than one GET (``AzureTuning.single_get_size``) is resumable:
its download writes a resume record when it starts and at each checkpoint
(see ``azure.download`` and ``staging.folder``). The next download of the
same version (same name and ETag, hence the same key) continues after the
recorded durable length, the MD5 of the kept prefix read back once; a record
that does not match (another size, a part file shorter than it claims, a torn
record) means a fresh start; a read back the deadline stops keeps the part
and its record for the next run. What failed for good (the blob re-exported or
gone, a wrong size or MD5, the disk) drops the part file; a download stopped
by its deadline, or by the network, keeps it for the next run. A smaller blob
comes in one GET: there is nothing to keep. A download the deadline stopped
once the blob was whole is verified and delivered as any.

Memory: the SDK holds the body of each GET whole (briefly twice, as it joins
its blocks), so a download needs about twice its first GET, and a large one
twice ``max_concurrency`` chunks. ``MemoryBudget`` makes the fetches of a
run wait until what they need fits in ``TransferTuning.memory_budget``:
many small blobs go eight at a time, a few large ones take turns, and a
run's memory stays bounded whatever the mix of sizes. A blob starts once
it has its memory, and not with less than the run's reserve left before
the deadline: a large one may have waited while another ran up to it.
"""

import contextlib
import dataclasses
import errno
import os
import threading
import time

from .azure.container import AZURE_ERRORS, OutOfTime, azure_error
from .azure.download import DeadlineReached, PartFileShort, PartWriter, download, hash_prefix
from .errors import CegidError
from .outcomes import CONTINUED, FAILED
from .staging.files import NoHardLinks

_DISK_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_PROGRESS_STEPS = 50  # at most this many progress events per blob
WRITER_QUEUE = 1  # chunks of a large blob waiting for each of the writer's two threads, at most
WRITER_AHEAD = 1  # chunks of a large blob come ahead of the hashed prefix held in memory, at most


def failure_of(err):
    """(code, params, whether a resumable part file is worth keeping) of an exception met on a blob; None: a bug."""
    if isinstance(err, OSError):
        return (*_write_failure(err), False)
    if not isinstance(err, (CegidError, *AZURE_ERRORS)):
        return None
    error = azure_error(err)  # a CegidError as is: the Cegid API could not renew the SAS
    if error.code == "azure.modified":
        return "file.reexported", {}, False
    if error.code == "azure.not_found":
        return "file.gone", {}, False
    return "file.download_failed", dict(error.params, reason_code=error.code), True


def _write_failure(err):
    """(code, params) of an OSError met on a blob's part file."""
    if isinstance(err, PartFileShort):
        return "file.part_short", {"length": err.length, "expected": err.expected}
    if isinstance(err, NoHardLinks):
        return "file.no_hard_links", {}
    if err.errno in _DISK_ERRORS:
        return "file.disk_full", {"detail": os.strerror(err.errno)}
    return "file.write_failed", {"detail": err.strerror or str(err)}


class MemoryBudget:
    """Bytes of SDK buffers the downloads of a run may hold at once (a blob needing more waits to be alone)."""

    def __init__(self, limit):
        self.limit = limit
        self.free = limit
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def hold(self, amount):
        amount = min(amount, self.limit)
        with self._changed:
            self._changed.wait_for(lambda: self.free >= amount)
            self.free -= amount
        try:
            yield
        finally:
            with self._changed:
                self.free += amount
                self._changed.notify_all()


def buffers_needed(size, tuning):
    """About the most a download of ``size`` bytes holds at once (``tuning``: AzureTuning).

    The SDK's GETs under way (each twice, briefly), and for a blob of several
    GETs the chunks waiting for the writer's threads or held ahead of the hashed prefix.
    """
    first = min(size, tuning.single_get_size)
    rest = size - first
    if rest <= 0:
        return 2 * max(first, 1)
    chunks = min(tuning.max_concurrency, -(-rest // tuning.chunk_size)) * tuning.chunk_size
    return 2 * max(first, chunks) + (2 * WRITER_QUEUE + WRITER_AHEAD) * tuning.chunk_size


@dataclasses.dataclass
class Fetched:
    """How a fetch ended: ``code`` None when the part file holds the blob (``md5``), else state, code, params."""

    state: str | None = None
    code: str | None = None
    params: dict = dataclasses.field(default_factory=dict)
    md5: str | None = None
    resumed_at: int = 0  # the bytes kept from an earlier run


class Fetcher:
    """Fetches blobs for one run (from worker threads).

    ``resumable``: the recovered resume records, by key; ``on_progress(blob,
    done_bytes)``: called from the worker threads; ``reserve``: with a
    ``deadline``, no blob starts with fewer seconds left.
    """

    def __init__(self, container, staging, tuning, resumable, deadline, on_progress, reserve=0.0):
        self.memory = MemoryBudget(tuning.memory_budget)
        self.container = container
        self.staging = staging
        self.tuning = tuning
        self.resumable = resumable
        self.deadline = deadline
        self.reserve = reserve
        self.on_progress = on_progress

    def _too_late(self):
        """Whether the deadline leaves too little time to start a blob."""
        return self.deadline is not None and self.deadline - time.monotonic() < self.reserve

    def fetch(self, blob, key):
        """Download ``blob`` (a BlobInfo) into ``<key>.part`` and verify it; a Fetched."""
        resumable = blob.size > self.tuning.azure.single_get_size
        record = self.resumable.get(key) if resumable else None
        start = record["durable"] if record and record.get("size") == blob.size else 0
        start = start if 0 <= start <= blob.size else 0
        with self.memory.hold(buffers_needed(blob.size - start, self.tuning.azure)):
            # checked once the memory is there: a large blob waits for it while another runs up to the deadline
            if self._too_late():
                return Fetched(CONTINUED, "file.not_started")
            fd = None
            try:  # creating the part file meets the disk too (ENOSPC, EMFILE): the same codes as writing it
                fd = self.staging.open_part(key, keep=start)
                return self._fetch(blob, key, fd, start, resumable)
            except OSError as err:
                self.staging.drop_part(key)
                return Fetched(FAILED, *failure_of(err)[:2])
            finally:
                if fd is not None:
                    os.close(fd)

    def _fetch(self, blob, key, fd, start, resumable):
        try:
            prefix = hash_prefix(fd, start, self.deadline) if start else None
        except DeadlineReached:  # its record not rewritten: the next run reads the part back again
            return Fetched(CONTINUED, "file.continued", {"kept": start})
        writer = self._writer(blob, key, fd, start, resumable, prefix)
        try:
            md5 = download(self.container, blob, writer, self.tuning.azure.max_concurrency if resumable else 1)
            failure = _verify(blob, writer.frontier, md5)
        except (DeadlineReached, OutOfTime):  # what was received is written (the chunks under way went on)
            if not blob.size or writer.frontier < blob.size:  # (an empty blob's GET may not have been made)
                return self._cut(key, writer, resumable)
            # stopped once whole (the deadline's check follows a write, the last one too): delivered, not fetched again
            md5 = writer.md5.hexdigest()
            failure = _verify(blob, writer.frontier, md5)
        except Exception as err:
            failure = failure_of(err)
            if failure is None:
                raise
            if resumable and failure[2]:
                writer.checkpoint()  # the next run continues from here
                return Fetched(FAILED, failure[0], failure[1])
        if failure is not None:
            self.staging.drop_part(key)
            return Fetched(FAILED, failure[0], failure[1])
        if blob.last_modified:
            stamp = blob.last_modified.timestamp()
            os.utime(fd, (stamp, stamp))
        return Fetched(md5=md5, resumed_at=start)

    def _cut(self, key, writer, resumable):
        """The Fetched of a download the deadline stopped before its end: a resumable one's part kept, durable."""
        if not resumable:  # nothing to continue from: the next run fetches it again
            self.staging.drop_part(key)
            return Fetched(CONTINUED, "file.continued", {"kept": 0})
        writer.checkpoint()
        return Fetched(CONTINUED, "file.continued", {"kept": writer.durable})

    def _writer(self, blob, key, fd, start, resumable, prefix):
        """The PartWriter of this download (``prefix``: the MD5 of the kept part); a resumable one records its
        durable length from the start."""
        on_checkpoint = None
        if resumable:
            record = {"blob_name": blob.name, "etag": blob.etag, "size": blob.size}
            self.staging.write_resume(key, dict(record, durable=start), first=True)

            def on_checkpoint(durable):
                self.staging.write_resume(key, dict(record, durable=durable))

        step, last = max(1, blob.size // _PROGRESS_STEPS), [-blob.size]

        def on_progress(done):
            if done - last[0] >= step or done == blob.size:
                last[0] = done
                self.on_progress(blob, done)

        return PartWriter(fd, start, prefix, on_progress=on_progress,
                          on_checkpoint=on_checkpoint, checkpoint_bytes=self.tuning.checkpoint_bytes,
                          checkpoint_seconds=self.tuning.checkpoint_seconds, deadline=self.deadline,
                          deadline_lead=self.tuning.azure.max_concurrency,
                          background=resumable, queue_size=WRITER_QUEUE,
                          ahead_bytes=WRITER_AHEAD * self.tuning.azure.chunk_size)


def _verify(blob, size, md5):
    """None when the download holds the listed version's ``blob.size`` bytes with its Content-MD5."""
    if size != blob.size:
        return "file.incomplete", {"received": size, "size": blob.size}, False
    if blob.content_md5 and md5 != blob.content_md5:
        return "file.md5_mismatch", {}, False
    return None

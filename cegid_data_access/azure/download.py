# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One blob into its ``.part`` file: the whole-blob MD5 in order, bounded memory, resumable, time-boxed.

The SDK's ``StorageStreamDownloader.readinto`` writes the blob into the
``PartWriter`` given to it: the first GET (``max_single_get_size``), then, for
a larger blob, GETs of ``max_chunk_get_size`` by ``max_concurrency`` threads,
each of which (holding the SDK's one stream lock) seeks to its chunk's offset
and writes it whole. Chunks therefore arrive out of order. For such a blob
the writer only queues each chunk (a bounded queue): one thread of its own
writes it at once, with plain buffered writes, and hands it to a second one,
which hashes in order the data that extends the contiguous prefix (the
*frontier*), from memory; a chunk that comes ahead of the frontier waits in
memory up to ``ahead_bytes``, past that it is hashed when the frontier
reaches it, read back from the file (the page cache, in practice). The SDK's
threads thus go back to the network while the disk and the hash work, each
on a core; a blob of one GET is written and hashed by the caller's thread.
Memory is what the SDK holds (the first GET, then at most
``max_concurrency`` chunks, each briefly twice as the SDK joins its blocks),
the two queues and ``ahead_bytes``, whatever the order in which chunks come.

Checkpoints (``on_checkpoint``): every ``checkpoint_bytes`` of frontier or
``checkpoint_seconds``, whichever comes first, the file is fsynced and the
frontier reported as durable, so that the caller records it; a download that
stops (the process killed, the connection lost, the deadline reached) can
continue from there with a ranged, ETag-conditional read
(``download_blob(offset=..., etag=..., match_condition=IfNotModified)``), the
MD5 of the kept prefix read back once. A chunk fails as a whole: what another
thread wrote past the frontier is written again by the next attempt.

At ``deadline`` (a ``time.monotonic()`` value) ``write`` raises
``DeadlineReached``; the SDK's threads each finish the chunk they are
receiving (so a download stops within about one chunk's time), no GET
starts any more (``before_request``, the SDK's ``raw_request_hook``: a
thread done with its chunk would otherwise take the next one before the
download cancels the chunks not started), and the caller checkpoints what
was written (or delivers the blob, when that was its end). With
``deadline_lead`` (the chunks in flight at once), it raises that many chunk
times before the deadline, a chunk time being the longest of the last gaps
between two chunks: on a slow link the chunks in flight then end by the
deadline, not up to a chunk time at the link's rate after it.
"""

import collections
import hashlib
import os
import queue
import threading
import time

from azure.core import MatchConditions

READ_BACK = 1024 * 1024  # bytes read back at a time to hash what was written ahead of the frontier


class DeadlineReached(Exception):
    """The download stopped at its deadline (what was received is written; the caller checkpoints it)."""


def _md5():
    return hashlib.md5()  # noqa: S324 -- Azure's Content-MD5, not security


class PartFileShort(OSError):
    """A kept part file ends before the length its resume file records (changed outside the transfer)."""

    def __init__(self, length, expected):
        super().__init__(f"part file of {length} bytes, {expected} expected")
        self.length, self.expected = length, expected


def hash_prefix(fd, length, deadline=None):
    """The MD5 of the first ``length`` bytes of file ``fd`` (a resumed download's kept part).

    Raise DeadlineReached once ``deadline`` (a ``time.monotonic()`` value,
    or None) is past: a kept part of some GBs takes seconds to read back,
    which a time-boxed run may not have.
    """
    md5 = _md5()
    _hash_range(fd, 0, length, md5, deadline)
    return md5


def _hash_range(fd, offset, length, md5, deadline=None):
    end = offset + length
    while offset < end:
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineReached()
        data = os.pread(fd, min(READ_BACK, end - offset), offset)
        if not data:
            raise PartFileShort(offset, end)
        md5.update(data)
        offset += len(data)


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        offset += written
        view = view[written:]


class PartWriter:
    """The writable, seekable stream the SDK's ``readinto`` writes one blob into (see the module docstring).

    ``start``: the blob's offset of the first byte to come (the length of the
    kept prefix, whose MD5 is ``md5``); ``on_progress(frontier)`` after each
    chunk hashed; ``on_checkpoint(durable)`` after each fsync. With
    ``background``, the SDK's threads only hand their chunks over
    (``queue_size`` at most wait): the writer's two threads write them, then
    hash and checkpoint them, so that the SDK's threads, which write under one
    lock, go back to the network at once. ``drain()`` waits for them and
    raises what they met.
    """

    def __init__(self, fd, start=0, md5=None, *, on_progress=None, on_checkpoint=None, checkpoint_bytes=0,
                 checkpoint_seconds=0.0, deadline=None, deadline_lead=0, background=False, queue_size=2,
                 ahead_bytes=0):
        self.fd = fd
        self.md5 = md5 or _md5()
        self.frontier = start  # the first ``frontier`` bytes are written and hashed
        self.durable = start  # ... and the first ``durable`` are fsynced
        self.position = start
        self._ahead = {}  # offset -> data (held in memory) or length (to read back) of chunks past the frontier
        self._ahead_budget = ahead_bytes
        self._ahead_held = 0  # bytes of _ahead held in memory
        self._on_progress = on_progress
        self._on_checkpoint = on_checkpoint
        self._checkpoint_bytes = checkpoint_bytes
        self._checkpoint_seconds = checkpoint_seconds
        self._last_checkpoint = time.monotonic()
        self._deadline = deadline
        self._deadline_lead = deadline_lead
        self._last_write = time.monotonic()
        self._gaps = collections.deque(maxlen=4)  # seconds between the last chunks (the first: since the start)
        self._stopped = False  # the deadline is reached: no GET starts any more
        self._queues = (queue.Queue(queue_size), queue.Queue(queue_size)) if background else None
        self._threads = ()
        self._error = None

    # the file object interface readinto uses ------------------------------------

    def seekable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=os.SEEK_SET):
        if whence != os.SEEK_SET:
            raise ValueError("a part file is written at absolute offsets")
        self.position = offset
        return offset

    def write(self, data):  # pylint: disable=method-required-super  # the file object protocol, not an Odoo model
        """Take ``data`` for the current position (written now, or by the writer's threads)."""
        if self._error is not None:
            raise self._error
        position, count = self.position, len(data)
        if position < self.frontier:
            raise ValueError(f"a write at {position} overlaps the hashed prefix ({self.frontier} bytes)")
        self.position += count
        if self._queues is None:
            _pwrite_all(self.fd, data, position)
            self._hash(position, data)
        else:
            if not self._threads:
                self._threads = (threading.Thread(target=self._run_writes, name="cegid-part-writer", daemon=True),
                                 threading.Thread(target=self._run_hashes, name="cegid-part-hasher", daemon=True))
                for thread in self._threads:
                    thread.start()
            self._queues[0].put((position, data))
        if self._deadline is not None and self._deadline_reached():
            self._stopped = True
            raise DeadlineReached()
        return count

    def before_request(self, _request):
        """The SDK's hook before the first attempt of each chunk's GET: none starts once the writer stopped.

        (No attempt starts past the deadline either: the container's transport stops it.)
        """
        if self._stopped:
            raise DeadlineReached()

    def _deadline_reached(self):
        """True once the chunks in flight would end past the deadline if the download went on (see above)."""
        now = time.monotonic()
        self._gaps.append(now - self._last_write)
        self._last_write = now
        return now + self._deadline_lead * max(self._gaps) >= self._deadline

    # ------------------------------------------------------------------------------------

    def _hash(self, position, data):
        """Hash ``data`` (written at ``position``) if it extends the frontier, else once the frontier gets there."""
        if position == self.frontier:
            self.md5.update(data)
            self.frontier += len(data)
            while self.frontier in self._ahead:
                held = self._ahead.pop(self.frontier)
                if isinstance(held, int):
                    _hash_range(self.fd, self.frontier, held, self.md5)
                    self.frontier += held
                else:
                    self._ahead_held -= len(held)
                    self.md5.update(held)
                    self.frontier += len(held)
        elif data:
            if self._ahead_held + len(data) <= self._ahead_budget:
                self._ahead[position] = data
                self._ahead_held += len(data)
            else:
                self._ahead[position] = len(data)
        if self._on_progress:
            self._on_progress(self.frontier)
        if self._on_checkpoint is not None and (
                self.frontier - self.durable >= self._checkpoint_bytes
                or time.monotonic() - self._last_checkpoint >= self._checkpoint_seconds):
            self.checkpoint()

    def _run_writes(self):
        writes, hashes = self._queues
        while (item := writes.get()) is not None:
            if self._error is None:
                try:
                    _pwrite_all(self.fd, item[1], item[0])
                    hashes.put(item)
                except BaseException as err:  # handed to the SDK's threads and to drain()
                    self._error = err
        hashes.put(None)

    def _run_hashes(self):
        hashes = self._queues[1]
        while (item := hashes.get()) is not None:
            if self._error is None:
                try:
                    self._hash(*item)
                except BaseException as err:  # handed to the SDK's threads and to drain()
                    self._error = err

    def drain(self):
        """Wait until every chunk handed over is written and hashed; raise what the writer's threads met."""
        if self._threads:
            self._queues[0].put(None)
            for thread in self._threads:
                thread.join()
            self._threads = ()
        if self._error is not None:
            raise self._error

    def restart(self):
        """Before another attempt: continue at the frontier (chunks written ahead are written again)."""
        self.drain()
        self._ahead.clear()
        self._ahead_held = 0
        self.position = self.frontier

    def checkpoint(self):
        """fsync the file and report the frontier as durable (when there is something new and a listener)."""
        if self._on_checkpoint is None or self.frontier == self.durable:
            return
        os.fsync(self.fd)
        self.durable = self.frontier
        self._last_checkpoint = time.monotonic()
        self._on_checkpoint(self.durable)


def download(container, blob, writer, max_concurrency):
    """Download ``blob`` (a BlobInfo) from ``writer.frontier`` to its end into ``writer``.

    Every GET is conditional on the listed ETag (412 when the blob was
    re-exported meanwhile); a Content-Encoding is not undone (the file is the
    blob's bytes). A refused SAS is renewed by ``container.call``, and the next
    attempt continues at the frontier. Its requests are bounded by the
    container's deadline (``container.call_options``, ``DeadlineTransport``).
    Raise the SDK's exceptions, OSError from the disk, DeadlineReached,
    OutOfTime (no time left to start, or the deadline stopped it); return
    the MD5 (hex) of the whole blob. Whether the file holds ``blob.size``
    bytes is the caller's check (``writer.frontier``).
    """
    def attempt(client, options):
        writer.restart()
        if writer.frontier >= blob.size and blob.size:
            return
        # a thread done with its chunk takes no other once the writer stopped, before the deadline
        options = dict(options, raw_request_hook=writer.before_request)
        stream = client.download_blob(
            blob.name, offset=writer.frontier or None, etag=blob.etag, match_condition=MatchConditions.IfNotModified,
            max_concurrency=max_concurrency, decompress=False, **options,
        )
        stream.readinto(writer)

    try:
        container.call(attempt)
    finally:
        writer.drain()
    return writer.md5.hexdigest()

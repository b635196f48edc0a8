# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Download one blob straight to its ``.part`` file, hashing it from memory on the way.

The body of each GET is read from the socket into aligned blocks of our own
(``block_size``, reused), which are hashed and written whole at their offset
(``staging.PartFile``: to the disk without a page-cache copy where the file
system allows it). No bytes object is made per read, nothing is read back
when the data arrives in order, and memory stays at a few blocks.

- ``fetch_whole``: one streamed GET; each block is hashed then written by the
  calling thread (many small blobs are downloaded at once, each by a worker).
- ``RangedDownload``: a large blob in ranged GETs (``segment_size``), by one
  connection at first, more when one is slow. The blocks go to a few writer
  threads (several writes in flight keep the disk busy) and, when they come
  in order, to a hasher thread; a block that arrives ahead of the others (from
  a later range) is only written, and the hasher reads it back when its turn
  comes.

Azure's errors and lost connections are raised as ``blobstore.AzureFailure``.
"""

import collections
import hashlib
import http.client
import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .blobstore import http_error, transport_error
from .staging import aligned_buffer

_buffers = threading.local()


def _thread_block(size):
    """A block of ``size`` bytes for the calling thread, reused from one blob to the next."""
    block = getattr(_buffers, "block", None)
    if block is None or len(block) < size:
        block = _buffers.block = aligned_buffer(size)
    return block


def _md5():
    return hashlib.md5()  # noqa: S324 -- Azure's Content-MD5, not security


def _raw_body(response):
    """The body of a streamed ``requests`` response as http.client reads it: as stored, into our buffers.

    urllib3's own ``readinto`` reads into a new bytes object and copies it;
    the http.client response under it (``_fp``, in urllib3 1.26 and 2.x)
    reads from the socket straight into the caller's buffer, and decodes no
    Content-Encoding: the MD5 is that of the blob's bytes.
    """
    return getattr(response.raw, "_fp", None) or response.raw


def _fill(body, view):
    """Fill ``view`` from ``body``; the count, short only at the end of the body."""
    filled = 0
    try:
        while filled < len(view):
            count = body.readinto(view[filled:])
            if not count:
                break
            filled += count
    except (OSError, http.client.HTTPException) as err:
        raise transport_error(err) from err
    return filled


def _get(session, url, headers, timeout, expected):
    """A streamed GET answered ``expected``; AzureFailure otherwise."""
    import requests

    try:
        response = session.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.RequestException as err:
        raise transport_error(err) from err
    if response.status_code != expected:
        response.close()
        raise http_error(response)
    return response


def fetch_whole(session, url, etag, part, *, api_version, block_size, timeout, on_progress=None):
    """Stream the whole blob at ``url`` (version ``etag``) into ``part`` (a PartFile).

    One plain GET on the shared session: for small blobs the SDK's pipeline
    costs more CPU than the transfer itself. Return (bytes received, MD5 in hex).
    """
    md5 = _md5()
    done = 0
    response = _get(session, url, {"x-ms-version": api_version, "If-Match": etag}, timeout, 200)
    with response:
        total = int(response.headers.get("Content-Length", 0))
        body = _raw_body(response)
        block = _thread_block(block_size)
        while count := _fill(body, block[:block_size]):
            md5.update(block[:count])
            part.write_at(block, count, done)
            done += count
            if on_progress:
                on_progress(done, total)
        if done == total:
            response.raw.release_conn()
    return done, md5.hexdigest()


class _Block:
    """An aligned buffer, and how many of the writer and the hasher still need it."""

    __slots__ = ("users", "view")

    def __init__(self, size):
        self.view = aligned_buffer(size)
        self.users = 0


class _Pipeline:
    """What the connections, the writers and the hasher of one ranged download share (under ``cond``)."""

    def __init__(self, part, size, block_size):
        self.part = part
        self.size = size
        self.block_size = block_size
        self.cond = threading.Condition()
        self.free = []
        self.blocks = 0  # allocated so far, up to max_blocks, as they are needed
        self.max_blocks = 0
        self.error = None
        self.written = 0  # bytes on disk
        self.written_prefix = 0  # everything before it is on disk
        self._written_ahead = {}  # offset -> count of blocks on disk past the prefix
        self.claimed = 0  # everything before it is hashed, queued for the hasher, or being read back
        self.for_hasher = collections.deque()  # (block, count), in order, from ``claimed`` down

    def fail(self, err):
        with self.cond:
            self.error = self.error or err
            self.cond.notify_all()

    def allow_blocks(self, count):
        with self.cond:
            self.max_blocks = count
            self.cond.notify_all()

    def take_block(self):
        """A free block; raise the download's error when it failed meanwhile."""
        with self.cond:
            while not self.free and self.blocks >= self.max_blocks and self.error is None:
                self.cond.wait()
            if self.error is not None:
                raise self.error
            if self.free:
                return self.free.pop()
            self.blocks += 1
        return _Block(self.block_size)

    def received(self, block, count, offset):
        """``count`` bytes arrived in ``block`` for ``offset``: for the writers, and for the hasher if in order."""
        with self.cond:
            in_order = offset == self.claimed
            block.users = 2 if in_order else 1
            if in_order:
                self.for_hasher.append((block, count))
                self.claimed += count
                self.cond.notify_all()

    def unused(self, block):
        """``block`` received nothing: free again."""
        with self.cond:
            block.users = 1
            self.release(block)

    def release(self, block):
        """One user is done with ``block`` (call with ``cond`` held)."""
        block.users -= 1
        if not block.users:
            self.free.append(block)
            self.cond.notify_all()

    def on_disk(self, block, count, offset):
        """``block`` was written at ``offset`` (call with ``cond`` held)."""
        self.written += count
        self._written_ahead[offset] = count
        while self.written_prefix in self._written_ahead:
            self.written_prefix += self._written_ahead.pop(self.written_prefix)
        self.release(block)

    def hash_in_order(self):
        """MD5 of the whole blob, from memory or read back; None when the download failed."""
        md5 = _md5()
        done = 0
        read_back = None
        while done < self.size:
            with self.cond:
                while self.error is None and not self.for_hasher and self.written_prefix <= self.claimed:
                    self.cond.wait()
                if self.error is not None:
                    return None
                if self.for_hasher:
                    block, count = self.for_hasher.popleft()
                else:  # written by a connection that was ahead: read it back
                    block, count, start = None, self.written_prefix - self.claimed, self.claimed
                    self.claimed = self.written_prefix
            if block is not None:
                md5.update(block.view[:count])
                with self.cond:
                    self.release(block)
            else:
                read_back = read_back or aligned_buffer(self.block_size)
                self._hash_from_disk(md5, read_back, start, count)
            done += count
        return md5

    def _hash_from_disk(self, md5, buffer, start, count):
        end = start + count
        while start < end:
            read = self.part.read_at(buffer, min(len(buffer), end - start), start)
            if not read:
                raise OSError("short read back")
            md5.update(buffer[:read])
            start += read


class RangedDownload:
    """Download ``size`` bytes of the blob at ``url`` (version ``etag``) into ``part`` (a PartFile).

    ``session``: a requests session; ``on_progress(done, total)`` is called
    from worker threads.

    One connection streams the segments in order at first: the MD5 has to be
    computed in order, and when one connection already brings the data about
    as fast as it can be hashed, more connections only reorder its arrival
    (the hash waits for the first segment while four share the bandwidth,
    then has a backlog at the end). Each time a segment completes while each
    connection brings less than ``slow_connection`` bytes per second while it
    receives (a distant or throttled server; a disk that cannot keep up is no
    reason), another one joins, up to ``concurrency``. ``writers`` blocks are
    written at once.
    """

    def __init__(self, session, url, etag, size, *, api_version, segment_size, concurrency, block_size,
                 writers, timeout, slow_connection, on_progress=None):
        self.session = session
        self.url = url
        self.size = size
        self.headers = {"x-ms-version": api_version, "If-Match": etag}
        self.segment_size = segment_size
        self.concurrency = max(1, concurrency)
        self.block_size = min(block_size, segment_size)
        self.writers = max(1, writers)
        self.timeout = timeout
        self.slow_connection = slow_connection
        self.on_progress = on_progress
        self.streams = 0  # connections started so far
        self._received = 0  # bytes, and seconds spent waiting for them on the connections
        self._receiving = 0.0
        self._next_segment = 0
        self._lock = threading.Lock()

    def run(self, part):
        """Fill ``part``; return (bytes written, MD5 in hex) or raise."""
        pipeline = _Pipeline(part, self.size, self.block_size)
        with ThreadPoolExecutor(self.writers, thread_name_prefix="cegid-write") as writers, \
                ThreadPoolExecutor(self.concurrency + 1, thread_name_prefix="cegid-range") as pool:
            hasher = pool.submit(pipeline.hash_in_order)
            streams = []

            def add_stream():
                self.streams += 1
                # a block per connection being filled, per write in flight, and two waiting for the hasher
                pipeline.allow_blocks(self.streams + self.writers + 2)
                streams.append(pool.submit(self._stream, pipeline, writers, add_stream))

            with self._lock:
                add_stream()
            try:
                # a stream may add the next one until its own end: wait for every one added
                for index in itertools.count():
                    with self._lock:
                        if index >= len(streams):
                            break
                        stream = streams[index]
                    stream.result()
            except BaseException as err:
                pipeline.fail(err)
                raise
            md5 = hasher.result()
        # every write has ended here (leaving ``with`` waits for the writers): one may have failed
        if pipeline.error is not None:
            raise pipeline.error
        return pipeline.written, md5.hexdigest()

    def _stream(self, pipeline, writers, add_stream):
        """One connection: take the next segment until none is left or the download failed."""
        while pipeline.error is None:
            with self._lock:
                index = self._next_segment
                if index * self.segment_size >= self.size:
                    return
                self._next_segment += 1
            self._segment(pipeline, writers, index)
            with self._lock:
                # per connection, while receiving: a slow disk (a stream waiting for a free block) is no reason
                rate = self._received / max(self._receiving, 1e-6)
                more_left = self._next_segment * self.segment_size < self.size
                if rate < self.slow_connection and self.streams < self.concurrency and more_left:
                    add_stream()

    def _segment(self, pipeline, writers, index):
        start = index * self.segment_size
        end = min(start + self.segment_size, self.size)
        headers = dict(self.headers, Range=f"bytes={start}-{end - 1}")
        response = _get(self.session, self.url, headers, self.timeout, 206)
        with response:
            body = _raw_body(response)
            offset = start
            while offset < end:
                block = pipeline.take_block()
                waited = time.monotonic()
                count = _fill(body, block.view[:min(self.block_size, end - offset)])
                with self._lock:
                    self._received += count
                    self._receiving += time.monotonic() - waited
                if not count:
                    pipeline.unused(block)
                    break
                pipeline.received(block, count, offset)
                writers.submit(self._write, pipeline, block, count, offset)
                offset += count
            if offset == end:
                # the whole body was read: the connection can serve the next range
                response.raw.release_conn()
        if offset != end:
            raise transport_error(f"range {start}-{end - 1} ended after {offset - start} bytes")

    def _write(self, pipeline, block, count, offset):
        try:
            if pipeline.error is not None:
                raise pipeline.error  # the download failed: no use writing what is left
            pipeline.part.write_at(block.view, count, offset)
        except BaseException as err:
            pipeline.fail(err)
            with pipeline.cond:
                pipeline.release(block)
            return
        with pipeline.cond:
            pipeline.on_disk(block, count, offset)
            # under the lock, so that the reports stay in order
            if self.on_progress:
                self.on_progress(pipeline.written, self.size)

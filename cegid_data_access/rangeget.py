# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Parallel ranged download of one large blob, streamed straight to disk.

The SDK's chunked download reads every chunk whole into memory, joins it,
then writes it under one lock that also covers our hashing, and needs one
request per few MiB (the emulator and Azure pay for each). Here one thread,
or a few when one is slow (see RangedDownload), stream long ranges
(``segment_size``) with plain GETs on the blob's SAS URL, through the
container's shared ``requests`` session, read them from the socket into a
buffer of their own, reused, and ``os.pwrite`` them at their offset: memory stays at one buffer per thread, and no bytes
object is made per read. A hasher thread computes the MD5 in order, reading
back (into its own buffer) from the page cache the prefix that is already
on disk, while later ranges are still arriving, then starts the write-back
of what it has hashed.

Azure's errors and lost connections are raised as ``blobstore.AzureFailure``.
"""

import hashlib
import http.client
import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .blobstore import http_error, transport_error

_HASH_BLOCK = 1024 * 1024


class _Progress:
    """Bytes written per segment, and the MD5 of the contiguous prefix."""

    def __init__(self, size, segment_size):
        self.size = size
        self.segment_size = segment_size
        self.written = [0] * ((size + segment_size - 1) // segment_size)
        self.total = 0
        self.failed = False
        self.cond = threading.Condition()

    def add(self, segment, count, on_progress=None):
        """Count ``count`` more bytes on disk; report under the lock so reports stay in order."""
        with self.cond:
            self.written[segment] += count
            self.total += count
            self.cond.notify_all()
            if on_progress:
                on_progress(self.total, self.size)

    def fail(self):
        with self.cond:
            self.failed = True
            self.cond.notify_all()

    def contiguous(self):
        """End of the prefix that is entirely on disk (call with cond held)."""
        end = 0
        for count in self.written:
            end += count
            if count < self.segment_size:
                break
        return end


def _hash_in_order(fd, progress):
    """MD5 of the file as its prefix fills in; None when the download failed."""
    md5 = hashlib.md5()  # noqa: S324 -- Azure's Content-MD5, not security
    buffer = memoryview(bytearray(_HASH_BLOCK))
    done = 0
    while done < progress.size:
        with progress.cond:
            while not progress.failed and progress.contiguous() <= done:
                progress.cond.wait()
            if progress.failed:
                return None
            end = progress.contiguous()
        start = done
        while done < end:
            count = os.preadv(fd, [buffer[:min(_HASH_BLOCK, end - done)]], done)
            if not count:
                raise OSError("short read back")
            md5.update(buffer[:count])
            done += count
        _start_writeback(fd, start, done - start)
    return md5


def _start_writeback(fd, offset, length):
    """Start writing a hashed range to disk now, while later ranges still arrive.

    On Linux, POSIX_FADV_DONTNEED starts the write-back of dirty pages without
    waiting for it: the fsync before the rename then has little left to wait for,
    and the page cache does not fill up with the whole blob.
    """
    if length and hasattr(os, "posix_fadvise"):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def fetch_whole(session, url, etag, target, *, api_version, block_size, timeout, on_progress=None):
    """Stream the whole blob at ``url`` (version ``etag``) into ``target`` (its ``write``).

    One plain GET on the shared session: for small blobs the SDK's pipeline
    costs more CPU than the transfer itself. Return the bytes received.
    """
    import requests

    headers = {"x-ms-version": api_version, "If-Match": etag}
    try:
        response = session.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.RequestException as err:
        raise transport_error(err) from err
    with response:
        if response.status_code != 200:
            raise http_error(response)
        total = int(response.headers.get("Content-Length", 0))
        body = _raw_body(response)
        buffer = _thread_buffer(block_size)
        done = 0
        while count := _read_into(body, buffer):
            target.write(buffer[:count])
            done += count
            if on_progress:
                on_progress(done, total)
        if done == total:
            response.raw.release_conn()
    return done


_buffers = threading.local()


def _thread_buffer(size):
    """A buffer of ``size`` bytes for the calling thread, reused from one blob to the next."""
    buffer = getattr(_buffers, "buffer", None)
    if buffer is None or len(buffer) != size:
        buffer = _buffers.buffer = memoryview(bytearray(size))
    return buffer


def _raw_body(response):
    """The body of a streamed ``requests`` response as http.client reads it: as stored, into our buffers.

    urllib3's own ``readinto`` reads into a new bytes object and copies it;
    the http.client response under it (``_fp``, in urllib3 1.26 and 2.x)
    reads from the socket straight into the caller's buffer, and decodes no
    Content-Encoding: the MD5 is that of the blob's bytes.
    """
    return getattr(response.raw, "_fp", None) or response.raw


def _read_into(body, view):
    """Fill ``view`` from ``body`` as far as one read goes; the count (0 at the end)."""
    try:
        return body.readinto(view)
    except (OSError, http.client.HTTPException) as err:
        raise transport_error(err) from err


def _pwrite_all(fd, data, offset):
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        offset += written
        view = view[written:]


class RangedDownload:
    """Download ``size`` bytes of the blob at ``url`` (version ``etag``) into ``fd``.

    ``session``: a requests session; ``on_progress(done, total)`` is called
    from worker threads.

    One connection streams the segments in order at first: the MD5 has to be
    computed in order, and when one connection already brings the data about
    as fast as it can be hashed, more connections only reorder its arrival
    (the hash waits for the first segment while four share the bandwidth,
    then has a backlog at the end). Each time a segment completes while each
    connection brings less than ``slow_connection`` bytes per second (a
    distant or throttled server), another one joins, up to ``concurrency``.
    """

    def __init__(self, session, url, etag, size, *, api_version, segment_size, concurrency, block_size,
                 timeout, slow_connection, on_progress=None):
        self.session = session
        self.url = url
        self.etag = etag
        self.size = size
        self.headers = {"x-ms-version": api_version, "If-Match": etag}
        self.segment_size = segment_size
        self.concurrency = max(1, concurrency)
        self.block_size = block_size
        self.timeout = timeout
        self.slow_connection = slow_connection
        self.on_progress = on_progress
        self.streams = 0  # connections started so far
        self._next_segment = 0
        self._lock = threading.Lock()

    def run(self, fd):
        """Fill ``fd``; return (bytes written, md5 object) or raise."""
        progress = _Progress(self.size, self.segment_size)
        started = time.monotonic()
        with ThreadPoolExecutor(self.concurrency + 1, thread_name_prefix="cegid-range") as pool:
            hasher = pool.submit(_hash_in_order, fd, progress)
            streams = []

            def add_stream():
                self.streams += 1
                streams.append(pool.submit(self._stream, fd, progress, started, add_stream))

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
            except BaseException:
                progress.fail()
                raise
            md5 = hasher.result()
        return progress.total, md5

    def _stream(self, fd, progress, started, add_stream):
        """One connection: take the next segment until none is left or the download failed."""
        while not progress.failed:
            with self._lock:
                index = self._next_segment
                if index * self.segment_size >= self.size:
                    return
                self._next_segment += 1
            self._segment(fd, index, progress)
            with self._lock:
                rate = progress.total / max(time.monotonic() - started, 1e-6) / self.streams
                more_left = self._next_segment * self.segment_size < self.size
                if rate < self.slow_connection and self.streams < self.concurrency and more_left:
                    add_stream()

    def _segment(self, fd, index, progress):
        start = index * self.segment_size
        end = min(start + self.segment_size, self.size) - 1
        response = self._get(start, end)
        buffer = _thread_buffer(self.block_size)
        with response:
            body = _raw_body(response)
            offset = start
            while offset <= end:
                count = _read_into(body, buffer[:min(self.block_size, end + 1 - offset)])
                if not count:
                    break
                _pwrite_all(fd, buffer[:count], offset)
                offset += count
                progress.add(index, count, self.on_progress)
            if offset == end + 1:
                # the whole body was read: the connection can serve the next range
                response.raw.release_conn()
        if offset != end + 1:
            raise transport_error(f"range {start}-{end} ended after {offset - start} bytes")

    def _get(self, start, end):
        import requests

        headers = dict(self.headers, Range=f"bytes={start}-{end}")
        try:
            response = self.session.get(self.url, headers=headers, stream=True, timeout=self.timeout)
        except requests.RequestException as err:
            raise transport_error(err) from err
        if response.status_code != 206:
            response.close()
            raise http_error(response)
        return response

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A TCP proxy on 127.0.0.1 that forwards to a server and injects network faults.

Faults act on the bytes the server sends back (downloads):

- ``cut_after(n, times=1)``: the next ``times`` connections are reset after
  forwarding ``n`` response bytes;
- ``pause_after(n)``: forwarding stops once ``n`` response bytes went through
  (all connections counted together) until ``release()``; ``paused`` is set then;
- ``throttle(rate)``: responses (all connections together) go at ``rate`` bytes
  per second at most, as over a slow link; ``throttle(None)`` lifts it.

``forwarded`` counts the response bytes sent to clients so far.
"""

import contextlib
import logging
import socket
import struct
import threading
import time

_logger = logging.getLogger(__name__)

_BUFFER = 65536


class TcpProxy:
    """Use as a context manager; ``port`` is where clients connect."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = None
        self.paused = threading.Event()
        self.cuts_done = 0
        self.connections = 0  # accepted so far
        self._listener = None
        self._lock = threading.Lock()
        self._cut_after = None
        self._cuts_left = 0
        self._pause_after = None
        self._forwarded = 0
        self._rate = None
        self._next_send = 0.0  # monotonic time before which a throttled response may not send more
        self._resume = threading.Event()
        self._resume.set()
        self._sockets = set()
        self._closed = False

    # -- faults ---------------------------------------------------------------

    def cut_after(self, n_bytes, times=1):
        """Reset the next ``times`` connections after ``n_bytes`` of response each."""
        with self._lock:
            self._cut_after, self._cuts_left = n_bytes, times

    def pause_after(self, n_bytes):
        """Hold all responses once ``n_bytes`` more response bytes went through."""
        with self._lock:
            self._pause_after = self._forwarded + n_bytes
            self._resume.clear()
            self.paused.clear()

    def throttle(self, bytes_per_second):
        """Send responses at ``bytes_per_second`` at most (all connections together); None: no limit."""
        with self._lock:
            self._rate = bytes_per_second
            self._next_send = time.monotonic()

    @property
    def forwarded(self):
        """Response bytes sent to clients so far."""
        with self._lock:
            return self._forwarded

    def release(self):
        """Resume forwarding after a pause."""
        with self._lock:
            self._pause_after = None
        self._resume.set()

    # -- life cycle -------------------------------------------------------------

    def start(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True, name="tcpproxy").start()
        return self

    def stop(self):
        self._closed = True
        self.release()
        with contextlib.suppress(OSError):
            self._listener.close()
        for sock in list(self._sockets):
            with contextlib.suppress(OSError):
                sock.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- forwarding ---------------------------------------------------------------

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self.connections += 1
                cut = None
                if self._cuts_left > 0:
                    self._cuts_left -= 1
                    cut = self._cut_after
            self._sockets.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, False, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True, cut), daemon=True).start()

    def _pump(self, source, sink, response, cut):
        """Copy ``source`` to ``sink``; a ``response`` stream may be paused or ``cut``."""
        sent = 0
        try:
            while True:
                data = source.recv(_BUFFER)
                if not data:
                    break
                if response:
                    data = self._before_send(data)
                    if cut is not None and sent + len(data) >= cut:
                        sink.sendall(data[: cut - sent])
                        self._reset(source, sink)
                        return
                sink.sendall(data)
                sent += len(data)
        except OSError:
            _logger.debug("proxied connection ended by a socket error", exc_info=True)
        self._close(source, sink)

    def _before_send(self, data):
        """Count response bytes; block at the pause point until released."""
        with self._lock:
            limit = self._pause_after
        if limit is not None and self._forwarded + len(data) > limit:
            self.paused.set()
            self._resume.wait()
        with self._lock:
            self._forwarded += len(data)
            wait = 0.0
            if self._rate:
                start = max(self._next_send, time.monotonic())
                self._next_send = start + len(data) / self._rate
                wait = start - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        return data

    def _reset(self, source, sink):
        """Abort both sides: the client gets a reset in the middle of its answer."""
        with self._lock:
            self.cuts_done += 1
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # shutdown wakes the thread blocked in recv() on the other direction;
            # close() alone would not, and the client would wait for its timeout
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RD)
        self._close(source, sink)

    def _close(self, *socks):
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the other direction's thread
            with contextlib.suppress(OSError):
                sock.close()
            self._sockets.discard(sock)

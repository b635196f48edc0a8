# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A TCP proxy on 127.0.0.1 that forwards to a server and injects network faults.

Faults act on the bytes the server sends back (downloads):

- ``cut_after(n, times=1)``: the next ``times`` connections are reset after
  forwarding ``n`` response bytes; ``reset_all()`` resets the open ones now;
- ``pause_after(n)``: forwarding stops once ``n`` response bytes went through
  (all connections counted together) until ``release()``; ``paused`` is set then;
- ``throttle(rate)``: responses go at about ``rate`` bytes per second (all
  connections together), as over a slow link;
- ``answer(marker, status)``: a request whose head contains ``marker`` is not
  forwarded; the proxy answers it with ``status`` itself, as a gateway that
  does not support an operation would, and closes that connection;
- ``rewrite(old, new)``: the response bytes ``old`` are forwarded as ``new``
  (of the same length, so that the answer's framing stays right), as a middle
  box that alters answers would.

What went through is counted: ``response_bytes`` (every response byte
forwarded), ``heads`` (the head of every request, as text) and
``head_times`` (the ``time.monotonic()`` at which each of them reached the
proxy, in the same order).
"""

import contextlib
import logging
import socket
import struct
import threading
import time

_logger = logging.getLogger(__name__)

_BUFFER = 65536
_METHODS = (b"GET ", b"PUT ", b"POST ", b"DELETE ", b"HEAD ")


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
        self._resume = threading.Event()
        self._resume.set()
        self._sockets = set()
        self._closed = False
        self._rate = None
        self._send_at = 0.0
        self._answers = []
        self._rewrites = []
        self.heads = []
        self.head_times = []

    @property
    def response_bytes(self):
        """Response bytes forwarded so far, all connections together."""
        with self._lock:
            return self._forwarded

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

    def release(self):
        """Resume forwarding after a pause."""
        with self._lock:
            self._pause_after = None
        self._resume.set()

    def reset_all(self):
        """Reset every open connection now (clients see them cut)."""
        sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def throttle(self, rate):
        """Forward responses at about ``rate`` bytes per second (None: at full speed)."""
        with self._lock:
            self._rate = rate

    def answer(self, marker, status, error_code="FeatureNotSupported"):
        """Answer requests whose head contains ``marker`` (bytes) with ``status`` instead of forwarding them."""
        with self._lock:
            self._answers.append((marker, status, error_code))

    def rewrite(self, old, new):
        """Forward the response bytes ``old`` as ``new`` (bytes of the same length), within one read."""
        if len(old) != len(new):
            raise ValueError("a rewrite keeps the length of the answer")
        with self._lock:
            self._rewrites.append((old, new))

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
            threading.Thread(target=self._pump_requests, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, cut), daemon=True).start()

    def _pump(self, source, sink, cut):
        """Copy the responses of ``source`` to ``sink``, which may be paused, throttled or ``cut``."""
        sent = 0
        try:
            while True:
                data = source.recv(_BUFFER)
                if not data:
                    break
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

    def _pump_requests(self, client, server):
        """Copy the requests of ``client`` to ``server``, noting their heads; answer some in the server's place."""
        try:
            while True:
                data = client.recv(_BUFFER)
                if not data:
                    break
                if data.startswith(_METHODS):  # a request starts (clients wait for an answer before the next)
                    head = data.partition(b"\r\n\r\n")[0]
                    with self._lock:
                        self.heads.append(head.decode("latin-1"))
                        self.head_times.append(time.monotonic())
                        answer = next((a for a in self._answers if a[0] in head), None)
                    if answer:
                        self._answer(client, *answer[1:])
                        break
                server.sendall(data)
        except OSError:
            _logger.debug("proxied connection ended by a socket error", exc_info=True)
        self._close(client, server)

    @staticmethod
    def _answer(client, status, error_code):
        body = (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{error_code}</Code>"
                "<Message>Refused by the proxy</Message></Error>").encode()
        head = (f"HTTP/1.1 {status} Refused by the proxy\r\nContent-Type: application/xml\r\n"
                f"Content-Length: {len(body)}\r\nx-ms-error-code: {error_code}\r\nConnection: close\r\n\r\n")
        client.sendall(head.encode() + body)

    def _before_send(self, data):
        """Count response bytes; block at the pause point until released; keep to the throttled rate; rewrite."""
        with self._lock:
            limit, rate = self._pause_after, self._rate
        if limit is not None and self._forwarded + len(data) > limit:
            self.paused.set()
            self._resume.wait()
        if rate:  # one schedule for every connection: together they get ``rate``
            with self._lock:
                now = time.monotonic()
                self._send_at = max(now, self._send_at) + len(data) / rate
                wait = self._send_at - now
            time.sleep(wait)
        with self._lock:
            self._forwarded += len(data)
            rewrites = list(self._rewrites)
        for old, new in rewrites:
            data = data.replace(old, new)
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

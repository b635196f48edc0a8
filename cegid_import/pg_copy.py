# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An export file's rows into a table by COPY, converted in a thread of their own a couple of batches ahead.

psycopg2 lets go of the GIL while it sends a batch and waits for the server to
take it: meanwhile the next batch is converted (:func:`converted_ahead`), so
that the client converts while the server parses, instead of each waiting
for the other.
"""

import contextlib
import queue
import threading
import time

from psycopg2 import sql

from .pg_like import identifier
from .reader import collector_eased
from .text_file import READ_CHUNK

COPY_BATCHES_AHEAD = 2


class CopyStream:
    """A file-like object for ``copy_expert`` over an iterator of COPY text; keeps the error that stopped it.

    When reading fails, psycopg2 aborts the COPY with a generic message; the
    original error stays in ``error`` so that the caller can report it.
    """

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self.error = None

    # a file object for psycopg2, not an Odoo model: there is no super().read to call
    def read(self, _size=-1):  # pylint: disable=method-required-super
        """The next chunk of COPY text ('' at the end)."""
        try:
            return next(self._chunks, "")
        except Exception as err:
            self.error = err
            raise

    def readline(self, size=-1):
        """psycopg2 only calls read(); defined for file-like completeness."""
        return self.read(size)


class PartStream(CopyStream):
    """A :class:`CopyStream` over ``(text, rows, line)`` parts that ends at ``until``; counts what it gave.

    ``rows`` and ``line`` are those of the last part handed to the COPY;
    ``stopped`` tells the deadline ended it, not the file. The first part
    goes whatever the time: each stream moves the load forward.
    """

    def __init__(self, parts, until=None):
        super().__init__(parts)
        self._until = until
        self.rows, self.line, self.stopped = 0, 0, False

    def read(self, _size=-1):  # pylint: disable=method-required-super
        """The next part's COPY text; '' at the end of the file or once the deadline has passed."""
        if self._until is not None and self.rows and time.monotonic() >= self._until:
            self.stopped = True
            return ""
        try:
            part = next(self._chunks, None)
        except Exception as err:
            self.error = err
            raise
        if part is None:
            return ""
        text, rows, self.line = part
        self.rows += rows
        return text


@contextlib.contextmanager
def converted_ahead(chunks, ahead=COPY_BATCHES_AHEAD):
    """Run the iterator ``chunks`` in a thread of its own, at most ``ahead`` items ahead; yield their iterator.

    psycopg2 lets go of the GIL while it sends a batch and waits for the
    server to take it: meanwhile the next batch is converted, so that the
    conversion (Python) and the COPY (the server) work side by side instead
    of in turns. Memory stays at ``ahead`` + 2 batches. An error of the
    thread is raised by the iterator; leaving the block early stops and
    closes ``chunks``.
    """
    handover = queue.Queue(ahead)
    stopped = threading.Event()

    def offer(item):
        while not stopped.is_set():
            try:
                handover.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce():
        try:
            for chunk in chunks:
                if not offer((chunk, None)):
                    return
            offer((None, None))
        except BaseException as err:  # handed to the consumer, which raises it
            offer((None, err))
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def consume():
        while True:
            chunk, error = handover.get()
            if error is not None:
                raise error
            if chunk is None:
                return
            yield chunk

    producer = threading.Thread(target=produce, name="cegid-copy-convert", daemon=True)
    producer.start()
    try:
        yield consume()
    finally:
        stopped.set()
        producer.join()


def copy_sql(export, extra_columns=(), table=None, freeze=False):
    """The COPY statement loading ``export``'s columns then ``extra_columns`` into ``table`` (its own by default).

    Text format with ``NULL ''``: an empty value is NULL (what the ORM stores for an empty text or date).
    """
    columns = [column.field for column in export.columns] + list(extra_columns)
    return sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT text, NULL ''{})").format(
        identifier(table or export.table), sql.SQL(", ").join(map(identifier, columns)),
        sql.SQL(", FREEZE" if freeze else ""))


def copy_rows(cursor, reader, extra, table=None, freeze=False):
    """COPY the reader's rows into ``table``; re-raise the reader's own error rather than the driver's."""
    batches = reader.copy_batches([str(value) for value in extra.values()])
    stream = None
    try:
        with collector_eased(), converted_ahead(batches) as ahead:
            stream = CopyStream(ahead)
            cursor.copy_expert(copy_sql(reader.export, extra.keys(), table, freeze), stream, size=READ_CHUNK)
    except Exception:
        if stream is not None and stream.error is not None:
            raise stream.error from None
        raise
    return reader.row_count

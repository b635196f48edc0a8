# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Azure side of a transfer: the export container, reached by a SAS URL.

In ``api`` mode the URL comes from the Cegid API and is renewed when Azure
refuses it mid-run; in ``sas_url`` mode it is the static URL of the settings.
The container is listed, its blobs downloaded and deleted by plain REST calls
on one ``requests`` session: the Azure SDK is not needed to move files, and
its import alone (with the CPU it takes from the downloads under way) would
cost about as much as a small run's transfer. Azure's answers become
``AzureFailure`` errors, which the engine classifies.
"""

import base64
import dataclasses
import datetime
import email.utils
import logging
import re
import threading
import time
import uuid
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit, urlunsplit

from .errors import ApiError, AuthenticationError, ConnectionFailure

_logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_BATCH = 256  # sub-requests per Blob Batch request (the service's limit)


@dataclasses.dataclass
class TransferTuning:
    """Knobs of the transfer engine; the defaults suit a cron job on a small server."""

    workers: int = 8  # blobs downloaded at once
    chunk_concurrency: int = 4  # connections per large blob, at most...
    slow_connection: int = 64 * MIB  # ...added one by one while each brings less than this (bytes/s)
    single_get_size: int = 32 * MIB  # blobs up to this size: one streamed GET; larger ones: parallel ranges
    segment_size: int = 32 * MIB  # one GET per segment in a ranged download
    block_size: int = 8 * MIB  # bytes read from the socket, hashed and written to disk at a time
    write_concurrency: int = 4  # blocks of a large blob written to disk at once
    list_page_size: int = 5000  # blobs per List Blobs call (the service's maximum)
    delete_batch_size: int = MAX_BATCH  # delete the blobs of delivered files this many at a time...
    delete_delay: float = 0.2  # ...or after this many seconds (or when nothing else is running)
    attempts: int = 3  # attempts of a blob, a batch of deletes or a listing page on transient errors
    backoff: float = 1.0  # seconds before the 2nd attempt, doubled each time
    connection_timeout: float = 10
    read_timeout: float = 60


def sas_expiry(url):
    """The expiry (``se=``) of a SAS URL as an aware UTC datetime, or None."""
    values = parse_qs(urlsplit(url or "").query).get("se")
    if not values:
        return None
    text = values[0].strip().replace("Z", "+00:00")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc)


def sas_permissions(url):
    """The permissions (``sp=``) of a SAS URL, or None when it does not say."""
    values = parse_qs(urlsplit(url or "").query).get("sp")
    return values[0] if values else None


class AzureFailure(Exception):
    """Azure answered an error (``status``, ``code``: its x-ms-error-code), or could not be reached (``status`` None).

    The message is the one-line description users see (the caller redacts it).
    """

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code

    @property
    def denied(self):
        """Azure refused the credentials (expired or wrong SAS, missing permission)."""
        return self.status in (401, 403)

    @property
    def transient(self):
        return is_transient(self.status)


def is_transient(status):
    """Whether an Azure answer with this HTTP status (None: no answer, the connection failed) is worth retrying."""
    return status is None or status >= 500 or status in (408, 429)


def is_denied(err):
    """``err`` is Azure refusing the credentials."""
    return isinstance(err, AzureFailure) and err.denied


def http_error(response):
    """The AzureFailure of an unexpected HTTP answer (a ``requests`` response)."""
    code = response.headers.get("x-ms-error-code")
    return AzureFailure(f"HTTP {response.status_code}" + (f" {code}" if code else ""), response.status_code, code)


def transport_error(err):
    """The AzureFailure of a connection lost or refused."""
    return AzureFailure(f"connection lost: {err}")


def listing_error(err):
    """The CegidError that tells why the container could not be listed (``err``: an AzureFailure)."""
    if err.denied:
        return AuthenticationError(f"Azure refused the SAS ({err})", status=403)
    if err.status is None:
        return ConnectionFailure(f"cannot reach Azure Blob Storage ({err})")
    return ApiError(f"Azure Blob Storage answered {err}", status=err.status)


REST_API_VERSION = "2021-08-06"  # of our REST calls (listing, downloads, batch deletes): each exists since then


def _session(tuning):
    import requests

    session = requests.Session()
    pool = max(10, tuning.workers * tuning.chunk_concurrency + 2)
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class Container:
    """The export container of a run: its SAS URL and the ``requests`` session every call goes through."""

    api_version = REST_API_VERSION

    def __init__(self, url, tuning):
        self.cegid_url = url
        self.cegid_session = _session(tuning)
        self.tuning = tuning

    def timeout(self):
        """(connect, read) timeout of one call."""
        return self.tuning.connection_timeout, self.tuning.read_timeout

    def url_with(self, path="", query=None):
        """The SAS URL of the container (``path`` empty) or of a blob, with ``query`` before the SAS."""
        parts = urlsplit(self.cegid_url)
        return urlunsplit(parts._replace(path=parts.path.rstrip("/") + path,
                                         query="&".join(filter(None, [urlencode(query or {}), parts.query]))))


def list_blobs(container):
    """Every blob of ``container`` as (name, size, last modified, etag, Content-MD5 in hex or None).

    List Blobs calls of ``list_page_size`` blobs each, a page that fails
    transiently (5xx, 408, 429, a lost connection) tried again with backoff.
    Raise AzureFailure.
    """
    from xml.etree import ElementTree

    found, marker = [], ""
    while True:
        query = {"restype": "container", "comp": "list", "maxresults": container.tuning.list_page_size}
        if marker:
            query["marker"] = marker
        # the answer of the SAS URL's host, parsed as the SDK parses it; expat (>= 2.4) caps entity expansion
        root = ElementTree.fromstring(_with_retries(container.tuning, _get_page, container, query))  # noqa: S314
        found.extend(_listed_blob(blob) for blob in root.iter("Blob"))
        marker = root.findtext("NextMarker") or ""
        if not marker:
            return found


def _with_retries(tuning, call, *args):
    """``call(*args)``, tried again with backoff while it raises a transient AzureFailure."""
    attempt = 1
    while True:
        try:
            return call(*args)
        except AzureFailure as err:
            if attempt >= tuning.attempts or not err.transient:
                raise
            _logger.info("Azure: %s; trying again", err)
        time.sleep(tuning.backoff * 2 ** (attempt - 1))
        attempt += 1


def _get_page(container, query):
    """The body of one 200 answer to a GET of the container with ``query``."""
    response = _send(container, "GET", container.url_with(query=query))
    if response.status_code != 200:
        raise http_error(response)
    return response.content


def _send(container, method, url, headers=None, **options):
    """One call on the container's session, with our API version; a lost connection raised as AzureFailure."""
    import requests

    try:
        return container.cegid_session.request(method, url, headers={"x-ms-version": container.api_version,
                                                                     **(headers or {})},
                                               timeout=container.timeout(), **options)
    except requests.RequestException as err:
        raise transport_error(err) from err


def _listed_blob(blob):
    name = blob.find("Name")
    text = name.text or ""
    if name.get("Encoded") == "true":  # a name XML cannot hold, percent-encoded by Azure
        text = unquote(text)
    properties = blob.find("Properties")
    modified = properties.findtext("Last-Modified")
    md5 = properties.findtext("Content-MD5")
    return (text, int(properties.findtext("Content-Length") or 0),
            email.utils.parsedate_to_datetime(modified) if modified else None,
            properties.findtext("Etag"), base64.b64decode(md5).hex() if md5 else None)


def _blob_path(name):
    """The path of blob ``name`` below the container's (quoted as the SDK does)."""
    return "/" + quote(name, safe="~/")


def blob_url(container, name):
    """The SAS URL of blob ``name`` in ``container``."""
    return container.url_with(_blob_path(name))


def delete_batch(container, items):
    """Delete blobs ``items`` = [(name, etag)] in one Blob Batch call, each only if it is still version ``etag``.

    Return [(HTTP status, error code)] per blob, in order. When every one was
    refused (403), raise that refusal, so that an api-mode SAS gets renewed.
    """
    boundary = f"batch_{uuid.uuid4()}"
    response = _send(container, "POST", container.url_with(query={"restype": "container", "comp": "batch"}),
                     headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
                     data=_batch_body(container, items, boundary))
    if response.status_code != 202:
        raise http_error(response)
    answers = _batch_answers(response, len(items))
    if all(status == 403 for status, _code in answers):
        code = answers[0][1]
        raise AzureFailure("HTTP 403" + (f" {code}" if code else ""), 403, code)
    return answers


def _batch_body(container, items, boundary):
    """The multipart body of a Blob Batch of conditional deletes: one sub-request per blob, as the SDK writes it."""
    parts = urlsplit(container.cegid_url)
    path, query = parts.path.rstrip("/"), f"?{parts.query}" if parts.query else ""
    date = email.utils.formatdate(usegmt=True)
    body = [
        f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: {index}\r\n"
        "Content-Transfer-Encoding: binary\r\n\r\n"
        f"DELETE {path}{_blob_path(name)}{query} HTTP/1.1\r\n"
        f"x-ms-date: {date}\r\nIf-Match: {etag}\r\nContent-Length: 0\r\n\r\n\r\n"
        for index, (name, etag) in enumerate(items)
    ]
    body.append(f"--{boundary}--\r\n")
    return "".join(body).encode()


def _batch_answers(response, count):
    """[(HTTP status, error code)] of the ``count`` sub-requests of a Blob Batch, by their Content-ID.

    An answer that does not account for every sub-request (cut, or not a
    batch answer) raises a transient AzureFailure: the deletes are
    conditional, the batch can be sent again.
    """
    boundary = re.search(r'boundary="?([^";]+)', response.headers.get("Content-Type", ""))
    answers = {}
    parts = response.content.replace(b"\r\n", b"\n").split(b"--" + boundary.group(1).encode()) if boundary else []
    for position, part in enumerate(parts[1:]):
        mime, _, answer = part.partition(b"\n\n")
        status = re.match(rb"\s*HTTP/[\d.]+ (\d{3})", answer)
        if status is None:  # the closing delimiter, or a part that is not an answer
            continue
        content_id = re.search(rb"(?im)^content-id:\s*(\d+)", mime)
        code = re.search(rb"(?im)^x-ms-error-code:\s*(\S+)", answer.partition(b"\n\n")[0])
        answers[int(content_id.group(1)) if content_id else position] = (
            int(status.group(1)), code.group(1).decode("ascii", "replace") if code else None)
    if sorted(answers) != list(range(count)):
        raise AzureFailure(f"the batch answered {len(answers)} of {count} deletes")
    return [answers[index] for index in range(count)]


class ContainerSource:
    """The container client of a run, renewable in api mode.

    ``generation`` lets concurrent workers that saw the same refusal share one
    renewal instead of each asking Cegid for a new SAS.
    """

    def __init__(self, url, tuning, renew_url=None, max_renewals=3):
        self.tuning = tuning
        self._renew_url = renew_url
        self._renewals_left = max_renewals
        self._lock = threading.Lock()
        self.url = url
        self.generation = 0
        self.container = Container(url, tuning)

    @property
    def renewable(self):
        return self._renew_url is not None

    def current(self):
        """(generation, Container) to use now."""
        with self._lock:
            return self.generation, self.container

    def renew(self, seen_generation):
        """Get a fresh SAS URL after a refusal seen with ``seen_generation``.

        Return True when a newer container is available (possibly
        renewed by another worker), False when renewing is not possible.
        """
        with self._lock:
            if self.generation != seen_generation:
                return True
            if not self._renew_url or self._renewals_left <= 0:
                return False
            self._renewals_left -= 1
            _logger.info("Azure refused the SAS: asking Cegid for a new one")
            self.url = self._renew_url()
            self.container = Container(self.url, self.tuning)
            self.generation += 1
            return True

    def call(self, operation):
        """Run ``operation(container)``; on a refusal in api mode renew once and retry."""
        generation, container = self.current()
        try:
            return operation(container)
        except Exception as err:
            if not (is_denied(err) and self.renewable and self.renew(generation)):
                raise
        _generation, container = self.current()
        return operation(container)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Azure side of a transfer: the export container, reached by a SAS URL.

In ``api`` mode the URL comes from the Cegid API and is renewed when Azure
refuses it mid-run; in ``sas_url`` mode it is the static URL of the settings.
The container is listed and its blobs downloaded by plain REST calls on one
``requests`` session; the Azure SDK does the batch deletes.
"""

import base64
import dataclasses
import datetime
import email.utils
import logging
import threading
import time
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit, urlunsplit

from .errors import ApiError, AuthenticationError, ConnectionFailure
from .rangeget import http_error, transport_error

_logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_BATCH = 256  # sub-requests per Blob Batch request (the service's limit)


@dataclasses.dataclass
class TransferTuning:
    """Knobs of the transfer engine; the defaults suit a cron job on a small server."""

    workers: int = 8  # blobs downloaded at once
    chunk_concurrency: int = 4  # connections per large blob
    single_get_size: int = 32 * MIB  # blobs up to this size: one streamed GET; larger ones: parallel ranges
    lean_get: bool = True  # blobs up to single_get_size: a plain GET on the shared session, not the SDK's
    chunk_size: int = 4 * MIB  # SDK chunks (only used when ranged_download is off)
    ranged_download: bool = True  # blobs over single_get_size: streamed ranges (rangeget), not SDK chunks
    segment_size: int = 32 * MIB  # one GET per segment in a ranged download
    read_block_size: int = 256 * 1024  # bytes per socket read of a response body (azure-core's default: 4 KiB)
    list_page_size: int = 5000  # blobs per List Blobs call (the service's maximum)
    delete_batch_size: int = MAX_BATCH  # delete the blobs of delivered files this many at a time...
    delete_delay: float = 0.2  # ...or after this many seconds (or when nothing else is running)
    attempts: int = 3  # whole-blob (or whole-batch) attempts on transient errors
    backoff: float = 1.0  # seconds before the 2nd attempt, doubled each time
    sdk_retry_total: int = 3  # HTTP-level retries inside the SDK
    sdk_backoff: float = 0.5
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


def status_of(err):
    """The HTTP status of an Azure SDK error, or None (network-level failure)."""
    return getattr(err, "status_code", None)


def is_transient(status):
    """Whether an Azure answer with this HTTP status (None: no answer, the connection failed) is worth retrying."""
    return status is None or status >= 500 or status in (408, 429)


def is_denied(err):
    """Azure refused the credentials (expired or wrong SAS, missing permission)."""
    from azure.core.exceptions import ClientAuthenticationError

    return isinstance(err, ClientAuthenticationError) or status_of(err) == 403


def describe(err):
    """A one-line description of an Azure SDK error (the caller redacts it)."""
    status = status_of(err)
    code = getattr(err, "error_code", None)
    if status:
        return f"HTTP {status}" + (f" {code}" if code else "")
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return f"{type(err).__name__}: {first}"


def listing_error(err):
    """The CegidError that tells why the container could not be listed."""
    from azure.core.exceptions import ServiceRequestError

    if is_denied(err):
        return AuthenticationError(f"Azure refused the SAS ({describe(err)})", status=403)
    if isinstance(err, ServiceRequestError) or status_of(err) is None:
        return ConnectionFailure(f"cannot reach Azure Blob Storage ({describe(err)})")
    return ApiError(f"Azure Blob Storage answered {describe(err)}", status=status_of(err))


REST_API_VERSION = "2021-08-06"  # of the plain REST calls (listing, downloads): every call used exists since then


def _session(tuning):
    import requests

    session = requests.Session()
    pool = max(10, tuning.workers * tuning.chunk_concurrency + 2)
    adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=pool)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _sdk_client(url, session, tuning):
    from azure.core.pipeline.transport import RequestsTransport
    from azure.storage.blob import ContainerClient, ExponentialRetry

    transport = RequestsTransport(
        session=session, session_owner=False,
        connection_timeout=tuning.connection_timeout, read_timeout=tuning.read_timeout,
        connection_data_block_size=tuning.read_block_size,
    )
    retry = ExponentialRetry(
        initial_backoff=tuning.sdk_backoff, increment_base=2, retry_total=tuning.sdk_retry_total,
        random_jitter_range=min(1, tuning.sdk_backoff),
    )
    return ContainerClient.from_container_url(
        url, transport=transport, retry_policy=retry,
        max_single_get_size=tuning.single_get_size, max_chunk_get_size=tuning.chunk_size,
    )


class Container:
    """The export container of a run: its SAS URL and ``requests`` session now, the Azure SDK's client when needed.

    Listing and downloads are plain REST calls on the session; only the batch
    deletes (and the SDK download path) use the SDK, whose import alone costs
    about as much CPU as a small run's transfer: it happens on first use,
    while the first downloads run.
    """

    api_version = REST_API_VERSION

    def __init__(self, url, tuning):
        self.cegid_url = url
        self.cegid_session = _session(tuning)  # the GETs and the SDK share its connection pool
        self.tuning = tuning
        self._client = None
        self._lock = threading.Lock()

    def sdk(self):
        """The SDK's ContainerClient on the same URL and session."""
        with self._lock:
            if self._client is None:
                self._client = _sdk_client(self.cegid_url, self.cegid_session, self.tuning)
            return self._client

    def get_blob_client(self, name):
        return self.sdk().get_blob_client(name)

    def delete_blobs(self, *blobs, **options):
        return self.sdk().delete_blobs(*blobs, **options)


def list_blobs(container):
    """Every blob of ``container`` as (name, size, last modified, etag, Content-MD5 in hex or None).

    List Blobs REST calls (``list_page_size`` blobs each), transient failures (5xx, 408,
    429, a lost connection) retried with backoff as the SDK would; errors are
    raised as the SDK's exceptions.
    """
    from xml.etree import ElementTree

    found, marker = [], ""
    while True:
        query = {"restype": "container", "comp": "list", "maxresults": container.tuning.list_page_size}
        if marker:
            query["marker"] = marker
        # the answer of the SAS URL's host, parsed as the SDK parses it; expat (>= 2.4) caps entity expansion
        root = ElementTree.fromstring(_get_listing_page(container, query))  # noqa: S314
        found.extend(_listed_blob(blob) for blob in root.iter("Blob"))
        marker = root.findtext("NextMarker") or ""
        if not marker:
            return found


def _get_listing_page(container, query):
    parts = urlsplit(container.cegid_url)
    url = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, urlencode(query)]))))
    tuning = container.tuning
    attempt = 0
    while True:
        try:
            return _get_once(container, url)
        except Exception as err:
            from azure.core.exceptions import AzureError  # the SDK's exceptions, raised by _get_once

            if not isinstance(err, AzureError) or attempt >= tuning.sdk_retry_total or not is_transient(status_of(err)):
                raise
        time.sleep(tuning.sdk_backoff * 2 ** attempt)
        attempt += 1


def _get_once(container, url):
    """The body of one 200 answer to a GET of ``url``; the SDK's exceptions otherwise."""
    import requests

    tuning = container.tuning
    try:
        response = container.cegid_session.get(url, headers={"x-ms-version": container.api_version},
                                               timeout=(tuning.connection_timeout, tuning.read_timeout))
    except requests.RequestException as err:
        raise transport_error(err) from err
    if response.status_code != 200:
        raise http_error(response)
    return response.content


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


def blob_url(container, name):
    """The SAS URL of blob ``name`` in ``container`` (quoted as the SDK does)."""
    parts = urlsplit(container.cegid_url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/{quote(name, safe='~/')}{query}"


def delete_batch(container, items):
    """Delete blobs ``items`` = [(name, etag)] in one Blob Batch request, each only if still ``etag``.

    Return [(HTTP status, error code)] per blob, in order. When every one was
    refused (403), raise it as a refusal so that an api-mode SAS gets renewed.
    """
    from azure.core import MatchConditions
    from azure.core.exceptions import ClientAuthenticationError, ServiceResponseError

    requests = [{"name": name, "etag": etag, "match_condition": MatchConditions.IfNotModified} for name, etag in items]
    answers = [(answer.status_code, answer.headers.get("x-ms-error-code"))
               for answer in container.delete_blobs(*requests, raise_on_any_failure=False)]
    if len(answers) != len(items):  # a cut answer: try the batch again (the deletes are conditional)
        raise ServiceResponseError(message=f"the batch answered {len(answers)} of {len(items)} deletes")
    if answers and all(status == 403 for status, _code in answers):
        err = ClientAuthenticationError(message=f"HTTP 403 {answers[0][1] or ''}".strip())
        err.status_code, err.error_code = 403, answers[0][1]
        raise err
    return answers


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
        """(generation, ContainerClient) to use now."""
        with self._lock:
            return self.generation, self.container

    def renew(self, seen_generation):
        """Get a fresh SAS URL after a refusal seen with ``seen_generation``.

        Return True when a newer container client is available (possibly
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

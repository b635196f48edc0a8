# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The export container, through the Azure SDK's ``ContainerClient`` made from a SAS URL.

In ``api`` mode the URL comes from the Cegid API and is renewed when Azure
refuses it mid-run (``Container.call``: concurrent workers that saw the same
refusal share one renewal); in ``sas_url`` mode it is the static URL of the
settings. Every Azure call goes through the SDK, whose retry policy is the
only one: ``ExponentialRetry`` with a short first wait and a bounded total
(the SDK's default waits 15 s first), timeouts set on its transport.

With a run's ``deadline`` (a ``time.monotonic()`` value), each call gets
the SDK's per-operation keywords from ``call_options``: its connection and
read timeouts and its retries cut so that its attempts and their backoffs
end by the deadline; the transport lets no request (a retry, a
listing's next page, a download's next chunk) start past it, nor wait on
a read longer than the time left when it was sent (``DeadlineTransport``),
and the retry policy waits no backoff that would end past it
(``DeadlineRetry``). A call with too little time left is not made
(``OutOfTime``), nor is one whose retries or timeouts had to be cut and
that failed on the network or a 5xx without the time left for another
attempt, or past the deadline: the deadline stopped it, not Azure. With
that time left, the failure is Azure's, as without a deadline
(``stopped_by_deadline``).

``azure_error`` is the one translation of an SDK exception into a
``CegidError`` with a code (``azure.*`` in ``errors.CODES``).
"""

import dataclasses
import datetime
import logging
import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import requests
from azure.core import MatchConditions
from azure.core.exceptions import AzureError, HttpResponseError, IncompleteReadError, ServiceRequestError
from azure.core.pipeline.transport import RequestsTransport
from azure.storage.blob import ContainerClient, ExponentialRetry
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..errors import ApiError, AuthenticationError, CegidError, ConnectionFailure, NotFoundError
from ..redact import redact

_logger = logging.getLogger(__name__)

MIB = 1024 * 1024
MAX_BATCH = 256  # sub-requests per Blob Batch request (the service's limit)
# a Blob Batch refused as a whole with these statuses (not a refusal of the SAS): the deletes go one by one
BATCH_UNSUPPORTED = (400, 404, 405, 501)
DETAIL_LIMIT = 200
MIN_CALL = 0.5  # seconds: with a deadline, no Azure call starts with less left (one takes a fraction of it)


@dataclasses.dataclass
class AzureTuning:
    """The SDK's settings for a run; see bench/README.md for the measurements behind the defaults."""

    single_get_size: int = 8 * MIB  # max_single_get_size: the first GET of a blob (held in memory)...
    chunk_size: int = 8 * MIB  # max_chunk_get_size: ...then GETs of this size (each held in memory)
    max_concurrency: int = 2  # chunk GETs at once for a blob larger than single_get_size
    data_block_size: int = 8 * MIB  # connection_data_block_size: a chunk in one read (the SDK's join of it is free)
    list_page_size: int = 5000  # blobs per List Blobs call (the service's maximum)
    connection_timeout: float = 10
    read_timeout: float = 30  # seconds without a byte before a connection counts as lost
    retry_total: int = 3  # the SDK's retries of one request (5xx, 408, connection failures)...
    retry_first_wait: float = 1.0  # ...waiting first_wait + base ** n after the n-th failure...
    retry_base: float = 2.0  # ...(3, 5, 9 s, give or take first_wait / 2: at most about 18 s per request)
    pool_size: int = 20  # kept-alive connections (workers x max_concurrency, and the listing)


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


def moment_param(moment):
    """An aware datetime as a message parameter: ISO 8601 in UTC (``2026-11-28T10:15:00+00:00``).

    Each reader shows it in their own way: the scripts in UTC, Odoo in the
    user's time zone and language.
    """
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


class BatchDenied(Exception):
    """Every delete of a Blob Batch was refused (403): a refusal of the SAS, as the whole batch's would be."""

    def __init__(self, azure_error):
        super().__init__(azure_error)
        self.azure_error = azure_error


class AnswerCut(IncompleteReadError):
    """An answer whose connection closed before its end: ``code`` says where (a code of errors.CODES)."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class OutOfTime(Exception):
    """An Azure call not made, or stopped, for want of time before the run's deadline.

    ``error``: the CegidError saying why, when it is the renewal of the SAS
    that the deadline stopped (``api.out_of_time``), else None (Azure's).
    """

    def __init__(self, error=None):
        super().__init__(error)
        self.error = error

    def reason(self, host):
        """The CegidError to report: the Cegid API's, or Azure's ``azure.out_of_time`` for ``host``."""
        return self.error or ConnectionFailure("azure.out_of_time", host=host)


AZURE_ERRORS = (AzureError, BatchDenied)  # what the SDK (and a batch of refused deletes) raise


# urllib3 starts a connection's failure with the repr of its connection object, a memory address nobody can use
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>:?\s*")


def _detail(err):
    """The first line of an exception's text, signatures masked, Python objects' reprs left out, cut short."""
    text = str(err).strip().splitlines()
    return redact(_OBJECT_REPR.sub("", text[0]) if text else type(err).__name__)[:DETAIL_LIMIT]


def _status(err):
    return getattr(err, "status_code", None) if isinstance(err, HttpResponseError) else None


def is_denied(err):
    """``err`` (an SDK exception) is Azure refusing the SAS: expired, wrong, or without a permission."""
    return isinstance(err, BatchDenied) or _status(err) in (401, 403)


# an HTTP status of Azure's -> the error class and code it becomes (other statuses: ApiError, azure.refused)
_BY_STATUS = {401: (AuthenticationError, "azure.denied"), 403: (AuthenticationError, "azure.denied"),
              404: (NotFoundError, "azure.not_found"), 412: (ApiError, "azure.modified")}


def azure_error(err, host=""):
    """The CegidError of an SDK exception (or BatchDenied); a CegidError is returned as is."""
    if isinstance(err, CegidError):
        return err
    if isinstance(err, BatchDenied):
        return AuthenticationError("azure.denied", status=403, azure_error=err.azure_error)
    if isinstance(err, IncompleteReadError):  # ours (AnswerCut), or the SDK's when urllib3 2 finds a body cut short
        return ConnectionFailure(err.code if isinstance(err, AnswerCut) else "azure.cut_in_body")
    status = _status(err)
    if status:
        error_class, code = _BY_STATUS.get(status, (ApiError, "azure.refused"))
        return error_class(code, status=status, azure_error=_azure_code(err))
    if isinstance(err, ServiceRequestError):
        return ConnectionFailure("azure.unreachable", host=host, detail=_detail(err))
    return ConnectionFailure("azure.connection_lost", detail=_detail(err))


def _azure_code(err):
    """Azure's error code (x-ms-error-code) of an SDK exception, as text ("" when none)."""
    code = getattr(err, "error_code", None) or ""
    return getattr(code, "value", code)  # the SDK's StorageErrorCode enum, or a string


@dataclasses.dataclass
class BlobInfo:
    """A blob as listed: name, size (bytes), last_modified (aware), etag, content_md5 (hex or None)."""

    name: str
    size: int
    last_modified: datetime.datetime | None
    etag: str
    content_md5: str | None = None


def _check_answer(pipeline_response):
    """The SDK's ``raw_response_hook`` for every call: raise an answer the network cut short, so that it is retried.

    The standard library's HTTP client and urllib3 1.26 (Odoo 18's pin on Python 3.11) take a connection
    closed inside an answer's headers for the end of an answer without a
    body, and one closed inside a body read at once for its end: the SDK
    would then parse an empty or partial listing. An answer with a body but
    no framing, or shorter than its Content-Length, is raised as
    IncompleteReadError here, inside the SDK's retry policy (urllib3 2 finds a
    body shorter than its length itself, and the SDK raises the same error:
    either becomes azure.cut_in_body). (A download's streamed body is checked
    by the SDK, and its length by the engine.)
    """
    answer = pipeline_response.http_response
    if answer.status_code not in (200, 206):
        return
    length = answer.headers.get("Content-Length")
    if length is None and "chunked" not in answer.headers.get("Transfer-Encoding", "").lower():
        raise AnswerCut("azure.cut_in_headers")
    if length is not None and not pipeline_response.context.options.get("stream") and len(answer.body()) < int(length):
        raise AnswerCut("azure.cut_in_body")


def _backoff(tuning, failures):
    """The longest wait before a request's retry after its ``failures``-th failure.

    ExponentialRetry waits ``initial_backoff + increment_base ** n`` after the
    n-th failure (it counts it before it sleeps), give or take its jitter.
    """
    jitter = tuning.retry_first_wait / 2  # random_jitter_range (see _client)
    return tuning.retry_first_wait + tuning.retry_base ** failures + jitter


def _worst_case(tuning, connect, read, retries):
    """The longest a call takes with these timeouts and ``retries``: every attempt timed out, every backoff waited."""
    waits = sum(_backoff(tuning, count) for count in range(1, retries + 1))
    return (retries + 1) * (connect + read) + waits


def call_options(tuning, deadline):
    """The SDK's per-operation keywords that end one call by ``deadline`` ({} without one).

    ``connection_timeout`` and ``read_timeout`` (the transport's, per
    attempt) and ``retry_total`` (the retry policy's, read per request):
    the tuning's, with as many retries as fit in the time left, and with
    none the timeouts cut to share it. Raise OutOfTime when less than
    ``MIN_CALL`` seconds are left.
    """
    if deadline is None:
        return {}
    left = deadline - time.monotonic()
    if left < MIN_CALL:
        raise OutOfTime()
    connect, read = tuning.connection_timeout, tuning.read_timeout
    retries = tuning.retry_total
    while retries and _worst_case(tuning, connect, read, retries) > left:
        retries -= 1
    if _worst_case(tuning, connect, read, 0) > left:
        connect = min(connect, left / 4)
        read = left - connect
    return {"connection_timeout": connect, "read_timeout": read, "retry_total": retries}


def stopped_by_deadline(tuning, options, err, deadline):
    """Whether the deadline stopped the call that ``err`` (an SDK exception) ended, ``options`` its call_options.

    A network failure or a 5xx would have been retried, or waited for
    longer, with more time. The deadline stopped the call when it cut its
    retries or timeouts and the time now left does not hold another attempt
    (its backoff, then the call's timeouts: a call whose timeouts were cut,
    a timeout below the tuning's among them, had the time of one attempt
    only). With that time left, a failure is Azure's, as without a
    deadline: said to be out of time, a refusal would have the caller run
    again at once, to be refused again. Past the deadline, a network failure
    or a 5xx is the deadline's: each request's timeouts end by it. Any other
    answer (403, 404, 412...) is Azure's.
    """
    if not options or isinstance(err, BatchDenied):
        return False
    status = _status(err)
    if status and status < 500:
        return False
    left = deadline - time.monotonic()
    if left <= 0:  # a request's timeouts end by the deadline (DeadlineTransport)
        return True
    settings = ("connection_timeout", "read_timeout", "retry_total")
    if all(options[name] == getattr(tuning, name) for name in settings):
        return False
    # the request gave up after retry_total + 1 failures: another attempt would first wait the backoff of that many
    next_attempt = (_backoff(tuning, options["retry_total"] + 1)
                    + _worst_case(tuning, options["connection_timeout"], options["read_timeout"], 0))
    return left < next_attempt


class DeadlineTransport(RequestsTransport):
    """The SDK's transport, which sends no request past ``deadline`` (a ``time.monotonic()`` value, or None).

    Every attempt of a request goes through ``send``, a retry too: the
    per-operation ``raw_request_hook`` runs at the first attempt only (the
    SDK takes it out of the request's options), and the storage clients
    ignore ``per_retry_policies`` (the backoff before a retry is
    ``DeadlineRetry``'s). Raise OutOfTime.
    """

    def __init__(self, deadline, **kwargs):
        super().__init__(**kwargs)
        self.deadline = deadline

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ  # the keywords go to RequestsTransport
        """Send ``request`` through RequestsTransport, unless the deadline is past, with timeouts of the time left.

        A call's timeouts are set when it starts (``call_options``): a
        download's chunk sent just before the deadline would otherwise wait a
        whole read timeout past it, should Azure stall then. (A timeout bounds
        each read of the answer, not all of them: a read past the deadline
        waits at most the time the request had run before it.)
        """
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise OutOfTime()
            config = self.connection_config
            for name, default in (("connection_timeout", config.timeout), ("read_timeout", config.read_timeout)):
                kwargs[name] = min(kwargs.get(name, default), left)
        return super().send(request, **kwargs)


class DeadlineRetry(ExponentialRetry):
    """The SDK's exponential retry, which waits no backoff that would end past ``deadline`` (or None).

    Its retry would be refused then (``DeadlineTransport``): the call stops
    at once rather than after the wait. (The wait is the policy's: the
    transport the storage clients hand it is their wrapper, not ours.)
    """

    def __init__(self, deadline, **kwargs):
        super().__init__(**kwargs)
        self.deadline = deadline

    def sleep(self, settings, transport):
        """Wait the backoff before a retry (see ExponentialRetry), unless the retry would start past the deadline."""
        backoff = self.get_backoff_time(settings)
        if self.deadline is not None and time.monotonic() + backoff >= self.deadline:
            raise OutOfTime()
        if backoff > 0:
            transport.sleep(backoff)


def _client(url, tuning, deadline):
    """A ContainerClient for the SAS ``url``: its own session (pool sized for the run), timeouts, retry policy."""
    session = requests.Session()
    # the SDK's retry policy is the only one: urllib3 retries nothing, follows no redirect (as the SDK's own session)
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=tuning.pool_size,
                          max_retries=Retry(total=False, redirect=False, raise_on_status=False))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    transport = DeadlineTransport(deadline, session=session, session_owner=True,
                                  connection_timeout=tuning.connection_timeout, read_timeout=tuning.read_timeout,
                                  connection_data_block_size=tuning.data_block_size)
    retry = DeadlineRetry(deadline, initial_backoff=tuning.retry_first_wait, increment_base=tuning.retry_base,
                          retry_total=tuning.retry_total, random_jitter_range=tuning.retry_first_wait / 2)
    return ContainerClient.from_container_url(
        url, transport=transport, retry_policy=retry, max_single_get_size=tuning.single_get_size,
        max_chunk_get_size=tuning.chunk_size, raw_response_hook=_check_answer,
        http_logging_level=logging.DEBUG,  # a log line per request at DEBUG, not INFO: Odoo logs INFO by default
    )


class Container:
    """The export container of a run: the SDK client of its SAS URL, renewable in api mode.

    ``renew_url``: a callable returning a fresh SAS URL (the Cegid client's
    ``get_container_url``), or None for a static URL; ``deadline``: a
    ``time.monotonic()`` value every call ends by (see ``call_options``), or None.
    """

    def __init__(self, url, tuning, renew_url=None, max_renewals=3, deadline=None):
        self.tuning = tuning
        self.deadline = deadline
        self.host = urlsplit(url).netloc
        self._renew_url = renew_url
        self._renewals_left = max_renewals
        self._lock = threading.Lock()
        self._generation = 0
        self._sdk = _client(url, tuning, deadline)

    def _current(self):
        with self._lock:
            return self._generation, self._sdk

    def _renew(self, seen_generation):
        """A fresh SAS after a refusal seen with ``seen_generation``: True when a newer client is there.

        Raise the CegidError of the Cegid API when it cannot give one.
        """
        with self._lock:
            if self._generation != seen_generation:
                return True  # another worker renewed it meanwhile
            if not self._renew_url or self._renewals_left <= 0:
                return False
            self._renewals_left -= 1
            _logger.info("Azure refused the SAS: asking Cegid for a new one")
            self._sdk = _client(self._fresh_url(), self.tuning, self.deadline)
            self._generation += 1
            return True

    def _fresh_url(self):
        """A new SAS URL from the Cegid API; OutOfTime when the run's deadline left no time for it.

        Cut short by the deadline, the renewal stops the call as the deadline
        stops any other: its blob is left for the next run, not failed.
        """
        try:
            return self._renew_url()
        except CegidError as err:
            if err.code == "api.out_of_time":
                raise OutOfTime(err) from err
            raise

    def call(self, operation):
        """``operation(client, options)``, ``options`` the SDK keywords bounding it by the deadline (call_options).

        When Azure refuses the SAS in api mode, once more with a renewed one.
        Raise OutOfTime when the deadline leaves no time for it (or for the renewal) or stopped it.
        """
        generation, client = self._current()
        try:
            return self._bounded(operation, client)
        except AZURE_ERRORS as err:
            if not (is_denied(err) and self._renew(generation)):
                raise
        return self._bounded(operation, self._current()[1])

    def _bounded(self, operation, client):
        options = call_options(self.tuning, self.deadline)
        try:
            return operation(client, options)
        except AZURE_ERRORS as err:
            if stopped_by_deadline(self.tuning, options, err, self.deadline):
                raise OutOfTime() from err
            raise

    def list_blobs(self):
        """Every blob of the container, oldest first (then by name); raise a CegidError."""
        try:
            blobs = self.call(lambda client, options: [
                BlobInfo(name=item.name, size=item.size, last_modified=item.last_modified, etag=item.etag,
                         content_md5=_hex(item.content_settings.content_md5))
                for item in client.list_blobs(results_per_page=self.tuning.list_page_size, **options)])
        except AZURE_ERRORS as err:
            raise azure_error(err, self.host) from None
        except OutOfTime as err:
            raise err.reason(self.host) from None
        epoch = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
        return sorted(blobs, key=lambda blob: (blob.last_modified or epoch, blob.name))

    def delete_versions(self, items):
        """Delete ``items`` = [(name, etag)], each only if it is still that version: [(status, Azure error code)].

        One Blob Batch call (at most MAX_BATCH items); one conditional delete
        per blob where the batch is refused as such. Raise an SDK exception
        (or BatchDenied) when Azure refused the whole call, OutOfTime when
        the deadline left no time for it (or stopped it: some blobs may be
        deleted, the next run finds them gone).
        """
        return self.call(lambda client, options: _delete_batch(client, items, options))


def _hex(md5):
    return bytes(md5).hex() if md5 else None


def _delete_batch(client, items, options):
    conditional = [{"name": name, "etag": etag, "match_condition": MatchConditions.IfNotModified}
                   for name, etag in items]
    try:
        parts = list(client.delete_blobs(*conditional, raise_on_any_failure=False, **options))
    except HttpResponseError as err:
        if _status(err) not in BATCH_UNSUPPORTED:
            raise
        _logger.info("Azure refused a Blob Batch (HTTP %s): deleting one by one", _status(err))
        parts = None
    if parts is None or len(parts) != len(items):
        results = [_delete_one(client, name, etag, options) for name, etag in items]
    else:
        results = [(part.status_code, part.headers.get("x-ms-error-code") or "") for part in parts]
    if all(status == 403 for status, _code in results):
        raise BatchDenied(results[0][1])
    return results


def _delete_one(client, name, etag, options):
    """(status, Azure error code) of one conditional delete."""
    try:
        client.delete_blob(name, etag=etag, match_condition=MatchConditions.IfNotModified, **options)
    except HttpResponseError as err:
        if not _status(err):
            raise
        return _status(err), _azure_code(err)
    return 202, ""

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Client of the Cegid Data Access API: token, export container SAS, scheduled queries.

Every call has a timeout. Reads are retried on 429, 5xx and network
failures by ``requests``' adapter with urllib3's ``Retry`` (backoff,
``Retry-After`` honoured and capped: ``retry.py``); a change is sent again
only when it surely changed nothing, and when its answer is lost the query
is read again to learn whether it was made. A 401 on an authenticated call
gets one new token and one retry. No redirect is followed: a 3xx is an
error. Failures become the typed errors of ``errors.py`` (a code and
parameters), every text that came from Cegid redacted.
"""

import copy
import dataclasses
import datetime
import logging
import re
import ssl
import threading
import time
from urllib.parse import quote, urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, LocationValueError, MaxRetryError, ReadTimeoutError

from ..errors import ApiError, AuthenticationError, CegidError, ConfigError, ConnectionFailure, NotFoundError
from ..redact import REDACTED, redact
from ..settings import is_container_sas_url, is_sealed_url
from .discovery import OUTAGE_STATUSES, SCHEDULERS_PATH, ProviderDiscovery
from .retry import TURNED_AWAY_STATUSES, OutOfTime, build_session
from .schedules import force_target, format_cegid_datetime, is_enabled, parse_cegid_datetime, scheduler_name

_logger = logging.getLogger(__name__)

TOKEN_PATH = "tokenprovider/Token"  # noqa: S105 - a path, not a password
SAS_PATHS = {True: "storage/api/V1/storages/GetSASTokenLRD", False: "storage/api/V1/storages/GetSASTokenLR"}
SCHEDULER_PUT_PATH = "query/api/V1/schedulers"
TOKEN_MARGIN = 60  # seconds before expireIn when a cached token is renewed
DEFAULT_TOKEN_LIFETIME = 300  # when expireIn is unreadable, do not trust the token for long
DETAIL_LIMIT = 300
TLS_REASON_LIMIT = 200
# the frame of an ssl module message around its reason: "[SSL: CERTIFICATE_VERIFY_FAILED] " and " (_ssl.c:1006)"
_SSL_MESSAGE_FRAME = re.compile(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$")
# characters of an answer that is not JSON its error quotes
NOT_JSON_START = 120
# the operations whose answer is a secret (a bearer token, a SAS URL): an answer that is not JSON is not quoted
SECRET_ANSWERS = frozenset({"op.token", "op.sas"})


@dataclasses.dataclass
class ForceOutcome:
    """What happened to one scheduled query asked to run early.

    ``status``: "forced", "skipped_disabled" or "failed" (then ``error`` is the CegidError).
    """

    scheduler_id: str
    name: str
    previous_next_execution: str = None
    next_execution: str = None
    status: str = "forced"
    error: Exception = None


def tls_reason(err):
    """The reason of a TLS failure, short: "certificate verify failed: self-signed certificate", on one line.

    The ssl module's error under ``requests``' and urllib3's wrappers, without its frame; else the last wrapper's.
    """
    found = err
    seen = set()
    while found is not None and not isinstance(found, ssl.SSLError) and id(found) not in seen:
        seen.add(id(found))
        inner = getattr(found, "reason", None) or (found.args[0] if found.args else None)
        found = inner if isinstance(inner, BaseException) else None
    text = str(found if found is not None else err)
    return " ".join(_SSL_MESSAGE_FRAME.sub("", text).split())


def _is_token(value):
    """Whether ``value`` can be a bearer token: a str of printable ASCII characters (RFC 6750's are fewer)."""
    return isinstance(value, str) and value.isascii() and value.isprintable()


def _answer_lost(err):
    """Whether a failed call may have been carried out all the same: no answer, or the API's own failure (5xx)."""
    if isinstance(err, ConnectionFailure):
        return True
    return isinstance(err, ApiError) and not isinstance(err, AuthenticationError) and (err.status or 500) >= 500


def change_unconfirmed(err):
    """Whether ``err`` is that of a change sent to Cegid whose answer was lost and that the query read again did not
    show: Cegid may still make it (its state is to be read again later)."""
    return getattr(err, "change_unconfirmed", False)


def join_url(base, path):
    """``base`` and ``path`` joined by exactly one slash, whatever either ends or starts with."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def utc_now():
    """The current time, aware, in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


def container_url(blob_service_uri, container_name, sas_token):
    """The container SAS URL: service URI, container, then the token after one '?'."""
    token = sas_token.lstrip("?")
    return join_url(blob_service_uri, container_name.strip("/")) + ("?" + token if token else "")


def error_detail(response):
    """Cegid's ``errorMessage`` (or the gateway's ``message``), else the body on one line; None when empty.

    Whole: the caller masks its secrets before it cuts it (a secret the cut
    split would no longer be found, and its start would show).
    """
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("errorMessage", "message", "error_description", "error", "title"):
            if data.get(key):
                return str(data[key])
    text = (response.text or "").strip()
    return " ".join(text.split()) or None


class CegidClient(ProviderDiscovery):
    """The Cegid Data Access API for one set of settings; safe to share between threads."""

    def __init__(self, settings, *, timeout=(10, 60), max_retries=4, backoff=0.5, max_retry_after=120, session=None,
                 deadline=None):
        """``deadline``: a ``time.monotonic()`` value (a scheduled action's end) that no wait nor retry passes:
        it bounds each call's timeouts (``timeout``: connect and read seconds), and a retry is made only when its
        timeouts too end before it, unless the gateway turned the call away (see ``retry.py``): a call may then
        still end one timeout past it."""
        settings.validate_api()
        self.settings = settings
        self.timeout = timeout
        self.deadline = deadline
        self.max_retries = max_retries
        attempt = sum(timeout)
        self.session = session or build_session(max_retries, backoff, max_retry_after, deadline,
                                                attempt_seconds=attempt)
        # the discovery's probes: a 500 there is an answer (see OUTAGE_STATUSES), not retried
        self.probe_session = session or build_session(max_retries, backoff, max_retry_after, deadline,
                                                      statuses=OUTAGE_STATUSES, attempt_seconds=attempt)
        self._token = None
        self._tokens_given = []  # each token fetched, masked in what Cegid's errors quote
        self._token_renew_at = 0.0
        self._token_lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------

    def _redact(self, text):
        """``text`` without the settings' secrets nor the access tokens this client was given (an error Cegid
        sends back may quote the token it refused, which opens the API until it expires)."""
        return redact(text, [*self.settings.secrets(), *self._tokens_given])

    def _send(self, method, path, op, *, headers, params=None, json_body=None, session=None):
        """One HTTP exchange (the adapter retries it); ConnectionFailure when Cegid cannot be reached.

        Whatever ``requests`` raises becomes a CegidError: ConnectionFailure, or ConfigError for a base URL
        whose host it cannot use.

        ``session``: the one whose retries apply, ``self.session`` by default. A redirect is not followed:
        ``requests`` would send a PUT's Location a GET (whose 200 would read as the change made) and the
        credentials' headers to whatever host it names; it is an ApiError with its status (``_fail``).
        """
        url = join_url(self.settings.api_base_url, path)
        timeout = self.timeout
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                unsent = ConnectionFailure("api.out_of_time", op_code=op[0], **op[1], host=urlsplit(url).netloc)
                unsent.unsent = True
                raise unsent
            timeout = tuple(min(part, left) for part in timeout)
        try:
            response = (session or self.session).request(method, url, headers=headers, params=params,
                                                         json=json_body, timeout=timeout, allow_redirects=False)
        except requests.exceptions.SSLError as err:
            # the certificate refused (expired, self-signed, another host's: a proxy inspecting TLS), or no TLS
            # spoken there: not retried (retry.py), and not the network failing, as "connection failed" read
            raise ConnectionFailure("api.tls_failed", op_code=op[0], **op[1], host=urlsplit(url).netloc,
                                    reason=self._redact(tls_reason(err))[:TLS_REASON_LIMIT]) from None
        except (requests.Timeout, requests.ConnectionError, requests.exceptions.RetryError) as err:
            cause = err.args[0] if err.args else None
            reason = getattr(cause, "reason", None)
            if isinstance(cause, OutOfTime) or (self.deadline is not None and time.monotonic() >= self.deadline):
                failure = ConnectionFailure("api.out_of_time", op_code=op[0], **op[1], host=urlsplit(url).netloc)
            else:
                timed_out = isinstance(err, requests.Timeout) or isinstance(reason, ReadTimeoutError)
                # a call urllib3 does not retry (a change whose answer is lost) is raised as it failed, not as
                # exhausted
                attempts = getattr(cause, "attempts", self.max_retries + 1) if isinstance(cause, MaxRetryError) else 1
                failure = ConnectionFailure("api.timeout" if timed_out else "api.unreachable", op_code=op[0],
                                            **op[1], host=urlsplit(url).netloc, attempts=attempts)
            # no connection made (refused, a name unknown, a connect timeout): nothing was sent
            failure.unsent = isinstance(reason, ConnectTimeoutError) or isinstance(err, requests.ConnectTimeout)
            raise failure from None
        except (requests.exceptions.InvalidURL, LocationValueError):
            # a host requests or urllib3 cannot use (".cegid.example", an empty or too long label, a ValueError of
            # urllib3's): the path is ours, the base URL is at fault; nothing was sent
            raise ConfigError("config.not_http_url", "api_base_url") from None
        except requests.RequestException:
            # the answer broke off (a chunked body cut short, a body that does not decode), or requests could not
            # use it otherwise: nothing to read in it, and never requests' own exception, English and uncaught
            raise ConnectionFailure("api.broken_answer", op_code=op[0], **op[1], host=urlsplit(url).netloc) from None
        if 300 <= response.status_code < 400:  # with a Location or not (a 304 is no answer either)
            self._fail(response, op)
        return response

    def _fail(self, response, op, error_class=None):
        """Raise the typed error for an error ``response`` (a redirect's detail: its reason and Location)."""
        status = response.status_code
        if error_class is None:
            error_class = NotFoundError if status == 404 else ApiError
        code = "api.credentials_refused" if error_class is AuthenticationError else "api.refused"
        # an answer without a body (a gateway's 503): its reason phrase ("Service Unavailable"), not an empty detail
        detail = error_detail(response) or response.reason
        if 300 <= status < 400 and response.headers.get("Location"):  # its body: "Object moved"; where says more
            detail = f"{response.reason}, Location: {response.headers['Location']}"
        raise error_class(code, status=status, op_code=op[0], **op[1],
                          detail=(self._redact(detail) or "")[:DETAIL_LIMIT])

    def _json(self, response, op):
        """The JSON body of a successful answer; ApiError when it is not JSON (quoting its start, unless secret)."""
        try:
            return response.json()
        except ValueError:
            start = " ".join((response.text or "").split())
            raise ApiError(
                "api.not_json", status=response.status_code, op_code=op[0], **op[1],
                content_type=response.headers.get("Content-Type") or "",
                start=REDACTED if op[0] in SECRET_ANSWERS else self._redact(start)[:NOT_JSON_START],
            ) from None

    # -- token ---------------------------------------------------------------

    def get_token(self):
        """A bearer token, cached until shortly before its ``expireIn``."""
        with self._token_lock:
            if self._token and time.monotonic() < self._token_renew_at:
                return self._token
            self._token, lifetime = self._fetch_token()
            self._tokens_given.append(self._token)
            self._token_renew_at = time.monotonic() + lifetime - min(TOKEN_MARGIN, lifetime / 10)
            return self._token

    def _invalidate_token(self, token):
        with self._token_lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self):
        settings = self.settings
        op = ("op.token", {})
        headers = {
            "x-tenantId": settings.tenant_id,
            "api-key-secret": settings.api_key_secret,
            "Ocp-Apim-Subscription-Key": settings.subscription_key,
            "Accept": "application/json",
        }
        response = self._send("GET", TOKEN_PATH, op, headers=headers, params={"api-key-Id": settings.api_key_id})
        if response.status_code in (401, 403):
            self._fail(response, op, AuthenticationError)
        if response.status_code >= 400:
            # ApiError, never NotFoundError: a 404 here is the gateway not finding the token path (a base URL lacking
            # a segment), not a provider or a query Cegid does not know, as a 404 of the calls it opens reads
            self._fail(response, op, ApiError)
        data = self._json(response, op)
        token = data.get("accessToken") if isinstance(data, dict) else None
        if not token:
            raise ApiError("api.no_token", status=response.status_code, op_code=op[0])
        if not _is_token(token):
            # a number, or a character no HTTP header carries: requests would fail on it (or send it as Latin-1
            # bytes) and the masking of secrets on a number; the value is not quoted, it may be a working token
            raise ApiError("api.unexpected_answer", op_code=op[0])
        try:
            lifetime = max(0.0, float(data.get("expireIn")))
        except (TypeError, ValueError):
            lifetime = DEFAULT_TOKEN_LIFETIME
        _logger.debug("Cegid token obtained, valid %s s", lifetime)
        return token, lifetime

    # -- authenticated calls --------------------------------------------------

    def _auth_headers(self, token):
        return {
            "x-tenantId": self.settings.tenant_id,
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": self.settings.subscription_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def _call(self, method, path, op, json_body=None, session=None):
        """An authenticated call; a 401 gets one new token and one retry. Returns the response."""
        token = self.get_token()
        response = self._send(method, path, op, headers=self._auth_headers(token), json_body=json_body,
                              session=session)
        if response.status_code == 401:
            _logger.info("Cegid token refused (%s): getting a new one", op[0])
            self._invalidate_token(token)
            token = self.get_token()
            response = self._send(method, path, op, headers=self._auth_headers(token), json_body=json_body,
                                  session=session)
            if response.status_code == 401:
                self._fail(response, op, AuthenticationError)
        if response.status_code >= 400:
            self._fail(response, op)
        return response

    def _get_json(self, path, op, session=None):
        return self._json(self._call("GET", path, op, session=session), op)

    def get_container_url(self, permissions="rdl"):
        """The export container's full SAS URL (GetSASTokenLRD, or GetSASTokenLR without "d")."""
        op = ("op.sas", {})
        data = self._get_json(SAS_PATHS["d" in permissions], op)
        if not isinstance(data, dict):
            raise ApiError("api.unexpected_answer", op_code=op[0])
        missing = [key for key in ("blobServiceUri", "containerName", "sasToken") if not data.get(key)]
        if missing:
            raise ApiError("api.missing_fields", op_code=op[0], fields=", ".join(missing))
        if not isinstance(data["blobServiceUri"], str) or not is_sealed_url(data["blobServiceUri"]):
            # the SAS signature (read and delete the exports) would cross the network in clear text
            raise ApiError("api.unexpected_answer", op_code=op[0])
        url = container_url(data["blobServiceUri"], data["containerName"], data["sasToken"])
        if not is_container_sas_url(url):
            # the SDK refuses no host, nor one urllib3 cannot connect to, without an error naming the signature;
            # a token without a signature would be an anonymous request Azure refuses blob by blob
            raise ApiError("api.unexpected_answer", op_code=op[0])
        return url

    # -- scheduled queries ----------------------------------------------------

    def list_schedulers(self, provider_id=None):
        """The scheduled queries of a provider, as the raw objects Cegid sent."""
        provider_id = provider_id or self.settings.provider_id
        if not provider_id:
            raise ConfigError("config.provider_missing", "provider_id")
        op = ("op.list_schedulers", {})
        try:
            data = self._get_json(SCHEDULERS_PATH.format(quote(provider_id, safe="")), op)
        except NotFoundError:
            # the path only holds the provider id: a 404 means Cegid does not know it
            raise ConfigError("config.unknown_provider", "provider_id", provider_id=provider_id) from None
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ApiError("api.unexpected_answer", op_code=op[0])
        return data

    def update_scheduler(self, scheduler):
        """PUT the whole scheduler object back to Cegid."""
        name = scheduler_name(scheduler) or str(scheduler.get("id"))
        self._call("PUT", SCHEDULER_PUT_PATH, ("op.update_scheduler", {"name": name}), json_body=scheduler)

    def force(self, name_part=None, at=None, now=None, scheduler_ids=None, when=None, on_outcome=None):
        """Bring the next execution of the matching enabled queries forward.

        Matching: the given ``scheduler_ids`` (none when empty), else a
        case-insensitive part of the name, else every query (one listing
        whatever the number). The new
        time is ``when`` (an aware datetime) if given, else ``force_target(now,
        at)``, ``now`` the time the listing is answered: a listing Cegid's
        gateway turned away for minutes (Retry-After) would make a time
        already past. Only ``nextExecution`` changes; the cron stays, so the
        daily schedule resumes after the forced run. ``on_outcome(outcome)``
        is called as each query is done (what an interruption leaves is told).
        """
        schedulers = self._matching(self.list_schedulers(), name_part, scheduler_ids)
        target = format_cegid_datetime(when or force_target(now or utc_now(), at))
        outcomes = []
        for scheduler in schedulers:
            outcomes.append(self._force_one(scheduler, target))
            if on_outcome:
                on_outcome(outcomes[-1])
        return outcomes

    @staticmethod
    def _matching(schedulers, name_part, scheduler_ids):
        if scheduler_ids is not None:
            wanted = {scheduler_id.strip().lower() for scheduler_id in scheduler_ids}
            return [s for s in schedulers if str(s.get("id", "")).lower() in wanted]
        if name_part:
            part = name_part.casefold()
            return [s for s in schedulers if part in scheduler_name(s).casefold()]
        return list(schedulers)

    def _force_one(self, scheduler, target):
        outcome = ForceOutcome(
            scheduler_id=str(scheduler.get("id", "")), name=scheduler_name(scheduler),
            previous_next_execution=scheduler.get("nextExecution"), next_execution=scheduler.get("nextExecution"),
        )
        if not is_enabled(scheduler):
            outcome.status = "skipped_disabled"
            return outcome
        updated = copy.deepcopy(scheduler)
        updated["nextExecution"] = target
        moment = parse_cegid_datetime(target)
        try:
            self._change(updated, lambda current: parse_cegid_datetime(current.get("nextExecution")) == moment)
        except CegidError as err:
            outcome.status = "failed"
            outcome.error = err
            return outcome
        outcome.next_execution = target
        return outcome

    def set_enabled(self, scheduler_id, enabled):
        """Enable or disable one scheduled query (only ``enable`` changes); return the object sent."""
        scheduler = self.find_scheduler(scheduler_id)
        updated = copy.deepcopy(scheduler)
        updated["enable"] = bool(enabled)
        self._change(updated, lambda current: is_enabled(current) == bool(enabled))
        return updated

    def _change(self, updated, made):
        """PUT ``updated``; when its answer is lost, the query read again tells whether the change was ``made``.

        A change is not sent twice (``retry.py``): the first may have been
        carried out and the query run since. When the query read again shows
        it (``made(query)``), the change stands; otherwise the error is raised.
        """
        try:
            self.update_scheduler(updated)
        except CegidError as err:
            # not sent at all: no time left, or the token refused or out of reach before it
            sent = err.params.get("op_code") == "op.update_scheduler" and not getattr(err, "unsent", False)
            if not (sent and _answer_lost(err)):
                raise
            if not self._shows(str(updated.get("id", "")), made):
                # a 503 is the gateway's: it turned the change away (retry.py), Cegid will not make it later
                err.change_unconfirmed = getattr(err, "status", None) not in TURNED_AWAY_STATUSES
                raise
            _logger.info("Cegid's answer to a change of %s was lost (%s); the query shows the change made",
                         scheduler_name(updated), err.code)

    def _shows(self, scheduler_id, made):
        """Whether the scheduled query, read again, shows ``made``; False when it cannot be read."""
        try:
            return made(self.find_scheduler(scheduler_id))
        except CegidError:
            return False

    def find_scheduler(self, scheduler_id, schedulers=None):
        """The scheduled query with this id; NotFoundError when the provider has none."""
        schedulers = self.list_schedulers() if schedulers is None else schedulers
        found = self._matching(schedulers, None, [scheduler_id])
        if not found:
            raise NotFoundError("api.unknown_scheduler", status=404, scheduler_id=scheduler_id)
        return found[0]

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Client of the Cegid Data Access API: token, export container SAS, scheduled queries.

Every call has a timeout; 429, 5xx and network failures are retried with
backoff, honouring ``Retry-After``; a 401 on an authenticated call gets one new
token and one retry. Failures become the typed errors of ``errors.py``, with
every secret masked.
"""

import copy
import dataclasses
import datetime
import email.utils
import logging
import threading
import time
from urllib.parse import quote, urlsplit

import requests

from .errors import ApiError, AuthenticationError, ConfigError, ConnectionFailure, NotFoundError
from .redact import redact
from .scheduling import force_target, format_cegid_datetime, is_enabled, scheduler_name

_logger = logging.getLogger(__name__)

TOKEN_PATH = "tokenprovider/Token"  # noqa: S105 - a path, not a password
SAS_PATHS = {True: "storage/api/V1/storages/GetSASTokenLRD", False: "storage/api/V1/storages/GetSASTokenLR"}
DATASOURCES_PATH = "datasource/api/V2/datasources/tenant/{}"
FOLDERS_PATH = "datasource/api/V1/foldersCollections/tenant/{}"
SCHEDULERS_PATH = "query/api/V1/schedulers/tenant/provider/{}"
SCHEDULER_PUT_PATH = "query/api/V1/schedulers"
# What working clients try, in this order, after the tenant id itself.
PROVIDER_CANDIDATES = ("cegid-xrp", "HR Sprint On Demand", "xrp", "hr-sprint", "cegid-hr", "paie")
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
TOKEN_MARGIN = 60  # seconds before expireIn when a cached token is renewed
DEFAULT_TOKEN_LIFETIME = 300  # when expireIn is unreadable, do not trust the token for long
UNKNOWN_PROVIDER = "run cegid-requetes.py --discover and copy the cegid_provider_id line it prints"
MISSING_PROVIDER = "is missing: " + UNKNOWN_PROVIDER


@dataclasses.dataclass
class ForceOutcome:
    """What happened to one scheduled query asked to run early."""

    scheduler_id: str
    name: str
    previous_next_execution: str = None
    next_execution: str = None
    status: str = "forced"  # "forced" | "skipped_disabled" | "failed"
    message: str = ""


def join_url(base, path):
    """``base`` and ``path`` joined by exactly one slash, whatever either ends or starts with."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def container_url(blob_service_uri, container_name, sas_token):
    """The container SAS URL: service URI, container, then the token after one '?'."""
    token = sas_token.lstrip("?")
    return join_url(blob_service_uri, container_name.strip("/")) + ("?" + token if token else "")


def retry_after_seconds(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (moment - now).total_seconds())


def error_message_of(response, limit=300):
    """Cegid's ``errorMessage`` (or the gateway's ``message``), else the start of the body."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("errorMessage", "message", "error_description", "error", "title"):
            if data.get(key):
                return str(data[key])[:limit]
    text = (response.text or "").strip()
    return " ".join(text.split())[:limit] or None


class CegidClient:
    """The Cegid Data Access API for one set of settings; safe to share between threads."""

    def __init__(self, settings, *, timeout=(10, 60), max_retries=4, backoff=0.5, max_retry_after=120, session=None):
        settings.validate_api()
        self.settings = settings
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.session = session or requests.Session()
        self._token = None
        self._token_renew_at = 0.0
        self._token_lock = threading.Lock()

    # -- plumbing ------------------------------------------------------------

    def _redact(self, text):
        return redact(text, self.settings.secrets())

    def _url(self, path):
        return join_url(self.settings.api_base_url, path)

    def _send(self, method, path, what, *, headers, params=None, json_body=None):
        """One HTTP exchange, retried on 429, 5xx and network failures."""
        url = self._url(path)
        for attempt in range(self.max_retries + 1):
            last = attempt == self.max_retries
            try:
                response = self.session.request(
                    method, url, headers=headers, params=params, json=json_body, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as err:
                reason = "timed out" if isinstance(err, requests.Timeout) else "connection failed"
                if last:
                    host = urlsplit(url).netloc
                    raise ConnectionFailure(
                        f"Cegid API unreachable ({what}): {reason} ({host}, {attempt + 1} attempts)"
                    ) from None
                self._pause(attempt, None, f"{what}: {reason}")
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._pause(attempt, response.headers.get("Retry-After"), f"{what}: HTTP {response.status_code}")
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _pause(self, attempt, retry_after, reason):
        """Sleep before a retry: Retry-After when given (capped), else exponential backoff."""
        delay = retry_after_seconds(retry_after)
        if delay is None:
            delay = self.backoff * (2**attempt)
        delay = min(delay, self.max_retry_after)
        _logger.warning("%s; retry %d/%d in %.1f s", self._redact(reason), attempt + 1, self.max_retries, delay)
        time.sleep(delay)

    def _fail(self, response, what, error_class=None):
        """Raise the typed error for an error ``response``."""
        status = response.status_code
        detail = self._redact(error_message_of(response))
        if error_class is None:
            error_class = NotFoundError if status == 404 else ApiError
        message = f"Cegid API refused {what} (HTTP {status})" + (f": {detail}" if detail else "")
        raise error_class(message, status=status, error_message=detail)

    def _json(self, response, what):
        """The JSON body of a successful answer; ApiError when it is not JSON."""
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type") or "no content type"
            start = self._redact(" ".join((response.text or "").split())[:120])
            raise ApiError(
                f"Cegid API answered {what} with something that is not JSON (HTTP {response.status_code}, {kind}): "
                f"{start!r}",
                status=response.status_code,
            ) from None

    # -- token ---------------------------------------------------------------

    def get_token(self):
        """A bearer token, cached until shortly before its ``expireIn``."""
        with self._token_lock:
            if self._token and time.monotonic() < self._token_renew_at:
                return self._token
            self._token, lifetime = self._fetch_token()
            self._token_renew_at = time.monotonic() + lifetime - min(TOKEN_MARGIN, lifetime / 10)
            return self._token

    def _invalidate_token(self, token):
        with self._token_lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self):
        settings = self.settings
        what = "the token request"
        headers = {
            "x-tenantId": settings.tenant_id,
            "api-key-secret": settings.api_key_secret,
            "Ocp-Apim-Subscription-Key": settings.subscription_key,
            "Accept": "application/json",
        }
        response = self._send("GET", TOKEN_PATH, what, headers=headers, params={"api-key-Id": settings.api_key_id})
        if response.status_code in (401, 403):
            self._fail(response, what + " (check cegid_tenant_id, cegid_api_key_id, cegid_api_key_secret and "
                       "cegid_subscription_key)", AuthenticationError)
        if response.status_code >= 400:
            self._fail(response, what)
        data = self._json(response, what)
        token = data.get("accessToken") if isinstance(data, dict) else None
        if not token:
            raise ApiError(f"Cegid API answered {what} without an accessToken", status=response.status_code)
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

    def _call(self, method, path, what, json_body=None):
        """An authenticated call; a 401 gets one new token and one retry. Returns the response."""
        token = self.get_token()
        response = self._send(method, path, what, headers=self._auth_headers(token), json_body=json_body)
        if response.status_code == 401:
            _logger.info("Cegid token refused while %s: getting a new one", what)
            self._invalidate_token(token)
            token = self.get_token()
            response = self._send(method, path, what, headers=self._auth_headers(token), json_body=json_body)
            if response.status_code == 401:
                self._fail(response, what, AuthenticationError)
        if response.status_code >= 400:
            self._fail(response, what)
        return response

    def _get_json(self, path, what):
        return self._json(self._call("GET", path, what), what)

    def get_container_url(self, permissions="rdl"):
        """The export container's full SAS URL (GetSASTokenLRD, or GetSASTokenLR without "d")."""
        what = "the SAS request"
        data = self._get_json(SAS_PATHS["d" in permissions], what)
        if not isinstance(data, dict):
            raise ApiError(f"Cegid API answered {what} with an unexpected JSON value")
        missing = [key for key in ("blobServiceUri", "containerName", "sasToken") if not data.get(key)]
        if missing:
            raise ApiError(f"Cegid API answered {what} without {', '.join(missing)}")
        return container_url(data["blobServiceUri"], data["containerName"], data["sasToken"])

    # -- provider discovery ---------------------------------------------------

    def discover_provider(self):
        """The data provider id (GUID), found the way working clients do; NotFoundError when none answers."""
        candidates = [self.settings.tenant_id, *PROVIDER_CANDIDATES]
        probes = (
            (DATASOURCES_PATH, self._provider_from_datasources),
            (FOLDERS_PATH, self._provider_from_folders),
            (SCHEDULERS_PATH, self._provider_from_schedulers),
        )
        for candidate in candidates:
            for path, extract in probes:
                what = f"discovery ({path.split('/')[3]} of {candidate!r})"
                try:
                    data = self._get_json(path.format(quote(candidate, safe="")), what)
                except AuthenticationError:
                    raise
                except ApiError as err:
                    _logger.debug("%s: %s", what, err)
                    continue
                provider = extract(data, candidate)
                if provider:
                    _logger.info("Cegid provider %s found by %s", provider, what)
                    return provider
        raise NotFoundError(
            f"no Cegid data provider found for tenant {self.settings.tenant_id} "
            f"(tried {', '.join(repr(c) for c in candidates)}): find its GUID in the Cegid portal"
        )

    @staticmethod
    def _provider_from_datasources(data, candidate):
        items = data.get("data") if isinstance(data, dict) else None
        return next((str(i["providerId"]) for i in items or () if isinstance(i, dict) and i.get("providerId")), None)

    @staticmethod
    def _provider_from_folders(data, candidate):
        items = data if isinstance(data, list) else ()
        return next((str(i["providerId"]) for i in items if isinstance(i, dict) and i.get("providerId")), None)

    @staticmethod
    def _provider_from_schedulers(data, candidate):
        if not isinstance(data, list) or not data:
            return None
        first = data[0] if isinstance(data[0], dict) else {}
        return str(first.get("providerId") or candidate)

    # -- scheduled queries ----------------------------------------------------

    def list_schedulers(self, provider_id=None):
        """The scheduled queries of a provider, as the raw objects Cegid sent."""
        provider_id = provider_id or self.settings.provider_id
        if not provider_id:
            raise ConfigError("provider_id", MISSING_PROVIDER)
        what = "the list of scheduled queries"
        try:
            data = self._get_json(SCHEDULERS_PATH.format(quote(provider_id, safe="")), what)
        except NotFoundError as err:
            # the path only holds the provider id: a 404 means Cegid does not know it
            raise ConfigError("provider_id", f"{provider_id} is unknown to Cegid ({err}): {UNKNOWN_PROVIDER}") from None
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ApiError(f"Cegid API answered {what} with something other than a list of objects")
        return data

    def update_scheduler(self, scheduler):
        """PUT the whole scheduler object back to Cegid."""
        name = scheduler_name(scheduler) or scheduler.get("id")
        self._call("PUT", SCHEDULER_PUT_PATH, f"the update of scheduled query {name!r}", json_body=scheduler)

    def force(self, name_part=None, at=None, now=None, scheduler_ids=None, when=None):
        """Bring the next execution of the matching enabled queries forward.

        Matching: the given ``scheduler_ids``, else a case-insensitive part of
        the name, else every query (one listing whatever the number). The new
        time is ``when`` (an aware datetime) if given, else ``force_target(now,
        at)``. Only ``nextExecution`` changes; the cron stays, so the daily
        schedule resumes after the forced run.
        """
        moment = when or force_target(now or datetime.datetime.now(datetime.timezone.utc), at)
        target = format_cegid_datetime(moment)
        outcomes = []
        for scheduler in self._matching(self.list_schedulers(), name_part, scheduler_ids):
            outcomes.append(self._force_one(scheduler, target))
        return outcomes

    @staticmethod
    def _matching(schedulers, name_part, scheduler_ids):
        if scheduler_ids:
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
            outcome.message = "disabled: not forced (enable it first)"
            return outcome
        updated = copy.deepcopy(scheduler)
        updated["nextExecution"] = target
        try:
            self.update_scheduler(updated)
        except (ApiError, ConnectionFailure) as err:
            outcome.status = "failed"
            outcome.message = str(err)
            return outcome
        outcome.next_execution = target
        outcome.message = f"next execution {target}"
        return outcome

    def set_enabled(self, scheduler_id, enabled):
        """Enable or disable one scheduled query (only ``enable`` changes); return the object sent."""
        scheduler = self.find_scheduler(scheduler_id)
        updated = copy.deepcopy(scheduler)
        updated["enable"] = bool(enabled)
        self.update_scheduler(updated)
        return updated

    def find_scheduler(self, scheduler_id, schedulers=None):
        """The scheduled query with this id; NotFoundError when the provider has none."""
        schedulers = self.list_schedulers() if schedulers is None else schedulers
        found = self._matching(schedulers, None, [scheduler_id])
        if not found:
            raise NotFoundError(f"no scheduled query has the id {scheduler_id} (see --list)", status=404)
        return found[0]

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An HTTP simulator of the Cegid Data Access API, on a free loopback port.

It follows ``cegid-data-access-api.md`` to the letter: the token provider and
its three credential headers, bearer tokens that expire, the SAS endpoints (the
SAS comes from a real Azurite through ``sas_token_factory``), provider discovery
and the scheduled queries, whose objects carry fields the clients do not know
and must keep. Tests queue faults with :meth:`CegidSimulator.inject` and read
what the client really sent in :attr:`CegidSimulator.requests`.
"""

import copy
import dataclasses
import datetime
import json
import re
import secrets
import ssl
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_PROVIDER_ID = "3f2b8c1e-9d4a-4e6b-8f1a-2c5d7e9b0a14"
DEFAULT_CREDENTIALS = {
    "tenant_id": "98537347",
    "api_key_id": "5e0c1d2a-7b3f-4a8e-9c6d-1f2e3a4b5c6d",
    "api_key_secret": "sim-secret-Qx7vR2pL9mK4",
    "subscription_key": "sim-subkey-8f3a9c2e7b1d4f60",
}
_APIM_DENIED = {
    "statusCode": 401,
    "message": "Access denied due to missing subscription key. Make sure to include subscription key "
    "when making requests to an API.",
}
_APIM_INVALID = {
    "statusCode": 401,
    "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active "
    "subscription.",
}


def cegid_timestamp(moment, fraction="0000000"):
    """A date the way Cegid writes them: UTC, seven fractional digits, ``Z``."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + fraction + "Z"


def _parse_timestamp(text):
    """A Cegid date (seven fractional digits, ``Z``) as an aware datetime; None when absent."""
    if not text:
        return None
    head, _dot, _fraction = text.rstrip("Z").partition(".")
    return datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


class Headers(dict):
    """Request headers, looked up case-insensitively (HTTP header names are)."""

    def __init__(self, pairs=()):
        super().__init__()
        for key, value in pairs:
            self[key] = value

    def __setitem__(self, key, value):
        return super().__setitem__(key.lower(), value)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return super().__contains__(key.lower())

    def get(self, key, default=None):
        return super().get(key.lower(), default)


@dataclasses.dataclass
class RecordedRequest:
    """One request the simulator received, as it arrived."""

    method: str
    path: str
    query: dict
    headers: Headers
    body: bytes
    json: object = None


@dataclasses.dataclass
class Fault:
    """A queued misbehaviour for the requests matching ``method`` and ``path_regex``."""

    method: str
    path_regex: str
    status: int = None
    times: int = 1
    retry_after: object = None
    body: object = None
    delay: float = None
    content_type: str = None
    drop: bool = False
    applied: bool = False
    cut: bool = False
    location: str = None
    after: int = 0  # the matching requests let through first

    def matches(self, method, path):
        return self.times > 0 and self.method in ("*", method) and re.search(self.path_regex, path)


@dataclasses.dataclass
class Answer:
    """What the handler sends back."""

    status: int
    body: object = None
    content_type: str = None
    headers: dict = dataclasses.field(default_factory=dict)
    drop: bool = False
    cut: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a test may leave a slow answer behind; never wait for it


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CegidSimulator/1.0"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Stay quiet: the requests are recorded, not printed."""

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.simulator.handle(self.command, self.path, Headers(self.headers.items()), body)
        if answer.drop:
            self.close_connection = True
            return
        self._send(answer)

    def _send(self, answer):
        payload = answer.body
        content_type = answer.content_type
        if isinstance(payload, (dict, list)) or (payload is not None and content_type == "application/json"):
            payload = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
            content_type = content_type or "application/json; charset=utf-8"
        payload = b"" if payload is None else payload
        payload = payload.encode("utf-8") if isinstance(payload, str) else payload
        try:
            self.send_response(answer.status)
            if payload:
                self.send_header("Content-Type", content_type or "text/plain; charset=utf-8")
            for key, value in answer.headers.items():
                self.send_header(key, str(value))
            if answer.cut:
                # a chunk that announces more than it sends, then the connection closes
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n" % (len(payload) + 64) + payload)
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (its timeout): nothing to answer to

    do_GET = _handle
    do_PUT = _handle
    do_POST = _handle
    do_DELETE = _handle


class CegidSimulator:
    """The Cegid Data Access API, served on 127.0.0.1; use as a context manager.

    ``sas_token_factory(container_name, permission, expiry)`` returns a SAS
    token without its leading ``?``; the container served is the tenant id.
    ``token_lifetime`` (seconds) is both announced in ``expireIn`` and enforced.
    """

    def __init__(
        self, *, blob_service_url, sas_token_factory, tenant_id=DEFAULT_CREDENTIALS["tenant_id"],
        provider_id=DEFAULT_PROVIDER_ID, api_key_id=DEFAULT_CREDENTIALS["api_key_id"],
        api_key_secret=DEFAULT_CREDENTIALS["api_key_secret"],
        subscription_key=DEFAULT_CREDENTIALS["subscription_key"], token_lifetime=3600, sas_lifetime=3600,
        base_path="", provider_aliases=None, discovery_endpoints=("datasources",), tls_cert=None,
    ):
        self.blob_service_url = blob_service_url
        self.sas_token_factory = sas_token_factory
        self.tenant_id = str(tenant_id)
        self.provider_id = provider_id
        self.api_key_id = api_key_id
        self.api_key_secret = api_key_secret
        self.subscription_key = subscription_key
        self.token_lifetime = token_lifetime
        self.expire_in_text = None  # when set, sent as expireIn instead of str(token_lifetime)
        self.sas_lifetime = sas_lifetime
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        # candidates of discovery that resolve to provider_id, and which endpoints know them
        self.provider_aliases = set(provider_aliases or {self.tenant_id})
        self.discovery_endpoints = set(discovery_endpoints)
        # (certificate file, key file): served over TLS with them (a certificate no client trusts: see self_signed)
        self.tls_cert = tls_cert
        # the shape of the SAS answer; tests switch these to check robust joining
        self.sas_uri_trailing_slash = True
        self.sas_token_question_mark = True
        self.schedulers = {}
        self.requests = []
        self.faults = []
        self.tokens = {}  # access token -> monotonic expiry
        self.next_tokens = []  # the tokens to give next, in order (a test that must know one); else random ones
        self._lock = threading.RLock()
        self._server = None
        self._thread = None

    # -- life cycle --------------------------------------------------------

    @property
    def port(self):
        return self._server.server_address[1] if self._server else None

    @property
    def base_url(self):
        """The URL to put in ``cegid_api_base_url`` (no trailing slash)."""
        return f"{'https' if self.tls_cert else 'http'}://127.0.0.1:{self.port}{self.base_path}"

    @property
    def credentials(self):
        """The four credentials a client must present."""
        return {
            "tenant_id": self.tenant_id,
            "api_key_id": self.api_key_id,
            "api_key_secret": self.api_key_secret,
            "subscription_key": self.subscription_key,
        }

    def config_py_values(self, **overrides):
        """The settings of an original ``config.py`` that reach this simulator (config.py names)."""
        values = {
            "mode": "api",
            "cegid_api_base_url": self.base_url,
            "cegid_tenant_id": self.tenant_id,
            "cegid_api_key_id": self.api_key_id,
            "cegid_api_key_secret": self.api_key_secret,
            "cegid_subscription_key": self.subscription_key,
            "cegid_provider_id": self.provider_id,
        }
        values.update(overrides)
        return {key: value for key, value in values.items() if value is not None}

    def start(self):
        """Serve on a free loopback port in a background thread (idempotent)."""
        if self._server is None:
            self._server = _Server(("127.0.0.1", 0), _Handler)
            self._server.simulator = self
            if self.tls_cert:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                context.load_cert_chain(*self.tls_cert)
                # a handshake the client breaks off (it refuses the certificate) fails the accept: not served
                self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            # a short poll interval keeps stop() quick: tests start one simulator each
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="cegid-simulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self):
        """Stop serving and close the listening socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(10)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- state helpers for tests --------------------------------------------

    def add_scheduler(self, name, content="SELECT * FROM ECRITURE", cron="0 2 * * *", enable=True, **extra_fields):
        """Create a scheduled query as Cegid stores it; return its id.

        ``extra_fields`` override or add top-level fields (e.g. ``nextExecution=None``).
        """
        scheduler_id = str(uuid.uuid4())
        today = datetime.datetime.now(datetime.timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0)
        obj = {
            "id": scheduler_id,
            "enable": enable,
            "cron": cron,
            "nextExecution": cegid_timestamp(today + datetime.timedelta(days=1), "1234567"),
            "lastExecution": cegid_timestamp(today + datetime.timedelta(seconds=3), "7654321"),
            "query": {
                "id": str(uuid.uuid4()), "name": name, "content": content, "queryLanguage": "SQL",
                "providerId": self.provider_id,
            },
            "tenantId": self.tenant_id,
            "providerId": self.provider_id,
            "timeZone": "UTC",
            "outputFormat": {"type": "CSV", "delimiter": ";", "encoding": "UTF-8"},
            "createdBy": "admin@example.com",
            "retryCount": 0,
        }
        obj.update(extra_fields)
        with self._lock:
            self.schedulers[scheduler_id] = obj
        return scheduler_id

    def run_due(self, now, execute):
        """Play Cegid's scheduler: each enabled query whose next execution has come is run.

        ``execute(scheduler)`` produces its export (e.g. uploads a blob); then the
        query's last execution becomes ``now`` and its next one tomorrow at 02:00,
        as after a nightly run. Returns the names of the queries run.
        """
        with self._lock:
            due = [obj for obj in self.schedulers.values() if obj.get("enable")
                   and _parse_timestamp(obj.get("nextExecution")) and _parse_timestamp(obj["nextExecution"]) <= now]
        for obj in due:
            execute(copy.deepcopy(obj))
            tomorrow = (now + datetime.timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
            with self._lock:
                obj["lastExecution"] = cegid_timestamp(now)
                obj["nextExecution"] = cegid_timestamp(tomorrow)
        return [obj["query"]["name"] for obj in due]

    def expire_tokens(self):
        """Invalidate every token issued so far (as if they all expired)."""
        with self._lock:
            self.tokens.clear()

    def inject(self, method, path_regex, *, status=None, times=1, retry_after=None, body=None, delay=None,
               content_type=None, drop=False, applied=False, cut=False, location=None, after=0):
        """Queue a fault for the next ``times`` requests matching ``method`` ("*": any) and ``path_regex``.

        ``delay`` slows the answer down (seconds); ``status`` answers with that
        status (``body`` or a JSON errorMessage); ``body`` alone replaces a 200
        answer's body; ``drop`` closes the connection without any answer;
        ``cut`` sends a 200 whose body breaks off. With ``applied``, the request
        is carried out first and only its answer is lost (a gateway's 504 after
        the API did the work). ``location`` is sent as the answer's ``Location``
        (a redirect: ``status=302, location=...``). ``after``: that many
        matching requests are let through first (the second PUT of a force).
        """
        with self._lock:
            self.faults.append(Fault(method.upper(), path_regex, status, times, retry_after, body, delay,
                                     content_type, drop, applied, cut, location, after))

    def requests_to(self, path_part, method=None):
        """The recorded requests whose path contains ``path_part``."""
        with self._lock:
            return [r for r in self.requests if path_part in r.path and method in (None, r.method)]

    # -- request handling ---------------------------------------------------

    def handle(self, method, raw_path, headers, body):
        """Record a request, apply a queued fault or route it; return an Answer."""
        parts = urlsplit(raw_path)
        path = unquote(parts.path)
        recorded = RecordedRequest(method, path, dict(parse_qsl(parts.query, keep_blank_values=True)), headers, body)
        try:
            recorded.json = json.loads(body) if body else None
        except ValueError:
            recorded.json = None
        with self._lock:
            self.requests.append(recorded)
            fault = next((f for f in self.faults if f.matches(method, path)), None)
            if fault and fault.after:
                fault.after -= 1
                fault = None
            elif fault:
                fault.times -= 1
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.applied:
            self._route(method, path, recorded)
        if fault and (fault.status or fault.drop or fault.cut):
            return self._fault_answer(fault)
        answer = self._route(method, path, recorded)
        if fault and fault.body is not None and answer.status == 200:
            answer = Answer(200, fault.body, fault.content_type or "text/html; charset=utf-8")
        return answer

    @staticmethod
    def _fault_answer(fault):
        if fault.drop:
            return Answer(0, drop=True)
        if fault.cut:
            return Answer(200, '{"id": "', "application/json", cut=True)
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.location is not None:
            headers["Location"] = fault.location
        body = fault.body if fault.body is not None else {"errorMessage": f"Simulated failure {fault.status}"}
        return Answer(fault.status, body, fault.content_type, headers)

    def _route(self, method, path, request):
        if self.base_path:
            if not path.startswith(self.base_path + "/"):
                return Answer(404, "Resource not found")
            path = path[len(self.base_path):]
        path = "/" + path.lstrip("/")
        if method == "GET" and path.lower() == "/tokenprovider/token":
            return self._token(request)
        refused = self._check_authenticated(request)
        if refused:
            return refused
        with self._lock:
            return self._dispatch(method, path, request)

    def _dispatch(self, method, path, request):
        routes = [
            ("GET", r"/storage/api/V1/storages/GetSASTokenLRD", lambda m: self._sas("rdl")),
            ("GET", r"/storage/api/V1/storages/GetSASTokenLR", lambda m: self._sas("rl")),
            ("GET", r"/datasource/api/V2/datasources/tenant/([^/]+)", lambda m: self._datasources(m.group(1))),
            ("GET", r"/datasource/api/V1/foldersCollections/tenant/([^/]+)", lambda m: self._folders(m.group(1))),
            ("GET", r"/query/api/V1/schedulers/tenant/provider/([^/]+)", lambda m: self._list(m.group(1))),
            ("PUT", r"/query/api/V1/schedulers", lambda m: self._put(request)),
        ]
        for route_method, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if match:
                if method != route_method:
                    return Answer(405, {"errorMessage": "Method not allowed"})
                return action(match)
        return Answer(404, {"errorMessage": f"No route for {path}"})

    def _gateway_refusal(self, headers):
        """The API gateway's 401 for a missing or wrong subscription key, or None."""
        if "Ocp-Apim-Subscription-Key" not in headers:
            return Answer(401, _APIM_DENIED)
        if headers["Ocp-Apim-Subscription-Key"] != self.subscription_key:
            return Answer(401, _APIM_INVALID)
        return None

    def _token(self, request):
        headers = request.headers
        if refusal := self._gateway_refusal(headers):
            return refusal
        if headers.get("x-tenantId") != self.tenant_id:
            return Answer(401, {"errorMessage": "Unknown or missing tenant"})
        if request.query.get("api-key-Id") != self.api_key_id or headers.get("api-key-secret") != self.api_key_secret:
            return Answer(401, "Unauthorized: invalid API key")  # the token provider answers in plain text here
        with self._lock:
            token = self.next_tokens.pop(0) if self.next_tokens else secrets.token_urlsafe(24)
            self.tokens[token] = time.monotonic() + self.token_lifetime
        expire_in = self.expire_in_text if self.expire_in_text is not None else str(self.token_lifetime)
        return Answer(200, {"accessToken": token, "expireIn": expire_in, "tenantId": self.tenant_id})

    def _check_authenticated(self, request):
        headers = request.headers
        if refusal := self._gateway_refusal(headers):
            return refusal
        authorization = headers.get("Authorization", "")
        token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else None
        with self._lock:
            expiry = self.tokens.get(token)
        if expiry is None or expiry <= time.monotonic():
            return Answer(401, {"errorMessage": "Invalid or expired token"})
        if headers.get("x-tenantId") != self.tenant_id:
            return Answer(403, {"errorMessage": "Tenant mismatch"})
        return None

    def _sas(self, permission):
        expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.sas_lifetime)
        token = self.sas_token_factory(self.tenant_id, permission, expiry).lstrip("?")
        uri = self.blob_service_url.rstrip("/") + ("/" if self.sas_uri_trailing_slash else "")
        return Answer(200, {
            "blobServiceUri": uri,
            "containerName": self.tenant_id,
            "sasToken": ("?" if self.sas_token_question_mark else "") + token,
            "blobName": "",
        })

    def _is_provider(self, candidate, endpoint):
        return endpoint in self.discovery_endpoints and candidate in self.provider_aliases

    def _datasources(self, candidate):
        if not self._is_provider(candidate, "datasources"):
            return Answer(200, {"continuationRequest": "", "data": []})
        return Answer(200, {"continuationRequest": "", "data": [{
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, candidate)), "name": "Cegid XRP / HR Sprint On Demand",
            "tenantId": self.tenant_id, "displayPath": "/Cegid XRP", "providerId": self.provider_id,
            "queryLanguage": "SQL", "providerConnectionString": "",
        }]})

    def _folders(self, candidate):
        if not self._is_provider(candidate, "folders"):
            return Answer(200, [])
        return Answer(200, [{
            "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, candidate)), "name": "Cegid XRP", "tenantId": self.tenant_id,
            "dataSourceListId": [], "providerId": self.provider_id,
        }])

    def _list(self, candidate):
        if candidate != self.provider_id and not self._is_provider(candidate, "schedulers"):
            return Answer(404, {"errorMessage": f"Provider {candidate} not found"})
        return Answer(200, [copy.deepcopy(obj) for obj in self.schedulers.values()])

    def _put(self, request):
        try:
            obj = json.loads(request.body)
        except ValueError:
            return Answer(400, {"errorMessage": "The request body is not valid JSON"})
        if not isinstance(obj, dict) or "id" not in obj:
            return Answer(400, {"errorMessage": "A scheduler object with an id is expected"})
        if obj["id"] not in self.schedulers:
            return Answer(404, {"errorMessage": f"Scheduler {obj['id']} not found"})
        self.schedulers[obj["id"]] = copy.deepcopy(obj)
        return Answer(200, copy.deepcopy(obj))


def self_signed(folder, host="127.0.0.1"):
    """(certificate file, key file) of a self-signed certificate for ``host``, made with openssl in ``folder``."""
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def write_config_py(path, values):
    """Write ``values`` as the literal assignments of a ``config.py``; return the path."""
    lines = ["# Generated by the tests", *(f"{key} = {value!r}" for key, value in values.items())]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def make_simulator_for(azurite, **kwargs):
    """A (not yet started) simulator whose SAS tokens open ``azurite``'s tenant container.

    The container named after the tenant id is created in Azurite, as Cegid
    provisions it; use the result as a context manager.
    """
    simulator = CegidSimulator(
        blob_service_url=azurite.service_url,
        sas_token_factory=lambda container, permission, expiry: azurite.sas_token(container, permission, expiry),
        **kwargs,
    )
    azurite.create_container(simulator.tenant_id)
    return simulator

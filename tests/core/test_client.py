# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CegidClient against the Cegid simulator: headers, tokens, retries, errors, scheduled queries."""

import datetime
import email.utils
import logging
import time

import pytest
import requests
from azure.storage.blob import ContainerClient

from cegid_data_access.cegid_api.client import CegidClient, change_unconfirmed, container_url, join_url
from cegid_data_access.cli_text import describe
from cegid_data_access.errors import ApiError, AuthenticationError, ConfigError, ConnectionFailure, NotFoundError
from cegid_data_access.settings import Settings
from cegid_testkit.azurite import free_port

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 28, 10, 7, tzinfo=UTC)
SCHEDULERS = "/query/api/V1/schedulers"


def settings_for(sim, **changes):
    values = {
        "api_base_url": sim.base_url, "tenant_id": sim.tenant_id, "api_key_id": sim.api_key_id,
        "api_key_secret": sim.api_key_secret, "subscription_key": sim.subscription_key,
        "provider_id": sim.provider_id,
    }
    values.update(changes)
    return Settings(**values)


def client_for(sim, **kwargs):
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("timeout", (2, 5))
    return CegidClient(settings_for(sim, **kwargs.pop("settings", {})), **kwargs)


@pytest.fixture
def sim(cegid_simulator):
    return cegid_simulator


def token_requests(sim):
    return sim.requests_to("/tokenprovider/Token")


# -- headers, token, URL joining -----------------------------------------------


def test_token_request_and_authenticated_headers(sim):
    client = client_for(sim)
    client.list_schedulers()
    token_call, list_call = sim.requests
    assert token_call.method == "GET" and token_call.path == "/tokenprovider/Token"
    assert token_call.query == {"api-key-Id": sim.api_key_id}
    assert token_call.headers["x-tenantId"] == sim.tenant_id
    assert token_call.headers["api-key-secret"] == sim.api_key_secret
    assert token_call.headers["Ocp-Apim-Subscription-Key"] == sim.subscription_key
    assert list_call.path == f"{SCHEDULERS}/tenant/provider/{sim.provider_id}"
    assert list_call.headers["x-tenantId"] == sim.tenant_id
    assert list_call.headers["Authorization"] == "Bearer " + client.get_token()
    assert list_call.headers["Ocp-Apim-Subscription-Key"] == sim.subscription_key
    assert list_call.headers["Content-Type"] == "application/json"
    assert "api-key-secret" not in list_call.headers


def test_token_is_cached(sim):
    client = client_for(sim)
    client.list_schedulers()
    client.list_schedulers()
    client.get_container_url()
    assert len(token_requests(sim)) == 1


def test_token_renewed_when_expire_in_is_reached(sim):
    sim.token_lifetime = 0  # expireIn "0": the client must not reuse it
    client = client_for(sim)
    client.get_token()
    client.get_token()
    assert len(token_requests(sim)) == 2


def test_a_token_is_renewed_shortly_before_it_expires_so_no_call_is_refused(sim):
    sim.token_lifetime = 2  # renewed a tenth of its life early: after 1.8 s
    client = client_for(sim)
    client.get_token()
    time.sleep(1.9)
    client.list_schedulers()
    assert len(token_requests(sim)) == 2
    assert len(sim.requests_to(SCHEDULERS)) == 1  # no call met a 401


@pytest.mark.parametrize("base_suffix", ["", "/", "/cegid/api", "/cegid/api/"])
def test_base_url_with_or_without_trailing_slash(azurite, base_suffix):
    from cegid_testkit.simulator import make_simulator_for

    with make_simulator_for(azurite, base_path=base_suffix.rstrip("/")) as server:
        base = f"http://127.0.0.1:{server.port}{base_suffix}"
        client = client_for(server, settings={"api_base_url": base})
        assert client.list_schedulers() == []
        assert all("//" not in r.path for r in server.requests)


def test_join_helpers():
    assert join_url("http://h/api/", "/x") == "http://h/api/x"
    assert join_url("http://h/api", "x") == "http://h/api/x"
    assert container_url("https://a.blob/", "123", "?sv=1&sig=x") == "https://a.blob/123?sv=1&sig=x"
    assert container_url("https://a.blob", "/123/", "sv=1&sig=x") == "https://a.blob/123?sv=1&sig=x"


@pytest.mark.parametrize(("slash", "question"), [(True, True), (False, False), (False, True), (True, False)])
def test_container_url_opens_the_container(sim, azurite, slash, question):
    sim.sas_uri_trailing_slash = slash
    sim.sas_token_question_mark = question
    azurite.create_container(sim.tenant_id).upload_blob("ECRITURE.csv", b"E_DEBIT;E_CREDIT\n", overwrite=True)
    url = client_for(sim).get_container_url()
    assert url.startswith(azurite.service_url + sim.tenant_id + "?")
    container = ContainerClient.from_container_url(url)
    assert [b.name for b in container.list_blobs()] == ["ECRITURE.csv"]
    container.delete_blob("ECRITURE.csv")
    assert sim.requests[-1].path.endswith("/GetSASTokenLRD")


def test_a_sas_for_a_plain_http_service_elsewhere_is_refused(sim):
    """The signature grants reading and deleting the exports: not sent in clear text to another machine."""
    sim.blob_service_url = "http://acct.blob.example/"
    with pytest.raises(ApiError) as caught:
        client_for(sim).get_container_url()
    assert caught.value.code == "api.unexpected_answer"


def test_an_error_quoting_the_token_shows_it_masked(sim):
    """The access token opens the API until it expires: Cegid's error that quotes the token it refused shows it
    masked (here the second token, after the first was refused too)."""
    sim.next_tokens.extend(["first-token-0123456789", "second-token-0123456789"])
    sim.inject("GET", "schedulers/tenant", status=401, times=2,
               body={"errorMessage": "Token first-token-0123456789 or second-token-0123456789 refused"})
    with pytest.raises(AuthenticationError) as caught:
        client_for(sim).list_schedulers()
    assert len(token_requests(sim)) == 2
    assert "token-0123456789" not in str(caught.value)
    assert "refused" in str(caught.value)


@pytest.mark.parametrize("where", ["json", "text"])
def test_a_secret_across_the_detail_cut_is_masked_not_cut(sim, where):
    """An error is quoted up to a length: a secret it quotes across that length is masked before the cut (cut first,
    its start would show, no longer the secret the mask looks for), and a token longer than it too."""
    long_token = "eyJ" + "A" * 1200
    sim.next_tokens.append(long_token)
    quoted = f"{'x' * 280} key {sim.api_key_secret} and {long_token} refused"
    sim.inject("GET", "schedulers/tenant", status=400,
               body={"errorMessage": quoted} if where == "json" else quoted)
    with pytest.raises(ApiError) as caught:
        client_for(sim).list_schedulers()
    shown = caught.value.params["detail"] + describe(caught.value)
    assert sim.api_key_secret[:8] not in shown and "eyJAAAA" not in shown
    assert " key *** and *** " in caught.value.params["detail"]


def test_an_answer_not_json_quoting_a_token_across_its_start_shows_it_masked(sim):
    long_token = "eyJ" + "B" * 1200
    sim.next_tokens.append(long_token)
    sim.inject("GET", "schedulers/tenant", body=f"{'x' * 100} {long_token}")
    with pytest.raises(ApiError) as caught:
        client_for(sim).list_schedulers()
    assert caught.value.code == "api.not_json"
    assert caught.value.params["start"] == f"{'x' * 100} ***"


def test_read_only_sas_uses_get_sas_token_lr(sim):
    url = client_for(sim).get_container_url(permissions="rl")
    assert "sp=rl" in url
    assert sim.requests[-1].path == "/storage/api/V1/storages/GetSASTokenLR"


# -- authentication ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["api_key_secret", "subscription_key", "api_key_id", "tenant_id"])
def test_wrong_credentials_raise_authentication_error_without_secret(sim, field):
    wrong = "99999999" if field == "tenant_id" else "wrong-value-123"
    client = client_for(sim, settings={field: wrong})
    with pytest.raises(AuthenticationError) as caught:
        client.get_token()
    assert caught.value.status == 401
    assert caught.value.code == "api.credentials_refused" and caught.value.params["detail"]
    assert caught.value.exit_code == 3
    text = str(caught.value) + describe(caught.value)
    assert sim.api_key_secret not in text and sim.subscription_key not in text
    if field in ("api_key_secret", "subscription_key"):
        assert wrong not in text
    assert len(token_requests(sim)) == 1  # a refusal is not retried


def test_a_token_refused_with_403_is_a_credentials_error(sim):
    sim.inject("GET", "Token", status=403, body={"message": "Forbidden"})
    with pytest.raises(AuthenticationError) as caught:
        client_for(sim).get_token()
    assert (caught.value.code, caught.value.exit_code) == ("api.credentials_refused", 3)
    assert len(token_requests(sim)) == 1


def test_401_on_authenticated_call_gets_one_new_token(sim):
    client = client_for(sim)
    client.list_schedulers()
    first_token = client.get_token()
    sim.expire_tokens()
    assert client.list_schedulers() == []
    assert len(token_requests(sim)) == 2
    assert client.get_token() != first_token
    lists = sim.requests_to(SCHEDULERS)
    assert [r.headers["Authorization"] for r in lists[-2:]] == ["Bearer " + first_token, "Bearer " + client.get_token()]


def test_injected_401_then_success(sim):
    client = client_for(sim)
    sim.inject("GET", "schedulers/tenant", status=401, body={"errorMessage": "Token expired"})
    assert client.list_schedulers() == []
    assert len(token_requests(sim)) == 2
    assert len(sim.requests_to(SCHEDULERS)) == 2


def test_persistent_401_is_retried_only_once(sim):
    client = client_for(sim)
    sim.inject("GET", "schedulers/tenant", status=401, times=5, body={"errorMessage": "Token expired"})
    with pytest.raises(AuthenticationError) as caught:
        client.list_schedulers()
    assert caught.value.params["detail"] == "Token expired"
    assert len(token_requests(sim)) == 2
    assert len(sim.requests_to(SCHEDULERS)) == 2


def test_tenant_mismatch_is_an_api_error_with_status(sim):
    sim.inject("GET", "GetSASToken", status=403, body={"errorMessage": "Tenant mismatch"})
    with pytest.raises(ApiError) as caught:
        client_for(sim).get_container_url()
    assert caught.value.status == 403 and caught.value.params["detail"] == "Tenant mismatch"
    assert describe(caught.value) == "Cegid API refused the SAS request (HTTP 403): Tenant mismatch"


# -- retries and faults -------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 503, 500, 502, 504])
def test_gateway_errors_are_retried_honouring_retry_after(sim, status):
    sim.add_scheduler("ECRITURE")
    sim.inject("GET", "schedulers/tenant", status=status, retry_after="0", times=2)
    schedulers = client_for(sim, backoff=30).list_schedulers()  # a 30 s backoff would hang: Retry-After wins
    assert [s["query"]["name"] for s in schedulers] == ["ECRITURE"]
    assert len(sim.requests_to(SCHEDULERS)) == 3


def test_a_rate_limit_without_retry_after_is_retried_with_the_backoff(sim):
    sim.add_scheduler("ECRITURE")
    sim.inject("GET", "schedulers/tenant", status=429, times=2)
    assert len(client_for(sim).list_schedulers()) == 1
    assert len(sim.requests_to(SCHEDULERS)) == 3


def test_retry_after_one_second_on_token(sim):
    sim.inject("GET", "Token", status=429, retry_after="1")
    client_for(sim).get_token()
    assert len(token_requests(sim)) == 2


def test_retries_give_up_after_max_retries(sim):
    sim.inject("GET", "GetSASToken", status=503, retry_after="0", times=10, body="Service Unavailable")
    with pytest.raises(ApiError) as caught:
        client_for(sim, max_retries=2).get_container_url()
    assert caught.value.status == 503
    assert caught.value.params["detail"] == "Service Unavailable"
    assert len(sim.requests_to("GetSASToken")) == 3


def test_retry_after_as_http_date(sim):
    past = email.utils.format_datetime(datetime.datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    sim.inject("GET", "GetSASToken", status=503, retry_after=past)
    assert client_for(sim, backoff=30).get_container_url()  # a date already past: retry at once
    assert len(sim.requests_to("GetSASToken")) == 2


def test_retry_after_is_capped(sim):
    sim.inject("GET", "Token", status=429, retry_after="3600")
    client_for(sim, max_retry_after=0).get_token()  # capped to 0 s instead of an hour
    assert len(token_requests(sim)) == 2


@pytest.mark.parametrize("deadline", [None, 60], ids=["no deadline", "a deadline"])
def test_a_retry_after_urllib3_cannot_read_falls_back_to_the_backoff(sim, deadline):
    """urllib3 reads whole seconds or an HTTP date: "1.5" raised requests' InvalidHeader out of the client."""
    sim.add_scheduler("ECRITURE")
    sim.inject("GET", "schedulers/tenant", status=503, retry_after="1.5", times=2)
    client = client_for(sim, deadline=deadline and time.monotonic() + deadline)
    assert len(client.list_schedulers()) == 1
    assert len(sim.requests_to(SCHEDULERS)) == 3


@pytest.mark.parametrize("status", [429, 503])
def test_an_unreadable_retry_after_that_lasts_is_the_gateways_refusal(sim, status):
    sim.inject("GET", "Token", status=status, retry_after="soon", times=10)
    with pytest.raises(ApiError) as caught:
        client_for(sim, max_retries=2).get_token()
    assert (caught.value.code, caught.value.status) == ("api.refused", status)
    assert len(token_requests(sim)) == 3


def test_a_force_turned_away_with_an_unreadable_retry_after_is_sent_again(sim):
    """The raw InvalidHeader went past force()'s outcomes, which hold CegidErrors: the other queries not forced."""
    scheduler_id = sim.add_scheduler("ECRITURE")
    sim.inject("PUT", SCHEDULERS, status=429, retry_after="1.5")
    assert [o.status for o in client_for(sim).force(now=NOW)] == ["forced"]
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 2
    assert sim.schedulers[scheduler_id]["nextExecution"] == "2026-11-28T10:15:00.000Z"


def test_dropped_connection_is_retried(sim):
    sim.inject("GET", "Token", drop=True)
    assert client_for(sim).get_token()
    assert len(token_requests(sim)) == 2


def test_dropped_connections_become_connection_failure(sim):
    sim.inject("GET", "Token", drop=True, times=10)
    with pytest.raises(ConnectionFailure) as caught:
        client_for(sim, max_retries=1).get_token()
    assert caught.value.exit_code == 3 and caught.value.code == "api.unreachable"
    assert caught.value.params["attempts"] == 2
    assert len(token_requests(sim)) == 2


def test_a_certificate_refused_is_a_tls_failure_that_says_why_after_one_attempt(azurite, tmp_path):
    """A certificate the client does not trust (self-signed, expired, a proxy's) read "connection failed (host,
    5 attempts)": no reason, and attempts urllib3 never made (it does not retry a TLS failure). It says TLS and
    why; the retries' history counts the attempts."""
    from cegid_testkit.simulator import make_simulator_for, self_signed

    with make_simulator_for(azurite, tls_cert=self_signed(tmp_path)) as tls_sim:
        client = client_for(tls_sim)
        with pytest.raises(ConnectionFailure) as caught:
            client.get_token()
        with pytest.raises(requests.exceptions.SSLError) as raw:  # what the session met, under the client
            client.session.get(join_url(tls_sim.base_url, "tokenprovider/Token"), timeout=5)
        port = tls_sim.port
    assert (caught.value.code, caught.value.exit_code) == ("api.tls_failed", 3)
    assert describe(caught.value) == (f"Cegid API unreachable (the token request): the secure connection (TLS) "
                                      f"failed (127.0.0.1:{port}): certificate verify failed: self-signed "
                                      "certificate")
    assert raw.value.args[0].attempts == 1 and tls_sim.requests == []


def test_an_http_server_answering_https_is_a_tls_failure(sim):
    client = client_for(sim, settings={"api_base_url": sim.base_url.replace("http://", "https://")})
    with pytest.raises(ConnectionFailure) as caught:
        client.get_token()
    assert caught.value.code == "api.tls_failed"
    assert "wrong version number" in caught.value.params["reason"] and "_ssl.c" not in caught.value.params["reason"]


def test_timeout_becomes_connection_failure(sim):
    sim.inject("GET", "schedulers/tenant", delay=1.5, times=2)
    client = client_for(sim, timeout=(2, 0.3), max_retries=1)
    with pytest.raises(ConnectionFailure) as caught:
        client.list_schedulers()
    assert caught.value.code == "api.timeout"
    assert "timed out" in describe(caught.value)


def test_unreachable_service(sim):
    settings = {"api_base_url": sim.base_url}
    sim.stop()
    with pytest.raises(ConnectionFailure) as caught:
        client_for(sim, settings=settings, max_retries=1).get_token()
    assert caught.value.code == "api.unreachable"
    assert "connection failed" in describe(caught.value)


def test_non_json_answer_is_a_clear_api_error(sim):
    sim.inject("GET", "schedulers/tenant", body="<html><body>Gateway maintenance</body></html>")
    with pytest.raises(ApiError) as caught:
        client_for(sim).list_schedulers()
    assert caught.value.code == "api.not_json"
    assert "Gateway maintenance" in caught.value.params["start"]
    assert caught.value.status == 200


def test_non_json_token_answer(sim):
    sim.inject("GET", "Token", body="OK")
    with pytest.raises(ApiError) as caught:
        client_for(sim).get_token()
    assert caught.value.code == "api.not_json" and caught.value.params["op_code"] == "op.token"


@pytest.mark.parametrize(("path", "call"), [("Token", "get_token"), ("GetSASToken", "get_container_url")])
def test_an_answer_holding_a_secret_is_not_quoted_when_it_is_not_json(sim, path, call):
    """A token or a SAS answered as plain text (a proxy's rewriting) is still a secret: masked, not quoted."""
    sim.inject("GET", path, body="access_token=S3cretBearerT0ken expires=3600")
    with pytest.raises(ApiError) as caught:
        getattr(client_for(sim), call)()
    assert caught.value.code == "api.not_json" and caught.value.params["start"] == "***"
    assert "S3cretBearer" not in describe(caught.value)


def test_plain_text_error_body_is_kept(sim):
    sim.inject("GET", "GetSASToken", status=400, body="Bad things happened")
    with pytest.raises(ApiError) as caught:
        client_for(sim).get_container_url()
    assert caught.value.params["detail"] == "Bad things happened" and caught.value.status == 400


def test_secret_echoed_by_the_server_is_masked(sim, caplog):
    caplog.set_level(logging.DEBUG)
    sim.inject("GET", "GetSASToken", status=503, retry_after="0", body=f"bad key {sim.subscription_key}", times=5)
    with pytest.raises(ApiError) as caught:
        client_for(sim, max_retries=1).get_container_url()
    assert sim.subscription_key not in describe(caught.value)
    assert caught.value.params["detail"] == "bad key ***"
    assert sim.subscription_key not in caplog.text and sim.api_key_secret not in caplog.text


# -- discovery -------------------------------------------------------------------------


def test_discover_provider_by_tenant_id(sim):
    client = client_for(sim, settings={"provider_id": ""})
    assert client.discover_provider() == sim.provider_id


@pytest.mark.parametrize("endpoint", ["folders", "schedulers"])
def test_discover_provider_by_known_name(azurite, endpoint):
    from cegid_testkit.simulator import make_simulator_for

    with make_simulator_for(azurite, provider_aliases={"HR Sprint On Demand"}, discovery_endpoints=(endpoint,)) as s:
        s.add_scheduler("ECRITURE")
        assert client_for(s, settings={"provider_id": ""}).discover_provider() == s.provider_id
        assert s.requests_to("/tenant/HR Sprint On Demand")


def test_discover_provider_not_found(sim):
    sim.provider_aliases = set()
    with pytest.raises(NotFoundError) as caught:
        client_for(sim).discover_provider()
    assert caught.value.code == "api.no_provider" and "“cegid-xrp”" in caught.value.params["candidates"]


def test_a_500_to_a_probe_is_read_as_no_provider_without_retrying_it(azurite):
    from cegid_testkit.simulator import make_simulator_for

    with make_simulator_for(azurite, provider_aliases={"cegid-xrp"}, discovery_endpoints=("folders",)) as s:
        s.inject("GET", "tenant/(provider/)?" + s.tenant_id + "$", status=500, times=3)
        assert client_for(s, settings={"provider_id": ""}).discover_provider() == s.provider_id
        probes = [r for r in s.requests if r.path.endswith("/" + s.tenant_id)]
        assert len(probes) == 3  # one request per probe, none sent again


def test_a_discovery_every_probe_of_which_fails_with_500_is_the_api_failing_not_a_missing_provider(sim):
    sim.inject("GET", "datasource|query", status=500, times=1000, body={"errorMessage": "Internal server error"})
    with pytest.raises(ApiError) as caught:
        client_for(sim, settings={"provider_id": ""}).discover_provider()
    assert (caught.value.code, caught.value.status) == ("api.refused", 500)
    assert "Internal server error" in describe(caught.value)
    assert len([r for r in sim.requests if "Token" not in r.path]) == 7 * 3  # each probe once: no retry storm


def test_discover_with_wrong_credentials_stops_at_once(sim):
    with pytest.raises(AuthenticationError):
        client_for(sim, settings={"api_key_secret": "wrong-secret-42"}).discover_provider()
    assert len(sim.requests) == 1


@pytest.mark.parametrize("url", ["http://[bad", "https://host:port/", "ftp://host/", "https:///path", "host/path"])
def test_an_api_base_url_that_is_no_http_url_is_a_setting_error(sim, url):
    with pytest.raises(ConfigError) as caught:  # not urllib's ValueError ("Invalid IPv6 URL", a port not a number)
        client_for(sim, settings={"api_base_url": url})
    assert (caught.value.setting, caught.value.code) == ("api_base_url", "config.not_http_url")
    assert sim.requests == []


@pytest.mark.parametrize("url", ["http://cegid.invalid/api", "HTTP://cegid.invalid", "http://10.0.0.5:8080/",
                                 "http://[2001:db8::1]/api", "http://localhost.cegid.invalid/", "http://0.0.0.0:80/"])
def test_an_api_base_url_in_http_to_another_machine_is_a_setting_error_before_any_call(sim, url):
    """The token request carries the API key's secret and the subscription key: over http, in clear text."""
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={"api_base_url": url})
    assert (caught.value.code, caught.value.setting) == ("config.not_https", "api_base_url")
    assert "https://" in describe(caught.value)
    assert sim.requests == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "LOCALHOST"])
def test_an_api_base_url_in_http_to_this_machine_is_accepted(sim, host):
    client = client_for(sim, settings={"api_base_url": sim.base_url.replace("127.0.0.1", host)})
    if host.lower() == "localhost":  # the simulator listens on 127.0.0.1 only
        assert client.list_schedulers() == []


@pytest.mark.parametrize("host", [".cegid.example", "*.cegid.example", "cegid..example", "a" * 64 + ".example"])
def test_an_api_base_url_whose_host_requests_cannot_use_is_a_setting_error_not_a_raw_exception(sim, host):
    """requests raised its InvalidURL, urllib3 its LocationParseError (a label empty or too long), out of the
    client: the path is the client's own, the base URL is at fault; nothing is sent."""
    client = client_for(sim, settings={"api_base_url": f"https://{host}/api"})
    with pytest.raises(ConfigError) as caught:
        client.get_token()
    assert (caught.value.code, caught.value.setting) == ("config.not_http_url", "api_base_url")
    assert sim.requests == []


@pytest.mark.parametrize("tenant_id", ["ACME-12", "\uff19\uff18\uff15\uff13\uff17\uff13\uff14\uff17", "98537347\u00b2",
                                       "\u0669\u0668\u0665\u0663\u0667\u0663\u0664\u0667"],
                         ids=["letters", "full-width digits", "a superscript two", "Arabic-Indic digits"])
def test_a_tenant_id_that_is_not_digits_is_a_setting_error_before_any_call(sim, tenant_id):
    """str.isdigit() took full-width, superscript and Arabic-Indic digits: the x-tenantId header then failed to
    encode (a raw UnicodeEncodeError out of the client) or went as a Latin-1 byte Cegid refuses (²)."""
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={"tenant_id": tenant_id})
    assert (caught.value.code, caught.value.setting) == ("config.not_digits", "tenant_id")
    assert sim.requests == []


@pytest.mark.parametrize("value", ["S3cretPart1\nS3cretPart2", " S3cretPart1", "S3cretPart1\t", "S3cret\x7f",
                                   "S3cret-€-Part", "S3cret-é-Part", "S3cret\u200bPart"])
@pytest.mark.parametrize("name", ["api_key_id", "api_key_secret", "subscription_key"])
def test_a_key_pasted_with_a_line_break_a_space_around_or_an_accent_is_a_setting_error_that_does_not_quote_it(
        sim, name, value):
    """requests would refuse the header and quote the secret in its error (http.client one it cannot send in
    Latin-1, with a UnicodeEncodeError): the setting is refused first."""
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={name: value})
    assert (caught.value.code, caught.value.setting) == ("config.stray_characters", name)
    assert "S3cret" not in describe(caught.value) and "S3cret" not in repr(caught.value.params)
    assert sim.requests == []


def test_a_settings_repr_shows_no_secret():
    settings = Settings(api_key_secret="S3cretKey", subscription_key="S3cretSub", sas_url="https://a/c?sig=S3cret")
    assert "S3cret" not in repr(settings)
    assert "api_key_id=" in repr(settings)


# -- scheduled queries ------------------------------------------------------------------


def test_missing_provider_id_says_run_discover(sim):
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={"provider_id": ""}).list_schedulers()
    assert (caught.value.setting, caught.value.code) == ("provider_id", "config.provider_missing")
    assert "--discover" in describe(caught.value)


def test_unknown_provider_id_is_a_config_error(sim):
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={"provider_id": "not-a-provider"}).list_schedulers()
    assert (caught.value.setting, caught.value.code) == ("provider_id", "config.unknown_provider")
    assert caught.value.params["provider_id"] == "not-a-provider" and "--discover" in describe(caught.value)


def test_force_changes_only_next_execution(sim):
    first = sim.add_scheduler("ECRITURE", cron="0 2 * * *", vendorField={"kept": [1, 2]}, notes=None)
    second = sim.add_scheduler("ANALYTIQ", cron="30 3 * * 1-5")
    before = {key: dict(value) for key, value in sim.schedulers.items()}
    outcomes = client_for(sim).force(now=NOW)
    assert {o.scheduler_id: o.status for o in outcomes} == {first: "forced", second: "forced"}
    for scheduler_id in (first, second):
        after = sim.schedulers[scheduler_id]
        assert after["nextExecution"] == "2026-11-28T10:15:00.000Z"
        assert {k: v for k, v in after.items() if k != "nextExecution"} == {
            k: v for k, v in before[scheduler_id].items() if k != "nextExecution"
        }
    assert sim.schedulers[first]["vendorField"] == {"kept": [1, 2]} and "notes" in sim.schedulers[first]
    assert sim.schedulers[second]["cron"] == "30 3 * * 1-5"
    outcome = next(o for o in outcomes if o.scheduler_id == first)
    assert outcome.previous_next_execution == before[first]["nextExecution"]
    assert outcome.next_execution == "2026-11-28T10:15:00.000Z" and outcome.name == "ECRITURE"
    puts = sim.requests_to(SCHEDULERS, method="PUT")
    assert len(puts) == 2 and puts[0].headers["Content-Type"] == "application/json"


def test_force_aims_from_the_time_the_listing_is_answered(sim, monkeypatch):
    """A listing the gateway turned away for minutes (Retry-After): the quarter hour aimed at before it was past
    when the PUT was sent. The clock here jumps 20 minutes once the listing is answered."""
    from cegid_data_access.cegid_api import client as client_module

    scheduler_id = sim.add_scheduler("ECRITURE")
    later = NOW + datetime.timedelta(minutes=20)
    monkeypatch.setattr(client_module, "utc_now", lambda: later if sim.requests_to(SCHEDULERS) else NOW)
    [outcome] = client_for(sim).force()
    assert outcome.status == "forced"
    assert sim.schedulers[scheduler_id]["nextExecution"] == "2026-11-28T10:45:00.000Z"  # 10:27, 5 min ahead: 10:45


def test_force_by_name_part_case_insensitive_at_time(sim):
    sim.add_scheduler("ECRITURE")
    wanted = sim.add_scheduler("Export Ecritures analytiques")
    other = sim.add_scheduler("ABSENCESALARIE")
    outcomes = client_for(sim).force(name_part="ecrit", at="14:30", now=NOW)
    assert len(outcomes) == 2 and all(o.status == "forced" for o in outcomes)
    assert sim.schedulers[wanted]["nextExecution"] == "2026-11-28T14:30:00.000Z"
    assert sim.schedulers[other]["nextExecution"].endswith(".1234567Z")


def test_force_one_id_and_nothing_matched(sim):
    wanted = sim.add_scheduler("ECRITURE")
    sim.add_scheduler("ANALYTIQ")
    client = client_for(sim)
    outcomes = client.force(scheduler_ids=[wanted.upper()], now=NOW)
    assert [o.scheduler_id for o in outcomes] == [wanted]
    assert client.force(name_part="PAIE", now=NOW) == []
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 1


def test_force_several_ids_at_an_exact_moment_with_one_listing(sim):
    first, second = sim.add_scheduler("ECRITURE"), sim.add_scheduler("ANALYTIQ")
    sim.add_scheduler("HISTOCUMSAL")
    client = client_for(sim)
    client.get_token()
    listings_before = len(sim.requests_to(SCHEDULERS, method="GET"))
    when = datetime.datetime(2026, 12, 3, 7, 45, tzinfo=datetime.timezone.utc)
    outcomes = client.force(scheduler_ids=[first, second], when=when)
    assert sorted(o.scheduler_id for o in outcomes) == sorted([first, second])
    assert len(sim.requests_to(SCHEDULERS, method="GET")) == listings_before + 1
    for scheduler_id in (first, second):
        assert sim.schedulers[scheduler_id]["nextExecution"] == "2026-12-03T07:45:00.000Z"


def test_force_skips_disabled(sim):
    disabled = sim.add_scheduler("ECRITURE", enable=False)
    original = dict(sim.schedulers[disabled])
    outcomes = client_for(sim).force(now=NOW)
    assert [(o.status, o.next_execution) for o in outcomes] == [("skipped_disabled", original["nextExecution"])]
    assert sim.schedulers[disabled] == original
    assert sim.requests_to(SCHEDULERS, method="PUT") == []


def test_force_failure_is_an_outcome_not_an_exception(sim):
    sim.add_scheduler("ECRITURE")
    good = sim.add_scheduler("ANALYTIQ")
    sim.inject("PUT", SCHEDULERS, status=400, body={"errorMessage": "nextExecution is in the past"})
    outcomes = client_for(sim).force(now=NOW)
    assert [o.status for o in outcomes] == ["failed", "forced"]
    assert outcomes[0].error.params["detail"] == "nextExecution is in the past"
    assert outcomes[0].error.params["op_code"] == "op.update_scheduler"
    assert sim.schedulers[good]["nextExecution"] == "2026-11-28T10:15:00.000Z"


@pytest.mark.parametrize("status", [429, 503])
def test_a_force_the_gateway_turns_away_is_sent_again(sim, status):
    """429 and 503 say the gateway turned the call away, the API did nothing: a PUT is retried like a GET."""
    scheduler_id = sim.add_scheduler("ECRITURE")
    sim.inject("PUT", SCHEDULERS, status=status, retry_after="0")
    outcomes = client_for(sim).force(now=NOW)
    assert [o.status for o in outcomes] == ["forced"]
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 2
    assert sim.schedulers[scheduler_id]["nextExecution"] == "2026-11-28T10:15:00.000Z"


def test_a_force_cegid_cannot_be_reached_for_is_an_outcome_the_others_go_on(sim):
    first = sim.add_scheduler("ECRITURE")
    before = sim.schedulers[first]["nextExecution"]
    good = sim.add_scheduler("ANALYTIQ")
    sim.inject("PUT", SCHEDULERS, drop=True)
    outcomes = client_for(sim).force(now=NOW)
    assert [o.status for o in outcomes] == ["failed", "forced"]
    assert (outcomes[0].error.code, outcomes[0].error.exit_code) == ("api.unreachable", 3)
    assert sim.schedulers[first]["nextExecution"] == before
    assert sim.schedulers[good]["nextExecution"] == "2026-11-28T10:15:00.000Z"
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 2  # the dropped one not sent again (see below)


LOST_ANSWERS = {"gateway timeout": {"status": 504, "retry_after": "0"}, "server error": {"status": 500},
                "connection dropped": {"drop": True}, "answer cut short": {"cut": True}}


@pytest.mark.parametrize("lost", LOST_ANSWERS.values(), ids=LOST_ANSWERS)
def test_a_force_cegid_made_but_whose_answer_was_lost_is_forced_and_not_sent_again(sim, lost):
    """Sent again, the PUT could put back the old object after the forced run: the query is read instead."""
    scheduler_id = sim.add_scheduler("ECRITURE")
    sim.inject("PUT", SCHEDULERS, applied=True, **lost)
    outcomes = client_for(sim).force(now=NOW)
    assert [(o.status, o.next_execution) for o in outcomes] == [("forced", "2026-11-28T10:15:00.000Z")]
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 1
    assert sim.requests[-1].method == "GET"  # the query read again
    assert sim.schedulers[scheduler_id]["nextExecution"] == "2026-11-28T10:15:00.000Z"


@pytest.mark.parametrize("lost", [{"status": 502}, {"drop": True}], ids=["bad gateway", "connection dropped"])
def test_a_force_whose_answer_was_lost_and_that_cegid_did_not_make_fails_and_is_not_sent_again(sim, lost):
    scheduler_id = sim.add_scheduler("ECRITURE")
    before = dict(sim.schedulers[scheduler_id])
    sim.inject("PUT", SCHEDULERS, **lost)
    outcomes = client_for(sim).force(now=NOW)
    assert [o.status for o in outcomes] == ["failed"]
    assert outcomes[0].error.code == ("api.refused" if "status" in lost else "api.unreachable")
    assert outcomes[0].error.params.get("attempts") == (None if "status" in lost else 1)  # sent once, said so
    assert sim.schedulers[scheduler_id] == before
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 1


def test_only_a_change_sent_whose_answer_was_lost_is_unconfirmed(sim):
    """A change sent whose answer was lost, not shown by the query read again, may still be made by Cegid (its
    state is to be read again later); one never sent (the token out of reach, no time left) may not."""
    scheduler_id = sim.add_scheduler("ECRITURE")
    sim.inject("PUT", SCHEDULERS, drop=True)
    with pytest.raises(ConnectionFailure) as caught:
        client_for(sim).set_enabled(scheduler_id, False)
    assert change_unconfirmed(caught.value)
    client = client_for(sim, max_retries=0)
    client.find_scheduler(scheduler_id)  # its token taken, then the listing read again
    sim.inject("PUT", SCHEDULERS, status=400, body={"errorMessage": "Locked"})
    with pytest.raises(ApiError) as caught:
        client.set_enabled(scheduler_id, False)
    assert not change_unconfirmed(caught.value)
    late = client_for(sim, deadline=time.monotonic() + 60)
    late.find_scheduler(scheduler_id)
    late.deadline = time.monotonic() - 1  # the listing read, no time left for the change
    puts = len(sim.requests_to(SCHEDULERS, method="PUT"))
    with pytest.raises(ConnectionFailure) as caught:
        late._change({**sim.schedulers[scheduler_id], "enable": False}, lambda current: not current["enable"])
    assert caught.value.code == "api.out_of_time" and not change_unconfirmed(caught.value)
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == puts
    sim.inject("GET", "Token", drop=True)
    with pytest.raises(ConnectionFailure) as caught:  # a client with no token yet: the change asks one first
        client_for(sim, max_retries=0)._change({**sim.schedulers[scheduler_id], "enable": False},
                                               lambda current: not current["enable"])
    assert caught.value.params["op_code"] == "op.token" and not change_unconfirmed(caught.value)
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == puts
    # turned away by the gateway (a 503 every time), or no connection made: Cegid will not make it later
    sim.inject("PUT", SCHEDULERS, status=503, retry_after="0", times=10)
    with pytest.raises(ApiError) as caught:
        client_for(sim, max_retries=1).set_enabled(scheduler_id, False)
    assert caught.value.status == 503 and not change_unconfirmed(caught.value)
    closed = client_for(sim, max_retries=1)
    closed.find_scheduler(scheduler_id)  # its token taken; then Cegid's port closes
    closed.settings = settings_for(sim, api_base_url=f"http://127.0.0.1:{free_port()}/")
    with pytest.raises(ConnectionFailure) as caught:
        closed._change({**sim.schedulers[scheduler_id], "enable": False}, lambda current: not current["enable"])
    assert caught.value.code == "api.unreachable" and not change_unconfirmed(caught.value)


def test_a_force_of_no_query_forces_none(sim):
    """An empty choice (the queries archived meanwhile) is not "every query"."""
    sim.add_scheduler("ECRITURE")
    assert client_for(sim).force(scheduler_ids=[], now=NOW) == []
    assert sim.requests_to(SCHEDULERS, method="PUT") == []


def test_a_broken_answer_is_an_outcome_the_others_go_on(sim):
    sim.add_scheduler("ECRITURE")
    good = sim.add_scheduler("ANALYTIQ")
    sim.inject("PUT", SCHEDULERS, cut=True)  # the answer broke off; the PUT was not made
    outcomes = client_for(sim).force(now=NOW)
    assert [o.status for o in outcomes] == ["failed", "forced"]
    assert outcomes[0].error.code == "api.broken_answer"
    assert "broke off" in describe(outcomes[0].error)
    assert sim.schedulers[good]["nextExecution"] == "2026-11-28T10:15:00.000Z"


def test_a_read_whose_answer_breaks_off_is_a_connection_failure(sim):
    sim.inject("GET", "schedulers/tenant", cut=True)
    with pytest.raises(ConnectionFailure) as caught:
        client_for(sim).list_schedulers()
    assert (caught.value.code, caught.value.exit_code) == ("api.broken_answer", 3)


# -- redirects: an error, never followed ----------------------------------------------------


@pytest.fixture
def elsewhere(sim):
    """A second server (another port: another host to requests) that would accept the credentials sent to it."""
    from cegid_testkit.simulator import CegidSimulator

    with CegidSimulator(blob_service_url="http://127.0.0.1:9/", sas_token_factory=lambda *args: "",
                        provider_id=sim.provider_id, **sim.credentials) as server:
        yield server


def carrying_secrets(server, sim):
    """The requests ``server`` received that carry the key secret or the subscription key of ``sim``'s tenant."""
    return [r for r in server.requests if {sim.api_key_secret, sim.subscription_key} & set(r.headers.values())]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_token_request_redirected_to_another_host_fails_and_sends_it_no_secret(sim, elsewhere, status):
    """Followed, the redirect took the key secret, the subscription key and the tenant to the other host."""
    target = elsewhere.base_url + "/tokenprovider/Token"
    sim.inject("GET", "Token", status=status, location=target)
    with pytest.raises(ApiError) as caught:
        client_for(sim).get_token()
    assert (caught.value.code, caught.value.status) == ("api.refused", status)
    assert caught.value.params["detail"].endswith("Location: " + target)
    assert carrying_secrets(elsewhere, sim) == [] and elsewhere.requests == []
    assert len(token_requests(sim)) == 1  # not retried either


def test_an_authenticated_call_redirected_to_another_host_fails_and_sends_it_nothing(sim, elsewhere):
    client = client_for(sim)
    client.get_token()
    sim.inject("GET", "schedulers/tenant", status=301, location=elsewhere.base_url + SCHEDULERS)
    with pytest.raises(ApiError) as caught:
        client.list_schedulers()
    assert (caught.value.code, caught.value.status) == ("api.refused", 301)
    assert "HTTP 301" in describe(caught.value)
    assert elsewhere.requests == []


@pytest.mark.parametrize(("status", "to"), [(302, "sim"), (307, "elsewhere"), (300, None)])
def test_a_force_answered_by_a_redirect_fails_and_changes_nothing(sim, elsewhere, status, to):
    """requests turned a PUT answered 302 into a GET of its Location: the listing's 200 read as the force made.
    A 3xx without a Location (300 Multiple Choices) was read as the change made too."""
    scheduler_id = sim.add_scheduler("ECRITURE")
    before = dict(sim.schedulers[scheduler_id])
    listing = f"{SCHEDULERS}/tenant/provider/{sim.provider_id}"
    server = {"sim": sim, "elsewhere": elsewhere}.get(to)
    sim.inject("PUT", SCHEDULERS, status=status, location=server and server.base_url + listing)
    outcomes = client_for(sim).force(now=NOW)
    assert [(o.status, o.next_execution) for o in outcomes] == [("failed", before["nextExecution"])]
    assert (outcomes[0].error.code, outcomes[0].error.status) == ("api.refused", status)
    assert sim.schedulers[scheduler_id] == before
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 1
    assert sim.requests[-1].method == "PUT"  # nothing followed the redirect
    assert elsewhere.requests == []


def test_a_discovery_redirected_stops_at_once_not_read_as_no_provider(sim):
    """Every probe redirected (an old base URL): its answer, not "no provider found" after 21 probes."""
    sim.inject("GET", "datasource|query", status=302, times=1000, location=sim.base_url + "/moved")
    with pytest.raises(ApiError) as caught:
        client_for(sim, settings={"provider_id": ""}).discover_provider()
    assert (caught.value.code, caught.value.status) == ("api.refused", 302)
    assert [r.path for r in sim.requests if "Token" not in r.path] == [
        f"/datasource/api/V2/datasources/tenant/{sim.tenant_id}"]


def test_force_invalid_time(sim):
    with pytest.raises(ConfigError) as caught:
        client_for(sim).force(at="25:00", now=NOW)
    assert caught.value.setting == "force_time"


def test_set_enabled_changes_only_enable(sim):
    scheduler_id = sim.add_scheduler("ECRITURE", vendorField="x")
    before = dict(sim.schedulers[scheduler_id])
    client = client_for(sim)
    updated = client.set_enabled(scheduler_id, False)
    assert updated["enable"] is False
    assert sim.schedulers[scheduler_id] == dict(before, enable=False)
    client.set_enabled(scheduler_id, True)
    assert sim.schedulers[scheduler_id] == before


def test_set_enabled_whose_answer_was_lost_is_read_again_not_sent_again(sim):
    made, not_made = sim.add_scheduler("ECRITURE"), sim.add_scheduler("ANALYTIQ")
    client = client_for(sim)
    sim.inject("PUT", SCHEDULERS, applied=True, status=504)
    assert client.set_enabled(made, False)["enable"] is False
    assert sim.schedulers[made]["enable"] is False
    sim.inject("PUT", SCHEDULERS, status=504)
    with pytest.raises(ApiError) as caught:
        client.set_enabled(not_made, False)
    assert caught.value.status == 504 and sim.schedulers[not_made]["enable"] is True
    assert len(sim.requests_to(SCHEDULERS, method="PUT")) == 2


def test_set_enabled_unknown_id(sim):
    sim.add_scheduler("ECRITURE")
    with pytest.raises(NotFoundError):
        client_for(sim).set_enabled("00000000-0000-0000-0000-000000000000", True)


def test_update_of_a_scheduler_cegid_does_not_know(sim):
    scheduler_id = sim.add_scheduler("ECRITURE")
    obj = client_for(sim).list_schedulers()[0]
    del sim.schedulers[scheduler_id]
    with pytest.raises(NotFoundError) as caught:
        client_for(sim).update_scheduler(obj)
    assert caught.value.status == 404 and "not found" in caught.value.params["detail"]


def test_client_requires_api_settings(sim):
    with pytest.raises(ConfigError) as caught:
        client_for(sim, settings={"api_base_url": ""})
    assert caught.value.setting == "api_base_url"


# -- a deadline (a scheduled action's end, the CLI's --max-seconds) ------------------------------------------------


def test_a_call_that_would_outlast_the_deadline_stops_there_without_retrying(sim):
    """Cegid answering slowly: the call waits until the deadline, not one timeout per retry (5 x 60 s in a cron
    that Odoo kills after 120 s)."""
    sim.inject("GET", "Token", delay=4, times=5)
    client = client_for(sim, timeout=(10, 60), deadline=time.monotonic() + 1)
    with pytest.raises(ConnectionFailure) as caught:
        client.get_token()
    assert (caught.value.code, caught.value.params["op_code"]) == ("api.out_of_time", "op.token")
    assert len(token_requests(sim)) == 1


def test_no_retry_starts_that_its_timeouts_would_carry_past_the_deadline(sim):
    """A listing timed out 60 s into a button's 90 s: a retry, with the call's 60 s again, would end when Odoo
    kills the request (here scaled down: 2.5 s read timeouts, a deadline 3 s away); it is not made."""
    sim.inject("GET", "schedulers/tenant", delay=3, times=2)
    client = client_for(sim, timeout=(1, 2.5), deadline=time.monotonic() + 3)
    with pytest.raises(ConnectionFailure) as caught:
        client.list_schedulers()
    assert caught.value.code == "api.out_of_time"
    assert len(sim.requests_to(SCHEDULERS)) == 1


def test_a_quick_refusal_is_retried_while_its_wait_fits_before_the_deadline(sim):
    """A gateway's 503 answered at once, 20 s before the end of a cron run (the first of a turn may have no more):
    retried, as its next answer is expected as quick, though the call's timeouts (70 s) would not fit."""
    sim.inject("GET", "Token", status=503, retry_after="0")
    assert client_for(sim, timeout=(10, 60), deadline=time.monotonic() + 20).get_token()
    assert len(token_requests(sim)) == 2


def test_a_slow_gateway_timeout_is_not_retried_when_its_timeouts_would_not_fit(sim):
    """A 504 comes after the gateway waited (here 1 s): its retry may wait as long, with the call's timeouts; only a
    429 or a 503, the gateway turning the call away at once, is retried on its wait alone."""
    sim.inject("GET", "schedulers/tenant", status=504, delay=1, times=2)
    client = client_for(sim, timeout=(1, 2.5), deadline=time.monotonic() + 3)
    with pytest.raises(ApiError) as caught:
        client.list_schedulers()
    assert caught.value.status == 504
    assert len(sim.requests_to(SCHEDULERS)) == 1


def test_a_retry_after_reaching_past_the_deadline_is_not_waited_for(sim):
    """A busy gateway asking to come back in 30 s, 2 s before the deadline: its answer stands, no wait."""
    sim.inject("GET", "Token", status=429, retry_after="30", times=5)
    client = client_for(sim, deadline=time.monotonic() + 2)
    with pytest.raises(ApiError) as caught:
        client.get_token()
    assert (caught.value.code, caught.value.status) == ("api.refused", 429)
    assert len(token_requests(sim)) == 1


def test_no_call_starts_once_the_deadline_has_passed(sim):
    with pytest.raises(ConnectionFailure) as caught:
        client_for(sim, deadline=time.monotonic() - 1).get_token()
    assert caught.value.code == "api.out_of_time"
    assert sim.requests == []


def test_a_deadline_with_time_left_keeps_the_retries(sim):
    sim.inject("GET", "Token", status=503, retry_after="0", times=2)
    assert client_for(sim, deadline=time.monotonic() + 60).get_token()
    assert len(token_requests(sim)) == 3

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Cegid simulator itself keeps the contract of cegid-data-access-api.md (raw HTTP, no client)."""

import datetime

import requests
from azure.storage.blob import ContainerClient


def token_headers(sim, **changes):
    headers = {
        "x-tenantId": sim.tenant_id,
        "api-key-secret": sim.api_key_secret,
        "Ocp-Apim-Subscription-Key": sim.subscription_key,
    }
    headers.update(changes)
    return {key: value for key, value in headers.items() if value is not None}


def get_token(sim):
    response = requests.get(
        f"{sim.base_url}/tokenprovider/Token", params={"api-key-Id": sim.api_key_id},
        headers=token_headers(sim), timeout=10,
    )
    assert response.status_code == 200
    return response.json()


def auth_headers(sim, token, **changes):
    headers = {
        "x-tenantId": sim.tenant_id,
        "Authorization": f"Bearer {token}",
        "Ocp-Apim-Subscription-Key": sim.subscription_key,
        "Content-Type": "application/json",
    }
    headers.update(changes)
    return {key: value for key, value in headers.items() if value is not None}


def test_token_answer_has_expire_in_as_string(cegid_simulator):
    data = get_token(cegid_simulator)
    assert data["expireIn"] == "3600"
    assert data["tenantId"] == cegid_simulator.tenant_id
    assert data["accessToken"]


def test_token_refused_with_wrong_secret_or_missing_header(cegid_simulator):
    sim = cegid_simulator
    url = f"{sim.base_url}/tokenprovider/Token"
    wrong = requests.get(url, params={"api-key-Id": sim.api_key_id},
                         headers=token_headers(sim, **{"api-key-secret": "nope"}), timeout=10)
    assert wrong.status_code == 401
    no_key = requests.get(url, params={"api-key-Id": sim.api_key_id},
                          headers=token_headers(sim, **{"Ocp-Apim-Subscription-Key": None}), timeout=10)
    assert no_key.status_code == 401
    assert "subscription key" in no_key.json()["message"]
    no_tenant = requests.get(url, params={"api-key-Id": sim.api_key_id},
                             headers=token_headers(sim, **{"x-tenantId": None}), timeout=10)
    assert no_tenant.status_code == 401
    wrong_id = requests.get(url, params={"api-key-Id": "other"}, headers=token_headers(sim), timeout=10)
    assert wrong_id.status_code == 401


def test_authenticated_call_refused_without_bearer_or_headers(cegid_simulator):
    sim = cegid_simulator
    url = f"{sim.base_url}/query/api/V1/schedulers/tenant/provider/{sim.provider_id}"
    token = get_token(sim)["accessToken"]
    assert requests.get(url, headers=auth_headers(sim, token), timeout=10).status_code == 200
    assert requests.get(url, headers=auth_headers(sim, token, Authorization=None), timeout=10).status_code == 401
    assert requests.get(url, headers=auth_headers(sim, "forged"), timeout=10).status_code == 401
    assert requests.get(url, headers=auth_headers(sim, token, **{"x-tenantId": "1"}), timeout=10).status_code == 403
    no_sub = requests.get(url, headers=auth_headers(sim, token, **{"Ocp-Apim-Subscription-Key": None}), timeout=10)
    assert no_sub.status_code == 401
    sim.expire_tokens()
    assert requests.get(url, headers=auth_headers(sim, token), timeout=10).status_code == 401


def test_expired_token_is_refused(azurite):
    from cegid_testkit.simulator import make_simulator_for

    with make_simulator_for(azurite, token_lifetime=0) as sim:
        data = get_token(sim)
        assert data["expireIn"] == "0"
        url = f"{sim.base_url}/storage/api/V1/storages/GetSASTokenLR"
        assert requests.get(url, headers=auth_headers(sim, data["accessToken"]), timeout=10).status_code == 401


def test_sas_answer_opens_the_tenant_container(cegid_simulator, azurite):
    sim = cegid_simulator
    azurite.create_container(sim.tenant_id).upload_blob("probe.csv", b"a;b\n")
    token = get_token(sim)["accessToken"]
    data = requests.get(f"{sim.base_url}/storage/api/V1/storages/GetSASTokenLRD",
                        headers=auth_headers(sim, token), timeout=10).json()
    assert data["blobServiceUri"].endswith("/")
    assert data["containerName"] == sim.tenant_id
    assert data["sasToken"].startswith("?") and "sp=rdl" in data["sasToken"]
    assert data["blobName"] == ""
    container = ContainerClient.from_container_url(data["blobServiceUri"] + data["containerName"] + data["sasToken"])
    assert [blob.name for blob in container.list_blobs()] == ["probe.csv"]
    container.delete_blob("probe.csv")
    assert list(container.list_blobs()) == []
    read_only = requests.get(f"{sim.base_url}/storage/api/V1/storages/GetSASTokenLR",
                             headers=auth_headers(sim, token), timeout=10).json()
    assert "sp=rl" in read_only["sasToken"]


def test_discovery_endpoints(cegid_simulator):
    sim = cegid_simulator
    headers = auth_headers(sim, get_token(sim)["accessToken"])
    base = sim.base_url
    found = requests.get(f"{base}/datasource/api/V2/datasources/tenant/{sim.tenant_id}", headers=headers, timeout=10)
    assert found.json()["data"][0]["providerId"] == sim.provider_id
    empty = requests.get(f"{base}/datasource/api/V2/datasources/tenant/xrp", headers=headers, timeout=10)
    assert empty.json() == {"continuationRequest": "", "data": []}
    assert requests.get(f"{base}/datasource/api/V1/foldersCollections/tenant/xrp", headers=headers,
                        timeout=10).json() == []
    missing = requests.get(f"{base}/query/api/V1/schedulers/tenant/provider/xrp", headers=headers, timeout=10)
    assert missing.status_code == 404 and missing.json()["errorMessage"]


def test_schedulers_round_trip_and_put_refusals(cegid_simulator):
    sim = cegid_simulator
    scheduler_id = sim.add_scheduler("ECRITURE", vendorField={"kept": True})
    headers = auth_headers(sim, get_token(sim)["accessToken"])
    listed = requests.get(f"{sim.base_url}/query/api/V1/schedulers/tenant/provider/{sim.provider_id}",
                          headers=headers, timeout=10).json()
    obj = listed[0]
    assert obj["id"] == scheduler_id and obj["query"]["name"] == "ECRITURE"
    assert obj["nextExecution"].endswith(".1234567Z") and obj["lastExecution"].endswith(".7654321Z")
    obj["nextExecution"] = "2030-01-01T00:00:00.000Z"
    put_url = f"{sim.base_url}/query/api/V1/schedulers"
    assert requests.put(put_url, json=obj, headers=headers, timeout=10).status_code == 200
    assert sim.schedulers[scheduler_id] == obj
    unknown = requests.put(put_url, json=dict(obj, id="00000000-0000-0000-0000-000000000000"),
                           headers=headers, timeout=10)
    assert unknown.status_code == 404 and "not found" in unknown.json()["errorMessage"]
    garbage = requests.put(put_url, data="not json", headers=headers, timeout=10)
    assert garbage.status_code == 400


def test_faults_and_recording(cegid_simulator):
    sim = cegid_simulator
    url = f"{sim.base_url}/tokenprovider/Token"
    sim.inject("GET", "Token", status=429, retry_after=7, times=2)
    sim.inject("GET", "Token", body="<html>maintenance</html>")
    params = {"api-key-Id": sim.api_key_id}
    first = requests.get(url, params=params, headers=token_headers(sim), timeout=10)
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert requests.get(url, params=params, headers=token_headers(sim), timeout=10).status_code == 429
    html = requests.get(url, params=params, headers=token_headers(sim), timeout=10)
    assert html.status_code == 200 and html.text == "<html>maintenance</html>"
    assert requests.get(url, params=params, headers=token_headers(sim), timeout=10).json()["accessToken"]
    recorded = sim.requests_to("/tokenprovider/Token")
    assert len(recorded) == 4
    assert recorded[0].query == params
    assert recorded[0].headers["ocp-apim-subscription-key"] == sim.subscription_key


def test_a_redirect_is_injected_with_its_location(cegid_simulator):
    sim = cegid_simulator
    sim.inject("PUT", "schedulers", status=302, location="http://127.0.0.1:9/elsewhere")
    answer = requests.put(f"{sim.base_url}/query/api/V1/schedulers", json={}, timeout=10, allow_redirects=False)
    assert (answer.status_code, answer.headers["Location"]) == (302, "http://127.0.0.1:9/elsewhere")


def test_run_due_plays_the_nightly_run_of_due_enabled_queries(cegid_simulator):
    now = datetime.datetime(2026, 11, 28, 10, 15, 30, tzinfo=datetime.timezone.utc)
    due = cegid_simulator.add_scheduler("ECRITURE", nextExecution="2026-11-28T10:15:00.000Z")
    cegid_simulator.add_scheduler("ANALYTIQ", nextExecution="2026-11-28T10:15:00.000Z", enable=False)
    later = cegid_simulator.add_scheduler("HISTOCUMSAL", nextExecution="2026-11-28T10:30:00.0000000Z")
    executed = []
    assert cegid_simulator.run_due(now, executed.append) == ["ECRITURE"]
    assert [obj["id"] for obj in executed] == [due]
    assert cegid_simulator.schedulers[due]["lastExecution"] == "2026-11-28T10:15:30.0000000Z"
    assert cegid_simulator.schedulers[due]["nextExecution"] == "2026-11-29T02:00:00.0000000Z"
    assert cegid_simulator.schedulers[later]["nextExecution"] == "2026-11-28T10:30:00.0000000Z"
    assert cegid_simulator.run_due(now, executed.append) == []

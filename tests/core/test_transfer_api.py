# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transfer engine in api mode: SAS from the Cegid simulator, blobs in Azurite."""

import dataclasses
import time

import pytest

from cegid_data_access.cegid_api.client import CegidClient
from cegid_data_access.errors import ApiError, AuthenticationError
from cegid_data_access.settings import Settings
from cegid_data_access.transfer import NO_TIME_GRACE, AzureTuning, TransferTuning, check_connection, run_transfer
from cegid_testkit.blobs import blob_names, delivered_files, staging_leftovers, upload

FAST = TransferTuning(azure=AzureTuning(retry_total=1, retry_first_wait=0.05))
SAS_PATH = "GetSASTokenLRD"


@pytest.fixture
def api(azurite, cegid_simulator, tmp_path):
    """(simulator, its container client, api-mode settings)."""
    folder = tmp_path / "import"
    folder.mkdir()
    creds = cegid_simulator.credentials
    settings = Settings(
        mode="api", import_folder=str(folder), api_base_url=cegid_simulator.base_url,
        tenant_id=creds["tenant_id"], api_key_id=creds["api_key_id"], api_key_secret=creds["api_key_secret"],
        subscription_key=creds["subscription_key"],
    )
    container = azurite.service_client().get_container_client(cegid_simulator.tenant_id)
    return cegid_simulator, container, settings


def test_api_mode_transfers_with_a_fresh_sas(api):
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"E_DEBIT\n1\n")

    result = run_transfer(settings, tuning=FAST)

    assert result.exit_code == 0 and result.files_done == 1
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"E_DEBIT\n1\n"}
    assert blob_names(container) == []
    assert len(simulator.requests_to(SAS_PATH)) == 1


# the first SAS can list but not read (every download refused), or list and read but not delete (the batch of
# deletes refused), until renewed
@pytest.mark.parametrize("first_permission", ["l", "rl"], ids=["downloads-refused", "deletes-refused"])
def test_refused_sas_is_renewed_once_mid_run(azurite, api, first_permission):
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"first")
    upload(container, "ANALYTIQ.csv", b"second")
    issued = []

    def factory(container_name, permission, expiry):
        issued.append(permission)
        granted = first_permission if len(issued) == 1 else permission
        return azurite.sas_token(container_name, granted, expiry)

    simulator.sas_token_factory = factory

    result = run_transfer(settings, client=CegidClient(settings), tuning=FAST)

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert len(simulator.requests_to(SAS_PATH)) == 2
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"first", "ANALYTIQ.csv": b"second"}
    assert blob_names(container) == []



def test_a_sas_azure_keeps_refusing_is_renewed_three_times_not_once_per_blob(azurite, api):
    simulator, container, settings = api
    names = [f"EXPORT{index}.csv" for index in range(6)]
    for name in names:
        upload(container, name, b"x")
    # every SAS Cegid gives can list the blobs, never read them
    simulator.sas_token_factory = lambda container_name, _permission, expiry: azurite.sas_token(
        container_name, "l", expiry)

    result = run_transfer(settings, tuning=dataclasses.replace(FAST, workers=1))

    assert result.exit_code == 1
    assert {(o.state, o.code, o.params["reason_code"]) for o in result.outcomes} == {
        ("failed", "file.download_failed", "azure.denied")}
    assert len(simulator.requests_to(SAS_PATH)) == 1 + 3
    assert blob_names(container) == names

# the first SAS lists but cannot read (the download refused), or reads but cannot delete (the delete refused)
@pytest.mark.parametrize("first_permission, outcome, delivered", [
    ("l", ("continued", "file.continued", None), {}),
    ("rl", ("continued", "file.not_deleted", "api.out_of_time"), {"ECRITURE.csv": b"first"}),
], ids=["download-refused", "delete-refused"])
def test_a_sas_renewal_the_deadline_leaves_no_time_for_is_continued_not_failed(azurite, api, first_permission,
                                                                                outcome, delivered):
    """Azure refuses the SAS near the run's deadline and Cegid gives the next one after it: the blob is left for the
    next run (exit 0), as any call the deadline stops, not a failure (exit 1)."""
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"first")
    issued = []

    def factory(container_name, permission, expiry):
        issued.append(permission)
        if len(issued) > 1:
            return azurite.sas_token(container_name, permission, expiry)
        simulator.inject("*", SAS_PATH, delay=30)  # the renewal's answer comes long after the deadline
        return azurite.sas_token(container_name, first_permission, expiry)

    simulator.sas_token_factory = factory

    result = run_transfer(settings, tuning=FAST, deadline=time.monotonic() + 3)

    [done] = result.outcomes
    assert (done.state, done.code, done.params.get("reason_code")) == outcome, done.params
    assert result.continued and result.exit_code == 0 and result.failures == 0
    assert len(simulator.requests_to(SAS_PATH)) == 2
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == delivered

    again = run_transfer(settings, tuning=FAST)

    assert again.exit_code == 0, [(o.code, o.params) for o in again.outcomes]
    assert blob_names(container) == []
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"first"}
    assert staging_leftovers(settings.import_folder) == []


def test_a_run_left_no_time_whose_cegid_never_answers_the_sas_ends_soon(api):
    """A run whose deadline is reached (a cron's last seconds) only lists; Cegid never answers its SAS request.

    Its calls have a short grace of their own: the run ends continued within
    it (the next lists), not after the client's timeouts and retries
    (minutes), past the limit Odoo kills a cron worker at.
    """
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"first")
    simulator.inject("*", SAS_PATH, delay=120, times=5)
    started = time.monotonic()

    result = run_transfer(settings, tuning=FAST, deadline=started)

    assert time.monotonic() - started < NO_TIME_GRACE + 10  # its grace and a margin for a busy machine
    assert result.listing_cut and result.continued and result.outcomes == []
    assert len(simulator.requests_to(SAS_PATH)) == 1
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []


def test_wrong_credentials_fail_before_any_transfer(api):
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"x")
    settings.api_key_secret = "wrong-secret-value"

    with pytest.raises(AuthenticationError) as info:
        run_transfer(settings, tuning=FAST)

    assert info.value.exit_code == 3
    assert "wrong-secret-value" not in str(info.value)
    assert blob_names(container) == ["ECRITURE.csv"]
    assert simulator.requests_to(SAS_PATH) == []


@pytest.mark.parametrize("service", ["https://acct.blob..core.windows.net/", f"https://{'a' * 64}.blob.example/",
                                     "https:///"])
def test_a_sas_for_a_host_that_cannot_be_is_refused_before_any_transfer(api, service):
    """A service URI urllib3 refuses only when it connects (an empty label, one of 64 characters, none): the SDK let
    its LocationParseError through, a crashed run. Cegid's answer is said to be unexpected; the blobs stay."""
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"x")
    simulator.blob_service_url = service

    with pytest.raises(ApiError) as info:
        run_transfer(settings, tuning=FAST)

    assert (info.value.code, info.value.exit_code) == ("api.unexpected_answer", 3)
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}


def test_a_sas_token_without_a_signature_is_refused_before_any_transfer(api):
    """A token with no ``sig`` makes every request anonymous: Azure refuses the listing as if the container did not
    exist. Cegid's answer is said to be unexpected, as the settings refuse such a typed container SAS URL."""
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"x")
    simulator.sas_token_factory = lambda *_args: "sv=2021-08-06&sr=c&sp=rdl"

    with pytest.raises(ApiError) as info:
        run_transfer(settings, tuning=FAST)

    assert (info.value.code, info.value.exit_code) == ("api.unexpected_answer", 3)
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}


def test_check_connection_api(api):
    simulator, container, settings = api
    upload(container, "ECRITURE.csv", b"x")
    steps = check_connection(settings)
    assert [(step.name, step.ok, step.code) for step in steps] == [
        ("step.token", True, "check.token_obtained"), ("step.sas", True, "check.sas_obtained"),
        ("step.listing", True, "check.listing")]
    assert steps[2].params == {"count": 1, "bytes": 1}
    assert blob_names(container) == ["ECRITURE.csv"]

    settings.subscription_key = "not-the-subscription-key"
    steps = check_connection(settings)
    assert [(step.name, step.ok, step.code) for step in steps] == [("step.token", False, "api.credentials_refused")]
    assert "not-the-subscription-key" not in repr(steps[0].params)

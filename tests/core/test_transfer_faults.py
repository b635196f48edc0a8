# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Network faults during a transfer: connections cut, a blob re-exported mid-download."""

import dataclasses
import datetime
import hashlib
import os
import threading

import pytest

from cegid_data_access.settings import Settings
from cegid_data_access.transfer import TransferTuning, run_transfer
from cegid_testkit.blobs import blob_names, delivered_files, new_container, staging_leftovers, upload
from cegid_testkit.tcpproxy import TcpProxy

LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
FAST = TransferTuning(attempts=3, backoff=0.05)
# small chunks, one at a time: the download goes through many requests in a known order
CHUNKED = TransferTuning(attempts=2, backoff=0.05,
                         single_get_size=64 * 1024, segment_size=64 * 1024, chunk_concurrency=1)


@pytest.fixture
def proxied(azurite, tmp_path):
    """(container client, settings whose SAS URL goes through a TcpProxy, the proxy)."""
    name = new_container(azurite)
    folder = tmp_path / "import"
    folder.mkdir()
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        url = azurite.container_sas_url(name, expiry=LATER).replace(f":{azurite.port}/", f":{proxy.port}/")
        settings = Settings(mode="sas_url", sas_url=url, import_folder=str(folder))
        yield azurite.service_client().get_container_client(name), settings, proxy


def test_connection_cut_mid_download_is_retried(proxied):
    container, settings, proxy = proxied
    data = os.urandom(600_000)
    upload(container, "ECRITURE.csv", data)
    proxy.cut_after(100_000, times=1)

    result = run_transfer(settings, tuning=FAST)

    assert proxy.cuts_done == 1
    assert result.exit_code == 0, [o.message for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


def test_ranged_download_reuses_its_connections_and_survives_a_cut(proxied):
    """A large blob comes in ranges over a few kept-alive connections; a range cut midway is fetched again."""
    container, settings, proxy = proxied
    data = os.urandom(2 * 1024 * 1024 + 777)
    upload(container, "ECRITURE.csv", data)
    ranged = TransferTuning(attempts=3, backoff=0.05, single_get_size=64 * 1024, segment_size=64 * 1024,
                            chunk_concurrency=2)

    result = run_transfer(settings, tuning=ranged)

    assert result.exit_code == 0, [o.message for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    # 33 ranges; a connection per range would be 33, plus the listing and the delete
    assert proxy.connections <= 6
    upload(container, "ECRITURE.csv", data[::-1])
    proxy.cut_after(700_000, times=1)

    again = run_transfer(settings, tuning=ranged)

    assert proxy.cuts_done == 1
    assert again.exit_code == 0, [o.message for o in again.outcomes]
    assert len(again.outcomes) == 1 and again.outcomes[0].md5 == hashlib.md5(data[::-1]).hexdigest()
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize("slow_connection", [0, 2**62], ids=["near-azure", "distant-azure"])
def test_a_large_blob_takes_more_connections_only_when_one_is_slow(proxied, slow_connection):
    """One connection at first; another joins after each segment while each brings less than slow_connection."""
    container, settings, proxy = proxied
    data = os.urandom(2 * 1024 * 1024 + 777)
    upload(container, "ECRITURE.csv", data)
    tuning = dataclasses.replace(FAST, single_get_size=64 * 1024, segment_size=64 * 1024, chunk_concurrency=4,
                                 slow_connection=slow_connection)

    result = run_transfer(settings, tuning=tuning)

    assert result.exit_code == 0, [o.message for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    if slow_connection:
        assert proxy.connections > 1  # ranges at once, on connections of their own
    else:
        assert proxy.connections == 1  # listing, 33 ranges in order and the delete on one kept-alive connection


def test_listing_goes_page_by_page_and_survives_a_cut(proxied):
    container, settings, proxy = proxied
    names = [f"export/{index}/ECRITURE{index}.csv" for index in range(7)]
    for name in names:
        upload(container, name, name.encode())
    proxy.cut_after(300, times=1)  # the first answer, a listing page, is cut short

    result = run_transfer(settings, tuning=dataclasses.replace(FAST, list_page_size=3))

    assert proxy.cuts_done == 1
    assert result.exit_code == 0, [o.message for o in result.outcomes]
    assert sorted(o.blob_name for o in result.outcomes) == sorted(names)
    assert delivered_files(settings.import_folder) == {name.rsplit("/", 1)[1]: name.encode() for name in names}
    assert blob_names(container) == []


def test_connection_always_cut_leaves_blob_and_no_partial(proxied):
    container, settings, proxy = proxied
    upload(container, "small.csv", b"fits in one answer")
    upload(container, "HISTOCUMSAL.csv", os.urandom(300_000))
    proxy.cut_after(20_000, times=10_000)  # no 64 KiB chunk can get through

    result = run_transfer(settings, tuning=CHUNKED)

    outcomes = {o.blob_name: o for o in result.outcomes}
    assert outcomes["HISTOCUMSAL.csv"].state == "failed"
    assert outcomes["small.csv"].state == "done"
    assert result.exit_code == 1
    assert delivered_files(settings.import_folder) == {"small.csv": b"fits in one answer"}
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    assert staging_leftovers(settings.import_folder) == []


def test_blob_reexported_during_download_survives(azurite, proxied):
    container, settings, proxy = proxied
    old, new = os.urandom(1024 * 1024), os.urandom(900_000)
    upload(container, "ECRITURE.csv", old)
    proxy.pause_after(200_000)
    results = []
    worker = threading.Thread(target=lambda: results.append(run_transfer(settings, tuning=CHUNKED)))
    worker.start()
    try:
        assert proxy.paused.wait(60)
        direct = azurite.service_client().get_container_client(container.container_name)
        upload(direct, "ECRITURE.csv", new)  # Cegid drops a new export while the old one downloads
    finally:
        proxy.release()
        worker.join(60)

    [outcome] = results[0].outcomes
    assert outcome.state == "failed" and "re-exported" in outcome.message
    assert container.get_blob_client("ECRITURE.csv").download_blob().readall() == new
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []

    again = run_transfer(settings, tuning=CHUNKED)  # the next run delivers the new export

    assert again.exit_code == 0
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": new}

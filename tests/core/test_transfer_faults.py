# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Network faults during a transfer: connections cut, a blob re-exported mid-download, a gateway refusing batches."""

import dataclasses
import datetime
import hashlib
import os
import socket
import threading

import pytest
from azure.storage.blob import ContentSettings

from cegid_data_access.cli_text import render
from cegid_data_access.errors import ConnectionFailure
from cegid_data_access.transfer import AzureTuning, TransferReporter, TransferTuning, run_transfer
from cegid_testkit.blobs import blob_names, delivered_files, staging_leftovers, upload

LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
FAST = TransferTuning(azure=AzureTuning(retry_total=3, retry_first_wait=0.05))


def chunked(max_concurrency=1, **changes):
    """Chunks of 64 KiB (``max_concurrency`` at a time): a download goes through many requests."""
    return dataclasses.replace(FAST, azure=dataclasses.replace(
        FAST.azure, single_get_size=64 * 1024, chunk_size=64 * 1024, max_concurrency=max_concurrency), **changes)


CHUNKED = chunked()


def test_connection_cut_mid_download_is_retried(proxied):
    container, settings, proxy = proxied
    data = os.urandom(600_000)
    upload(container, "ECRITURE.csv", data)
    proxy.cut_after(100_000, times=1)

    result = run_transfer(settings, tuning=FAST)

    assert proxy.cuts_done == 1
    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


def test_ranged_download_reuses_its_connections_and_survives_a_cut(proxied):
    """A large blob comes in ranges over a few kept-alive connections; a range cut midway is fetched again."""
    container, settings, proxy = proxied
    data = os.urandom(2 * 1024 * 1024 + 777)
    upload(container, "ECRITURE.csv", data)
    ranged = chunked(max_concurrency=2)

    result = run_transfer(settings, tuning=ranged)

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    # 33 ranges; a connection per range would be 33, plus the listing and the delete
    assert proxy.connections <= 6
    upload(container, "ECRITURE.csv", data[::-1])
    # the run's first connection carries the listing, then the download's first range (fetched before the parallel
    # ones): cut within that range. Later ranges share the connections as the threads come (one may carry little)
    proxy.cut_after(30_000, times=1)

    again = run_transfer(settings, tuning=ranged)

    assert proxy.cuts_done == 1
    assert again.exit_code == 0, [(o.code, o.params) for o in again.outcomes]
    assert len(again.outcomes) == 1 and again.outcomes[0].md5 == hashlib.md5(data[::-1]).hexdigest()
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize("max_concurrency", [1, 4])
def test_a_large_blob_takes_at_most_max_concurrency_connections(proxied, max_concurrency):
    """One kept-alive connection for the listing, the chunks and the delete; a few more when chunks come at once."""
    container, settings, proxy = proxied
    data = os.urandom(2 * 1024 * 1024 + 777)
    upload(container, "ECRITURE.csv", data)

    result = run_transfer(settings, tuning=chunked(max_concurrency))

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert 1 <= proxy.connections <= max_concurrency
    ranges = [head for head in proxy.heads if head.startswith("GET ") and "x-ms-range" in head.lower()]
    assert len(ranges) == 33  # the first GET and 32 chunks of 64 KiB, each asked once


def test_listing_goes_page_by_page_and_survives_a_cut(proxied):
    container, settings, proxy = proxied
    names = [f"export/{index}/ECRITURE{index}.csv" for index in range(7)]
    for name in names:
        upload(container, name, name.encode())
    proxy.cut_after(300, times=1)  # the first answer, a listing page, is cut short

    result = run_transfer(settings, tuning=dataclasses.replace(
        FAST, azure=dataclasses.replace(FAST.azure, list_page_size=3)))

    assert proxy.cuts_done == 1
    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert sorted(o.blob_name for o in result.outcomes) == sorted(names)
    assert delivered_files(settings.import_folder) == {name.rsplit("/", 1)[1]: name.encode() for name in names}
    assert blob_names(container) == []


def test_connection_always_cut_leaves_blob_and_no_partial(proxied):
    container, settings, proxy = proxied
    upload(container, "small.csv", b"fits in one answer")
    upload(container, "HISTOCUMSAL.csv", os.urandom(50_000))
    proxy.cut_after(20_000, times=10_000)  # the 50 kB blob cannot get through

    result = run_transfer(settings, tuning=FAST)

    outcomes = {o.blob_name: o for o in result.outcomes}
    assert (outcomes["HISTOCUMSAL.csv"].state, outcomes["HISTOCUMSAL.csv"].code) == ("failed", "file.download_failed")
    assert outcomes["HISTOCUMSAL.csv"].params["reason_code"] == "azure.connection_lost"
    assert outcomes["small.csv"].state == "done"
    assert result.exit_code == 1
    assert delivered_files(settings.import_folder) == {"small.csv": b"fits in one answer"}
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    assert staging_leftovers(settings.import_folder) == []  # one GET: nothing worth keeping


# a checkpoint after every chunk, or none before the failure (which makes what was received durable itself)
@pytest.mark.parametrize("checkpoint_seconds", [0, 3600], ids=["checkpoint-per-chunk", "checkpoint-at-the-failure"])
def test_a_large_download_cut_for_good_is_continued_by_the_next_run(proxied, checkpoint_seconds):
    """Azure becomes unreachable mid-download: what is durable stays, and the next run asks only for the rest."""
    container, settings, proxy = proxied
    data = os.urandom(1024 * 1024)
    upload(container, "HISTOCUMSAL.csv", data)

    class CutAtHalf(TransferReporter):
        def on_progress(self, blob_name, done_bytes, total_bytes):
            if done_bytes >= total_bytes // 2 and not proxy.cuts_done:
                proxy.cut_after(20_000, times=10_000)  # no 64 KiB chunk gets through any more
                proxy.reset_all()

    tuning = chunked(checkpoint_seconds=checkpoint_seconds)

    first = run_transfer(settings, tuning=tuning, reporter=CutAtHalf())

    [outcome] = first.outcomes
    assert (outcome.state, outcome.code, outcome.params["reason_code"]) == (
        "failed", "file.download_failed", "azure.connection_lost")
    assert sorted(name.rsplit(".", 1)[1] for name in staging_leftovers(settings.import_folder)) == ["part", "resume"]
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    proxy.cut_after(0, times=0)
    before = proxy.response_bytes

    again = run_transfer(settings, tuning=tuning)

    [outcome] = again.outcomes
    assert (outcome.state, outcome.code) == ("done", "file.resumed")
    assert len(data) // 2 <= outcome.params["offset"] < len(data)
    assert outcome.md5 == hashlib.md5(data).hexdigest()
    assert proxy.response_bytes - before < len(data) - outcome.params["offset"] + 64 * 1024
    assert delivered_files(settings.import_folder) == {"HISTOCUMSAL.csv": data}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize(("answer", "code", "sentence"), [
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n", "azure.cut_in_headers",
     "connection to Azure lost (an answer cut in its headers)"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 5000\r\n\r\n<?xml", "azure.cut_in_body",
     "connection to Azure lost (an answer cut in its body)"),
])
def test_an_answer_closed_before_its_end_fails_the_run_with_its_code(proxied, answer, code, sentence):
    """A listing whose connection closes cleanly (no reset) mid-answer: the run fails with a code, not English."""
    _container, settings, proxy = proxied
    with socket.create_server(("127.0.0.1", 0)) as server:
        stop = threading.Event()

        def answer_and_close():
            server.settimeout(0.2)
            while not stop.is_set():
                try:
                    connection, _address = server.accept()
                except TimeoutError:
                    continue
                with connection:
                    connection.recv(65536)
                    connection.sendall(answer)

        thread = threading.Thread(target=answer_and_close, daemon=True)
        thread.start()
        port = server.getsockname()[1]
        cut = dataclasses.replace(settings, sas_url=settings.sas_url.replace(f":{proxy.port}/", f":{port}/"))
        try:
            with pytest.raises(ConnectionFailure) as raised:
                run_transfer(cut, tuning=FAST)
        finally:
            stop.set()
            thread.join()
    assert (raised.value.code, raised.value.params) == (code, {})
    assert render(raised.value.code, raised.value.params) == sentence


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
    assert (outcome.state, outcome.code) == ("failed", "file.reexported")
    assert container.get_blob_client("ECRITURE.csv").download_blob().readall() == new
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []

    again = run_transfer(settings, tuning=CHUNKED)  # the next run delivers the new export

    assert again.exit_code == 0
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": new}


def test_a_gateway_refusing_blob_batches_gets_one_conditional_delete_per_blob(proxied):
    container, settings, proxy = proxied
    for index in range(3):
        upload(container, f"PART{index}.csv", b"old %d" % index)
    proxy.answer(b"comp=batch", 501)

    class Reexport(TransferReporter):
        """Cegid re-exports PART1.csv once it is downloaded, before its blob can be deleted."""

        def on_progress(self, blob_name, done_bytes, total_bytes):
            if blob_name == "PART1.csv" and done_bytes == total_bytes:
                upload(container, "PART1.csv", b"new export")

    result = run_transfer(settings, tuning=dataclasses.replace(FAST, delete_delay=60), reporter=Reexport())

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert {o.blob_name: o.code for o in result.outcomes} == {
        "PART0.csv": None, "PART1.csv": "file.newer_version_kept", "PART2.csv": None}
    assert delivered_files(settings.import_folder) == {f"PART{index}.csv": b"old %d" % index for index in range(3)}
    assert blob_names(container) == ["PART1.csv"]
    deletes = [head for head in proxy.heads if head.startswith("DELETE ")]
    assert len(deletes) == 3 and all("if-match:" in head.lower() for head in deletes)
    assert any("comp=batch" in head for head in proxy.heads)


def test_a_blob_azure_no_longer_has_when_its_delete_comes_is_no_failure(proxied):
    """Someone removed the blob once it was downloaded: Azure answers its delete 404, the file stays delivered."""
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", b"removed meanwhile")
    upload(container, "TIERS.csv", b"deleted by the run")
    proxy.answer(b"comp=batch", 501)  # one delete per blob, so that each gets its own answer
    proxy.answer(f"DELETE /devstoreaccount1/{container.container_name}/ECRITURE.csv?".encode(), 404, "BlobNotFound")

    result = run_transfer(settings, tuning=dataclasses.replace(FAST, delete_delay=60))

    assert result.exit_code == 0 and result.failures == 0
    assert {o.blob_name: (o.state, o.code) for o in result.outcomes} == {
        "ECRITURE.csv": ("done", "file.already_removed"), "TIERS.csv": ("done", None)}
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"removed meanwhile",
                                                       "TIERS.csv": b"deleted by the run"}
    assert blob_names(container) == ["ECRITURE.csv"]  # the proxy answered in Azure's place
    assert staging_leftovers(settings.import_folder) == []


def test_a_download_shorter_than_the_listed_size_is_not_delivered(proxied):
    """The listing says 6 bytes, the download brings 5 and the blob has no Content-MD5: its size tells."""
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", b"12345")
    # no Content-MD5, as a large blob uploaded by blocks: the size is the only check
    container.get_blob_client("ECRITURE.csv").set_http_headers(ContentSettings(content_type="text/csv"))
    assert container.get_blob_client("ECRITURE.csv").get_blob_properties().content_settings.content_md5 is None
    proxy.rewrite(b"<Content-Length>5</Content-Length>", b"<Content-Length>6</Content-Length>")  # the listing

    result = run_transfer(settings, tuning=FAST)

    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params) == ("failed", "file.incomplete", {"received": 5, "size": 6})
    assert result.exit_code == 1
    assert delivered_files(settings.import_folder) == {}
    assert blob_names(container) == ["ECRITURE.csv"]
    assert staging_leftovers(settings.import_folder) == []


def test_a_blob_azure_no_longer_has_when_its_download_starts_is_said_gone_and_leaves_nothing(proxied):
    """Removed between the listing and the download: Azure answers the GET 404; no part file is kept for it."""
    container, settings, proxy = proxied
    upload(container, "HISTOCUMSAL.csv", os.urandom(300_000))  # resumable: a download failure would keep its part
    proxy.answer(f"GET /devstoreaccount1/{container.container_name}/HISTOCUMSAL.csv?".encode(), 404, "BlobNotFound")

    result = run_transfer(settings, tuning=CHUNKED)

    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params) == ("failed", "file.gone", {})
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize("batched", [True, False], ids=["blob-batch", "one-by-one"])
def test_a_leased_blob_is_delivered_once_and_deleted_once_the_lease_is_gone(proxied, batched):
    """Someone holds a lease on the blob: Azure answers its delete 412 LeaseIdMissing, which is no newer version."""
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", b"the export")
    if not batched:
        proxy.answer(b"comp=batch", 501)
    lease = container.get_blob_client("ECRITURE.csv").acquire_lease(lease_duration=-1)
    try:
        runs = [run_transfer(settings, tuning=FAST) for _ in range(2)]
    finally:
        lease.release()

    for run in runs:
        [outcome] = run.outcomes
        assert (outcome.state, outcome.code, outcome.local_name) == ("failed", "file.not_deleted", "ECRITURE.csv")
        assert outcome.params == {"reason_code": "azure.refused", "status": 412, "azure_error": "LeaseIdMissing"}
        assert run.exit_code == 1
    gets = [head for head in proxy.heads if head.startswith("GET ") and "ECRITURE.csv" in head]
    assert len(gets) == 1  # the second run only tried the delete again
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"the export"}
    assert blob_names(container) == ["ECRITURE.csv"]

    again = run_transfer(settings, tuning=FAST)

    assert [(o.state, o.code) for o in again.outcomes] == [("already_delivered", "file.delivered_earlier")]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": b"the export"}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []
    single_deletes = [head for head in proxy.heads if head.startswith("DELETE ")]
    assert len(single_deletes) == (0 if batched else 3)  # each run's delete went the way it was meant to

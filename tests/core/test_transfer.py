# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transfer engine against real Azurite, in sas_url mode."""

import dataclasses
import datetime
import errno
import fcntl
import gzip
import hashlib
import json
import os
import resource
import signal
import threading

import pytest
from azure.storage.blob import ContentSettings

from cegid_data_access.errors import CODES, EXIT_PARTIAL, AuthenticationError, ConfigError, DiskFull
from cegid_data_access.settings import Settings
from cegid_data_access.staging import folder as folder_module
from cegid_data_access.staging.folder import HIDDEN_FOLDER, LOCK_NAME, StagingFolder, entry_key
from cegid_data_access.transfer import (
    AzureTuning,
    TransferReporter,
    TransferTuning,
    check_connection,
    run_transfer,
    sas_expiry,
)
from cegid_testkit.blobs import blob_names, delivered_files, new_container, staging_leftovers, upload

NOW = datetime.datetime(2026, 11, 28, 10, 15, tzinfo=datetime.timezone.utc)
LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
# the SAS URL of the storage account (what the Azure portal's "Shared access signature" page gives), not of the
# container: a usual mistake when pasting the SAS URL into the settings
ACCOUNT_SAS_URL = "https://account.blob.core.windows.net/?sv=2024-11-04&ss=b&srt=co&sp=rld&sig=S3cr3tSignature%3D"
FAST = TransferTuning(azure=AzureTuning(retry_total=1, retry_first_wait=0.05))


def small_gets(single_get_size, chunk_size, max_concurrency=4, **changes):
    """FAST with small GETs: a blob over ``single_get_size`` comes in chunks, several at once."""
    return dataclasses.replace(FAST, azure=dataclasses.replace(
        FAST.azure, single_get_size=single_get_size, chunk_size=chunk_size, max_concurrency=max_concurrency),
        **changes)


def without_delete(azurite, box):
    """The box's settings with a SAS that reads and lists, and cannot delete: every delete is refused (403)."""
    return Settings(mode="sas_url", sas_url=azurite.container_sas_url(box.name, permission="rl"),
                    import_folder=str(box.folder))


def assert_declared(code, params):
    """``code`` and its parameters are in the vocabulary (errors.CODES), nested codes too."""
    assert code in CODES, code
    assert set(CODES[code]) <= set(params), (code, params)
    for key, value in params.items():
        if key.endswith("_code"):
            assert_declared(value, {k: v for k, v in params.items() if k != key})


class Recorder(TransferReporter):
    """Keep every event and the thread it arrived in."""

    def __init__(self):
        self.events = []
        self.threads = set()

    def _record(self, *event):
        self.threads.add(threading.get_ident())
        self.events.append(event)

    def on_listing(self, blobs):
        self._record("listing", [blob.name for blob in blobs])

    def on_file_start(self, blob):
        self._record("start", blob.name)

    def on_progress(self, blob_name, done_bytes, total_bytes):
        self._record("progress", blob_name, done_bytes, total_bytes)

    def on_file_done(self, outcome):
        if outcome.code:
            assert_declared(outcome.code, outcome.params)
        self._record("done", outcome.blob_name, outcome.state)

    def on_warning(self, code, params):
        assert_declared(code, params)
        self._record("warning", code, params)


@pytest.fixture
def box(azurite, tmp_path):
    """A fresh container, its client, an import folder and sas_url settings."""
    name = new_container(azurite)
    folder = tmp_path / "import"
    folder.mkdir()
    url = azurite.container_sas_url(name, expiry=LATER)
    settings = Settings(mode="sas_url", sas_url=url, import_folder=str(folder))

    class Box:
        pass

    result = Box()
    result.name, result.folder, result.settings = name, folder, settings
    result.container = azurite.service_client().get_container_client(name)
    return result


def downloaded(box, name, data):
    """Blob ``name`` uploaded and downloaded into its part file, as a run killed later left it.

    Return (the staging folder, its lock held, the blob's key, its ETag).
    """
    upload(box.container, name, data)
    [etag] = [blob.etag for blob in box.container.list_blobs() if blob.name == name]
    staging = StagingFolder(str(box.folder))
    assert staging.acquire()
    key = entry_key(name, etag)
    with open(staging.part_path(key), "wb") as handle:
        handle.write(data)
    return staging, key, etag


def by_blob(result):
    return {outcome.blob_name: outcome for outcome in result.outcomes}


def test_transfers_verifies_and_deletes(box):
    payloads = {"exports/ECRITURE.csv": b"E_DATECOMPTABLE;E_DEBIT\n2026-11-27;12,50\n", "EMPTY.csv": b"",
                "ANALYTIQ.csv": os.urandom(70_000)}
    for name, data in payloads.items():
        upload(box.container, name, data)
    listed = {blob.name: blob for blob in box.container.list_blobs()}
    recorder = Recorder()

    result = run_transfer(box.settings, reporter=recorder, tuning=FAST)

    assert result.exit_code == 0 and result.failures == 0 and result.files_done == 3
    assert result.bytes_done == sum(len(data) for data in payloads.values())
    files = delivered_files(box.folder)
    assert files == {name.rsplit("/", 1)[-1]: data for name, data in payloads.items()}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []
    mtime = os.stat(box.folder / "ECRITURE.csv").st_mtime
    # exactly (whole seconds): pytest.approx would allow a millionth of the timestamp, half an hour
    assert mtime == listed["exports/ECRITURE.csv"].last_modified.timestamp()
    outcome = by_blob(result)["exports/ECRITURE.csv"]
    assert (outcome.state, outcome.local_name) == ("done", "ECRITURE.csv")
    assert outcome.md5 == bytes(listed["exports/ECRITURE.csv"].content_settings.content_md5).hex()
    assert recorder.threads == {threading.get_ident()}
    assert recorder.events[0][0] == "listing" and sorted(recorder.events[0][1]) == sorted(payloads)
    assert [e[0] for e in recorder.events[1:]].count("done") == 3


@pytest.mark.parametrize("again", [b"new export", b"old 2"], ids=["new-content", "same-content"])
def test_batched_deletes_answer_per_blob(box, again):
    for index in range(5):
        upload(box.container, f"PART{index}.csv", b"old %d" % index)

    class Reexport(TransferReporter):
        """Cegid re-exports PART2.csv once it is downloaded, before its blob can be deleted."""

        def on_progress(self, blob_name, done_bytes, total_bytes):
            if blob_name == "PART2.csv" and done_bytes == total_bytes:
                upload(box.container, "PART2.csv", again)

    # one batch for all five deletes
    tuning = dataclasses.replace(FAST, delete_delay=60, workers=2)

    result = run_transfer(box.settings, reporter=Reexport(), tuning=tuning)

    assert result.exit_code == 0
    assert delivered_files(box.folder) == {f"PART{index}.csv": b"old %d" % index for index in range(5)}
    assert blob_names(box.container) == ["PART2.csv"]
    assert box.container.get_blob_client("PART2.csv").download_blob().readall() == again
    kept = by_blob(result)["PART2.csv"]
    assert (kept.state, kept.code) == ("done", "file.newer_version_kept")
    assert [o.code for o in result.outcomes if o.blob_name != "PART2.csv"] == [None] * 4
    assert len(staging_leftovers(box.folder)) == 1, "PART2.csv's journal entry: what the next run compares"

    # the re-export is delivered as a new file, unless it holds the very bytes delivered (its Content-MD5 says)
    [outcome] = run_transfer(box.settings, tuning=FAST, now=NOW).outcomes

    if again == b"old 2":
        assert (outcome.state, outcome.local_name) == ("already_delivered", "PART2.csv")
        assert delivered_files(box.folder)["PART2.csv"] == b"old 2"
        assert len(delivered_files(box.folder)) == 5
    else:
        assert (outcome.state, delivered_files(box.folder)[outcome.local_name]) == ("done", b"new export")
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_colliding_names_never_overwrite(box):
    (box.folder / "ECRITURE.csv").write_bytes(b"already there")
    upload(box.container, "a/ECRITURE.csv", b"first export")
    upload(box.container, "b/ECRITURE.csv", b"second export")

    result = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert result.exit_code == 0
    assert delivered_files(box.folder) == {
        "ECRITURE.csv": b"already there",
        "ECRITURE.20261128T101500Z.csv": b"first export",  # oldest first: names sort by arrival
        "ECRITURE.20261128T101500Z-2.csv": b"second export",
    }
    assert by_blob(result)["b/ECRITURE.csv"].local_name == "ECRITURE.20261128T101500Z-2.csv"


# names Azurite accepts and lists ('..' segments are refused by Azurite itself; see test_naming)
HOSTILE = [
    "/abs.csv", "C:evil.csv", "tab\tname.csv", "nl\nname.csv", ".cegid-partial", "x/.cegid-partial",
    ".hidden.csv", "folder/", "L" * 256 + ".csv", "exports/archive", "Anomalie", "CON.csv", "x/nul",
    "ECRITURE.csv ", "evil\u202evsc.csv",
]


def test_hostile_names_are_refused_and_left(box, tmp_path):
    for name in HOSTILE:
        upload(box.container, name, b"hostile")
    upload(box.container, "good.csv", b"good")
    assert sorted(blob_names(box.container)) == sorted([*HOSTILE, "good.csv"])

    recorder = Recorder()

    result = run_transfer(box.settings, tuning=FAST, reporter=recorder)

    outcomes = by_blob(result)
    assert outcomes["good.csv"].state == "done"
    for name in HOSTILE:
        assert (outcomes[name].state, outcomes[name].code) == ("refused", "file.name_refused"), name
        assert outcomes[name].params["reason_code"].startswith("name."), name
        assert outcomes[name].local_name is None
    assert outcomes["L" * 256 + ".csv"].params == {"reason_code": "name.too_long", "max_bytes": 255}
    assert result.exit_code == 1 and result.failures == len(HOSTILE)
    assert delivered_files(box.folder) == {"good.csv": b"good"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["import"]
    assert sorted(os.listdir(box.folder)) == [".cegid-partial", "good.csv"]
    assert blob_names(box.container) == sorted(HOSTILE)


def test_large_blob_chunked_in_parallel(box):
    data = os.urandom(3 * 1024 * 1024 + 12345)
    upload(box.container, "HISTOCUMSAL.csv", data)
    recorder = Recorder()

    result = run_transfer(box.settings, reporter=recorder, tuning=small_gets(256 * 1024, 64 * 1024))

    assert result.exit_code == 0
    assert delivered_files(box.folder) == {"HISTOCUMSAL.csv": data}
    assert result.outcomes[0].md5 == hashlib.md5(data).hexdigest()
    progress = [event for event in recorder.events if event[0] == "progress"]
    assert len(progress) > 2 and progress[-1][2:] == (len(data), len(data))
    assert [done for _kind, _name, done, _total in progress] == sorted(done for _k, _n, done, _t in progress)
    assert recorder.threads == {threading.get_ident()}
    assert staging_leftovers(box.folder) == []


@pytest.mark.parametrize("single_get_size, chunk_size", [(100_001, 30_001), (4096, 4096), (2**20, 1)],
                         ids=["odd-sizes", "pages", "one-get"])
def test_chunks_out_of_order_give_the_exact_file(box, single_get_size, chunk_size):
    """Chunks of odd sizes, written by several threads in any order, hashed in order: the exact bytes and MD5."""
    data = os.urandom(1_000_003)
    upload(box.container, "ECRITURE.csv", data)

    result = run_transfer(box.settings, tuning=small_gets(single_get_size, chunk_size, max_concurrency=3))

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert delivered_files(box.folder) == {"ECRITURE.csv": data}
    assert result.outcomes[0].md5 == hashlib.md5(data).hexdigest()
    assert blob_names(box.container) == []


def _file_size_limit(limit):
    """Limit the size of the files this process writes (like a full disk: writes past it fail with EFBIG)."""
    saved = resource.getrlimit(resource.RLIMIT_FSIZE), signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, saved[0][1]))
    return saved


def test_disk_refusing_a_large_blob_midway_keeps_it_in_azure(box):
    """A write fails while several chunks are in flight: the download stops, the blob stays, nothing is left."""
    upload(box.container, "small.csv", b"s" * 1000)
    upload(box.container, "big.csv", os.urandom(2_000_000))
    (limits, handler) = _file_size_limit(500_000)
    try:
        result = run_transfer(box.settings, tuning=small_gets(64 * 1024, 16 * 1024))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)

    assert result.exit_code == 1
    assert (by_blob(result)["big.csv"].code, by_blob(result)["big.csv"].params) == (
        "file.disk_full", {"detail": "File too large"})
    assert delivered_files(box.folder) == {"small.csv": b"s" * 1000}
    assert blob_names(box.container) == ["big.csv"]
    assert staging_leftovers(box.folder) == []


@pytest.mark.parametrize("error, code", [(errno.ENOSPC, "file.disk_full"), (errno.EMFILE, "file.write_failed")],
                         ids=["ENOSPC", "EMFILE"])
def test_a_part_file_that_cannot_be_created_keeps_the_blob_with_a_clear_code(box, monkeypatch, error, code):
    """Creating the download's part file fails (disk full, no descriptor left): not an unexpected error."""
    upload(box.container, "ECRITURE.csv", b"the export")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if str(path).endswith(".part") and flags & os.O_CREAT:
            raise OSError(error, os.strerror(error), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    result = run_transfer(box.settings, tuning=FAST)
    monkeypatch.undo()

    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params) == ("failed", code, {"detail": os.strerror(error)})
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert staging_leftovers(box.folder) == []
    assert run_transfer(box.settings, tuning=FAST).exit_code == 0
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"the export"}


def test_a_compressed_blob_is_delivered_as_stored(box):
    """A blob with a Content-Encoding is a file like any other: its bytes, not a decompressed copy."""
    stored = {"small.csv.gz": gzip.compress(b"E_GENERAL;E_DEBIT\n" * 1000),
              "large.csv.gz": gzip.compress(os.urandom(400_000), compresslevel=0)}
    for name, data in stored.items():
        box.container.get_blob_client(name).upload_blob(
            data, content_settings=ContentSettings(content_type="text/csv", content_encoding="gzip"))

    result = run_transfer(box.settings, tuning=small_gets(128 * 1024, 128 * 1024))

    assert result.exit_code == 0, [(o.code, o.params) for o in result.outcomes]
    assert delivered_files(box.folder) == stored
    assert blob_names(box.container) == []



def test_a_blob_re_exported_between_the_listing_and_its_download_is_delivered_once(box):
    """Same size, no Content-MD5: only the download's ETag condition tells the listed version from the new one."""
    upload(box.container, "ECRITURE.csv", b"old export")
    box.container.get_blob_client("ECRITURE.csv").set_http_headers(ContentSettings(content_type="text/csv"))

    class Reexport(TransferReporter):
        def on_listing(self, blobs):
            upload(box.container, "ECRITURE.csv", b"new export")
            box.container.get_blob_client("ECRITURE.csv").set_http_headers(ContentSettings(content_type="text/csv"))

    first = run_transfer(box.settings, reporter=Reexport(), tuning=FAST)

    assert [(o.state, o.code) for o in first.outcomes] == [("failed", "file.reexported")]
    assert delivered_files(box.folder) == {}
    assert staging_leftovers(box.folder) == []

    again = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert again.exit_code == 0
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"new export"}
    assert blob_names(box.container) == []

def test_content_md5_mismatch_keeps_blob(box):
    upload(box.container, "ECRITURE.csv", b"some content")
    box.container.get_blob_client("ECRITURE.csv").set_http_headers(
        ContentSettings(content_type="text/csv", content_md5=bytearray(b"0123456789abcdef")))

    result = run_transfer(box.settings, tuning=FAST)

    assert result.exit_code == 1
    assert result.outcomes[0].code == "file.md5_mismatch"
    assert delivered_files(box.folder) == {}
    assert staging_leftovers(box.folder) == []
    assert blob_names(box.container) == ["ECRITURE.csv"]


def test_expired_sas_refused_before_any_call(azurite, box):
    expired = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    upload(box.container, "ECRITURE.csv", b"x")
    box.settings.sas_url = azurite.container_sas_url(box.name, expiry=expired)
    assert sas_expiry(box.settings.sas_url) == expired

    with pytest.raises(AuthenticationError) as info:
        run_transfer(box.settings, tuning=FAST)

    assert (info.value.code, info.value.params) == ("azure.expired", {"expiry": "2026-01-02T03:04:05+00:00"})
    assert info.value.exit_code == 3
    assert blob_names(box.container) == ["ECRITURE.csv"]


def test_sas_expiring_soon_warns(azurite, box):
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30)
    box.settings.sas_url = azurite.container_sas_url(box.name, expiry=soon)
    recorder = Recorder()

    result = run_transfer(box.settings, reporter=recorder, tuning=FAST)

    assert result.exit_code == 0
    [(code, params)] = result.warnings
    assert (code, params) == ("sas.expires_soon", {"expiry": sas_expiry(box.settings.sas_url).isoformat()})
    assert ("warning", code, params) in recorder.events


def test_lock_held_touches_nothing(box):
    upload(box.container, "ECRITURE.csv", b"x")
    hidden = box.folder / ".cegid-partial"
    hidden.mkdir()
    (hidden / "someone.part").write_bytes(b"in progress")
    with open(hidden / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_transfer(box.settings, tuning=FAST)
    assert result.lock_held and result.exit_code == 0 and result.outcomes == []
    assert result.warnings == [("transfer.lock_held", {"folder": str(box.folder)})]
    assert (hidden / "someone.part").read_bytes() == b"in progress"
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert delivered_files(box.folder) == {}


def assert_next_run_deletes_without_a_second_copy(box):
    """The next run finds ECRITURE.csv delivered earlier: it deletes its blob and brings no second copy."""
    again = run_transfer(box.settings, tuning=FAST)
    assert again.exit_code == 0
    assert [(o.state, o.local_name) for o in again.outcomes] == [("already_delivered", "ECRITURE.csv")]
    assert (again.outcomes[0].code, again.outcomes[0].params) == (
        "file.delivered_earlier", {"local_name": "ECRITURE.csv"})
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"exported once"}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_delivered_but_not_deleted_is_not_delivered_again(azurite, box):
    upload(box.container, "ECRITURE.csv", b"exported once")
    read_list_only = without_delete(azurite, box)

    first = run_transfer(read_list_only, tuning=FAST)

    assert first.exit_code == 1
    assert first.outcomes[0].state == "failed" and first.outcomes[0].local_name == "ECRITURE.csv"
    assert first.outcomes[0].code == "file.not_deleted"
    assert first.outcomes[0].params["reason_code"] == "azure.denied"
    assert first.outcomes[0].params["status"] == 403
    assert blob_names(box.container) == ["ECRITURE.csv"]

    assert_next_run_deletes_without_a_second_copy(box)


def test_a_journal_entry_this_run_cannot_read_stops_it_before_anything_is_touched(azurite, box):
    """A delivered file's entry, kept because its delete failed, that this run cannot read: another user's (the
    script in root's crontab, Odoo) or hidden by an I/O error; here a link to itself, which even root cannot read.
    Read as torn it would go, and the file come again as a second copy: the run stops and says which file."""
    upload(box.container, "ECRITURE.csv", b"exported once")
    read_list_only = without_delete(azurite, box)
    assert run_transfer(read_list_only, tuning=FAST).outcomes[0].code == "file.not_deleted"
    [entry] = (box.folder / ".cegid-partial").glob("*.json")
    kept = entry.read_bytes()
    entry.unlink()
    entry.symlink_to(entry.name)

    with pytest.raises(ConfigError) as raised:
        run_transfer(box.settings, tuning=FAST)

    assert (raised.value.code, raised.value.setting) == ("config.staging_unusable", "import_folder")
    assert raised.value.params["path"] == str(entry)
    assert entry.is_symlink(), "the entry stays"
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"exported once"}
    assert blob_names(box.container) == ["ECRITURE.csv"]
    # readable again, the entry tells the next run the file was delivered: its blob goes, no second copy
    entry.unlink()
    entry.write_bytes(kept)
    assert_next_run_deletes_without_a_second_copy(box)


def test_a_journal_entry_the_disk_refuses_after_a_failed_delete_keeps_the_group_journal(azurite, box):
    """A file delivered, its delete refused, and its own journal entry cannot be written (the disk refuses it; here
    a folder in the way of its temporary file): the run still says what happened to the file, and the group
    journal stays for the next run, which deletes the blob without a second copy."""
    upload(box.container, "ECRITURE.csv", b"exported once")
    [blob] = box.container.list_blobs()
    in_the_way = box.folder / ".cegid-partial" / (entry_key("ECRITURE.csv", blob.etag) + ".json.tmp")

    class DiskRefusesTheEntry(TransferReporter):
        def on_listing(self, blobs):  # after the run's recovery, which would clear it away
            in_the_way.mkdir()

    read_list_only = without_delete(azurite, box)

    first = run_transfer(read_list_only, tuning=FAST, reporter=DiskRefusesTheEntry())

    assert [(o.state, o.code, o.local_name) for o in first.outcomes] == [
        ("failed", "file.not_deleted", "ECRITURE.csv")]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"exported once"}
    assert blob_names(box.container) == ["ECRITURE.csv"]
    in_the_way.rmdir()
    assert_next_run_deletes_without_a_second_copy(box)


def test_leftover_temporary_files_removed(box):
    hidden = box.folder / ".cegid-partial"
    hidden.mkdir()
    (hidden / ("0" * 40 + ".part")).write_bytes(b"half a file")
    (hidden / ("1" * 40 + ".json")).write_text("{torn")
    (hidden / ("2" * 40 + ".part")).write_bytes(b"a part whose resume record is torn")
    (hidden / ("2" * 40 + ".resume")).write_text('{"durable": 1')
    (hidden / ("3" * 40 + ".resume")).write_text('{"durable": 0}')  # a record without its part
    (hidden / ("4" * 40 + ".resume.tmp")).write_text('{"durable": 0}')
    upload(box.container, "ECRITURE.csv", b"x")

    result = run_transfer(box.settings, tuning=FAST)

    assert result.exit_code == 0
    assert staging_leftovers(box.folder) == []
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"x"}


def test_crash_after_a_group_commit_deletes_only(box):
    """A run killed after renaming a group of files, before deleting their blobs."""
    payloads = {"a/ECRITURE.csv": b"first", "b/ECRITURE.csv": b"second", "TIERS.csv": b"third"}
    for name, data in payloads.items():
        upload(box.container, name, data)
    listed = {blob.name: blob for blob in box.container.list_blobs()}
    staging = StagingFolder(str(box.folder))
    assert staging.acquire()
    items = []
    for name in ("a/ECRITURE.csv", "b/ECRITURE.csv", "TIERS.csv"):
        key = entry_key(name, listed[name].etag)
        with open(staging.part_path(key), "wb") as handle:
            handle.write(payloads[name])
        items.append((key, name.rsplit("/", 1)[-1], {"blob_name": name, "etag": listed[name].etag, "md5": None}))
    _group, renamed = staging.deliver_group(items[:2], NOW)  # TIERS.csv: downloaded, not yet renamed
    staging.release()
    assert [name for name, _err in renamed] == ["ECRITURE.csv", "ECRITURE.20261128T101500Z.csv"]

    result = run_transfer(box.settings, tuning=FAST, now=NOW)

    states = {o.blob_name: (o.state, o.local_name) for o in result.outcomes}
    assert states == {"a/ECRITURE.csv": ("already_delivered", "ECRITURE.csv"),
                      "b/ECRITURE.csv": ("already_delivered", "ECRITURE.20261128T101500Z.csv"),
                      "TIERS.csv": ("done", "TIERS.csv")}
    assert sorted(delivered_files(box.folder).values()) == sorted(payloads.values())
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_a_torn_entry_beside_its_group_journal_does_not_deliver_the_file_twice(box):
    """A run delivered a group, its delete failed, and a crash tore the file's own entry while it was written."""
    staging, key, etag = downloaded(box, "ECRITURE.csv", b"exported once")
    staging.deliver_group([(key, "ECRITURE.csv", {"blob_name": "ECRITURE.csv", "etag": etag, "md5": None})], NOW)
    open(staging.journal_path(key), "w").close()  # what an entry written in place is, cut before its first byte
    staging.release()

    result = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert [(o.state, o.local_name) for o in result.outcomes] == [("already_delivered", "ECRITURE.csv")]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"exported once"}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_a_journal_entry_the_disk_refuses_to_rewrite_keeps_the_earlier_one(box, monkeypatch):
    """The disk fills up while an entry is written again: the entry on disk is still the earlier one, whole."""
    staging = StagingFolder(str(box.folder))
    assert staging.acquire()
    key = "0" * 40
    staging.write_journal(key, {"blob_name": "ECRITURE.csv", "local_name": "ECRITURE.csv"})
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(OSError):
        staging.write_journal(key, {"blob_name": "ECRITURE.csv", "local_name": "ECRITURE.20261128T101500Z.csv"})
    monkeypatch.undo()
    staging.release()

    with open(staging.journal_path(key), encoding="utf-8") as handle:
        assert json.load(handle) == {"blob_name": "ECRITURE.csv", "local_name": "ECRITURE.csv"}


def test_missing_import_folder_names_the_setting(box):
    box.settings.import_folder = str(box.folder / "nope")
    with pytest.raises(ConfigError) as info:
        run_transfer(box.settings)
    assert info.value.setting == "import_folder"


@pytest.mark.parametrize("error", [errno.EPERM, errno.EOPNOTSUPP], ids=["EPERM", "EOPNOTSUPP"])
def test_an_import_folder_without_hard_links_says_so_and_keeps_every_blob(box, monkeypatch, error):
    """FAT or a Windows share refuse link(), which gives a file its name without ever overwriting one: every blob
    stays, with a code telling where to put the folder instead of "cannot write (Operation not permitted)"."""
    for name in ("ECRITURE.csv", "ANALYTIQ.csv"):
        upload(box.container, name, b"the export")

    def refusing_link(src, dst, *args, **kwargs):
        raise OSError(error, os.strerror(error), src, dst)

    monkeypatch.setattr(os, "link", refusing_link)
    result = run_transfer(box.settings, tuning=FAST)
    monkeypatch.undo()

    assert result.exit_code == EXIT_PARTIAL
    assert {(o.blob_name, o.state, o.code, tuple(o.params)) for o in result.outcomes} == {
        ("ECRITURE.csv", "failed", "file.no_hard_links", ()), ("ANALYTIQ.csv", "failed", "file.no_hard_links", ())}
    assert blob_names(box.container) == ["ANALYTIQ.csv", "ECRITURE.csv"]
    assert delivered_files(box.folder) == {}
    assert staging_leftovers(box.folder) == []
    assert run_transfer(box.settings, tuning=FAST).exit_code == 0
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"the export", "ANALYTIQ.csv": b"the export"}


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EDQUOT], ids=["ENOSPC", "EDQUOT"])
def test_a_disk_too_full_for_the_lock_is_said_full_not_a_setting_to_mend_and_keeps_every_blob(box, monkeypatch,
                                                                                              error):
    """No room left for the staging folder's lock: the run stops before any blob, as a full disk (exit 1)."""
    upload(box.container, "ECRITURE.csv", b"the export")
    real_open = os.open

    def refusing_open(path, flags, *args, **kwargs):
        if os.path.basename(str(path)) == LOCK_NAME and flags & os.O_CREAT:
            raise OSError(error, os.strerror(error), path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(DiskFull) as caught:
        run_transfer(box.settings, tuning=FAST)
    monkeypatch.undo()
    assert (caught.value.code, caught.value.params, caught.value.exit_code) == (
        "file.disk_full", {"detail": os.strerror(error)}, EXIT_PARTIAL)
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert delivered_files(box.folder) == {}


def test_a_sas_url_without_a_container_is_a_setting_error_for_the_transfer(box):
    box.settings.sas_url = ACCOUNT_SAS_URL
    with pytest.raises(ConfigError) as caught:  # not the SDK's English ValueError ("run.crashed", exit 4)
        run_transfer(box.settings)
    assert (caught.value.code, caught.value.setting) == ("config.bad_sas_url", "sas_url")


def test_a_sas_url_without_its_signature_is_a_setting_error(box):
    upload(box.container, "ECRITURE.csv", b"x")
    box.settings.sas_url = box.settings.sas_url.split("?")[0]  # pasted without its token
    with pytest.raises(ConfigError) as caught:  # not Azure's refusal of an anonymous call (exit 3)
        run_transfer(box.settings)
    assert (caught.value.code, caught.value.setting) == ("config.bad_sas_url", "sas_url")
    assert blob_names(box.container) == ["ECRITURE.csv"]


@pytest.mark.parametrize("host", ["account.blob.cegid.invalid", "account.cegid.invalid:10000"])
def test_a_sas_url_in_http_to_another_machine_is_a_setting_error_for_the_transfer_and_the_check(box, host):
    """Its signature (sig=) would travel in clear text: refused as the API base URL is, before any call."""
    upload(box.container, "ECRITURE.csv", b"x")
    box.settings.sas_url = "http://" + host + "/" + box.settings.sas_url.split("/", 3)[3]
    for run in (run_transfer, check_connection):
        with pytest.raises(ConfigError) as caught:
            run(box.settings)
        assert (caught.value.code, caught.value.setting) == ("config.not_https", "sas_url")
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert delivered_files(box.folder) == {}


def test_a_sas_url_in_http_to_this_machine_is_accepted(box):
    upload(box.container, "ECRITURE.csv", b"x")
    box.settings.sas_url = box.settings.sas_url.replace("//127.0.0.1:", "//localhost:")
    run_transfer(box.settings, tuning=FAST)
    assert blob_names(box.container) == []
    assert list(delivered_files(box.folder)) == ["ECRITURE.csv"]


def test_a_sas_url_without_a_container_is_a_setting_error_for_the_check(box):
    box.settings.sas_url = ACCOUNT_SAS_URL
    with pytest.raises(ConfigError) as caught:  # not the SDK's English ValueError (a server error in Odoo)
        check_connection(box.settings)
    assert (caught.value.code, caught.value.setting) == ("config.bad_sas_url", "sas_url")


@pytest.mark.parametrize("host", ["account.blob..core.windows.net", ".account.blob.core.windows.net",
                                  "a" * 64 + ".blob.core.windows.net", "account.blob.core.windows.net.."])
def test_a_sas_url_whose_host_has_an_empty_or_too_long_label_is_a_setting_error(box, host):
    """urllib3 refused it only when connecting (LocationParseError): a traceback, and the run recorded as crashed."""
    box.settings.sas_url = f"https://{host}/container?sv=1&sp=rld&sig=x"
    for run in (run_transfer, check_connection):
        with pytest.raises(ConfigError) as caught:
            run(box.settings)
        assert (caught.value.code, caught.value.setting) == ("config.bad_sas_url", "sas_url")


@pytest.mark.parametrize("sas_url", ["https://account.blob.core.windows.net/container?sv=1&sp=rld&sig=AbCd EfGh",
                                     "https://account.blob.core.windows.net/container?sv=1&sp=rld&sig=AbCd\nEfGh"])
def test_a_sas_url_with_a_space_or_a_line_break_inside_is_a_setting_error(box, sas_url):
    """Its signature cut in two: accepted, and the masked URL showed the part after the space."""
    box.settings.sas_url = sas_url
    for run in (run_transfer, check_connection):
        with pytest.raises(ConfigError) as caught:
            run(box.settings)
        assert (caught.value.code, caught.value.setting) == ("config.url_with_spaces", "sas_url")


def test_check_connection_deletes_nothing(azurite, box):
    upload(box.container, "ECRITURE.csv", b"12345")
    steps = check_connection(box.settings)
    assert [(s.name, s.ok, s.code) for s in steps] == [("step.sas", True, "check.sas_set"),
                                                        ("step.listing", True, "check.listing")]
    assert steps[0].params == {"expiry": sas_expiry(box.settings.sas_url).isoformat()}
    assert steps[1].params == {"count": 1, "bytes": 5}
    for step in steps:
        assert_declared(step.name, {})
        assert_declared(step.code, step.params)
    assert blob_names(box.container) == ["ECRITURE.csv"]

    box.settings.sas_url = azurite.container_sas_url(box.name, permission="rl")
    steps = check_connection(box.settings)
    assert [(s.name, s.ok, s.code, s.params) for s in steps] == [
        ("step.sas", False, "azure.sas_permissions", {"permissions": "rl"})]



def test_check_connection_refuses_an_expired_sas_at_its_own_step(azurite, box):
    """Not "SAS set, valid until" a past moment, then the listing refused: the SAS step says it expired."""
    expired = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    box.settings.sas_url = azurite.container_sas_url(box.name, expiry=expired)
    steps = check_connection(box.settings)
    assert [(s.name, s.ok, s.code, s.params) for s in steps] == [
        ("step.sas", False, "azure.expired", {"expiry": "2026-01-02T03:04:05+00:00"})]

def test_a_group_journal_the_disk_refuses_renames_nothing_and_deletes_nothing(box):
    """The files are downloaded, but their group journal cannot be written: none is delivered, every blob stays."""
    # the journal names every file of the group: longer than any one file or resume record
    payloads = {f"{'EXPORT_' * 20}{number}.csv": b"E_GENERAL;E_DEBIT\n" for number in range(12)}
    for name, data in payloads.items():
        upload(box.container, name, data)
    (limits, handler) = _file_size_limit(1500)
    try:
        # one group of the twelve, however slow the machine: a group of the first few files' journal would fit
        result = run_transfer(box.settings, tuning=dataclasses.replace(FAST, delete_delay=60))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)

    assert result.exit_code == 1
    assert {outcome.code for outcome in result.outcomes} == {"file.disk_full"}
    assert delivered_files(box.folder) == {}
    assert blob_names(box.container) == sorted(payloads)
    # the next run, with room, delivers them all
    assert run_transfer(box.settings, tuning=FAST).exit_code == 0
    assert delivered_files(box.folder) == payloads
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_a_crash_between_journal_and_rename_delivers_the_file_before_deleting_its_blob(box):
    """A run killed after journaling a file's final name but before giving it: the blob is not gone unseen."""
    staging, key, etag = downloaded(box, "ECRITURE.csv", b"exported once")
    staging.write_journal(key, {"blob_name": "ECRITURE.csv", "etag": etag, "md5": None, "local_name": "ECRITURE.csv"})
    staging.release()

    result = run_transfer(box.settings, tuning=FAST)

    assert [(o.state, o.local_name) for o in result.outcomes] == [("done", "ECRITURE.csv")]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"exported once"}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


class Killed(BaseException):
    """The process killed at a chosen moment."""


def test_a_run_killed_while_recovery_removes_what_was_not_delivered_loses_nothing(box, monkeypatch):
    """Files journaled but not renamed: recovery removes their journals and part files. Killed in between, the next
    run must not read a part gone beside its journal as a delivery (and delete the blob of a file never given)."""
    names = [f"EXPORT{number}.csv" for number in range(8)]  # the order a directory lists them in is the system's
    for name in names:
        staging, key, etag = downloaded(box, name, name.encode())
        staging.write_journal(key, {"blob_name": name, "etag": etag, "md5": None, "local_name": name})
        staging.release()
    removed = []

    def killed_after_the_first_part(path, discard=folder_module.discard):
        discard(path)
        removed.append(os.path.basename(path))
        if path.endswith(".part"):
            raise Killed

    monkeypatch.setattr(folder_module, "discard", killed_after_the_first_part)
    with pytest.raises(Killed):
        run_transfer(box.settings, tuning=FAST)
    monkeypatch.undo()
    assert sum(name.endswith(".json") for name in removed) == len(names), "the journals went first"

    result = run_transfer(box.settings, tuning=FAST)

    assert result.exit_code == 0
    assert delivered_files(box.folder) == {name: name.encode() for name in names}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_files_renamed_whose_folder_cannot_be_made_durable_are_named_and_their_blobs_kept(box, monkeypatch):
    """The import folder's fsync fails after the group's renames: nothing is deleted, each outcome names its file,
    and the next run deletes the blobs without delivering the files twice."""
    payloads = {f"EXPORT{number}.csv": b"export %d" % number for number in range(3)}
    for name, data in payloads.items():
        upload(box.container, name, data)
    folder = str(box.folder)

    def folder_not_durable(path, fsync=folder_module.fsync_path):
        if path == folder:
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        fsync(path)

    monkeypatch.setattr(folder_module, "fsync_path", folder_not_durable)
    result = run_transfer(box.settings, tuning=dataclasses.replace(FAST, delete_delay=60))
    monkeypatch.undo()

    assert {(o.blob_name, o.state, o.code, o.local_name) for o in result.outcomes} == {
        (name, "failed", "file.not_deleted", name) for name in payloads}
    assert delivered_files(box.folder) == payloads
    assert blob_names(box.container) == sorted(payloads)
    again = run_transfer(box.settings, tuning=FAST)
    assert {(o.state, o.local_name) for o in again.outcomes} == {("already_delivered", name) for name in payloads}
    assert delivered_files(box.folder) == payloads
    assert blob_names(box.container) == []


def test_a_name_taken_after_the_engine_looked_at_it_is_not_overwritten(box, monkeypatch):
    """Someone writes ECRITURE.csv into the import folder just after the engine saw the name free."""
    (box.folder / "ECRITURE.csv").write_bytes(b"written by someone else")
    upload(box.container, "ECRITURE.csv", b"the export")
    looked_at = os.path.lexists
    folder = str(box.folder)
    # every look at the import folder misses the file: only the link that gives the name can see it
    monkeypatch.setattr(os.path, "lexists", lambda path: os.path.dirname(path) != folder and looked_at(path))

    result = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert result.exit_code == 0
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"written by someone else",
                                           "ECRITURE.20261128T101500Z.csv": b"the export"}
    assert result.outcomes[0].local_name == "ECRITURE.20261128T101500Z.csv"
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


@pytest.mark.parametrize("entry_removable", [True, False], ids=["entry-removed", "entry-kept"])
def test_a_name_taken_meanwhile_then_a_disk_refusing_the_next_keeps_the_blob(box, monkeypatch, entry_removable):
    """The planned name is taken after the engine looked, and the disk refuses the next one: nothing is lost.

    The blob stays, and the next run delivers it: neither reads the journal entry of the name never given as
    a delivery (which would delete the blob of a file that does not exist).
    """
    (box.folder / "ECRITURE.csv").write_bytes(b"written by someone else")
    upload(box.container, "ECRITURE.csv", b"the export")
    looked_at, real_link, real_unlink = os.path.lexists, os.link, os.unlink
    folder = str(box.folder)
    monkeypatch.setattr(os.path, "lexists", lambda path: os.path.dirname(path) != folder and looked_at(path))

    def link(src, dst):
        if os.path.basename(dst) != "ECRITURE.csv":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)
        return real_link(src, dst)

    def unlink(path):
        if str(path).endswith(".json"):
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        return real_unlink(path)

    monkeypatch.setattr(os, "link", link)
    if not entry_removable:
        monkeypatch.setattr(os, "unlink", unlink)
    first = run_transfer(box.settings, now=NOW, tuning=FAST)
    monkeypatch.undo()

    assert [(o.state, o.code, o.local_name) for o in first.outcomes] == [("failed", "file.disk_full", None)]
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"written by someone else"}
    assert len(staging_leftovers(box.folder)) == (0 if entry_removable else 2)  # the entry, and the part it names

    again = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert [(o.state, o.local_name) for o in again.outcomes] == [("done", "ECRITURE.20261128T101500Z.csv")]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"written by someone else",
                                           "ECRITURE.20261128T101500Z.csv": b"the export"}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_a_file_never_given_its_name_loses_its_journal_durably_before_its_part(box, monkeypatch):
    """The disk refuses a file its final name: the group journal that names it goes, then its part file.

    A power cut that kept the part's removal but not the journal's would
    leave a journal naming a part that is gone, which the next run reads as
    delivered: it would delete the blob of a file that has no name. A power
    cut cannot be staged here, so the order of the real removals and fsyncs
    is what the test reads (``os.link`` refused, as the disk would).
    """
    upload(box.container, "ECRITURE.csv", b"the export")
    staging = os.path.realpath(os.path.join(box.folder, HIDDEN_FOLDER))
    real_unlink, real_fsync = os.unlink, os.fsync
    done = []

    def link(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), dst)

    def unlink(path, *args, **kwargs):
        real_unlink(path, *args, **kwargs)
        done.append(("removed", os.path.splitext(str(path))[1]))

    def fsync(fd):
        real_fsync(fd)
        done.append(("fsynced", os.readlink(f"/proc/self/fd/{fd}")))

    monkeypatch.setattr(os, "link", link)
    monkeypatch.setattr(os, "unlink", unlink)
    monkeypatch.setattr(os, "fsync", fsync)
    first = run_transfer(box.settings, now=NOW, tuning=FAST)
    monkeypatch.undo()

    assert [(o.state, o.code, o.local_name) for o in first.outcomes] == [("failed", "file.disk_full", None)]
    journal_gone, part_gone = done.index(("removed", ".group")), done.index(("removed", ".part"))
    assert ("fsynced", staging) in done[journal_gone:part_gone], done
    assert blob_names(box.container) == ["ECRITURE.csv"]
    assert staging_leftovers(box.folder) == []

    again = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert [(o.state, o.local_name) for o in again.outcomes] == [("done", "ECRITURE.csv")]
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"the export"}
    assert blob_names(box.container) == []


def test_a_part_file_whose_own_name_cannot_be_removed_is_delivered_once(box, monkeypatch):
    """The file gets its final name, but removing the part's name fails once: it is delivered, not brought again."""
    upload(box.container, "ECRITURE.csv", b"the export")
    real_unlink, failed = os.unlink, []

    def unlink_failing_once(path):
        if str(path).endswith(".part") and not failed:
            failed.append(path)
            raise OSError(errno.EIO, os.strerror(errno.EIO), path)
        return real_unlink(path)

    monkeypatch.setattr(os, "unlink", unlink_failing_once)
    first = run_transfer(box.settings, now=NOW, tuning=FAST)
    monkeypatch.undo()
    again = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert failed
    assert [(o.state, o.code, o.local_name) for o in first.outcomes] == [("done", None, "ECRITURE.csv")]
    assert again.outcomes == []
    assert delivered_files(box.folder) == {"ECRITURE.csv": b"the export"}
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


@pytest.mark.parametrize("again, delivered", [
    (b"exported twice", {"ECRITURE.csv": b"exported once", "ECRITURE.20261128T101500Z.csv": b"exported twice"}),
    (b"exported once", {"ECRITURE.csv": b"exported once"}),
], ids=["new-content", "same-content"])
def test_a_re_export_of_a_delivered_but_not_deleted_blob(azurite, box, again, delivered):
    """Cegid exports the blob again before the delete succeeded: new content is delivered, the same is not twice."""
    upload(box.container, "ECRITURE.csv", b"exported once")
    read_list_only = without_delete(azurite, box)
    assert run_transfer(read_list_only, tuning=FAST).outcomes[0].code == "file.not_deleted"
    upload(box.container, "ECRITURE.csv", again)  # a new ETag

    result = run_transfer(box.settings, now=NOW, tuning=FAST)

    assert result.exit_code == 0
    assert delivered_files(box.folder) == delivered
    assert blob_names(box.container) == []
    assert staging_leftovers(box.folder) == []


def test_an_unexpected_error_reads_as_its_type_and_message_not_its_repr(box, monkeypatch):
    """A bug met on a blob or its delete reads "KeyError: 'x'" (as a crashed run), not "KeyError('x')"."""
    upload(box.container, "ECRITURE.csv", b"the export")
    monkeypatch.setattr("cegid_data_access.transfer._Run._one", lambda self, blob: {}["x"])
    [outcome] = run_transfer(box.settings, tuning=FAST).outcomes
    assert (outcome.code, outcome.params) == ("file.unexpected", {"detail": "KeyError: 'x'"})
    monkeypatch.undo()
    monkeypatch.setattr("cegid_data_access.azure.container.Container.delete_versions", lambda self, items: {}["x"])
    [outcome] = run_transfer(box.settings, tuning=FAST).outcomes
    assert (outcome.code, outcome.params) == ("file.not_deleted",
                                              {"reason_code": "file.unexpected", "detail": "KeyError: 'x'"})
    monkeypatch.setattr("cegid_data_access.azure.container.Container.delete_versions",
                        lambda self, items: (_ for _ in ()).throw(RuntimeError()))
    [outcome] = run_transfer(box.settings, tuning=FAST).outcomes
    assert outcome.params == {"reason_code": "file.unexpected", "detail": "RuntimeError"}, "no message: its type"

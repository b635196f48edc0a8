# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time-boxed runs and resumed downloads: a run stops at its deadline, the next one continues what it left."""

import dataclasses
import datetime
import hashlib
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cegid_data_access.azure.download import READ_BACK, DeadlineReached, hash_prefix
from cegid_data_access.fetch import MemoryBudget, buffers_needed
from cegid_data_access.staging.folder import HIDDEN_FOLDER, entry_key
from cegid_data_access.transfer import AzureTuning, TransferReporter, TransferTuning, run_transfer
from cegid_testkit.blobs import blob_names, delivered_files, new_container, staging_leftovers, upload

LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
KIB = 1024
# GETs of 128 KiB, two at a time; a checkpoint every 0.1 s
RESUMABLE = TransferTuning(checkpoint_seconds=0.1, azure=AzureTuning(
    single_get_size=128 * KIB, chunk_size=128 * KIB, max_concurrency=2, retry_total=1, retry_first_wait=0.05))


@pytest.fixture
def slow(proxied):
    """``proxied``, its proxy bringing 1 MiB/s."""
    proxied[2].throttle(1024 * KIB)
    return proxied


def by_blob(result):
    return {outcome.blob_name: outcome for outcome in result.outcomes}


def cut_run(settings, seconds, tuning=RESUMABLE):
    """A run given ``seconds``; (result, its deadline as a ``time.monotonic()`` value)."""
    deadline = time.monotonic() + seconds
    return run_transfer(settings, tuning=tuning, deadline=deadline), deadline


def gets_after(proxy, deadline):
    """The GETs (their method and path) that reached ``proxy`` after ``deadline``."""
    return [head.partition("?")[0] for head, at in zip(proxy.heads, proxy.head_times, strict=True)
            if at > deadline and head.startswith("GET ")]


def test_a_run_cut_by_its_deadline_is_continued_by_the_next(slow):
    container, settings, proxy = slow
    big = os.urandom(3 * 1024 * KIB)
    upload(container, "small1.csv", b"first")
    upload(container, "small2.csv", b"second")
    upload(container, "HISTOCUMSAL.csv", big)

    first, deadline = cut_run(settings, 1.5)

    # the chunks under way end (128 KiB at 1 MiB/s), nothing starts after the deadline
    assert gets_after(proxy, deadline) == []
    outcomes = by_blob(first)
    assert {name: outcome.state for name, outcome in outcomes.items()} == {
        "small1.csv": "done", "small2.csv": "done", "HISTOCUMSAL.csv": "continued"}
    cut = outcomes["HISTOCUMSAL.csv"]
    assert cut.code == "file.continued" and 0 < cut.params["kept"] < len(big)
    assert first.continued and first.exit_code == 0 and first.failures == 0
    assert delivered_files(settings.import_folder) == {"small1.csv": b"first", "small2.csv": b"second"}
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    key = entry_key("HISTOCUMSAL.csv", next(iter(container.list_blobs())).etag)
    assert staging_leftovers(settings.import_folder) == [key + ".part", key + ".resume"]
    proxy.throttle(None)
    before, heads = proxy.response_bytes, len(proxy.heads)

    again = run_transfer(settings, tuning=RESUMABLE)

    [outcome] = again.outcomes
    assert (outcome.state, outcome.code, outcome.params) == ("done", "file.resumed", {"offset": cut.params["kept"]})
    assert outcome.md5 == hashlib.md5(big).hexdigest()
    # the kept bytes are not downloaded again: the rest, the listing and the delete's answer
    assert proxy.response_bytes - before < len(big) - cut.params["kept"] + 16 * KIB
    ranges = [head for head in proxy.heads[heads:] if head.startswith("GET /") and "HISTOCUMSAL" in head]
    assert f"x-ms-range: bytes={cut.params['kept']}-" in ranges[0].lower()
    assert not again.continued
    assert delivered_files(settings.import_folder) == {"small1.csv": b"first", "small2.csv": b"second",
                                                       "HISTOCUMSAL.csv": big}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


def test_on_a_slow_link_the_chunks_in_flight_end_by_the_deadline(slow):
    container, settings, proxy = slow
    upload(container, "HISTOCUMSAL.csv", os.urandom(16 * 1024 * KIB))
    # GETs of 2 MiB, two at a time, over 1 MiB/s: four seconds a chunk (a slow link with the default chunks)
    tuning = TransferTuning(checkpoint_seconds=0.1, azure=AzureTuning(
        single_get_size=2048 * KIB, chunk_size=2048 * KIB, max_concurrency=2, retry_total=1))

    result, deadline = cut_run(settings, 7.0, tuning)

    # the writer stops two chunk times before the deadline and no GET starts after it: the chunks then in flight
    # end by the deadline. The link brings at most 7 MiB in 7 s (less on a busy machine): a run that received more
    # went on past its deadline, be it with chunks started too late (two more, 4 MiB) or with the one a thread
    # done with its chunk took before the download cancelled them (2 MiB)
    assert gets_after(proxy, deadline) == []
    assert proxy.response_bytes <= 7 * 1024 * KIB
    [outcome] = result.outcomes
    assert outcome.state == "continued" and outcome.params["kept"] > 0


def test_no_blob_starts_once_the_budget_is_spent(slow):
    container, settings, proxy = slow
    upload(container, "ECRITURE.csv", b"x")
    upload(container, "HISTOCUMSAL.csv", os.urandom(300 * KIB))

    result = run_transfer(settings, tuning=RESUMABLE, deadline=time.monotonic())

    assert [(o.state, o.code) for o in result.outcomes] == [("continued", "file.not_started")] * 2
    assert result.continued and result.exit_code == 0
    assert sorted(blob_names(container)) == ["ECRITURE.csv", "HISTOCUMSAL.csv"]
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []


def test_a_blob_re_exported_after_a_cut_download_is_downloaded_afresh(slow):
    container, settings, proxy = slow
    upload(container, "HISTOCUMSAL.csv", os.urandom(2 * 1024 * KIB))
    first, _deadline = cut_run(settings, 1.0)
    assert [o.state for o in first.outcomes] == ["continued"]
    new = os.urandom(1024 * KIB + 7)
    upload(container, "HISTOCUMSAL.csv", new)  # a new ETag: what was kept belongs to another version
    proxy.throttle(None)

    again = run_transfer(settings, tuning=RESUMABLE)

    assert [(o.state, o.code) for o in again.outcomes] == [("done", None)]
    assert delivered_files(settings.import_folder) == {"HISTOCUMSAL.csv": new}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize("damage", ["shorter part", "torn record", "other size"])
def test_a_part_file_that_does_not_match_its_record_is_downloaded_afresh(slow, damage):
    container, settings, proxy = slow
    data = os.urandom(2 * 1024 * KIB)
    upload(container, "HISTOCUMSAL.csv", data)
    first, _deadline = cut_run(settings, 1.0)
    kept = first.outcomes[0].params["kept"]
    hidden = os.path.join(settings.import_folder, HIDDEN_FOLDER)
    [part] = [name for name in os.listdir(hidden) if name.endswith(".part")]
    record = os.path.join(hidden, part[: -len(".part")] + ".resume")
    if damage == "shorter part":  # the last checkpoint's bytes did not reach the disk (a power cut)
        os.truncate(os.path.join(hidden, part), kept - 1)
    elif damage == "torn record":
        with open(record, "w", encoding="utf-8") as handle:
            handle.write('{"durable": ')
    else:
        with open(record, encoding="utf-8") as handle:
            text = handle.read()
        with open(record, "w", encoding="utf-8") as handle:
            handle.write(text.replace(f'"size": {len(data)}', f'"size": {len(data) + 1}'))
    proxy.throttle(None)

    again = run_transfer(settings, tuning=RESUMABLE)

    assert [(o.state, o.code) for o in again.outcomes] == [("done", None)]
    assert again.outcomes[0].md5 == hashlib.md5(data).hexdigest()
    assert delivered_files(settings.import_folder) == {"HISTOCUMSAL.csv": data}
    assert staging_leftovers(settings.import_folder) == []


def test_a_kept_part_whose_blob_is_gone_is_dropped(slow):
    container, settings, proxy = slow
    upload(container, "HISTOCUMSAL.csv", os.urandom(2 * 1024 * KIB))
    upload(container, "other.csv", b"late")
    cut_run(settings, 1.0)
    container.delete_blob("HISTOCUMSAL.csv")
    proxy.throttle(None)

    again = run_transfer(settings, tuning=RESUMABLE)

    assert "HISTOCUMSAL.csv" not in [o.blob_name for o in again.outcomes]
    assert delivered_files(settings.import_folder) == {"other.csv": b"late"}
    assert staging_leftovers(settings.import_folder) == []


class StallOnceListed(TransferReporter):
    """Azure stops answering once the listing came: a download under way waits until its deadline stops it."""

    def __init__(self, proxy):
        self.proxy = proxy

    def on_listing(self, blobs):
        self.proxy.pause_after(0)


def kept_files(folder, key):
    """(inode, mtime, MD5) of the part file and the resume record of ``key``: changed if rewritten."""
    hidden = os.path.join(folder, HIDDEN_FOLDER)
    return [(os.stat(path).st_ino, os.stat(path).st_mtime_ns, hashlib.md5(Path(path).read_bytes()).hexdigest())
            for path in (os.path.join(hidden, key + ".part"), os.path.join(hidden, key + ".resume"))]


def test_a_large_blob_that_waited_for_memory_until_the_deadline_does_not_start_and_keeps_its_part(slow):
    """Two cut downloads take turns under the memory budget; the one that goes first runs until its deadline.

    The other gets the memory then: it does not start (reading back and
    hashing a kept part of some GBs would overrun the deadline), its part
    and its resume record left as they were, and the next run continues it.
    """
    container, settings, proxy = slow
    blobs = {"BIGONE.csv": os.urandom(2 * 1024 * KIB), "BIGTWO.csv": os.urandom(2 * 1024 * KIB)}
    for name, data in blobs.items():
        upload(container, name, data)
    first, _deadline = cut_run(settings, 1.0)
    kept = {o.blob_name: o.params["kept"] for o in first.outcomes}
    assert [o.code for o in first.outcomes] == ["file.continued"] * 2 and all(kept.values())
    keys = {blob.name: entry_key(blob.name, blob.etag) for blob in container.list_blobs()}
    before = {name: kept_files(settings.import_folder, key) for name, key in keys.items()}
    # each takes the whole budget: one at a time. With a short connect timeout the stalled GET's read timeout
    # takes all but 0.05 s of the time left: the first download holds the memory until then
    turns = dataclasses.replace(RESUMABLE, memory_budget=1, azure=dataclasses.replace(
        RESUMABLE.azure, connection_timeout=0.05))

    second = run_transfer(settings, tuning=turns, reporter=StallOnceListed(proxy), deadline=time.monotonic() + 3)

    outcomes = sorted((o.code, o.blob_name) for o in second.outcomes)
    assert [code for code, _name in outcomes] == ["file.continued", "file.not_started"]
    assert {o.state for o in second.outcomes} == {"continued"} and second.exit_code == 0
    waited = outcomes[1][1]
    assert kept_files(settings.import_folder, keys[waited]) == before[waited]
    proxy.release()
    proxy.throttle(None)

    third = run_transfer(settings, tuning=RESUMABLE)

    assert {o.blob_name: (o.state, o.code) for o in third.outcomes} == {
        name: ("done", "file.resumed") for name in blobs}
    assert by_blob(third)[waited].params == {"offset": kept[waited]}
    assert delivered_files(settings.import_folder) == blobs
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


def test_reading_back_a_kept_part_stops_at_the_deadline(tmp_path):
    """A kept part of some GBs takes seconds to hash again before its download continues: at the deadline the read
    back stops (the download is then continued by the next run), it does not go on to the part's end.

    (A run cannot be made to reach its deadline in the middle of this read
    back without a part of GBs, hence this check of the read back itself.)
    """
    data = os.urandom(3 * READ_BACK + 5)
    path = tmp_path / "kept.part"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert hash_prefix(fd, len(data), time.monotonic() + 60).hexdigest() == hashlib.md5(data).hexdigest()
        with pytest.raises(DeadlineReached):
            hash_prefix(fd, len(data), time.monotonic())
    finally:
        os.close(fd)


def test_the_memory_budget_lets_downloads_take_turns():
    budget = MemoryBudget(10)
    order = []
    first_in, first_may_go = threading.Event(), threading.Event()

    def hold(name, amount, until=None):
        with budget.hold(amount):
            order.append(("in", name))
            if until:
                first_in.set()
                until.wait(5)
            order.append(("out", name))

    # daemon threads: a budget that never lets one in fails the test instead of hanging it
    first = threading.Thread(target=hold, args=("first", 8, first_may_go), daemon=True)
    first.start()
    assert first_in.wait(5)
    # more than the whole budget: waits to be alone
    large = threading.Thread(target=hold, args=("large", 50), daemon=True)
    large.start()
    large.join(0.2)  # time to get in, were it let in: it is not
    assert large.is_alive() and ("in", "large") not in order
    # fits beside the first, the large one waiting
    small = threading.Thread(target=hold, args=("small", 2), daemon=True)
    small.start()
    small.join(5)
    assert order == [("in", "first"), ("in", "small"), ("out", "small")]
    first_may_go.set()
    for thread in (first, large):
        thread.join(5)

    assert order[3:] == [("out", "first"), ("in", "large"), ("out", "large")]
    assert budget.free == 10


def test_what_the_sdk_holds_for_a_blob():
    tuning = AzureTuning(single_get_size=8 * 1024 * KIB, chunk_size=4 * 1024 * KIB, max_concurrency=4)
    assert buffers_needed(64 * KIB, tuning) == 128 * KIB
    assert buffers_needed(5 * 1024 * KIB, tuning) == 10 * 1024 * KIB
    # the first GET outweighs one chunk; a chunk may wait for each of the writer's two threads, and one
    # more be held ahead of the hashed prefix
    assert buffers_needed(10 * 1024 * KIB, tuning) == (16 + 12) * 1024 * KIB
    assert buffers_needed(1024 * 1024 * KIB, tuning) == (32 + 12) * 1024 * KIB


PEAK = """
import resource, sys
sys.path.insert(0, {repo!r})
from cegid_data_access.settings import Settings
from cegid_data_access.transfer import TransferTuning, run_transfer
result = run_transfer(Settings(mode="sas_url", sas_url=sys.argv[1], import_folder=sys.argv[2]),
                      tuning=TransferTuning(workers=8, memory_budget=int(sys.argv[3])))
assert result.exit_code == 0 and not result.continued
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def test_a_run_holds_no_more_than_its_memory_budget(azurite, tmp_path):
    """Eight 6 MiB blobs would hold 96 MiB at once with eight workers; with a 16 MiB budget they take turns."""
    container = azurite.create_container(new_container(azurite))
    url = azurite.container_sas_url(container.container_name, expiry=LATER)
    repo = str(Path(__file__).resolve().parents[2])

    def peak(folder, budget):
        folder.mkdir()
        # one malloc arena: glibc's arena per thread keeps what each worker once held, which the budget does not bound
        out = subprocess.run([sys.executable, "-c", PEAK.format(repo=repo), url, str(folder), str(budget)],
                             capture_output=True, text=True, check=True, timeout=120,
                             env=dict(os.environ, MALLOC_ARENA_MAX="1"))
        return int(out.stdout.split()[-1])

    upload(container, "tiny.csv", b"x")
    base = peak(tmp_path / "base", 16 * 1024 * KIB)
    for index in range(8):
        upload(container, f"f{index}/EXPORT{index}.csv", os.urandom(6 * 1024 * KIB))

    loaded = peak(tmp_path / "loaded", 16 * 1024 * KIB)

    assert len(delivered_files(tmp_path / "loaded")) == 8
    assert loaded - base < (16 + 12) * 1024 * KIB  # the budget, and what Python keeps of freed buffers

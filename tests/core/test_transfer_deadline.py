# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An Azure that stalls during a time-boxed run: every call ends by the run's deadline, which says so.

The proxy in front of Azurite stops forwarding answers (``pause_after``): a
call would wait its read timeout, then retry. Bounded by the SDK's own
settings only (30 s per attempt, 4 attempts), a run would outlast the limit
Odoo kills a cron at; bounded by its deadline, it stops there as when its
time is up, its blobs kept in Azure for the next run. An Azure that refuses
or fails while time is left for another attempt fails the run as it would
without a deadline: the deadline did not stop it.
"""

import dataclasses
import hashlib
import os
import time

import pytest

from cegid_data_access.azure.container import MIN_CALL, call_options
from cegid_data_access.errors import ConnectionFailure
from cegid_data_access.settings import Settings
from cegid_data_access.transfer import NO_TIME_GRACE, AzureTuning, TransferReporter, TransferTuning, run_transfer
from cegid_testkit.azurite import free_port
from cegid_testkit.blobs import blob_names, delivered_files, staging_leftovers, upload

BUDGET = 3.0  # seconds given to a run
BOUND = 8.0  # a run ends within this many seconds (its budget and a margin for a busy machine)
# an Odoo cron run's seconds after a hand-over: its calls get one retry (of the engine's 3), their whole timeouts
CRON_RUN = 90.0
# a run started with no time left ends within this many seconds (its calls' grace and a margin for a busy machine),
# not after the SDK's own timeouts and retries (about two minutes)
NO_TIME_BOUND = NO_TIME_GRACE + 10.0
# the engine's defaults for Azure (30 s read timeout, 3 retries), a short first wait
TUNING = TransferTuning(azure=AzureTuning(retry_first_wait=0.05))
# a blob of several GETs of 64 KiB: resumable
CHUNKED = TransferTuning(checkpoint_seconds=0.1, azure=AzureTuning(
    single_get_size=64 * 1024, chunk_size=64 * 1024, max_concurrency=1, retry_first_wait=0.05))


class StallAfter(TransferReporter):
    """Azure stops answering once the listing came (``after``: "listing") or a file is downloaded ("download")."""

    def __init__(self, proxy, after):
        self.proxy, self.after = proxy, after

    def on_listing(self, blobs):
        if self.after == "listing":
            self.proxy.pause_after(1000)  # the next answer stalls after its first bytes

    def on_progress(self, blob_name, done_bytes, total_bytes):
        if self.after == "download" and done_bytes == total_bytes:
            self.proxy.pause_after(0)


def timed_run(settings, tuning=TUNING, reporter=None):
    """(result, seconds the run took) of a run given BUDGET seconds."""
    started = time.monotonic()
    result = run_transfer(settings, tuning=tuning, reporter=reporter, deadline=started + BUDGET)
    return result, time.monotonic() - started


def test_the_options_of_a_call_fit_in_the_time_left():
    tuning = AzureTuning(connection_timeout=10, read_timeout=30, retry_total=3, retry_first_wait=1, retry_base=2)

    assert call_options(tuning, None) == {}
    roomy = call_options(tuning, time.monotonic() + 1000)
    assert [roomy[key] for key in ("connection_timeout", "read_timeout", "retry_total")] == [10, 30, 3]
    # 3 attempts of 40 s and their waits (3.5 + 5.5 s at most) fit in 130 s, not a fourth
    assert call_options(tuning, time.monotonic() + 130)["retry_total"] == 2
    short = call_options(tuning, time.monotonic() + 4)
    assert short["retry_total"] == 0
    assert short["connection_timeout"] + short["read_timeout"] <= 4


def test_a_listing_that_stalls_ends_by_the_deadline_out_of_time(proxied):
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", b"a;b\n1;2\n")
    proxy.pause_after(0)
    started = time.monotonic()

    with pytest.raises(ConnectionFailure) as caught:
        run_transfer(settings, tuning=TUNING, deadline=started + BUDGET)

    assert time.monotonic() - started < BOUND
    assert caught.value.code == "azure.out_of_time"
    proxy.release()
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []


def test_azure_unreachable_with_time_left_fails_unreachable_not_out_of_time(tmp_path):
    """Nothing listens at Azure's port, in a run whose deadline cut the listing's retries, not its timeouts.

    The refusals come at once and leave the time of another attempt: the
    deadline did not stop the run, Azure's failure is said, as without a
    deadline (out of time, an Odoo run would hand over at once, run after run).
    """
    port = free_port()  # nothing listens there
    folder = tmp_path / "import"
    folder.mkdir()
    settings = Settings(mode="sas_url", import_folder=str(folder), sas_url=(
        f"http://127.0.0.1:{port}/devstoreaccount1/exports?sv=2024-11-04&se=2099-01-01T00:00:00Z&sp=rdl&sig=S3cr3t"))
    started = time.monotonic()

    with pytest.raises(ConnectionFailure) as caught:
        run_transfer(settings, tuning=TUNING, deadline=started + CRON_RUN)

    assert time.monotonic() - started < BOUND
    assert (caught.value.code, caught.value.params["host"]) == ("azure.unreachable", f"127.0.0.1:{port}")
    assert "Connection refused" in caught.value.params["detail"]
    assert delivered_files(folder) == {}
    assert staging_leftovers(folder) == []


def test_a_download_azure_answers_500_with_time_left_fails_not_continued(proxied):
    """Azure answers 500 to a blob's GET, and again to its retry, with the time of another attempt left: it failed."""
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", b"a;b\n1;2\n")
    proxy.answer(b"ECRITURE.csv", 500, "InternalError")
    started = time.monotonic()

    result = run_transfer(settings, tuning=TUNING, deadline=started + CRON_RUN)

    assert time.monotonic() - started < BOUND
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code) == ("failed", "file.download_failed"), outcome.params
    assert (outcome.params["reason_code"], outcome.params["status"]) == ("azure.refused", 500)
    assert len([head for head in proxy.heads if "ECRITURE.csv" in head]) == 2  # the GET and its one retry
    assert not result.continued
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}
    assert staging_leftovers(settings.import_folder) == []


@pytest.mark.parametrize("tuning", [TUNING, CHUNKED], ids=["one_get", "resumable"])
def test_a_download_that_stalls_ends_by_the_deadline_and_keeps_its_blob(proxied, tuning):
    container, settings, proxy = proxied
    upload(container, "ECRITURE.csv", os.urandom(300_000))

    result, seconds = timed_run(settings, tuning, StallAfter(proxy, "listing"))

    assert seconds < BOUND
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code) == ("continued", "file.continued"), outcome.params
    assert result.continued and result.exit_code == 0
    proxy.release()
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {}
    if tuning is TUNING:  # a blob of one GET has nothing to continue from
        assert staging_leftovers(settings.import_folder) == []


def test_a_delete_that_stalls_ends_by_the_deadline(proxied):
    container, settings, proxy = proxied
    data = b"a;b\n1;2\n"
    upload(container, "ECRITURE.csv", data)

    result, seconds = timed_run(settings, reporter=StallAfter(proxy, "download"))

    assert seconds < BOUND
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params["reason_code"]) == (
        "continued", "file.not_deleted", "azure.out_of_time")
    assert result.continued and result.exit_code == 0
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    proxy.release()  # the delete reached Azure, its answer did not: the next run finds the blob gone
    assert blob_names(container) == []

    again = run_transfer(settings, tuning=TUNING)

    assert again.outcomes == [] and again.exit_code == 0
    assert blob_names(container) == []
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert staging_leftovers(settings.import_folder) == []


class LateForTheDelete(TransferReporter):
    """A download ends less than MIN_CALL seconds before ``deadline``: the delete of its blob comes too late."""

    def __init__(self, deadline):
        self.deadline = deadline

    def on_progress(self, blob_name, done_bytes, total_bytes):
        time.sleep(max(0.0, self.deadline - MIN_CALL / 2 - time.monotonic()))


def test_a_delete_left_too_little_time_is_not_made_and_the_next_run_makes_it(proxied):
    container, settings, proxy = proxied
    data = b"a;b\n1;2\n"
    upload(container, "ECRITURE.csv", data)
    deadline = time.monotonic() + BUDGET

    result = run_transfer(settings, tuning=TUNING, reporter=LateForTheDelete(deadline), deadline=deadline)

    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params["reason_code"]) == (
        "continued", "file.not_deleted", "azure.out_of_time")
    assert not [head for head in proxy.heads if not head.startswith("GET ")]  # no delete went to Azure
    assert blob_names(container) == ["ECRITURE.csv"]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}

    again = run_transfer(settings, tuning=TUNING)

    assert [(o.state, o.code) for o in again.outcomes] == [("already_delivered", "file.delivered_earlier")]
    assert blob_names(container) == []
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert staging_leftovers(settings.import_folder) == []


class BusyNearTheDeadline(TransferReporter):
    """Azure answers 503 to every GET from the first progress of a download less than ``before`` s from ``deadline``."""

    def __init__(self, proxy, deadline, before):
        self.proxy, self.deadline, self.before = proxy, deadline, before
        self.since = None  # when Azure became busy

    def on_progress(self, blob_name, done_bytes, total_bytes):
        if self.since is None and time.monotonic() >= self.deadline - self.before:
            self.since = time.monotonic()
            self.proxy.answer(b"GET /", 503, "ServerBusy")


def test_no_retry_of_a_chunk_starts_past_the_deadline(proxied):
    """A download that started with time for a retry per request gets a 503 on a chunk shortly before its deadline.

    The retry policy would re-send that GET after its backoff (1 s), past the
    deadline: it neither waits nor sends it, the download stops there with
    what it kept.
    """
    container, settings, proxy = proxied
    upload(container, "HISTOCUMSAL.csv", os.urandom(40 * 64 * 1024))
    proxy.throttle(320 * 1024)  # a chunk of 64 KiB in 0.2 s: the download would take 8 s
    # attempts of 0.75 s at most and a backoff of about 1 s: one retry per request fits in the budget
    tuning = dataclasses.replace(CHUNKED, azure=dataclasses.replace(
        CHUNKED.azure, connection_timeout=0.25, read_timeout=0.5, retry_total=3, retry_base=1.0))
    deadline = time.monotonic() + BUDGET

    busy = BusyNearTheDeadline(proxy, deadline, 0.7)

    result = run_transfer(settings, tuning=tuning, reporter=busy, deadline=deadline)
    ended = time.monotonic()

    assert [at for at in proxy.head_times if at >= busy.since]  # a chunk's GET was answered 503
    assert ended < deadline  # its backoff would have ended past the deadline: stopped at once, not after the wait
    assert [round(at - deadline, 2) for at in proxy.head_times if at >= deadline] == []  # seconds late
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code) == ("continued", "file.continued"), outcome.params
    assert outcome.params["kept"] > 0
    proxy.throttle(None)
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    assert delivered_files(settings.import_folder) == {}


def test_a_blob_of_one_get_received_whole_near_the_deadline_is_delivered(proxied):
    """A blob of one GET takes more than a third of the time left: the deadline's check fires after its write.

    The blob is whole: it is verified, delivered and its blob deleted, not
    thrown away (on a link that slow every run would download it again, and
    throw it away again).
    """
    container, settings, proxy = proxied
    data = os.urandom(300_000)
    upload(container, "ECRITURE.csv", data)
    proxy.throttle(250_000)  # its GET takes 1.2 s of the 3 s budget; the check looks two GET times ahead

    result, seconds = timed_run(settings)

    assert seconds < BUDGET
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code) == ("done", None), (outcome.code, outcome.params)
    assert outcome.md5 == hashlib.md5(data).hexdigest()
    assert not result.continued and result.exit_code == 0
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert blob_names(container) == []
    assert staging_leftovers(settings.import_folder) == []


class StallNearTheDeadline(TransferReporter):
    """Azure stops answering, mid-download, ``before`` seconds from ``deadline``."""

    def __init__(self, proxy, deadline, before):
        self.proxy, self.deadline, self.before = proxy, deadline, before
        self.stalled = False

    def on_progress(self, blob_name, done_bytes, total_bytes):
        if not self.stalled and time.monotonic() >= self.deadline - self.before:
            self.stalled = True
            self.proxy.pause_after(0)


def test_a_download_that_stalls_just_before_the_deadline_ends_by_it(proxied):
    """A download that started with time for its whole timeouts (the read one 6 s here, 30 s by default): Azure
    stalls two seconds before the deadline. Each chunk's GET waits no longer than the time left when it is sent: the
    run ends at the deadline, not a read timeout past it (an Odoo cron killed past its limit)."""
    container, settings, proxy = proxied
    upload(container, "HISTOCUMSAL.csv", os.urandom(60 * 64 * 1024))
    proxy.throttle(320 * 1024)  # a chunk of 64 KiB in 0.2 s: the download would take 12 s
    tuning = dataclasses.replace(CHUNKED, azure=dataclasses.replace(
        CHUNKED.azure, connection_timeout=0.5, read_timeout=6.0))
    deadline = time.monotonic() + 8.0  # one attempt of 6.5 s fits: its timeouts are whole
    stall = StallNearTheDeadline(proxy, deadline, 2.0)

    result = run_transfer(settings, tuning=tuning, reporter=stall, deadline=deadline)

    assert stall.stalled
    assert time.monotonic() - deadline < 3.0  # seconds late (5.3 without the cap: a read timeout of 6 s)
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code) == ("continued", "file.continued"), outcome.params
    assert outcome.params["kept"] > 0
    proxy.release()
    proxy.throttle(None)
    assert blob_names(container) == ["HISTOCUMSAL.csv"]
    assert delivered_files(settings.import_folder) == {}


def delivered_not_deleted(container, settings, data):
    """ECRITURE.csv (``data``) delivered by a run that left its blob in Azure: the next run only deletes it."""
    upload(container, "ECRITURE.csv", data)
    deadline = time.monotonic() + BUDGET
    result = run_transfer(settings, tuning=TUNING, reporter=LateForTheDelete(deadline), deadline=deadline)
    assert [(o.state, o.code) for o in result.outcomes] == [("continued", "file.not_deleted")]


class NoAnswerOnceListed(TransferReporter):
    """Azure accepts the requests that follow the listing, and never answers them."""

    def __init__(self, proxy):
        self.proxy = proxy

    def on_listing(self, blobs):
        self.proxy.pause_after(0)


def test_a_run_left_no_time_whose_azure_never_answers_ends_soon_its_blobs_and_files_kept(proxied):
    """A run whose deadline is reached (a cron's last seconds) only lists; Azure accepts its connections and never
    answers. Its calls have a short grace of their own: the listing the grace stopped leaves the run continued (the
    next lists), not two minutes later, past the limit Odoo kills a cron worker at."""
    container, settings, proxy = proxied
    data = b"a;b\n1;2\n"
    delivered_not_deleted(container, settings, data)
    upload(container, "HISTOCUMSAL.csv", b"c;d\n3;4\n")
    proxy.pause_after(0)
    started = time.monotonic()

    result = run_transfer(settings, tuning=TUNING, deadline=started)

    assert time.monotonic() - started < NO_TIME_BOUND
    assert result.listing_cut and result.continued and result.outcomes == []
    proxy.release()
    assert blob_names(container) == ["ECRITURE.csv", "HISTOCUMSAL.csv"]
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}

    again = run_transfer(settings, tuning=TUNING)

    assert [(o.state, o.code) for o in again.outcomes] == [
        ("already_delivered", "file.delivered_earlier"), ("done", None)]
    assert blob_names(container) == []
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data, "HISTOCUMSAL.csv": b"c;d\n3;4\n"}
    assert staging_leftovers(settings.import_folder) == []


def test_a_run_left_no_time_whose_azure_refuses_hands_over_not_fails(tmp_path):
    """Nothing listens at Azure's port, in a run started with no time left: its grace holds no second attempt, so
    the refusal says nothing of Azure yet. The run is continued (an Odoo cron hands over), not failed with "Azure
    did not answer in time" and left to the next hour; the run with time that follows tells what Azure does."""
    port = free_port()  # nothing listens there
    folder = tmp_path / "import"
    folder.mkdir()
    settings = Settings(mode="sas_url", import_folder=str(folder), sas_url=(
        f"http://127.0.0.1:{port}/devstoreaccount1/exports?sv=2024-11-04&se=2099-01-01T00:00:00Z&sp=rdl&sig=S3cr3t"))

    result = run_transfer(settings, tuning=TUNING, deadline=time.monotonic())

    assert result.listing_cut and result.continued and result.exit_code == 0
    with pytest.raises(ConnectionFailure) as caught:
        run_transfer(settings, tuning=TUNING, deadline=time.monotonic() + CRON_RUN)
    assert caught.value.code == "azure.unreachable"
    assert delivered_files(folder) == {}


def test_a_run_left_no_time_whose_deletes_are_never_answered_ends_soon(proxied):
    """A run whose deadline is reached deletes the blob of a file delivered earlier; Azure never answers the delete.

    It ends within the grace of its calls, the blob left to the next run (Azure did delete it: the next run finds
    it gone), the file delivered once.
    """
    container, settings, proxy = proxied
    data = b"a;b\n1;2\n"
    delivered_not_deleted(container, settings, data)
    started = time.monotonic()

    result = run_transfer(settings, tuning=TUNING, reporter=NoAnswerOnceListed(proxy), deadline=started)

    assert time.monotonic() - started < NO_TIME_BOUND
    [outcome] = result.outcomes
    assert (outcome.state, outcome.code, outcome.params["reason_code"]) == (
        "continued", "file.not_deleted", "azure.out_of_time")
    assert result.continued and result.exit_code == 0
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    proxy.release()

    again = run_transfer(settings, tuning=TUNING)

    assert again.outcomes == [] and again.exit_code == 0
    assert blob_names(container) == []
    assert delivered_files(settings.import_folder) == {"ECRITURE.csv": data}
    assert staging_leftovers(settings.import_folder) == []

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Move the Cegid export blobs from Azure into the import folder, exactly once.

For each blob: download into the hidden staging folder while hashing
(``azure.download``), verify size and Content-MD5, then, a group of
downloaded files at a time, fsync, journal, give them free final names
(never overwriting), and delete the blobs on the condition that each is still
the version that was downloaded. See ``staging.folder`` for the crash-safety
rules. A blob larger than one GET is resumable: its download records how
much of it is durable, and a later run continues it.

Time-boxed runs: with ``deadline`` (a ``time.monotonic()`` value), no new
blob starts once less than ``TransferTuning.start_reserve`` seconds are left
(5 % of the budget when that is less);
downloads under way stop at the deadline (within about one chunk's time),
their part files kept for the next run; files already downloaded are still
delivered and their blobs deleted while time is left. Every Azure call is
bounded by the deadline (``azure.container.call_options``: its timeouts and
retries fit in the time left; ``DeadlineTransport``: no request, a retry
included, starts past it, nor waits on one read longer than the time left
when it was sent): a slow or failing Azure stops the run there, as
the deadline would, not an SDK error. Those
blobs end in state "continued" (``TransferResult.continued``; a delivered
file whose blob could not be deleted in time keeps its journal entry, and
the next run deletes the blob): the caller schedules another run (Odoo's cron
with ``_trigger``, the CLI's user with its next cron line); a listing the
deadline stopped raises ``azure.out_of_time``. The caller's own hard limit
should leave, after ``deadline``, a margin for a chunk at the link's rate,
twice when Azure stalls in it (each read of a request waits at most the time
left when it was sent), plus the deliveries of the last group.

A run whose deadline is already reached starts no blob: it only lists
(``result.continued`` then tells the caller what waits) and hands over,
deleting the blobs of files delivered earlier on the way. Its calls to Cegid
and Azure share ``NO_TIME_GRACE`` seconds of their own, past the deadline:
the caller's margin should hold them too. A listing they do not bring in
time (a Cegid or an Azure slow or failing: what a run with time would tell)
is not an error: ``result.listing_cut``, continued, and the next run lists.

Workers run in a thread pool; every reporter callback runs in the thread that
called ``run_transfer`` (events come back through a queue), so that Odoo may
write to its database from them. Outcomes and warnings are codes with
parameters (``errors.CODES``), rendered by each front end.
"""

import dataclasses
import datetime
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .azure.container import (
    AZURE_ERRORS,
    MAX_BATCH,
    AzureTuning,
    BlobInfo,
    Container,
    OutOfTime,
    azure_error,
    moment_param,
    sas_expiry,
)
from .cegid_api.client import CegidClient
from .checks import check_connection, static_sas_check
from .errors import CegidError
from .fetch import Fetcher, failure_of
from .outcomes import (
    ALREADY_DELIVERED,
    CONTINUED,
    DONE,
    FAILED,
    REFUSED,
    FileOutcome,
    TransferReporter,
    TransferResult,
)
from .redact import redact_params
from .settings import MODE_SAS_URL
from .staging.folder import StagingFolder, entry_key
from .staging.names import base_name, refusal

_logger = logging.getLogger(__name__)

__all__ = [
    "AzureTuning", "BlobInfo", "FileOutcome", "TransferReporter", "TransferResult", "TransferTuning",
    "check_connection", "run_transfer", "sas_expiry",
]

MIB = 1024 * 1024
# what a call stopped by its deadline raises (an Azure or a Cegid that did not answer in time)
OUT_OF_TIME_CODES = ("azure.out_of_time", "api.out_of_time")
# seconds the calls of a run left no time (token, SAS, listing, deletes of files delivered earlier) share: a few
# answers of a healthy Cegid and Azure. Unbounded, a Cegid or an Azure that stalls would hold them minutes (full
# timeouts, retries, Retry-After) when the caller has the least time left before its hard limit (Odoo's cron)
NO_TIME_GRACE = 5.0


@dataclasses.dataclass
class TransferTuning:
    """Knobs of the transfer engine; the defaults suit a cron job on a small server."""

    workers: int = 4  # blobs downloaded at once (each worker thread keeps its own malloc arena: see bench/README.md)
    delete_batch_size: int = MAX_BATCH  # delete the blobs of delivered files this many at a time...
    delete_delay: float = 0.2  # ...or after this many seconds (or when nothing else is running)
    # a resumable download fsyncs its part file and records its durable length this often: a kill loses at
    # most a few seconds of transfer, and one fsync never has more than this many bytes to write back
    checkpoint_bytes: int = 128 * MIB
    checkpoint_seconds: float = 4.0
    start_reserve: float = 5.0  # with a deadline: no blob starts with fewer seconds left (5 % of a shorter budget)
    memory_budget: int = 64 * MIB  # SDK buffers of the downloads under way, at most (see fetch.MemoryBudget)
    azure: AzureTuning = dataclasses.field(default_factory=AzureTuning)


@dataclasses.dataclass(eq=False)
class _Delivered:
    """A blob whose file is downloaded (``record``) or already delivered: to rename and/or delete."""

    blob: BlobInfo
    key: str
    local_name: str | None
    md5: str | None
    earlier: bool = False  # delivered by an earlier run
    record: dict | None = None  # journal entry of a file downloaded by this run, not yet renamed
    resumed_at: int = 0


class _Run:
    """One transfer: the worker side (threads) and the reporter side (caller's thread)."""

    def __init__(self, container, staging, tuning, clock, secrets, recovered, deadline):
        self.container = container
        self.staging = staging
        self.tuning = tuning
        self.clock = clock
        self.secrets = secrets
        self.deadline = deadline
        # no blob starts with less than this left: start_reserve, or 5 % of a short budget
        self.reserve = deadline and min(tuning.start_reserve, max(0.0, deadline - time.monotonic()) / 20)
        self.events = queue.Queue()
        self.abort = threading.Event()
        delivered, self.resumable = recovered
        self.fetcher = Fetcher(container, staging, tuning, self.resumable, deadline,
                               lambda blob, done: self.events.put(("progress", (blob.name, done, blob.size))),
                               self.reserve)
        self.recovered = {}
        for entry in delivered:
            self.recovered.setdefault(entry.get("blob_name"), []).append(entry)
        self.consumed = set()

    # -- caller's thread ------------------------------------------------------

    def execute(self, blobs, result, reporter):
        """Transfer ``blobs``; outcomes go to ``result`` and ``reporter``."""
        groups = {}
        for blob in blobs:
            refused = refusal(blob.name)
            if refused:
                code, params = refused
                self._done(result, reporter, self._outcome(blob, REFUSED, "file.name_refused",
                                                           dict(params, reason_code=code)))
            else:
                # same base name -> one worker, oldest first, so names sort by arrival
                groups.setdefault(base_name(blob.name), []).append(blob)
        with ThreadPoolExecutor(max(1, self.tuning.workers), thread_name_prefix="cegid-transfer") as pool:
            for group in groups.values():
                pool.submit(self._work, group)
            try:
                self._serve(len(groups), result, reporter)
            finally:
                self.abort.set()
        self._drop_stale({entry_key(blob.name, blob.etag) for blob in blobs})

    def _serve(self, pending, result, reporter):
        """Relay worker events until every worker ended; delete delivered blobs in batches."""
        batch, flush_at = [], None
        while pending or batch:
            try:
                if not pending:
                    raise queue.Empty
                timeout = None if flush_at is None else max(0.0, flush_at - time.monotonic())
                kind, payload = self.events.get(timeout=timeout)
            except queue.Empty:
                kind, payload = "flush", None
            if kind == "delivered":
                batch.append(payload)
                flush_at = flush_at or time.monotonic() + self.tuning.delete_delay
            elif kind == "end":
                pending -= 1
            elif kind == "start":
                reporter.on_file_start(payload)
            elif kind == "progress":
                reporter.on_progress(*payload)
            elif kind == "done":
                self._done(result, reporter, payload)
            full = len(batch) >= self.tuning.delete_batch_size
            if batch and (kind == "flush" or full or time.monotonic() >= flush_at):
                for outcome in self._finish(batch):
                    self._done(result, reporter, outcome)
                batch, flush_at = [], None

    @staticmethod
    def _done(result, reporter, outcome):
        result.outcomes.append(outcome)
        reporter.on_file_done(outcome)

    def _drop_stale(self, listed):
        """Recovered entries and resume records whose blob is gone or changed: nothing left to do."""
        for entries in self.recovered.values():
            for entry in entries:
                if entry["key"] not in self.consumed:
                    self.staging.drop_journal(entry["key"])
        for key in self.resumable:
            if key not in listed:
                self.staging.drop_part(key)

    # -- worker threads ---------------------------------------------------------

    def _outcome(self, blob, state, code=None, params=None, local_name=None, md5=None):
        return FileOutcome(
            blob_name=blob.name, local_name=local_name, size=blob.size, md5=md5, last_modified=blob.last_modified,
            state=state, code=code, params=redact_params(params or {}, self.secrets),
        )

    def _work(self, group):
        try:
            for blob in group:
                if self.abort.is_set():
                    break
                self.events.put(("start", blob))
                try:
                    outcome = self._one(blob)
                except Exception as err:  # a bug must not hang the run: report it on the blob
                    _logger.exception("unexpected error on %s", blob.name)
                    outcome = self._outcome(blob, FAILED, "file.unexpected", {"detail": unexpected_detail(err)})
                self.events.put(("delivered" if isinstance(outcome, _Delivered) else "done", outcome))
        finally:
            self.events.put(("end", None))

    def _one(self, blob):
        """Fetch and deliver one blob: a FileOutcome (not delivered), or a _Delivered to delete."""
        entry = self._journal_match(blob)
        if entry is not None:  # a crash struck between delivery and delete: only delete now
            return _Delivered(blob, entry["key"], entry.get("local_name"), entry.get("md5"), earlier=True)
        return self._transfer(blob, entry_key(blob.name, blob.etag))

    def _journal_match(self, blob):
        for entry in self.recovered.get(blob.name, ()):
            same_md5 = blob.content_md5 and entry.get("md5") == blob.content_md5
            if entry.get("etag") == blob.etag or same_md5:
                self.consumed.add(entry["key"])
                return entry
        return None

    def _transfer(self, blob, key):
        """Fetch ``blob`` into ``<key>.part``: a FileOutcome when it is not there whole (not started with too little
        time left, say), else a _Delivered."""
        fetched = self.fetcher.fetch(blob, key)
        if fetched.code is not None:
            return self._outcome(blob, fetched.state, fetched.code, fetched.params)
        record = {"blob_name": blob.name, "etag": blob.etag, "md5": fetched.md5, "size": blob.size}
        return _Delivered(blob, key, None, fetched.md5, record=record, resumed_at=fetched.resumed_at)

    # -- caller's thread: deliveries and deletes --------------------------------------

    def _finish(self, batch):
        """Deliver the downloaded files of ``batch`` as one group, then delete their blobs; the outcomes."""
        fresh = [item for item in batch if item.record is not None]
        group, failed, undone = self._deliver_group(fresh) if fresh else (None, {}, [])
        deletable = [item for item in batch if item not in failed]
        outcomes = [self._outcome(item.blob, FAILED, code, params, item.local_name)
                    for item, (code, params) in failed.items()]
        entries_written = True
        for start in range(0, len(deletable), MAX_BATCH):
            chunk = deletable[start:start + MAX_BATCH]
            for item, (state, code, params) in zip(chunk, self._delete_chunk(chunk), strict=True):
                outcome, written = self._finished(item, state, code, params)
                outcomes.append(outcome)
                entries_written = entries_written and written
        if not entries_written:
            # the group journal still names what a file's own entry could not: the next run recovers from it
            return outcomes
        if group:  # the files it could not name lose their .part only now: it named them
            self.staging.end_group(group, [item.key for item in undone])
        return outcomes

    def _deliver_group(self, fresh):
        """Give ``fresh`` items their final names: (group journal, {item: (code, params)} failed, not renamed)."""
        try:
            group, results = self.staging.deliver_group(
                [(item.key, base_name(item.blob.name), item.record) for item in fresh], self.clock())
        except OSError as err:
            return self._group_failed(fresh, err)
        failed, undone = {}, []
        for item, (local_name, err) in zip(fresh, results, strict=True):
            item.local_name = local_name
            if err is not None:
                failed[item] = failure_of(err)[:2]
                undone.append(item)
            else:
                self.staging.drop_part(item.key)  # its resume record (and the .part name, if its unlink failed)
        return group, failed, undone

    def _group_failed(self, fresh, err):
        """The group journal could not be written, or the import folder not fsynced after the renames.

        Nothing is deleted; any group journal stays for the next run, which
        deletes the renamed files' blobs only and downloads the others again.
        """
        code, params, _keep = failure_of(err)
        failed = {}
        for item, name in zip(fresh, getattr(err, "names", None) or [None] * len(fresh), strict=True):
            renamed = self.staging.part_links(item.key) != 1
            item.local_name = name if renamed else None
            failed[item] = ("file.not_deleted", dict(params, reason_code=code)) if renamed else (code, params)
        return None, failed, []

    def _finished(self, item, state, code, params):
        """(the outcome of a delivered item once its delete was tried, whether its own journal entry was written).

        An entry the disk refuses (full, say) leaves the group journal to the next run: not written, it is no
        reason to fail the item, whose file is delivered.
        """
        # its blob is still there: the next run deletes it; or a new version replaced it meanwhile, which the next
        # run tells by the entry's MD5 (the very bytes delivered are not delivered twice)
        kept = state in (FAILED, CONTINUED) or code == "file.newer_version_kept"
        written = True
        if kept and item.record is not None:  # its group journal goes: give it its own entry
            try:
                self.staging.write_journal(item.key, dict(item.record, local_name=item.local_name))
            except OSError as err:
                _logger.warning("%s delivered, its journal entry not written (%s): its group journal is kept",
                                item.local_name, err.strerror or err)
                written = False
        if not kept:
            self.staging.drop_journal(item.key)
        if item.earlier and state == DONE:
            state = ALREADY_DELIVERED
            code, params = code or "file.delivered_earlier", params or {"local_name": item.local_name}
        elif state == DONE and code is None and item.resumed_at:
            code, params = "file.resumed", {"offset": item.resumed_at}
        return self._outcome(item.blob, state, code, params, item.local_name, item.md5), written

    def _delete_chunk(self, chunk):
        """(state, code, params) per blob of one batch, each deleted only if still the delivered version."""
        try:
            statuses = self.container.delete_versions([(item.blob.name, item.blob.etag) for item in chunk])
        except OutOfTime as err:
            error = err.reason(self.container.host)
            return [(CONTINUED, "file.not_deleted", dict(error.params, reason_code=error.code))] * len(chunk)
        except Exception as err:
            if isinstance(err, (CegidError, *AZURE_ERRORS)):
                error = azure_error(err)
                reason = dict(error.params, reason_code=error.code)
            else:
                _logger.exception("unexpected error while deleting blobs")
                reason = {"reason_code": "file.unexpected", "detail": unexpected_detail(err)}
            return [(FAILED, "file.not_deleted", reason)] * len(chunk)
        return [_delete_result(status, azure_code) for status, azure_code in statuses]


def _delete_result(status, azure_code):
    """(state, code, params) of one conditional delete answered ``status`` with Azure's error code ``azure_code``."""
    if status in (200, 202):
        return DONE, None, {}
    if status == 412 and azure_code == "ConditionNotMet":  # only this 412 says the ETag changed
        return DONE, "file.newer_version_kept", {}
    # any other 412 (LeaseIdMissing...: someone holds a lease) left this version there: the next run deletes it
    if status == 404:
        return DONE, "file.already_removed", {}
    reason = "azure.denied" if status in (401, 403) else "azure.refused"
    return FAILED, "file.not_deleted", {"reason_code": reason, "status": status, "azure_error": azure_code}


def unexpected_detail(err):
    """An unexpected error as its readers read it (``KeyError: 'x'``, as a crashed run says), not its repr."""
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


class _Clock:
    """UTC now, or a fixed moment for reproducible runs."""

    def __init__(self, now=None):
        self.fixed = now

    def __call__(self):
        return self.fixed or datetime.datetime.now(datetime.timezone.utc)


def _calls_deadline(deadline):
    """The deadline the Cegid and Azure calls of a run ending at ``deadline`` end by (None: no limit).

    The run's own; once it is reached, ``NO_TIME_GRACE`` seconds from now:
    the run only lists, and its calls would not even be made by a deadline
    already past.
    """
    now = time.monotonic()
    return deadline if deadline is None or deadline > now else now + NO_TIME_GRACE


def _open_container(settings, client, tuning, now, warn, deadline):
    """The container of this run (raises CegidError before any transfer)."""
    if settings.mode == MODE_SAS_URL:
        expiry = static_sas_check(settings.sas_url, now)
        if expiry:
            warn("sas.expires_soon", {"expiry": moment_param(expiry)})
        return Container(settings.sas_url, tuning.azure, deadline=deadline)
    client = client or CegidClient(settings, deadline=deadline)
    return Container(client.get_container_url(), tuning.azure, renew_url=client.get_container_url, deadline=deadline)


def run_transfer(settings, *, client=None, reporter=None, workers=None, now=None, tuning=None, deadline=None):
    """Move every blob of the export container into ``settings.import_folder``.

    ``client``: a CegidClient for api mode (built from ``settings`` if None);
    ``reporter``: a TransferReporter; ``workers``: parallel downloads; ``now``:
    a fixed aware datetime (tests); ``tuning``: a TransferTuning;
    ``deadline``: a ``time.monotonic()`` value to stop at, or None (see the
    module docstring: then ``result.continued`` says whether to run again).
    Raise a CegidError when the run fails before any blob is transferred
    (ConfigError for settings, exit_code 3 for authentication or connection).
    """
    settings.validate_transfer()
    reporter = reporter or TransferReporter()
    tuning = dataclasses.replace(tuning or TransferTuning(), **({"workers": workers} if workers else {}))
    clock = _Clock(now)
    result = TransferResult(started_at=clock())
    secrets = settings.secrets()

    def warn(code, params):
        params = redact_params(params, secrets)
        result.warnings.append((code, params))
        reporter.on_warning(code, params)

    staging = StagingFolder(settings.import_folder)
    if not staging.acquire():
        result.lock_held = True
        warn("transfer.lock_held", {"folder": staging.import_folder})
        result.ended_at = clock()
        return result
    try:
        recovered = staging.recover()
        calls_deadline = _calls_deadline(deadline)
        no_time = calls_deadline != deadline  # the run only lists, within the grace
        try:
            container = _open_container(settings, client, tuning, clock(), warn, calls_deadline)
            blobs = container.list_blobs()
        except CegidError as err:
            # with no time left, a call stopped by the grace (or failing within it) says nothing of Cegid or Azure:
            # the next run, with time of its own, lists and tells
            if not (no_time and err.code in OUT_OF_TIME_CODES):
                raise
            result.listing_cut = True
        else:
            reporter.on_listing(blobs)
            _Run(container, staging, tuning, clock, secrets, recovered, deadline).execute(blobs, result, reporter)
    finally:
        staging.release()
    result.ended_at = clock()
    return result

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Move the Cegid export blobs from Azure into the import folder, exactly once.

For each blob: download into the hidden staging folder while hashing, verify
size and Content-MD5, then, a group of downloaded files at a time, fsync,
journal, rename atomically to a free final name (never overwriting), and
delete the blobs on the condition that each is still the version that was
downloaded. See ``staging`` for the crash-safety rules.

Workers run in a thread pool; every reporter callback runs in the thread that
called ``run_transfer`` (events come back through a queue), so that Odoo may
write to its database from them.
"""

import dataclasses
import datetime
import errno
import logging
import os
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .blobstore import (
    MAX_BATCH,
    AzureFailure,
    ContainerSource,
    TransferTuning,
    blob_url,
    delete_batch,
    list_blobs,
    listing_error,
    sas_expiry,
    sas_permissions,
)
from .errors import EXIT_OK, EXIT_PARTIAL, AuthenticationError, CegidError, ConfigError
from .naming import base_name, refusal_reason
from .rangeget import RangedDownload, fetch_whole
from .redact import redact
from .settings import MODE_SAS_URL, MODES
from .staging import StagingArea, discard, entry_key

_logger = logging.getLogger(__name__)

__all__ = [
    "BlobInfo", "CheckStep", "FileOutcome", "TransferReporter", "TransferResult", "TransferTuning",
    "check_connection", "run_transfer", "sas_expiry",
]

DONE, ALREADY_DELIVERED, FAILED, REFUSED = "done", "already_delivered", "failed", "refused"
EXPIRY_WARNING = datetime.timedelta(hours=2)
_DISK_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_PROGRESS_STEPS = 50  # at most this many progress events per blob


@dataclasses.dataclass
class BlobInfo:
    """A blob as listed: name, size (bytes), last_modified (aware), etag, content_md5 (hex or None)."""

    name: str
    size: int
    last_modified: datetime.datetime | None
    etag: str
    content_md5: str | None = None


@dataclasses.dataclass
class FileOutcome:
    """What happened to one blob; ``local_name`` is relative to the import folder."""

    blob_name: str
    local_name: str | None
    size: int
    md5: str | None
    last_modified: datetime.datetime | None
    state: str
    message: str = ""


@dataclasses.dataclass
class TransferResult:
    """The summary of one run."""

    started_at: datetime.datetime
    ended_at: datetime.datetime | None = None
    outcomes: list = dataclasses.field(default_factory=list)
    lock_held: bool = False
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def files_done(self):
        """Blobs delivered by this run."""
        return sum(1 for outcome in self.outcomes if outcome.state == DONE)

    @property
    def bytes_done(self):
        return sum(outcome.size for outcome in self.outcomes if outcome.state == DONE)

    @property
    def failures(self):
        """Number of blobs left in Azure because of an error or a refused name."""
        return sum(1 for outcome in self.outcomes if outcome.state in (FAILED, REFUSED))

    @property
    def exit_code(self):
        return EXIT_PARTIAL if self.failures else EXIT_OK

    def to_dict(self):
        """A JSON-friendly summary."""
        duration = (self.ended_at - self.started_at).total_seconds() if self.ended_at else None
        return {
            "started_at": self.started_at.isoformat(), "ended_at": self.ended_at and self.ended_at.isoformat(),
            "duration_seconds": duration, "lock_held": self.lock_held, "files_done": self.files_done,
            "bytes_done": self.bytes_done, "failures": self.failures, "exit_code": self.exit_code,
            "warnings": list(self.warnings),
            "files": [dict(dataclasses.asdict(outcome), last_modified=outcome.last_modified
                           and outcome.last_modified.isoformat()) for outcome in self.outcomes],
        }


@dataclasses.dataclass
class CheckStep:
    """One step of ``check_connection``."""

    name: str
    ok: bool
    message: str


class TransferReporter:
    """Receives the events of a run; every method is optional (no-op here).

    All callbacks run in the thread that called ``run_transfer``.
    """

    def on_listing(self, blobs):
        """The container was listed: ``blobs`` is a list of BlobInfo."""

    def on_file_start(self, blob):
        """A blob (BlobInfo) is about to be downloaded, or deleted if already delivered."""

    def on_progress(self, blob_name, done_bytes, total_bytes):
        """Download progress of one blob."""

    def on_file_done(self, outcome):
        """A blob is finished with (FileOutcome)."""

    def on_warning(self, message):
        """Something the user should know, not a failure."""


class _Clock:
    """UTC now, or a fixed moment for reproducible runs."""

    def __init__(self, now=None):
        self.fixed = now

    def __call__(self):
        return self.fixed or datetime.datetime.now(datetime.timezone.utc)


def _list_blobs(source):
    try:
        found = source.call(list_blobs)
    except AzureFailure as err:
        raise listing_error(err) from None
    blobs = [BlobInfo(name=name, size=size, last_modified=modified, etag=etag, content_md5=md5)
             for name, size, modified, etag, md5 in found]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return sorted(blobs, key=lambda blob: (blob.last_modified or epoch, blob.name))


def _static_sas_check(url, now):
    """Refuse an expired static SAS URL; return a warning when it expires soon."""
    expiry = sas_expiry(url)
    if expiry is None:
        return None
    when = expiry.strftime("%Y-%m-%d %H:%M:%S UTC")
    if expiry <= now:
        raise AuthenticationError(
            f"the SAS URL expired on {when}: generate a new one in the Cegid portal (or use mode = \"api\")"
        )
    if expiry - now <= EXPIRY_WARNING:
        return f"the SAS URL expires soon, on {when}"
    return None


def _open_source(settings, client, tuning, now, warn):
    """The container of this run (raises CegidError before any transfer)."""
    if settings.mode == MODE_SAS_URL:
        warning = _static_sas_check(settings.sas_url, now)
        if warning:
            warn(warning)
        return ContainerSource(settings.sas_url, tuning)
    if client is None:
        from .cegid_api.client import CegidClient

        client = CegidClient(settings)
    return ContainerSource(client.get_container_url(), tuning, renew_url=client.get_container_url)


class _BlobFailure(Exception):
    """A blob cannot be transferred now; ``transient`` says whether to try again."""

    def __init__(self, message, transient=False):
        super().__init__(message)
        self.transient = transient


def _classify_azure(err):
    if err.status == 412:
        return _BlobFailure("re-exported in Azure during its download: left there for the next run")
    if err.status == 404:
        return _BlobFailure("no longer in Azure")
    if err.denied:
        return _BlobFailure(f"Azure refused access ({err}): check the SAS permissions")
    return _BlobFailure(f"download failed ({err})", transient=err.transient)


def _classify_local(err):
    if isinstance(err, ConnectionError):
        return _BlobFailure(f"connection lost ({err})", transient=True)
    if err.errno in _DISK_ERRORS:
        return _BlobFailure(f"disk full or file too large in the import folder ({os.strerror(err.errno)})")
    return _BlobFailure(f"cannot write in the import folder ({err.strerror or err})")


def _classify(err):
    """Turn an exception met while fetching a blob into a _BlobFailure (None: a bug)."""
    if isinstance(err, _BlobFailure):
        return err
    if isinstance(err, AzureFailure):
        return _classify_azure(err)
    if isinstance(err, OSError):
        return _classify_local(err)
    if isinstance(err, CegidError):
        return _BlobFailure(f"cannot renew the SAS ({err})")
    return None


class _Run:
    """One transfer: the worker side (threads) and the reporter side (caller's thread)."""

    def __init__(self, source, staging, tuning, clock, secrets, recovered):
        self.source = source
        self.staging = staging
        self.tuning = tuning
        self.clock = clock
        self.secrets = secrets
        self.events = queue.Queue()
        self.abort = threading.Event()
        self.recovered = {}
        for entry in recovered:
            self.recovered.setdefault(entry.get("blob_name"), []).append(entry)
        self.consumed = set()

    # -- caller's thread ------------------------------------------------------

    def execute(self, blobs, result, reporter):
        """Transfer ``blobs``; outcomes go to ``result`` and ``reporter``."""
        groups = {}
        for blob in blobs:
            reason = refusal_reason(blob.name)
            if reason:
                self._done(result, reporter, self._outcome(blob, REFUSED, f"name refused: {reason}; left in Azure"))
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
        self._drop_stale_entries()

    def _serve(self, pending, result, reporter):
        """Relay worker events until every worker ended; delete delivered blobs in batches."""
        batch, deadline = [], None
        while pending or batch:
            try:
                if not pending:
                    raise queue.Empty
                timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
                kind, payload = self.events.get(timeout=timeout)
            except queue.Empty:
                kind, payload = "flush", None
            if kind == "delivered":
                batch.append(payload)
                deadline = deadline or time.monotonic() + self.tuning.delete_delay
            elif kind == "end":
                pending -= 1
            else:
                self._dispatch(kind, payload, result, reporter)
            full = len(batch) >= self.tuning.delete_batch_size
            if batch and (kind == "flush" or full or time.monotonic() >= deadline):
                for outcome in self._finish(batch):
                    self._done(result, reporter, outcome)
                batch, deadline = [], None

    def _dispatch(self, kind, payload, result, reporter):
        if kind == "start":
            reporter.on_file_start(payload)
        elif kind == "progress":
            reporter.on_progress(*payload)
        elif kind == "done":
            self._done(result, reporter, payload)

    @staticmethod
    def _done(result, reporter, outcome):
        result.outcomes.append(outcome)
        reporter.on_file_done(outcome)

    def _drop_stale_entries(self):
        """Recovered journal entries whose blob is gone or changed: nothing left to do."""
        for entries in self.recovered.values():
            for entry in entries:
                if entry["key"] not in self.consumed:
                    self.staging.drop_journal(entry["key"])

    # -- worker threads ---------------------------------------------------------

    def _outcome(self, blob, state, message="", local_name=None, md5=None):
        return FileOutcome(
            blob_name=blob.name, local_name=local_name, size=blob.size, md5=md5,
            last_modified=blob.last_modified, state=state, message=redact(message, self.secrets),
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
                    outcome = self._outcome(blob, FAILED, f"unexpected error: {err!r}")
                self.events.put(("delivered" if isinstance(outcome, _Delivered) else "done", outcome))
        finally:
            self.events.put(("end", None))

    def _one(self, blob):
        """Fetch and deliver one blob: a FileOutcome (failure), or a _Delivered to delete."""
        entry = self._journal_match(blob)
        if entry is not None:  # a crash struck between delivery and delete: only delete now
            return _Delivered(blob, entry["key"], entry.get("local_name"), entry.get("md5"), earlier=True)
        return self._transfer(blob)

    def _journal_match(self, blob):
        for entry in self.recovered.get(blob.name, ()):
            same_md5 = blob.content_md5 and entry.get("md5") == blob.content_md5
            if entry.get("etag") == blob.etag or same_md5:
                self.consumed.add(entry["key"])
                return entry
        return None

    def _transfer(self, blob):
        key = entry_key(blob.name, blob.etag)
        try:
            md5 = self._fetch_with_retries(blob, key)
        except _BlobFailure as failure:
            return self._outcome(blob, FAILED, str(failure))
        record = {"blob_name": blob.name, "etag": blob.etag, "md5": md5, "size": blob.size}
        return _Delivered(blob, key, None, md5, record=record)  # renamed by the caller's thread, in a group

    def _fetch_with_retries(self, blob, key):
        attempt = 1
        while True:
            try:
                return self.source.call(lambda container: self._fetch(container, blob, key))
            except Exception as err:
                failure = _classify(err)
                if failure is None:
                    raise
                if not failure.transient or attempt >= self.tuning.attempts or self.abort.is_set():
                    raise failure from None
                _logger.info("retrying %s after: %s", blob.name, failure)
            self.abort.wait(self.tuning.backoff * 2 ** (attempt - 1))
            attempt += 1

    def _fetch(self, container, blob, key):
        """Download one blob into its .part file and verify it; return its MD5 (the group delivery fsyncs it)."""
        part = self.staging.open_part(key)
        try:
            size, md5 = self._download(container, blob, part)
            self._verify(blob, size, md5)
            part.finish(size, blob.last_modified.timestamp() if blob.last_modified else None)
        except BaseException:
            part.close()
            discard(part.path)
            raise
        part.close()
        return md5

    def _download(self, container, blob, part):
        """(bytes received, MD5): one streamed GET, or parallel streamed ranges for a large blob (see rangeget)."""
        url, tuning, progress = blob_url(container, blob.name), self.tuning, self._progress_hook(blob)
        if blob.size <= tuning.single_get_size:
            return fetch_whole(container.cegid_session, url, blob.etag, part, api_version=container.api_version,
                               block_size=tuning.block_size, timeout=container.timeout(), on_progress=progress)
        return RangedDownload(
            container.cegid_session, url, blob.etag, blob.size, api_version=container.api_version,
            segment_size=tuning.segment_size, concurrency=tuning.chunk_concurrency,
            slow_connection=tuning.slow_connection, block_size=tuning.block_size,
            writers=tuning.write_concurrency, timeout=container.timeout(), on_progress=progress,
        ).run(part)

    @staticmethod
    def _verify(blob, size, md5):
        """The download holds ``size`` bytes with this ``md5``; the listed version (If-Match) has ``blob.size``."""
        if size != blob.size:
            raise _BlobFailure(f"incomplete download ({size} of {blob.size} bytes)", transient=True)
        if blob.content_md5 and md5 != blob.content_md5:
            raise _BlobFailure("content does not match its Content-MD5", transient=True)

    def _progress_hook(self, blob):
        step = max(1, blob.size // _PROGRESS_STEPS)
        last = [-step]

        def hook(done, total):
            if done - last[0] >= step or done == total:
                last[0] = done
                self.events.put(("progress", (blob.name, done, total or blob.size)))

        return hook

    # -- caller's thread: deletes ------------------------------------------------

    def _finish(self, batch):
        """Deliver the downloaded files of ``batch`` as one group, then delete their blobs; the outcomes."""
        fresh = [item for item in batch if item.record is not None]
        group, failed, undone = self._deliver_group(fresh) if fresh else (None, [], [])
        deletable = [item for item in batch if item not in failed]
        outcomes = [self._outcome(item.blob, FAILED, message) for item, message in failed]
        for start in range(0, len(deletable), MAX_BATCH):
            chunk = deletable[start:start + MAX_BATCH]
            for item, (state, message) in zip(chunk, self._delete_chunk(chunk), strict=True):
                outcomes.append(self._finished(item, state, message))
        if group:
            discard(group)
        for item in undone:  # only now: the group journal named their .part files
            discard(self.staging.part_path(item.key))
        return outcomes

    def _deliver_group(self, fresh):
        """Rename ``fresh`` items to their final names: (group journal, failed, not renamed).

        ``failed``: [(item, message)] reported as is (not deleted); ``not renamed``:
        items whose .part file goes once the group journal is gone.
        """
        try:
            group, results = self.staging.deliver_group(
                [(item.key, base_name(item.blob.name), item.record) for item in fresh], self.clock())
        except OSError as err:
            return self._group_failed(fresh, err)
        failed, undone = [], []
        for item, (local_name, err) in zip(fresh, results, strict=True):
            item.local_name = local_name
            if err is not None:
                failed.append((item, str(_classify(err))))
                undone.append(item)
        return group, failed, undone

    def _group_failed(self, fresh, err):
        """The group journal could not be written, or the import folder not fsynced after the renames.

        Nothing is deleted; any group journal stays for the next run, which
        deletes the renamed files' blobs only and downloads the others again.
        """
        text = str(_classify(err))
        failed = []
        for item in fresh:
            renamed = not os.path.exists(self.staging.part_path(item.key))
            message = _not_deleted(text)[1] if renamed else text
            failed.append((item, message))
        return None, failed, []

    def _finished(self, item, state, message):
        if state == FAILED and item.record is not None:  # its group journal goes: give it its own entry
            self.staging.write_journal(item.key, dict(item.record, local_name=item.local_name))
        if state != FAILED:
            self.staging.drop_journal(item.key)
        if item.earlier and state != FAILED:
            state = ALREADY_DELIVERED
            message = message or f"delivered by an earlier run (as {item.local_name}); now deleted from Azure"
        return self._outcome(item.blob, state, message, item.local_name, item.md5)

    def _delete_chunk(self, chunk):
        """(state, message) per blob of one batch, each deleted only if still the delivered version."""
        attempt = 1
        while True:
            try:
                statuses = self.source.call(lambda container: delete_batch(
                    container, [(item.blob.name, item.blob.etag) for item in chunk]))
                return [_delete_result(status, code) for status, code in statuses]
            except (AzureFailure, CegidError) as err:
                failure = _classify(err)
                if not failure.transient or attempt >= self.tuning.attempts or self.abort.is_set():
                    return [_not_deleted(str(err))] * len(chunk)
                _logger.info("retrying a batch of deletes after: %s", failure)
            self.abort.wait(self.tuning.backoff * 2 ** (attempt - 1))
            attempt += 1


@dataclasses.dataclass(eq=False)
class _Delivered:
    """A blob whose file is downloaded (``record``) or already delivered: to rename and/or delete."""

    blob: BlobInfo
    key: str
    local_name: str | None
    md5: str | None
    earlier: bool = False  # delivered by an earlier run
    record: dict | None = None  # journal entry of a file downloaded by this run, not yet renamed


def _not_deleted(text):
    return FAILED, (f"delivered, but not deleted from Azure ({text}): "
                    "the next run deletes it without delivering it again")


def _delete_result(status, code):
    """(state, message) of one conditional delete answered ``status``."""
    if status in (200, 202):
        return DONE, ""
    if status == 412:
        return DONE, "a newer version arrived in Azure meanwhile: kept there for the next run"
    if status == 404:
        return DONE, "already removed from Azure"
    return _not_deleted(f"HTTP {status}" + (f" {code}" if code else ""))


def run_transfer(settings, *, client=None, reporter=None, workers=None, now=None, tuning=None):
    """Move every blob of the export container into ``settings.import_folder``.

    ``client``: a CegidClient for api mode (built from ``settings`` if None);
    ``reporter``: a TransferReporter; ``workers``: parallel downloads; ``now``:
    a fixed aware datetime (tests); ``tuning``: a TransferTuning.
    Raise a CegidError when the run fails before any blob is transferred
    (ConfigError for settings, exit_code 3 for authentication or connection).
    """
    settings.validate_transfer()
    reporter = reporter or TransferReporter()
    tuning = dataclasses.replace(tuning or TransferTuning(), **({"workers": workers} if workers else {}))
    clock = _Clock(now)
    result = TransferResult(started_at=clock())
    secrets = settings.secrets()

    def warn(message):
        message = redact(message, secrets)
        result.warnings.append(message)
        reporter.on_warning(message)

    staging = StagingArea(settings.import_folder)
    if not staging.acquire():
        result.lock_held = True
        warn(f"another transfer is running on {staging.import_folder}: nothing done")
        result.ended_at = clock()
        return result
    try:
        recovered = staging.recover()
        source = _open_source(settings, client, tuning, clock(), warn)
        blobs = _list_blobs(source)
        reporter.on_listing(blobs)
        _Run(source, staging, tuning, clock, secrets, recovered).execute(blobs, result, reporter)
    finally:
        staging.release()
    result.ended_at = clock()
    return result


def _check_step(steps, name, action):
    """Run ``action()`` -> message; record the step; return whether it succeeded."""
    try:
        steps.append(CheckStep(name, True, action()))
    except CegidError as err:
        steps.append(CheckStep(name, False, str(err)))
    return steps[-1].ok


def check_connection(settings, *, client=None, now=None):
    """Check the way to the export container, step by step, changing nothing.

    api mode: "token", "SAS", "listing"; sas_url mode: "SAS", "listing". Stops
    at the first failed step. Raise ConfigError when a setting is wrong.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if settings.mode not in MODES:
        raise ConfigError("mode", f"must be one of {', '.join(MODES)}")
    secrets = settings.secrets()
    steps = []
    state = {}
    if settings.mode == MODE_SAS_URL:
        settings.require("sas_url")
        state["url"] = settings.sas_url
        ok = _check_step(steps, "SAS", lambda: _describe_sas(state["url"], now, static=True))
    else:
        settings.validate_api()
        if client is None:
            from .cegid_api.client import CegidClient

            client = CegidClient(settings)
        ok = _check_step(steps, "token", lambda: client.get_token() and "token obtained")
        ok = ok and _check_step(steps, "SAS", lambda: _describe_sas(
            state.setdefault("url", client.get_container_url()), now, static=False))
    if ok:
        tuning = TransferTuning(attempts=2, backoff=0.5)
        _check_step(steps, "listing", lambda: _describe_listing(_list_blobs(ContainerSource(state["url"], tuning))))
    for step in steps:
        step.message = redact(step.message, secrets)
    return steps


def _describe_sas(url, now, static):
    if static:
        _static_sas_check(url, now)
    expiry = sas_expiry(url)
    text = "SAS URL obtained" if not static else "SAS URL set"
    if expiry:
        text += ", valid until " + expiry.strftime("%Y-%m-%d %H:%M:%S UTC")
    permissions = sas_permissions(url)
    if permissions is not None and not {"r", "l", "d"} <= set(permissions):
        raise AuthenticationError(f"{text}, but its permissions are '{permissions}': read, list and delete are needed")
    return text


def _describe_listing(blobs):
    total = sum(blob.size for blob in blobs)
    return f"{len(blobs)} blob(s) waiting, {total} bytes"

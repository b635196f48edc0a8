# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a transfer run tells its caller: one FileOutcome per blob, the TransferResult, the reporter's events.

Outcomes and warnings are codes with parameters (``errors.CODES``), rendered
by each front end; the states are the ones below.
"""

import dataclasses
import datetime

from .errors import EXIT_OK, EXIT_PARTIAL

DONE, ALREADY_DELIVERED, FAILED, REFUSED, CONTINUED = "done", "already_delivered", "failed", "refused", "continued"


@dataclasses.dataclass
class FileOutcome:
    """What happened to one blob; ``local_name`` is relative to the import folder.

    ``state``: done, already_delivered, failed, refused or continued; ``code``
    and ``params``: what to tell about it (None: nothing more than the state).
    """

    blob_name: str
    local_name: str | None
    size: int
    md5: str | None
    last_modified: datetime.datetime | None
    state: str
    code: str | None = None
    params: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class TransferResult:
    """The summary of one run; ``warnings``: [(code, params)]."""

    started_at: datetime.datetime
    ended_at: datetime.datetime | None = None
    outcomes: list = dataclasses.field(default_factory=list)
    lock_held: bool = False
    warnings: list = dataclasses.field(default_factory=list)
    # a run started with no time left whose listing did not come within its grace: the next run lists
    listing_cut: bool = False

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
    def continued(self):
        """The deadline cut the run: some blobs (or the listing) wait for the next one (not failures)."""
        return self.listing_cut or any(outcome.state == CONTINUED for outcome in self.outcomes)

    @property
    def exit_code(self):
        return EXIT_PARTIAL if self.failures else EXIT_OK

    def to_dict(self):
        """A JSON-friendly summary."""
        duration = (self.ended_at - self.started_at).total_seconds() if self.ended_at else None
        return {
            "started_at": self.started_at.isoformat(), "ended_at": self.ended_at and self.ended_at.isoformat(),
            "duration_seconds": duration, "lock_held": self.lock_held, "files_done": self.files_done,
            "bytes_done": self.bytes_done, "failures": self.failures, "continued": self.continued,
            "exit_code": self.exit_code,
            "warnings": [{"code": code, "params": params} for code, params in self.warnings],
            "files": [dict(dataclasses.asdict(outcome), last_modified=outcome.last_modified
                           and outcome.last_modified.isoformat()) for outcome in self.outcomes],
        }


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

    def on_warning(self, code, params):
        """Something the user should know, not a failure."""

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transfer engine's reporter on the Odoo side: a run recorded, and committed, as it goes."""

import logging

from ..cegid_data_access.transfer import TransferReporter
from .cegid_backend import auto_commit_allowed, naive_utc
from .cegid_import import export_of

_logger = logging.getLogger(__name__)


class OdooTransferReporter(TransferReporter):
    """Records a run as it goes: its ``is.cegid.transfer`` once there are files, one line per file.

    Each line commits, so that a file on disk and gone from Azure stays
    recorded even if the worker dies later; the cron's progress is reported.
    """

    def __init__(self, env, trigger):
        super().__init__()
        self.env = env
        self.trigger = trigger
        self.transfer = env["is.cegid.transfer"].browse()
        self.total = 0
        self.done = 0
        self.auto_commit = auto_commit_allowed()
        self.export_ids = {}  # the catalogue's entries by name: a line's export, without a query per file

    def on_listing(self, blobs):
        self.total = len(blobs)
        if blobs:
            self.transfer = self.env["is.cegid.transfer"]._create_run(self.trigger)
            entries = self.env["is.cegid.export"].sudo().search_read([], ["name"])
            self.export_ids = {entry["name"]: entry["id"] for entry in entries}
        self._progress()

    def on_file_done(self, outcome):
        self.env["is.cegid.transfer.file"].sudo().create({
            "transfer_id": self.transfer.id,
            "export_id": self.export_ids.get(export_of(outcome.local_name or outcome.blob_name), False),
            "blob_name": outcome.blob_name,
            "local_name": outcome.local_name or False,
            "size": outcome.size or 0,
            "md5": outcome.md5 or False,
            "last_modified": naive_utc(outcome.last_modified),
            "state": outcome.state,
            "message_code": outcome.code or False,
            "message_params": outcome.params or False,
        })
        self.done += 1
        self._progress()

    def on_warning(self, code, params):
        _logger.warning("Cegid download: %s %s", code, params)

    def _progress(self):
        """Tell the cron how far the run is (no-op outside a cron job), then commit."""
        self.env["ir.cron"]._notify_progress(done=self.done, remaining=max(self.total - self.done, 0))
        if self.auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import's runs: which waiting files a run imports, in what order, within the cron's time.

A run (the import cron, or the download cron right after a transfer) first
takes the table updates the managers asked for, then imports the waiting
files oldest first, one transaction each (``cegid_import``), and hands over to
a new run when its time under Odoo's cron limit is up. A run whose worker was
killed leaves its records *Importing*: the next one says how they ended. Only
one import runs at a time on a database, and none on a folder another
database claimed.
"""

import collections
import datetime
import logging
import os
import time

from odoo import api, fields, models

from ..cegid_import.folders import waiting_files
from .cegid_backend import IMPORT_CRON, PARAM_IMPORT_REQUEST, exclusive_run, notification
from .cegid_import import file_facts
from .cegid_import_held import update_deferral
from .cron_time import MIN_RUN_SECONDS, least_fresh_run, run_time_limit
from .folder_claim import claim_path

_logger = logging.getLogger(__name__)

# what import_folder did: its history records, whether files wait for the next run (its time was up), and
# whether it did nothing because another import held the lock, and whether other sessions held a load's swap back
ImportOutcome = collections.namedtuple("ImportOutcome", "records continued skipped held", defaults=(False, False))
# how long a run skipped by another import waits before it asks again (not at once: the other may take minutes)
IMPORT_AGAIN_AFTER = datetime.timedelta(minutes=1)
# an update of a table may take this many times its export's last import: its file read whole, then loaded
UPDATE_FACTOR = 2
# seconds a run that finds an update put off may lack of what a run of a new turn has, and still start it
FRESH_RUN_SLACK = 5
# how the imports the scheduled runs leave to a manager ended (cut_by_time_limit: the earlier versions' first cut)
CUT_LEFT = ("import.cut_twice", "import.part_cut_by_time_limit", "import.cut_by_time_limit")


class CegidImportRun(models.Model):
    """The runs of the import (see the module's docstring)."""

    _inherit = "is.cegid.import"

    @api.model
    def _cron_import(self):
        """The import cron (started by the buttons, and hourly for files other tools drop in the folder).

        First the table updates the managers asked for, then every file waiting,
        within Odoo's cron time limit; what is left goes on in the next run.
        """
        backend = self.env["is.cegid.backend"]
        if backend._cegid_left_to_worker(self.env.ref(IMPORT_CRON)):
            return
        deadline = backend._cegid_run_deadline(self.env.ref(IMPORT_CRON))
        params = self.env["ir.config_parameter"].sudo()
        requested = bool(params.get_param(PARAM_IMPORT_REQUEST))
        params.set_param(PARAM_IMPORT_REQUEST, False)
        updates, deferred, updated = self._take_update_requests(deadline)
        # an update made used the run's time as a file would: a load's long step waits for a run of its own
        outcome = self._import_folder(deadline=deadline, requested=requested, worked=bool(updated))
        if outcome.skipped:
            # another import holds the lock and read the folder before this request: ask again once it is done
            if requested:
                params.set_param(PARAM_IMPORT_REQUEST, fields.Datetime.to_string(fields.Datetime.now()))
            self._import_again_soon()
        elif outcome.held or (updates and not deferred and self.env["is.cegid.export"].sudo().search_count(
                [("update_requested", "=", True)], limit=1)):
            self._import_again_soon()  # a swap other sessions hold back, an update the lock held back (requested still)
        if outcome.continued or deferred:
            # fully done for Odoo, which would run it again in the same turn; a new turn has a limit of its own
            self.env["ir.cron"]._notify_progress(done=len(outcome.records), remaining=0)
            if requested:
                params.set_param(PARAM_IMPORT_REQUEST, fields.Datetime.to_string(fields.Datetime.now()))
            backend._cegid_hand_over(self.env.ref(IMPORT_CRON))

    @api.model
    def _take_update_requests(self, deadline):
        """The table updates the managers asked for, each in its turn: (the requests found, whether one was put off,
        the history records of the updates made).

        No update on a copy of the database or from a folder another database
        claimed: the held files are their own database's. An update is one
        transaction, as long as its file: one that may not end in this run is
        put off to the continuation the run hands over to, which starts a turn
        of its own (noted: see _update_starts).
        """
        updates = self.env["is.cegid.export"].sudo().search([("update_requested", "=", True)])
        updated = self.browse()
        if not updates or self._importable_folder() is None:
            return updates.browse(), False, updated
        for entry in updates:
            if not self._update_starts(entry, deadline):
                self.env["is.cegid.backend"]._cegid_set_param(update_deferral(entry), str(entry.held_import_id.id))
                return updates, True, updated
            updated |= self._update_held(entry)
        return updates, False, updated

    @api.model
    def _update_starts(self, entry, deadline):
        """Whether the update of ``entry``'s table starts in a run that ends at ``deadline`` (None: no limit).

        Not once the run's time is up, as no file starts then. Else when the
        time it may take (UPDATE_FACTOR times the export's last import: the
        file is read whole for its types, then loaded) fits in what is left;
        or, when that time is not known (no import of the export done yet) or
        a run put off this very update already (the note
        _take_update_requests writes when it puts one off), when this run has
        at least what any run of a new turn is sure to have (a run the
        schedule woke, another worker's; never less than MIN_RUN_SECONDS),
        rather than wait for a continuation in the same process, which would
        have more.
        """
        if deadline is None:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        last = self._last_done(entry).get(entry)
        if last and left >= last.duration * UPDATE_FACTOR:
            return True
        put_off = self.env["is.cegid.backend"]._cegid_param(update_deferral(entry)) == str(entry.held_import_id.id)
        return (put_off or not last) and left >= max(least_fresh_run(run_time_limit()) - FRESH_RUN_SLACK,
                                                     MIN_RUN_SECONDS)

    @api.model
    def _import_soon(self):
        """A manager asked: the import cron runs as soon as a worker is free (and tries cut files, see _cut_before)."""
        self.env["ir.config_parameter"].sudo().set_param(PARAM_IMPORT_REQUEST, fields.Datetime.to_string(
            fields.Datetime.now()))
        self.env.ref(IMPORT_CRON).sudo()._trigger()

    @api.model
    def _import_again_soon(self):
        """Have the import cron run again in a while: another import held the lock, or other sessions a load's swap,
        and may hold it minutes more.

        Not at once: the cron would wake, meet the lock and ask again, in a loop, as long as the other runs.
        """
        self.env.ref(IMPORT_CRON).sudo()._trigger(
            at=fields.Datetime.now() + IMPORT_AGAIN_AFTER)

    @api.model
    def _import_folder(self, transfer=None, deadline=None, requested=False, worked=False):
        """Import every CSV waiting in the import folder, oldest first; an ImportOutcome (records, continued).

        Called by the download cron right after the transfer (``transfer`` is
        its ``is.cegid.transfer`` record) and by the import cron. ``deadline``,
        a ``time.monotonic()`` value, is the end of the run's time under Odoo's
        cron time limit: no file is started after it, ``continued`` says files
        were left for the next run; a file Odoo's limit cut twice in a row is left too,
        unless a manager ``requested`` the import. ``worked``: the run did other
        work before (an update of a table), as the transfer is. Commits after each file,
        and before it lets the import's lock go (outside tests). Does nothing on a copy of the database (the settings
        were not confirmed on it) or while another import runs.
        """
        folder = self._importable_folder()
        if folder is None:
            return ImportOutcome(self.browse(), False)
        with exclusive_run(self.env, "import") as allowed:
            if not allowed:
                _logger.info("Cegid import skipped: another import is running on this database")
                return ImportOutcome(self.browse(), False, skipped=True)
            waiting = waiting_files(folder)
            loads, ended = self._loads_in_progress(folder, waiting)
            if ended:
                waiting = waiting_files(folder)  # without the superseded files, archived
            records, continued, held = self._record_interrupted() | ended, False, False
            worked = worked or bool(transfer)  # a download or an update came first in this run
            # the first file of an export under review waits for its table, quietly; a file of an export whose
            # table a manager asked to update waits for the update, which the import cron makes (an archived one
            # never would)
            waits = self.env["is.cegid.export"].sudo().search(
                [("state", "=", "review")] if not self.env.ref(IMPORT_CRON).sudo().active else
                ["|", ("state", "=", "review"), ("update_requested", "=", True)])
            for name in waiting:
                if (waits and self._export_of_file(name) in waits) or (
                        not requested and name not in loads and self._cut_before(folder, name)):
                    continue
                if deadline is not None and time.monotonic() >= deadline:
                    _logger.info("Cegid import: the run's time is up, the next run imports %s and the rest", name)
                    continued = True
                    break
                if name not in loads and self._moved_if_imported(folder, name):
                    continue
                older = self.browse() if name in loads else self._supersede_if_older(folder, name)
                if older:
                    records |= older
                    continue
                # a load's long step waits for a run of its own, unless it is the first work of this one
                record = self._import_file(folder, name, transfer, deadline, loads.get(name), patient=worked)
                records |= record
                worked = True
                if record.state == "waiting":  # its export went under review: its other files wait with it
                    waits |= record.export_id
                if record.message_code == "import.swap_held":
                    # other sessions, not the run's time, hold it back: the other exports' files go on, its own wait
                    waits |= record.export_id
                    held = True
                elif record.state == "loading":
                    _logger.info("Cegid import: %s loaded up to row %d, the next run goes on", name, record.row_count)
                    continued = True  # its time is up
                    break
            self._purge_history()
            # what the run wrote since its last file (the ends of imports left Importing, the purge) is committed
            # while it holds the lock: another run taking it first would rewrite the same records, and one would fail
            self._commit()
        return ImportOutcome(records, continued, held=held)

    @api.model
    def _importable_folder(self):
        """The import folder, or None (logged) when this database may not import into its tables from it now.

        Not on a copy of the database (the settings were not confirmed on it),
        nor from a folder that does not exist yet, or that another database
        claimed (the download's run tells the managers; the settings form too).
        """
        backend = self.env["is.cegid.backend"]
        if not backend._cegid_database_confirmed():
            _logger.info("Cegid import skipped: the Cegid settings were not confirmed on this database")
            return None
        folder = backend._cegid_settings().import_folder
        if not os.path.isdir(folder):
            _logger.info("Cegid import: the import folder %s does not exist (yet)", folder)
            return None
        owner = backend._cegid_folder_owner(folder)
        if owner:
            _logger.warning("Cegid import skipped: the import folder %s is used by another database, %s (%s)",
                            folder, owner, claim_path(folder))
            return None
        return folder

    @api.model
    def _record_interrupted(self):
        """Say of the imports left *Importing* (the lock is held: their worker died) how they ended.

        Under a time limit, Odoo's watchdog may have killed the worker, or the
        server stopped: the file is tried once more, and left to a manager
        when cut again (see _cut_before). An update of a table (*Update the
        table*) says so: its file stays held, and only a manager starts it
        again.
        """
        interrupted = self.sudo().search([("state", "=", "running")])
        limit = run_time_limit()
        for record in interrupted:
            if record.message_code == "import.updating":
                code, params = ("import.update_cut", dict(record.message_params, limit=limit)) if limit else (
                    "import.update_interrupted", record.message_params)
            elif not limit:
                code, params = "import.interrupted", {}
            elif record._cut_last_time(limit):
                code, params = "import.cut_twice", {"limit": limit}
            else:
                code, params = "import.cut_retried", {"limit": limit}
            record.write({"state": "failed", "message_code": code, "message_params": params, "row_count": 0})
            record._follow_incident()
        return interrupted

    def _cut_last_time(self, limit):
        """True when the import of the same file just before this one was cut too, under the same ``limit``."""
        self.ensure_one()
        last = self.sudo().search([("name", "=", self.name), ("id", "<", self.id)], limit=1)
        return (last.message_code in ("import.cut_retried", *CUT_LEFT)
                and (last.message_params or {}).get("limit") == limit
                and last._read_file({"file_identity": self.file_identity, "file_date": self.file_date}))

    @api.model
    def _cut_before(self, folder, name):
        """True when the last import of this very file was left to a manager under Odoo's time limit, unchanged since.

        Cut twice in a row (import.cut_twice, or a load by parts cut twice
        in a part), or once by an earlier version of the addon
        (import.cut_by_time_limit). The scheduled runs leave it (importing it
        again would only be killed again, without end); a higher limit, or
        *Import now*, imports it.
        """
        last = self.sudo().search([("name", "=", name)], limit=1)
        if last.message_code not in CUT_LEFT or (
                (last.message_params or {}).get("limit") != run_time_limit()):
            return False
        try:
            return last._read_file(file_facts(os.path.join(folder, name)))
        except OSError:
            return False

    def action_import_now(self):
        """The "Import now" button: the import cron imports the waiting files as soon as a worker is free.

        A button above a list: the web client sends the selected records (ignored), so no @api.model.
        """
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database(imports=True)
        backend._check_cegid_cron(IMPORT_CRON)
        self._import_soon()
        return notification(self.env._("Cegid import"), self.env._(
            "The files waiting in the import folder are imported in the background within a minute; "
            "see Cegid > Data > Imports."))

    @api.model
    def _purge_history(self):
        """Delete the history older than the retention setting (the downloads' one), but what is still in use.

        Kept whatever its age: a held file's line, as long as the file waits
        for its table's update; the last import each table holds, which the
        next one is compared with (else that one would count as the first,
        every row added, no alert); an import with an activity still open (an
        incident, a change in a closed period), until someone marks it done; a
        load by parts under way (its rows so far would be loaded again).
        """
        Import = self.sudo()
        held = self.env["is.cegid.export"].sudo().search([("held_import_id", "!=", False)]).held_import_id
        latest = [last.id for last in Import._last_done().values()]
        Import.search([("create_date", "<", self._cegid_history_limit()), ("id", "not in", held.ids + latest),
                       ("activity_ids", "=", False), ("state", "!=", "loading")]).unlink()

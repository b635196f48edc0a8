# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import step: downloaded exports into the staging tables, one history line per file.

Each file replaces its table in one transaction (COPY of the new rows into a
new table, swapped for the old one; see ``cegid_import.pg_replace``): readers
see the old rows or the new ones, never an empty or partial table. The
file is moved (to ``archive/`` or ``anomalie/``) only after that transaction
committed; a crash before leaves it in place and the next run imports it again,
which is harmless since a file is a full snapshot. A file longer than a run
allows is loaded by parts across runs, then swapped in whole
(``cegid_import_load``); which files a run takes, and when, is
``cegid_import_run``'s.

A file of an export the catalogue does not know yet makes its entry and its
table (``is.cegid.export``); under review, it waits in the folder until a
manager creates the table. A file whose header is no longer its export's is
held in ``anomalie/`` until a manager updates the table.

Outcomes are stored as message codes (``message_code``, ``message_params``)
and rendered in the reader's language when read (``message``).
"""

import collections
import datetime
import logging
import os
import time

from odoo import api, fields, models
from odoo.tools.misc import format_datetime

from ..cegid_data_access.staging.names import original_name
from ..cegid_import.catalogue import export_name
from ..cegid_import.errors import ExportFormatError, ImportFailure, NoteNotWritten, TableBusy
from ..cegid_import.folders import ANOMALY_FOLDER, ARCHIVE_FOLDER, file_away
from ..cegid_import.values import DAY_FIRST, MONTH_FIRST
from .cegid_backend import auto_commit_allowed

_logger = logging.getLogger(__name__)

IMPORT_STATES = [("running", "Importing"), ("loading", "Loading in parts"), ("done", "Imported"),
                 ("waiting", "Waiting for review"), ("rejected", "Rejected"), ("failed", "Failed"),
                 ("superseded", "Superseded")]
# what went wrong filing the file away once its outcome was known (a parameter of its message): said after it
FILING_PROBLEMS = {"move_error": "import.move_failed", "note_error": "import.note_failed"}
# how a file wrote its slashed dates (cegid_import.values): the labels give the order in the reader's letters
DATE_ORDERS = [(DAY_FIRST, "Day first (dd/mm/yyyy)"), (MONTH_FIRST, "Month first (mm/dd/yyyy)")]


def export_of(file_name):
    """The export a file of the import folder belongs to by its name (the download's suffix is not the name's)."""
    return export_name(original_name(file_name))


def failed_values(err):
    """The values of an import that failed on ``err``: its code when it is the addon's, else its text (foreign)."""
    if isinstance(err, ImportFailure):
        return {"state": "failed", "message_code": err.code, "message_params": err.params, "row_count": 0}
    return {"state": "failed", "message_code": "import.failed",
            "message_params": {"error": f"{err.__class__.__name__}: {err}"}, "row_count": 0}


def file_facts(path):
    """What an import records of the file at ``path`` (one look at it): ``file_identity``, what tells it from
    another file written or renamed under its name (where it is on its disk, device and inode, its size and
    modification time), and ``file_date``, when it was written (naive UTC, to the second, as Odoo stores it)."""
    status = os.stat(path)
    moment = datetime.datetime.fromtimestamp(int(status.st_mtime), datetime.timezone.utc)
    return {"file_identity": f"{status.st_dev}:{status.st_ino}:{status.st_size}:{status.st_mtime_ns}",
            "file_date": moment.replace(tzinfo=None)}


class CegidImport(models.Model):
    """One file of the import folder: what it held, how it ended, where it went."""

    _name = "is.cegid.import"
    _description = "Cegid export import"
    _inherit = ["mail.thread", "is.cegid.incident.mixin"]
    _order = "id desc"

    name = fields.Char("File", required=True, readonly=True)
    export_id = fields.Many2one("is.cegid.export", readonly=True, index="btree_not_null",
                                ondelete="set null")
    row_count = fields.Integer("Rows", readonly=True, aggregator=None)
    duration = fields.Float("Duration (s)", digits=(16, 2), readonly=True, aggregator=None)
    state = fields.Selection(IMPORT_STATES, required=True, readonly=True, index=True)
    message_code = fields.Char(readonly=True)
    message_params = fields.Json(readonly=True)
    message = fields.Text(compute="_compute_message", help="What happened, in your language.")
    repeat_count = fields.Integer(
        "Seen again", readonly=True, aggregator=None,
        help="How many later runs failed the same way on this file (counted here, not recorded).")
    file_encoding = fields.Char("Encoding", readonly=True, help="The character encoding the file was read in.")
    file_delimiter = fields.Char("Delimiter character", readonly=True, help="The character between the file's columns.")
    file_delimiter_shown = fields.Char("Delimiter", compute="_compute_file_delimiter_shown",
                                       help="The character between the file's columns.")
    date_order = fields.Selection(DATE_ORDERS, "Dates", readonly=True,
                                  help="How the file's slashed dates were read (day or month first).")
    file_date = fields.Datetime("File date", readonly=True, help="When the export was written (file time).")
    stored_as = fields.Char("Moved to", readonly=True, help="Where the file is now, in the import folder.")
    file_identity = fields.Char(readonly=True, help="Device, inode, size and time of the file read (technical).")
    transfer_id = fields.Many2one("is.cegid.transfer", "Download", readonly=True, ondelete="set null",
                                  index="btree_not_null")

    @api.depends("message_code", "message_params")
    @api.depends_context("lang")
    def _compute_message(self):
        render = self.env["is.cegid.message"]._render
        for record in self:
            params = dict(record.message_params or {})
            after = [(code, params.pop(key)) for key, code in FILING_PROBLEMS.items() if params.get(key)]
            lines = [render(record.message_code, params)] if record.message_code else []
            lines.extend(render(code, problem) for code, problem in after)
            record.message = "\n".join(lines) or False

    @api.depends("file_delimiter")
    @api.depends_context("lang")
    def _compute_file_delimiter_shown(self):
        """The delimiter, a tab by its name in the reader's language: the character itself shows as nothing."""
        for record in self:
            record.file_delimiter_shown = (self.env._("Tab") if record.file_delimiter == "\t"
                                           else record.file_delimiter)

    # -- one file ---------------------------------------------------------------------------------------------------

    def _import_file(self, folder, name, transfer, deadline=None, loading=None, patient=False):
        """Load one file in its own transaction, record it, commit, then move the file.

        The record exists, *Importing*, before the load starts (committed): a
        worker killed meanwhile leaves it so, and the next run says so. A file
        whose load does not fit before ``deadline`` is loaded by parts: its
        record (``loading``, when it goes on) says *Loading in parts* between
        the runs, and each part is marked under way first (see _begin_part).
        ``patient``: see ``pg_replace.replace_in_parts``.
        """
        path = os.path.join(folder, name)
        started = time.monotonic()
        record = loading or self.browse()
        values = {"name": name, "transfer_id": transfer.id if transfer else record.transfer_id.id,
                  "export_id": record.export_id.id or self.env["is.cegid.export"]._entry(export_of(name)).id}
        try:
            values.update(file_facts(path))
            record, given_up = self._under_way(record, values)
            if given_up:
                values.update(given_up)
            else:
                with self._rolled_back_whole():
                    self._load(path, name, values, record, deadline, patient)
        except ExportFormatError as err:
            values.update(state="rejected", message_code=err.code, message_params=err.params, row_count=0)
        except TableBusy as err:  # no fault of the file, which waits for the next run
            _logger.warning("Cegid import of %s: %s", name, err)
            values.update(failed_values(err))
        except Exception as err:  # recorded; the file stays for the next run
            values.update(failed_values(self._gone_or(err, path, name, bool(record.load_progress))))
        if values.get("state") in ("rejected", "failed") and record.load_progress:
            record._drop_load()  # what earlier parts loaded: the next import starts from the first line
            values["load_progress"] = False
        # an entry made by a file that then failed went with the rolled back savepoint
        values["export_id"] = self.env["is.cegid.export"].sudo().browse(values.get("export_id")).exists().id
        # and the earlier parts' time; not that of a swap held back, which waited for others (it foresees updates)
        held = values.get("message_code") == "import.swap_held"
        values["duration"] = record.duration + (0 if held else time.monotonic() - started)
        repeated = self._same_failure(values, record)
        if repeated:  # the file stays and fails again each run: one record, one incident
            record._cegid_count_repeat(repeated)
            self._commit()
            return repeated
        record = record._record_outcome(values)
        self._commit()
        if record.state in ("done", "rejected") and not self._still(path, values.get("file_identity")):
            # a tool renamed a new file over it meanwhile: that one is the next run's to import
            _logger.warning("Cegid import: %s was replaced while it was read; the new file waits", name)
            return record
        record._file_away(folder)
        return record

    def _record_outcome(self, values):
        """This import's record (made when none) says ``values``; what follows from it (incidents, alerts, held
        files) is done. Returns the record."""
        record = self
        was_loading = record.state == "loading"
        if record:
            record.write(values)
        else:
            record = self._create_record(values)
        name = record.name
        entry = record.export_id
        self._link_downloads(name, entry)
        if was_loading and record.state != "loading":
            record._close_held_swap()
        record._follow_incident()
        if record.state == "done":
            record._alert_closed_periods()
        if record.state == "rejected" and entry._holds(record):
            entry._hold(record)
        elif record.state == "done":
            entry._release()
        return record

    @staticmethod
    def _gone_or(err, path, name, loading=False):
        """``err``, or the failure of a file at ``path`` that left the folder meanwhile (moved or deleted by another
        program: the import opens it by its path at each step): ``import.file_gone``, or ``import.load_abandoned``
        for a load by parts (``loading``) whose earlier parts it read."""
        if isinstance(err, FileNotFoundError) and not os.path.lexists(path):
            _logger.warning("Cegid import of %s: the file left the import folder before its import ended", name)
            return ImportFailure("import.load_abandoned" if loading else "import.file_gone", file=name)
        _logger.exception("Cegid import of %s failed", name)
        return err

    @staticmethod
    def _still(path, identity):
        """True when the file at ``path`` is still the one of ``identity`` (``file_identity``) its import read."""
        try:
            return identity is not None and file_facts(path)["file_identity"] == identity
        except OSError:
            return False

    def _read_file(self, facts):
        """True when this import read the file of ``facts`` (see file_facts): the same identity, or the same date
        for a record of an earlier version, which kept only the date."""
        if not self:
            return False
        if self.file_identity:
            return self.file_identity == facts["file_identity"]
        return self.file_date == facts["file_date"]

    @api.model
    def _same_failure(self, values, record):
        """The record of the last import of the same file before ``record``, when it failed as ``values`` says."""
        if values.get("state") != "failed":
            return self.browse()
        last = self.sudo().search([("name", "=", values["name"]), ("id", "not in", record.ids)], limit=1)
        same = last._outcome() == ("failed", values["message_code"], values["message_params"])
        return last if same else self.browse()

    @api.model
    def _last_done(self, exports=None, excluding=None):
        """{export: the last import done of it}, for ``exports`` (None: every export); one query, as superuser.

        The last import done of an export is the one whose rows its table
        holds. Read from the database, not from the export's last_import_id,
        whose cache would miss an import done earlier in the same run.
        ``excluding``: an import left out (the one being compared).
        """
        domain = [("state", "=", "done")]
        if exports is not None:
            domain.append(("export_id", "in", exports.ids))
        if excluding:
            domain.append(("id", "!=", excluding.id))
        Import = self.sudo()
        return {export: Import.browse(last_id)
                for export, last_id in Import._read_group(domain, ["export_id"], ["id:max"]) if export}

    @api.model
    def _create_record(self, values):
        """A history record (as superuser: the cron's user may read no data), without chatter noise."""
        return self.sudo().with_context(mail_create_nolog=True, mail_create_nosubscribe=True).create(values)

    def _outcome(self):
        """How this import ended, as a key: the same key is the same incident."""
        return self.state, self.message_code, self.message_params

    def _incident_scope(self):
        """The imports that share this one's incidents: those of its export (or of its file, without one)."""
        self.ensure_one()
        return [("export_id", "=", self.export_id.id)] if self.export_id else [("name", "=", self.name)]

    def _follow_incident(self):
        """Open an incident for a rejected or failed import, unless the same one is open; close them on success.

        The incidents closed by an import that worked are those of its export.
        An import cut once opens none: an import run tries the file again (the
        same one if it has time left, else the next), and the managers are told
        if that is cut too. A load by parts whose swap other sessions hold back
        too long opens one of its own (see _follow_held_swap).
        """
        if self.state == "loading":
            self._follow_held_swap()
            return
        if self.state not in ("done", "rejected", "failed") or self.message_code == "import.cut_retried":
            return
        self._cegid_follow_incident([*self._incident_scope(), ("id", "!=", self.id)], self._resolved_feedback,
                                    self._incident_texts)

    def _resolved_feedback(self, env):
        """What closes an incident once this import worked, in the language and time zone of ``env``."""
        return env._("Resolved: the import of %(file)s on %(date)s worked.", file=self.name,
                     date=format_datetime(env, self.create_date, tz=env.context.get("tz")))

    @staticmethod
    def _incident_texts(record):
        """(summary, note) of an incident of import ``record``, in its context's language."""
        return (record.env._("Cegid import of %(file)s: %(state)s", file=record.name,
                             state=record._cegid_state_label()), record.message)

    def _cegid_problem(self):
        """An import's problem: how it ended, when it was rejected or failed."""
        return self._outcome() if self.state in ("rejected", "failed") else False

    @api.model
    def _link_downloads(self, name, entry):
        """Give the download lines of file ``name`` that had no export yet (it was new) their entry ``entry``."""
        if entry:
            self.env["is.cegid.transfer.file"].sudo().search(
                [("local_name", "=", name), ("export_id", "=", False)]).export_id = entry

    def _file_away(self, folder, source=None):
        """Archive an imported file, put a rejected one in anomalie/ with its reason; a failed one stays.

        So does the first file of an export under review: it is imported once its table exists.
        ``source`` is where the file is when not waiting in the folder (a held file, in anomalie/).
        """
        self.ensure_one()
        if self.state in ("failed", "waiting", "loading"):
            return  # still to import (a superseded file is archived)
        subfolder = ARCHIVE_FOLDER if self.state in ("done", "superseded") else ANOMALY_FOLDER
        reason = self._note() if self.state == "rejected" else None
        try:
            self.stored_as = file_away(folder, self.name, subfolder, fields.Datetime.now(), reason, source)
            if (self.message_params or {}).get("move_error"):  # an earlier attempt's failure, mended
                self.message_params = {key: value for key, value in self.message_params.items() if key != "move_error"}
        except NoteNotWritten as err:  # the file did move: where it is is recorded, with why it has no note
            _logger.error("Cegid import: %s moved to %s, its note not written: %s", self.name, err.stored_as, err)
            self.stored_as = err.stored_as
            self.message_params = dict(self.message_params or {}, note_error=err.params)
        except OSError as err:
            _logger.error("Cegid import: cannot move %s to %s/: %s", self.name, subfolder, err)
            self.message_params = dict(self.message_params or {},
                                       move_error={"folder": subfolder, "error": str(err)})
        self._commit()

    def _note(self):
        """Why the file was rejected, for whoever opens anomalie/: in the language of each Cegid manager (most
        spoken first), not in that of the cron's user, who reads none of it; in the current one without managers."""
        spoken = collections.Counter(user.lang or "en_US" for user in self._cegid_managers())
        languages = sorted(spoken, key=lambda lang: (-spoken[lang], lang)) or [self.env.lang or "en_US"]
        # fr_FR and fr_BE read the same words: each text once
        return "\n\n".join(dict.fromkeys(self.with_context(lang=lang).message for lang in languages))

    def _commit(self):
        """Commit (outside tests): each file is its own transaction, and it moves only once that committed."""
        if auto_commit_allowed():
            self.env.cr.commit()  # pylint: disable=invalid-commit
            # a table made or changed: the other workers load the new registry now, not once the run ends
            self.env.registry.signal_changes()

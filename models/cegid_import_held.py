# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A file held for its table's update: its export's entry waits, a manager asks, the import cron updates.

A file its table refuses (a header that is no longer its export's, or, for an
export the addon does not know, values its columns cannot hold) is put in
``anomalie/`` and held: its entry says *File held*. *Update the table* asks the
import cron to change the table's columns to the file's and import it, both
or neither, in one transaction; the file stays held until then, and when the
update fails. A newer file imported whole makes the held one history.
"""

import logging
import os
import time

from odoo import api, models
from odoo.exceptions import UserError

from ..cegid_import.catalogue import Catalogue
from ..cegid_import.errors import ExportFormatError, TableBusy
from ..cegid_import.profile import profile_file
from ..cegid_import.text_file import read_header
from .cegid_backend import IMPORT_CRON, exclusive_run
from .cegid_import import failed_values, file_facts

_logger = logging.getLogger(__name__)
# the held file (its import's id) whose update a run put off for want of time, by export (its id after the dot)
PARAM_UPDATE_DEFERRED = "update_deferred"


def update_deferral(entry):
    """The name of the setting that tells which held file's update of ``entry`` a run put off (see _update_starts)."""
    return f"{PARAM_UPDATE_DEFERRED}.{entry.id}"


class CegidExportHeld(models.Model):
    """An export's held file and the manager's request to update its table (see the module's docstring)."""

    _inherit = "is.cegid.export"

    def action_update_table(self):
        """Have the cron change the table's columns to those of the held file and import it: both or neither."""
        backend = self.env["is.cegid.backend"]
        backend._check_cegid_manager()
        backend._check_cegid_database(imports=True)
        backend._check_cegid_cron(IMPORT_CRON)
        self.ensure_one()
        path = self._held_path()
        try:
            # a header the cron would refuse is refused now; the rows are the cron's to read (the types of the new
            # columns come from all of them: a long file would outlast the request, killed by limit_time_cpu)
            read_header(path, lambda names: Catalogue().by_header(names) is not None)
        except ExportFormatError as err:
            raise UserError(self.env["is.cegid.message"]._render(err.code, err.params)) from None
        self.sudo().update_requested = True
        self.env["is.cegid.import"]._import_soon()
        return self._notify(self.env._(
            "The table %(table)s is updated and the held file imported in the background within a minute "
            "(see Cegid > Data > Imports).", table=self.description))

    def _held_path(self):
        """Where the held file of this entry is; UserError when there is none."""
        self.ensure_one()
        held = self.held_import_id
        if self.state != "held" or not held.stored_as:
            raise UserError(self.env._("No file of %(export)s is held.", export=self.name))
        folder = self.env["is.cegid.backend"]._cegid_settings().import_folder
        path = os.path.join(folder, held.stored_as)
        if not os.path.isfile(path):
            raise UserError(self.env._("The held file %(file)s is no longer in the import folder.",
                                       file=held.stored_as))
        return path

    def _hold(self, record):
        """``record``'s file (rejected, in anomalie/) waits for a manager to update the table.

        A manager's request stands for a newer file that changes the table
        just as the one he saw (a file under another name, not known to be of
        the export before its header is read, so not waiting for the update);
        the run's note that put the update off was about the older file.
        """
        self.ensure_one()
        before = self.held_import_id
        same = self.update_requested and before and (before.message_code, before.message_params) == (
            record.message_code, record.message_params)
        self.sudo().write({"state": "held", "held_import_id": record.id, "update_requested": bool(same)})
        self._forget_deferral()

    def _release(self):
        """A newer file was imported whole: the held one is history (it stays in anomalie/)."""
        held = self.filtered(lambda entry: entry.state == "held")
        held.sudo().write({"state": "ready", "held_import_id": False, "update_requested": False})
        held._forget_deferral()

    def _forget_deferral(self):
        """No update of these entries' held files is put off any more (a run's note, see _update_starts)."""
        for entry in self:
            self.env["is.cegid.backend"]._cegid_set_param(update_deferral(entry), False)


class CegidImportHeldUpdate(models.Model):
    """The update of a held file's table, run by the import cron (see the module's docstring)."""

    _inherit = "is.cegid.import"

    @api.model
    def _update_held(self, entry):
        """The update a manager asked for: ``entry``'s table takes the held file's columns and rows, or nothing.

        Either way the request is done; a refusal is recorded on a history
        line of its own (and reaches the managers), the file stays held.
        """
        held = entry.held_import_id
        folder = self.env["is.cegid.backend"]._cegid_settings().import_folder
        path = os.path.join(folder, held.stored_as or "")
        values = {"name": held.name or entry.name, "file_date": held.file_date, "export_id": entry.id}
        started = time.monotonic()
        with exclusive_run(self.env, "import") as allowed:
            if not allowed:
                return self.browse()  # still requested: the next run does it
            # the request is taken once, and the update recorded as under way, both committed before the long work:
            # a worker Odoo kills meanwhile (a file longer than its time limit) leaves a record the next run tells
            # of (_record_interrupted), not a request that every run takes up again and dies of
            entry.update_requested = False
            entry._forget_deferral()
            record = self._create_record(dict(values, state="running", message_code="import.updating",
                                              message_params={"export": entry.name}))
            self._commit()
            try:
                if entry.state != "held" or not held.stored_as or not os.path.isfile(path):
                    raise ExportFormatError("import.held_missing", file=held.stored_as or values["name"])
                values.update(file_facts(path))
                header = read_header(path, lambda names: Catalogue().by_header(names) is not None)
                with self._rolled_back_whole():
                    kept = entry._apply_columns(entry._plan_columns(profile_file(header, entry.name)))
                    entry.write({"state": "ready", "held_import_id": False})
                    # compared as any import, over the fields kept (one made again for a wider type is empty)
                    self._load(path, values["name"], values, record, comparable=kept)
                values.update(message_code="import.table_updated", message_params={"export": entry.name})
            except ExportFormatError as err:
                values.update(state="rejected", message_code=err.code, message_params=err.params, row_count=0)
            except TableBusy as err:  # no fault of the file, which stays held
                _logger.warning("Cegid update of the table of %s: %s", entry.name, err)
                values.update(failed_values(err), message_code="import.update_table_busy")
            except Exception as err:  # recorded; the file stays held
                _logger.exception("Cegid update of the table of %s failed", entry.name)
                values.update(failed_values(err))
            values["duration"] = time.monotonic() - started
            record.write(values)
            record._follow_incident()  # the held file's incident ends with it, or goes on
            if record.state == "done":
                record._alert_closed_periods()
            self._commit()
            if record.state == "done":
                record._file_away(folder, source=held.stored_as)
        return record

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How one file's rows reach its table: at once, or by parts across runs when the run's time is short.

A file the run has time for replaces its table in one transaction. One that
does not fit is loaded part by part into the table's hidden loading copy,
each part committed with the import's progress (*Loading in parts*), the next
run going on from the next line, and swapped in whole once loaded: readers
see the previous rows or the new ones, never a mix (``cegid_import.pg_replace``
``replace_in_parts``). A kill loses the part under way only. A load goes on
whatever newer file of its export waits: files are imported oldest first,
loaded by parts or not, and the newer one comes after it. A load whose file
left the folder is given up. A file older than the one its table holds (left
behind by a failure while a newer file was imported) is archived unread, and
so is a load's once its table holds a newer file's rows.
"""

import contextlib
import datetime
import logging
import os

from odoo import api, fields, models, sql_db
from odoo.tools import escape_psql

from ..cegid_data_access.staging.names import original_name
from ..cegid_import.catalogue import HeaderChange, NewExport
from ..cegid_import.errors import ExportFormatError
from ..cegid_import.pg_replace import LoadProgress, drop_load, replace_in_parts
from ..cegid_import.profile import Profile, ProfileProgress, profile_file
from ..cegid_import.reader import ExportReader
from ..cegid_import.text_file import read_header
from ..cegid_import.values import DAY_FIRST
from .cegid_import import export_of, file_facts
from .cron_time import run_time_limit

_logger = logging.getLogger(__name__)

# parts of a load cut in a row by Odoo's time limit before it is given up: one may be bad luck, two are a step too long
PARTS_CUT_GIVEN_UP = 2
# the sessions holding a swap back that a message names (a connection pool may hold many)
HELD_BY_SHOWN = 10
# how long other sessions may hold a load's swap back before the Cegid managers are told (a long report is minutes)
SWAP_HELD_ALERT = datetime.timedelta(hours=1)


def own_sessions(dbname):
    """The application name of this process's database sessions, as a list; empty when it does not tell them apart.

    Odoo names its sessions ``odoo-<pid>`` (unless ``ODOO_PGAPPNAME`` says
    otherwise): the cron's own, whose snapshots are older than any part, read
    no staging table and must not hold a swap back. Without the process's
    id in the name none is told apart: the swap waits for a run whose
    sessions all began after the last part.
    """
    name = sql_db.connection_info_for(dbname)[1].get("application_name", "")
    return [name] if str(os.getpid()) in name else []


def written_at(path):
    """When the file at ``path`` was written (as ``file_facts`` says), or None when it cannot be read."""
    try:
        return file_facts(path)["file_date"]
    except OSError:
        return None


class CegidImportLoad(models.Model):
    """The loading of an import's file into its table (see the module's docstring)."""

    _inherit = "is.cegid.import"

    load_progress = fields.Json(
        readonly=True, copy=False,
        help="Where a load by parts stands: lines and rows loaded, the loading table (technical).")

    @contextlib.contextmanager
    def _rolled_back_whole(self):
        """A savepoint; when it is rolled back, the registry forgets the models and fields made inside it."""
        try:
            with self.env.cr.savepoint():
                yield
        except Exception:
            if self.env.registry.registry_invalidated:
                self.env.invalidate_all()
                self.env.registry.setup_models(self.env.cr)
            raise

    @api.model
    def _under_way(self, loading, values):
        """(the file's record, committed as under way; the values giving its load up, or None): see _import_file."""
        if loading:
            return loading, loading._begin_part()
        record = self._create_record(dict(values, state="running"))
        self._commit()
        return record, None

    def _begin_part(self):
        """Mark the next part of this load by parts as under way (committed); the values giving it up, or None.

        A worker Odoo kills in the middle of a part leaves the mark, and the
        next part counts it: a step too long for any run (a key of a huge
        table) would otherwise be started and killed by every run, without a
        word. The second part cut in a row under Odoo's time limit gives the
        load up, as an import cut twice before its first part is (see _cut_before).
        """
        self.ensure_one()
        progress = dict(self.load_progress)
        cut = progress.get("parts_cut", 0) + bool(progress.get("part_under_way"))
        limit = run_time_limit()
        if limit and cut >= PARTS_CUT_GIVEN_UP:
            return {"state": "failed", "message_code": "import.part_cut_by_time_limit", "row_count": 0,
                    "message_params": {"limit": limit, "rows": self.row_count, "cuts": cut}}
        self.load_progress = dict(progress, part_under_way=True, parts_cut=cut)
        self._commit()
        return None

    @api.model
    def _load(self, path, name, values, record=None, deadline=None, patient=False, comparable=None):
        """Find the file's export and replace its table (inside the caller's savepoint); fill ``values``.

        The first file of an export never seen makes its catalogue entry (and
        its table, unless a manager reviews it first); a changed header raises
        ``import.header_changed``. With a ``deadline`` (``time.monotonic()``)
        the rows may load by parts: ``values`` then say *Loading in parts*;
        ``patient``: see ``pg_replace.replace_in_parts``. The rows are
        compared over the fields this file fills (of ``comparable`` only, when
        given) that the previous file filled too.
        """
        Export = self.env["is.cegid.export"].sudo()
        catalogue = Export._catalogue()
        stored = (record.load_progress or {}) if record else {}
        identity = values["file_identity"]
        # a file written again under the same name is another file: its load starts over
        going_on = stored.get("file") == identity
        resumed = stored if going_on else {}
        header = read_header(path, lambda names: catalogue.by_header(names) is not None, resumed.get("sniffed"))
        found = catalogue.identify(header.names, original_name(name))
        if isinstance(found, NewExport):
            Export._check_name_free(found.name)
            profile = self._profiled(header, found.name, deadline, resumed, identity, values)
            if profile is None:
                return
            entry = Export._create_from_file(found.name, profile)
            values["export_id"] = entry.id
            if entry.state == "review":
                values.update(state="waiting", message_code="import.waiting_review",
                              message_params={"export": entry.name}, row_count=0)
                return
            values.update(message_code="import.table_created", message_params={"export": entry.name})
            found = Export._catalogue().identify(header.names, original_name(name))
        values["export_id"] = Export._entry(found.export.name).id or False
        table_fields = {column.field for column in found.export.columns}  # before a known export's new columns
        if isinstance(found, HeaderChange) and found.export.by_header and not Export._review_first():
            # a known export's new columns are kept at once, as a new export's table is made at once
            profile = self._profiled(header, found.export.name, deadline, resumed, identity, values)
            if profile is None:
                return
            added = Export.browse(values["export_id"])._add_file_columns(profile)
            values.update(message_code="import.columns_added",
                          message_params={"export": found.export.name, "columns": ", ".join(added)})
            found = Export._catalogue().identify(header.names, original_name(name))
        if isinstance(found, HeaderChange):
            raise ExportFormatError("import.header_changed", **found.params())
        values["loaded_columns"] = [column.field for column in found.export.columns]
        compared_fields = [field for field in values["loaded_columns"] if field in table_fields and (
            comparable is None or field in comparable)]
        reader = ExportReader(header, found.export, found.positions, resumed.get("date_order"),
                              self._usual_date_order(values["export_id"]))
        compared = {}  # what the comparison found, kept only once the table is replaced
        progress = LoadProgress.from_dict(resumed.get("progress"))
        progress = self._replace(reader, record._comparer(found.export, compared, compared_fields)
                                 if record else None, progress, deadline, patient)
        values.update(file_encoding=reader.encoding, file_delimiter=reader.delimiter, date_order=reader.date_order,
                      row_count=progress.rows)
        # what the first part said (a table made, columns kept) is said again once the file is in
        said = {key: values.get(key, stored.get(key) or False) for key in ("message_code", "message_params")}
        if not progress.done:
            # what the whole file was read for once (its encoding, slashed dates, their order) is not read again
            values.update(state="loading", load_progress=dict(said, progress=progress.as_dict(), file=identity,
                                                              sniffed=[header.encoding, header.slashed],
                                                              date_order=reader.decided_order,
                                                              held_since=self._held_since(progress, resumed),
                                                              held_told=resumed.get("held_told", False)),
                          **self._load_message(progress))
            return
        values.update(said, state="done", rows_added=progress.rows, rows_removed=0, load_progress=False)
        values.update(compared)

    @api.model
    def _load_message(self, progress):
        """What a load by parts left at ``progress`` says: its rows so far; all of them in and indexed, only the swap
        left; or the sessions whose older transactions hold the swap back."""
        if progress.held_by:
            shown = [f"{pid} ({application})" if application else str(pid)
                     for pid, application in progress.held_by[:HELD_BY_SHOWN]]
            if len(progress.held_by) > HELD_BY_SHOWN:
                shown.append("…")
            return {"message_code": "import.swap_held",
                    "message_params": {"rows": progress.rows, "sessions": ", ".join(shown)}}
        return {"message_code": "import.swap_waiting" if progress.keyed else "import.loading",
                "message_params": {"rows": progress.rows}}

    @api.model
    def _held_since(self, progress, resumed):
        """Since when other sessions hold the swap of a load at ``progress`` back (``resumed``: what its earlier
        runs kept), as Odoo writes a date and time; None when they never did.

        A run that did not try the swap (no time left for it) keeps the
        moment: only a swap tried and made ends the hold, and the load with it.
        """
        now = fields.Datetime.to_string(fields.Datetime.now())
        return resumed.get("held_since") or (now if progress.held_by else None)

    def _follow_held_swap(self):
        """Open an incident for this load, once, when other sessions have held its swap back SWAP_HELD_ALERT or more.

        Its table keeps the previous snapshot meanwhile, and the newer files of
        its export wait: someone must end those sessions' transactions (the
        message names them). Once: marked done by a manager, it is not opened
        again at the next try. How the load ends closes it (_close_held_swap).
        """
        progress = self.load_progress or {}
        since = progress.get("held_since")
        if self.message_code == "import.swap_held" and since and not progress.get("held_told") and (
                fields.Datetime.now() - fields.Datetime.to_datetime(since) >= SWAP_HELD_ALERT):
            self._cegid_open_incident(self._incident_texts)
            self.load_progress = dict(progress, held_told=True)

    def _close_held_swap(self):
        """Close the incident a held swap opened on this load, which ended: how it ended is the feedback."""
        self.ensure_one()
        self._cegid_close_incidents([("id", "=", self.id)], lambda env: (
            self._resolved_feedback(env) if self.state == "done" else self.with_env(env).message))

    @api.model
    def _usual_date_order(self, export_id):
        """The day/month order of the export's last import done: how a file none of whose dates tells is read.

        An export's files come from one Cegid query, in one date format: a file
        of the first days of a month (05/06/2025, either order) is read as the
        files before it, not day first whatever they were.
        """
        entry = self.env["is.cegid.export"].sudo().browse(export_id)
        last = self._last_done(entry).get(entry) if entry else None
        return (last and last.date_order) or DAY_FIRST

    @api.model
    def _profiled(self, header, name, deadline, stored, identity, values):
        """The profile of the file at ``header``, export ``name``; None when the run's time ran out first.

        A file too long to profile in one run is profiled by parts, as it is
        loaded: ``values`` then say *Loading in parts* and keep where the
        profile stands (``stored``: what an earlier run kept), the next run
        goes on from there.
        """
        result = profile_file(header, name, progress=ProfileProgress.from_dict(stored.get("profile")), until=deadline)
        if isinstance(result, Profile):
            return result
        values.update(state="loading", row_count=0, message_code="import.profiling",
                      message_params={"export": name, "rows": result.rows},
                      load_progress={"profile": result.as_dict(), "file": identity,
                                     "sniffed": [header.encoding, header.slashed]})
        return None

    @api.model
    def _replace(self, reader, compare=None, progress=None, deadline=None, patient=False):
        """Replace the staging table of ``reader``'s export with its rows (inside the caller's savepoint).

        ``compare(old, new)``: see ``pg_replace.replace_table``; ``progress``,
        ``deadline`` and ``patient``: see ``pg_replace.replace_in_parts``.
        Returns the ``LoadProgress``.
        """
        model = self.env[reader.export.model].sudo()
        model.flush_model()
        now = fields.Datetime.to_string(fields.Datetime.now())
        # the swap checks the create_uid/write_uid foreign keys once over the loaded rows, not row by row
        extra = {"create_date": now, "write_date": now, "create_uid": self.env.uid, "write_uid": self.env.uid}
        try:
            return replace_in_parts(self.env.cr, reader, extra, compare, progress, deadline,
                                    own_sessions(self.env.cr.dbname), patient=patient)
        finally:
            model.invalidate_model()

    def _drop_load(self):
        """Drop the rows a load by parts of this import left in its table's loading copy."""
        self.ensure_one()
        if self.load_progress and self.export_id.model:
            drop_load(self.env.cr, self.env[self.export_id.model]._table)

    @api.model
    def _loads_in_progress(self, folder, waiting):
        """(the imports loading in parts whose file still waits in ``folder``, by name; those that end here).

        ``waiting``: the names of the waiting files, oldest first.

        A load goes on whatever newer file of its export waits behind it, as a
        whole file is imported before the newer ones: dropping it for the newer
        file would lose its snapshot when the newer one is then rejected (the
        table left at an even older one, this file archived unread). A load
        whose file left the import folder is given up; one whose table holds a
        newer file's rows meanwhile (a held file's update) is archived unread,
        as an older file is (see _supersede_if_older).
        """
        loads, ended = {}, self.browse()
        for record in self.sudo().search([("state", "=", "loading")], order="id"):
            if record.name not in waiting:
                values = {"state": "failed", "message_code": "import.load_abandoned",
                          "message_params": {"file": record.name}}
            else:
                current = self._table_newer(record.export_id, written_at(os.path.join(folder, record.name)))
                if not current:
                    loads[record.name] = record
                    continue
                values = {"state": "superseded", "row_count": 0, "message_code": "import.older_than_table",
                          "message_params": {"file": current.name}}
            record._drop_load()
            record.write(dict(values, load_progress=False))
            record._close_held_swap()
            self._commit()
            record._file_away(folder)
            ended |= record
        return loads, ended

    @api.model
    def _moved_if_imported(self, folder, name):
        """The record of file ``name`` when this very file was imported or rejected but not moved away; else none.

        Its move failed, or its worker died between the commit and the move:
        it is moved now, not imported (or rejected) once more at each run.
        """
        path = os.path.join(folder, name)
        last = self.sudo().search([("name", "=", name)], limit=1)
        if last.state not in ("done", "rejected", "superseded") or last.stored_as:
            return self.browse()
        try:
            if not last._read_file(file_facts(path)):
                return self.browse()
        except OSError:
            return self.browse()
        _logger.info("Cegid import: %s was imported (%s) but not moved away: moved now", name, last.state)
        last._file_away(folder)
        return last

    @api.model
    def _export_imported_as(self, name):
        """The catalogue entry the last import of a file named as ``name`` (the download's suffix aside) was of.

        A known export is told by its header whatever its files' names (a
        query whose files are named GRAND_LIVRE fills ECRITURE); reading the
        header here would read the whole file (its encoding), the history
        does not. None when no such file was imported.
        """
        original = original_name(name)
        stem, ext = os.path.splitext(original)
        suffixed = f"{escape_psql(stem)}.%{escape_psql(ext)}"  # the download's suffix follows a dot
        for record in self.sudo().search(["|", ("name", "=", original), ("name", "=like", suffixed),
                                          ("export_id", "!=", False)], limit=50):
            if original_name(record.name) == original:
                return record.export_id
        return self.env["is.cegid.export"]

    def _export_of_file(self, name):
        """The catalogue entry file ``name`` is likely of, before its header is read: that of the earlier imports of
        its name, else the export of that name; or an empty recordset."""
        return self._export_imported_as(name) or self.env["is.cegid.export"]._entry(export_of(name))

    def _supersede_if_older(self, folder, name):
        """The import record of file ``name``, archived unread, when its table holds a newer file's rows; else none.

        A file left behind (it failed for a moment, Odoo's time limit cut it)
        while a newer file of its export was imported would otherwise take the
        table back to an older snapshot.
        """
        try:
            facts = file_facts(os.path.join(folder, name))
        except OSError:
            return self.browse()
        current = self._table_newer(self._export_of_file(name), facts["file_date"])
        if not current:
            return self.browse()
        record = self._create_record({
            "name": name, "export_id": current.export_id.id, **facts, "state": "superseded",
            "row_count": 0, "message_code": "import.older_than_table", "message_params": {"file": current.name}})
        self._commit()
        record._file_away(folder)
        return record

    @api.model
    def _table_newer(self, export, file_date):
        """The import whose rows ``export``'s table holds, when it is of a file newer than ``file_date``; else none
        (nor when ``file_date`` is None)."""
        current = self._last_done(export).get(export, self.browse()) if export and file_date else self.browse()
        return current if current.file_date and file_date < current.file_date else self.browse()

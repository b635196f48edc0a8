# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The core's message codes rendered in the reader's language.

The core raises errors and returns outcomes as a code and parameters
(``cegid_data_access/errors.py``: ``CODES``); this model renders them with
``env._`` when a user reads them, so that a French user reads French whatever
the language of the cron's user who stored them. Every code of ``CODES`` has
its sentence here (a test checks it).
"""

import datetime
import logging

from odoo import api, models
from odoo.tools.misc import formatLang
from odoo.tools.translate import LazyTranslate

from ..cegid_data_access.errors import CegidError
from ..cegid_data_access.redact import redact
from .cegid_backend import reader_moment, selection_label

_logger = logging.getLogger(__name__)
_lt = LazyTranslate(__name__)

# The parameters that count something (rows, files, bytes, attempts, seconds): read with the thousands separator
# of the reader's language (« 152 340 »). Not the ones that name something: line numbers, HTTP statuses, ids.
# Exact byte counts, not "1.2 MB": a download's received and expected sizes must differ where they do.
COUNTS = frozenset({"rows", "count", "width", "attempts", "limit", "max_bytes",
                    "kept", "offset", "length", "expected", "received", "size"})

# The nested codes read as a sentence of their own after their code's sentence: a reason may be a whole sentence
# (azure.out_of_time: "Azure Blob Storage did not answer …: the next run goes on."), garbled inside parentheses.
OWN_SENTENCE = frozenset({("file.download_failed", "reason_code"), ("file.not_deleted", "reason_code")})


def _full_stop(text):
    """``text`` ended as a sentence: a reason that is a fragment ("the blob changed in Azure") gets its full stop."""
    return text if text.rstrip().endswith((".", "!", "?", "…")) else f"{text}."


class CegidMessage(models.AbstractModel):
    """Render core message codes (errors, outcomes) for the current user."""

    _name = "is.cegid.message"
    _description = "Cegid Data Access messages"

    @api.model
    def _render(self, code, params=None, sentences=None, nested=False):
        """The sentence of ``code`` with ``params`` in the user's language (nested ``*_code`` parameters too).

        ``sentences`` adds templates of the caller's own codes (lazy, as SENTENCES). A sentence that can be part
        of another (``nested``: lower case, "the connection to Azure was lost") starts with a capital when it is
        read alone.
        """
        params = dict(params or {})
        values = {key: value for key, value in params.items() if not key.endswith("_code")}
        for key, value in params.items():
            if key.endswith("_code") and value:  # rendered with the other parameters (not itself: no endless nesting)
                alone = (code, key) in OWN_SENTENCE
                text = self._render(value, {k: v for k, v in params.items() if k != key}, sentences, nested=not alone)
                values[key[: -len("_code")]] = _full_stop(text) if alone else text
        if "setting" in params:
            values["setting"] = self._setting_label(params["setting"])
        if isinstance(params.get("modes"), str):
            values["modes"] = self._mode_labels(params["modes"])
        if isinstance(params.get("bytes"), (int, float)):
            values["bytes"] = self.env["is.cegid.backend"]._cegid_human_size(params["bytes"])
        for key in COUNTS.intersection(params):
            if isinstance(params[key], (int, float)) and not isinstance(params[key], bool):
                values[key] = formatLang(self.env, params[key], digits=0)
        if params.get("expiry"):
            values["expiry"] = self._moment_label(params["expiry"])
        if params.get("order"):
            values["order"] = self._date_order_label(params["order"])
        template = self.env._(sentences[code]) if code in (sentences or {}) else self._template(code)
        if template and not nested and template[0].islower():
            template = template[0].upper() + template[1:]
        if template is None:
            _logger.warning("Cegid message code without a sentence: %s", code)
            return code
        try:
            return template % values if values else template
        except (KeyError, TypeError, ValueError):
            _logger.warning("Cegid message %s lacks a parameter: %s", code, sorted(values))
            return template

    @api.model
    def _render_error(self, error, secrets=()):
        """A CegidError (or any exception) as a sentence, secrets masked."""
        if isinstance(error, CegidError):
            text = self._render(error.code, error.params)
        else:
            text = f"{error.__class__.__name__}: {error}"
        return redact(text, secrets)

    @api.model
    def _moment_label(self, text):
        """A moment parameter (ISO 8601) in the reader's time zone and language; a text stored before, as it is."""
        try:
            moment = datetime.datetime.fromisoformat(text)
        except (TypeError, ValueError):
            return text
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return reader_moment(self.env, moment)

    @api.model
    def _date_order_label(self, order):
        """A file's date order (a code of cegid_import.values) as the imports show it; a text stored before as is."""
        return selection_label(self.env["is.cegid.import"], "date_order", order)

    @api.model
    def _mode_labels(self, modes):
        """The connection modes (the core's codes, "api, sas_url") as the choices of the Settings page name them.

        Odoo's users pick a mode in a list, never type its code: the codes would name nothing they see.
        """
        choices = dict(self.env["res.config.settings"]._fields["cegid_mode"]._description_selection(self.env))
        return ", ".join(self.env._("“%(choice)s”", choice=choices.get(mode, mode)) for mode in modes.split(", "))

    @api.model
    def _setting_label(self, name):
        """The translated label of a setting, as the Settings page shows it."""
        if name == "config":
            return "config.py"
        # sudo: the settings' fields are the administrators', their labels are anyone's to read
        described = self.env["res.config.settings"].sudo().fields_get(["cegid_" + name], ["string"])
        return described["cegid_" + name]["string"] if described else name

    @api.model
    def _template(self, code):
        """The translated template of ``code`` (Odoo's ``%(name)s`` placeholders), or None."""
        sentence = SENTENCES.get(code)
        return self.env._(sentence) if sentence else None


# Translated when read (LazyTranslate), in the reader's language.
SENTENCES = {
    "config.missing": _lt("The Cegid setting “%(setting)s” is missing."),
    "config.not_http_url": _lt("The Cegid setting “%(setting)s” must be an http:// or https:// URL."),
    "config.not_https": _lt(
        "The Cegid setting “%(setting)s” must be an https:// URL: over http:// the credentials would cross the "
        "network in clear text (http:// is only accepted to this machine: localhost, 127.0.0.1, [::1])."),
    "config.url_with_credentials": _lt(
        "The Cegid setting “%(setting)s” must not hold a user name or a password (user:password@ before the host): "
        "remove them, they would show in messages and logs."),
    "config.not_digits": _lt(
        "The Cegid setting “%(setting)s” must be the Cegid account number (digits only)."),
    "config.stray_characters": _lt(
        "The Cegid setting “%(setting)s” starts or ends with a space, or holds a line break, an accent or another "
        "character no key holds: copy it again."),
    "config.bad_force_time": _lt(
        "The Cegid setting “%(setting)s” must read HH:MM (UTC), e.g. 06:00, not “%(value)s”."),
    "config.bad_mode": _lt("The Cegid setting “%(setting)s” must be one of %(modes)s, not “%(value)s”."),
    "config.bad_sas_url": _lt(
        "The Cegid setting “%(setting)s” must be a container SAS URL (https://…/<container>?sv=…&sig=…)."),
    "config.url_with_spaces": _lt(
        "The Cegid setting “%(setting)s” holds a space or a line break: copy it again, whole."),
    "config.not_a_string": _lt("The Cegid setting “%(setting)s” must be a text."),
    "config.not_a_folder": _lt("The Cegid setting “%(setting)s” is not an existing folder: %(path)s"),
    "config.not_writable": _lt("The Cegid setting “%(setting)s” is not writable: %(path)s (%(detail)s)"),
    "config.staging_unusable": _lt(
        "A file the downloads keep in the Cegid setting “%(setting)s” cannot be read or changed: %(path)s "
        "(%(detail)s). Nothing was downloaded or deleted: Odoo and the command-line script must be able to read "
        "and change each other's files there (the same user, or a shared group)."),
    "config.provider_missing": _lt(
        "The Cegid setting “%(setting)s” is missing: press “Find the provider id” in the Cegid settings."),
    "config.unknown_provider": _lt(
        "Cegid does not know the provider id %(provider_id)s: press “Find the provider id” in the Cegid settings."),
    "config.file_missing": _lt("%(path)s does not exist."),
    "config.file_unreadable": _lt("Cannot read %(path)s: %(detail)s"),
    "config.file_syntax": _lt("%(path)s, line %(line)s: invalid Python syntax."),
    "config.file_not_literal": _lt("%(path)s, line %(line)s: %(name)s must be a plain value."),
    "config.file_not_plain": _lt(
        "%(path)s, line %(line)s: %(name)s cannot be read there: settings must be plain top-level assignments of "
        "literal values (name = \"value\")."),
    "config.file_star_import": _lt(
        "%(path)s, line %(line)s: the settings of from %(module)s import * cannot be read: settings must be plain "
        "top-level assignments of literal values (name = \"value\")."),
    "import.empty_file": _lt("Empty file: no header line."),
    "import.header_incomplete": _lt(
        "The file is named after the export %(export)s, but its header lacks %(missing)s."),
    "import.duplicate_column": _lt("%(export)s: the column %(column)s appears twice in the header."),
    "import.header_unreadable": _lt("The header line cannot be read: %(detail)s."),
    "import.columns_added": _lt("New columns of %(export)s kept, each in a field of its own: %(columns)s."),
    "import.bad_export_name": _lt(
        "No table can be named after the file name “%(name)s”: it needs letters or digits."),
    "import.name_taken": _lt(
        "The table %(model)s of the export %(other)s would also be the one of %(name)s: rename one of the "
        "two scheduled queries in Cegid."),
    "import.nul_character": _lt("The file contains a NUL character, which a database text cannot hold."),
    "import.utf16": _lt(
        "The file is in UTF-16 (Excel's “Unicode Text”), which the import does not read: save it as CSV UTF-8 "
        "or CSV instead."),
    "import.bad_utf8": _lt(
        "The file starts with the UTF-8 byte order mark (BOM) but is not valid UTF-8: line %(line)s holds a byte "
        "that is not UTF-8 (byte offset %(offset)s). Export the file again, or correct that line."),
    "import.mixed_encoding": _lt(
        "The file is UTF-8 up to line %(line)s, which holds a byte that is not UTF-8 (byte offset %(offset)s): read "
        "as Windows-1252, each of its accented letters would be garbled. Export the file again, or correct that "
        "line."),
    "import.bad_line": _lt("Line %(line)s: %(problem)s."),
    "import.bad_value": _lt("Line %(line)s, column %(column)s: %(problem)s (“%(value)s”)."),
    "import.header_changed": _lt(
        "The columns of %(export)s changed in Cegid (added: %(added)s; removed: %(removed)s; renamed: "
        "%(renamed)s): the file is held until a manager updates the table."),
    "import.waiting_review": _lt(
        "New export %(export)s: its columns wait for a manager's review before its table is created."),
    "import.table_created": _lt("New export %(export)s: its table was created from this file."),
    "import.table_updated": _lt("The table of %(export)s was updated to the columns of this file."),
    "import.updating": _lt("Updating the table of %(export)s to the columns of this file."),
    "import.update_interrupted": _lt(
        "The update of the table of %(export)s was interrupted before it finished (the server stopped): the table "
        "keeps its columns and rows, and the file stays held. Press Update the table again."),
    "import.update_cut": _lt(
        "The update of the table of %(export)s was cut by Odoo's time limit for scheduled actions (%(limit)s s) "
        "before it finished: the table keeps its columns and rows, and the file stays held. Raise the limit (see "
        "the Cegid settings), then press Update the table again."),
    "import.table_busy": _lt(
        "The columns of %(export)s could not change: readers (a backup, a long report) kept its table for more than "
        "a few seconds. The file waits for the next run."),
    "import.update_table_busy": _lt(
        "The table of %(export)s was not updated: readers (a backup, a long report) kept it for more than a few "
        "seconds. The table keeps its columns and rows, and the file stays held. Press Update the table again once "
        "they are done."),
    "import.held_missing": _lt(
        "The held file %(file)s is no longer in the import folder: the table was not updated."),
    "import.failed": _lt("The import failed: %(error)s"),
    "import.batch_unreadable": _lt(
        "The import failed: the file could not be read in batches, yet each of its rows reads alone."),
    "import.table_lacks_columns": _lt("The import failed: the table %(table)s lacks the columns %(columns)s."),
    "import.index_unreadable": _lt(
        "The import failed: the definition of the index %(index)s cannot be read (%(definition)s)."),
    "import.unknown_privilege": _lt("The import failed: an unknown privilege on the table %(table)s (%(privilege)s)."),
    "import.unsafe_name": _lt("The import failed: %(name)s is not a table or column name the import makes."),
    "import.interrupted": _lt(
        "Interrupted before it finished (the server stopped): the table keeps its previous rows; the next run "
        "imports the file again."),
    "import.cut_retried": _lt(
        "Interrupted before it finished, by Odoo's time limit for scheduled actions (%(limit)s s) or a stop of the "
        "server: the table keeps its previous rows. The next import run tries the file once more; cut again, the "
        "scheduled runs leave it until the limit is raised (see the Cegid settings), and Import now imports it."),
    "import.cut_twice": _lt(
        "Interrupted twice in a row before it finished, by Odoo's time limit for scheduled actions (%(limit)s s) or "
        "stops of the server: the table keeps its previous rows. The scheduled runs leave this file until the limit "
        "is raised (see the Cegid settings); Import now imports it."),
    "import.cut_by_time_limit": _lt(
        "Cut by Odoo's time limit for scheduled actions (%(limit)s s) before it finished: the table keeps its "
        "previous rows. The scheduled runs leave this file until the limit is raised (see the Cegid settings); "
        "Import now imports it."),
    "import.part_cut_by_time_limit": _lt(
        "Its load by parts was cut %(cuts)s times in a row by Odoo's time limit for scheduled actions (%(limit)s s), "
        "after %(rows)s rows: one of its steps (an index of the table, the comparison and the swap) takes longer "
        "than a run. The load is given up and the table keeps its previous rows. The scheduled runs leave this file "
        "until the limit is raised (see the Cegid settings); Import now imports it again from its first line."),
    "import.loading": _lt(
        "%(rows)s rows loaded so far, out of readers' sight: the file is longer than one run of the scheduled "
        "action allows, the next run goes on from there. The table keeps its previous rows until the file is in "
        "whole."),
    "import.swap_waiting": _lt(
        "All %(rows)s rows are loaded and indexed, out of readers' sight: the next run replaces the table with them."),
    "import.swap_held": _lt(
        "All %(rows)s rows are loaded and indexed, out of readers' sight, but database sessions still in a "
        "transaction begun before the last part was loaded hold back the replacement of the table (a reader would "
        "see it half filled); their PostgreSQL process id and application: %(sessions)s. The import tries again every "
        "minute and meanwhile imports the files of the other exports; the table is replaced once those "
        "transactions end (pg_stat_activity shows them, often idle in transaction)."),
    "import.profiling": _lt(
        "%(rows)s rows read so far to find the type of each column of %(export)s: the file is longer than one run "
        "of the scheduled action allows; the next run goes on from there, then loads the file."),
    # recorded by the earlier versions, which dropped a load by parts for a newer file of its export
    "import.superseded": _lt(
        "A newer file of the same export, %(file)s, arrived before this one was loaded whole: the newer one is "
        "imported instead, and this one archived."),
    "import.older_than_table": _lt(
        "The table already holds a newer file of the same export, %(file)s: this older one is archived unread."),
    "import.load_abandoned": _lt(
        "The file %(file)s left the import folder before its load by parts ended: the table keeps its previous "
        "rows."),
    "import.file_gone": _lt(
        "The file %(file)s left the import folder before its import ended (another program moved or deleted it): "
        "nothing was imported."),
    "import.move_failed": _lt("Cannot move the file to %(folder)s/: %(error)s"),
    "import.note_failed": _lt("The file was moved, but its note %(note)s saying why could not be written: %(error)s"),
    "import.line.field_count": _lt(
        "not the header's number of fields (this line: %(count)s; the header: %(width)s)"),
    "import.line.unreadable": _lt("unreadable CSV (%(detail)s)"),
    "import.line.quote_spans_rows": _lt(
        "a quote opens the value of column %(column)s and runs over the next lines, whole rows among them "
        "(a quote missing or one too many)"),
    "import.line.value_without_column": _lt(
        "the value “%(value)s” of column %(position)s, which has no name in the header, would not be loaded"),
    "import.csv.quote_expected": _lt("“%(expected)s” expected after the closing “%(after)s”"),
    "import.csv.quote_not_closed": _lt("a quoted field is not closed"),
    "import.csv.line_break": _lt("a line break in a field without quotes"),
    "import.csv.nul": _lt("a NUL character"),
    "import.csv.field_too_large": _lt("a field longer than %(limit)s characters"),
    "import.header.too_long": _lt(
        "it is longer than %(limit)s characters (are the file's lines ended by another character?)"),
    "import.header.too_many_columns": _lt(
        "%(count)s columns, where a table holds at most %(limit)s"),
    "import.header.quote_before": _lt(
        "a quote on a line before it opens a value that runs over it (a quote missing or one too many)"),
    "import.value.not_a_number": _lt("not a number"),
    "import.value.not_whole": _lt("not a whole number"),
    "import.value.out_of_range": _lt("whole number out of range"),
    "import.value.number_out_of_range": _lt("number too large or too small to be stored"),
    "import.value.not_a_date": _lt("not a date (expected 2025-06-30, 30/06/2025 or 06/30/2025)"),
    "import.value.invalid_date": _lt("not a valid date"),
    "import.value.time_of_day": _lt(
        "a time of day, which this column of dates, typed from an earlier file, would drop (Update the table makes "
        "it text)"),
    "import.value.leading_zero": _lt(
        "a leading zero, which this column of numbers, typed from an earlier file, would drop (Update the table "
        "makes it text)"),
    "import.value.exponent": _lt(
        "an exponent, which this column of numbers, typed from an earlier file, would not keep as written (Update "
        "the table makes it text)"),
    "import.value.invalid_date_in_order": _lt(
        "not a valid date in the file's day/month order (%(order)s), decided from line %(order_line)s, "
        "column %(order_column)s (“%(order_value)s”)"),
    "import.value.invalid_date_in_default_order": _lt(
        "not a valid date in the day/month order used when nothing tells (%(order)s)"),
    "import.value.too_long_for_index": _lt("%(size)s bytes, where an indexed column holds at most %(limit)s"),
    "api.unreachable": _lt(
        "The Cegid API cannot be reached (%(op)s): connection failed (%(host)s; attempts: %(attempts)s)."),
    "api.timeout": _lt(
        "The Cegid API cannot be reached (%(op)s): no answer in time (%(host)s; attempts: %(attempts)s)."),
    "api.out_of_time": _lt(
        "The Cegid API did not answer within the time Odoo allows (%(op)s, %(host)s): try again later."),
    "api.tls_failed": _lt(
        "The Cegid API cannot be reached (%(op)s): the secure connection (TLS) failed (%(host)s): %(reason)s."),
    "api.broken_answer": _lt("The answer of the Cegid API to %(op)s broke off or could not be read (%(host)s)."),
    "api.credentials_refused": _lt(
        "The Cegid API refused %(op)s (HTTP %(status)s): %(detail)s. Check the tenant id, the API key id, "
        "the API key secret and the subscription key."),
    "api.refused": _lt("The Cegid API refused %(op)s (HTTP %(status)s): %(detail)s"),
    "api.not_json": _lt(
        "The Cegid API answered %(op)s with something that is not JSON (HTTP %(status)s, %(content_type)s): "
        "“%(start)s”"),
    "api.no_token": _lt("The Cegid API answered %(op)s without an access token."),
    "api.missing_fields": _lt("The Cegid API answered %(op)s without %(fields)s."),
    "api.unexpected_answer": _lt("The Cegid API answered %(op)s with an unexpected value."),
    "api.no_provider": _lt(
        "No Cegid data provider found for tenant %(tenant_id)s (tried %(candidates)s): find its GUID in the "
        "Cegid portal."),
    "api.unknown_scheduler": _lt("Cegid has no scheduled query with the id %(scheduler_id)s."),
    "op.token": _lt("the token request"),
    "op.sas": _lt("the SAS request"),
    "op.discovery": _lt("the discovery of “%(candidate)s”"),
    "op.list_schedulers": _lt("the list of scheduled queries"),
    "op.update_scheduler": _lt("the update of the scheduled query “%(name)s”"),
    "azure.denied": _lt("Azure refused the SAS (HTTP %(status)s %(azure_error)s): check its permissions and expiry"),
    "azure.not_found": _lt("Azure Blob Storage answered HTTP %(status)s %(azure_error)s: the container does not exist"),
    "azure.modified": _lt("the blob changed in Azure (HTTP %(status)s)"),
    "azure.refused": _lt("Azure Blob Storage answered HTTP %(status)s %(azure_error)s"),
    "azure.unreachable": _lt("Azure Blob Storage cannot be reached (%(host)s): %(detail)s"),
    "azure.connection_lost": _lt("the connection to Azure was lost (%(detail)s)"),
    "azure.cut_in_headers": _lt("the connection to Azure was lost (an answer cut in its headers)"),
    "azure.cut_in_body": _lt("the connection to Azure was lost (an answer cut in its body)"),
    "azure.out_of_time": _lt(
        "Azure Blob Storage did not answer within the time Odoo allows (%(host)s): the next run goes on."),
    "azure.expired": _lt("The SAS URL expired on %(expiry)s: generate a new one in the Cegid portal, or use the API "
                         "connection mode."),
    "azure.sas_permissions": _lt(
        "The SAS URL's permissions are “%(permissions)s”: read, list and delete are needed."),
    "sas.expires_soon": _lt("The SAS URL expires soon, on %(expiry)s."),
    "transfer.lock_held": _lt("Another download is running on %(folder)s: nothing done."),
    "step.token": _lt("token"),
    "step.sas": _lt("SAS"),
    "step.listing": _lt("listing"),
    "check.token_obtained": _lt("token obtained"),
    "check.sas_obtained": _lt("SAS URL obtained, valid until %(expiry)s"),
    "check.sas_set": _lt("SAS URL set, valid until %(expiry)s"),
    "check.sas_no_expiry": _lt("SAS URL without an expiry date"),
    "check.listing": _lt("%(count)s file(s) waiting in Azure (%(bytes)s)"),
    "file.name_refused": _lt("Name refused: %(reason)s; left in Azure."),
    "file.not_started": _lt("Not started before the time limit: left in Azure for the next run."),
    "file.continued": _lt("Stopped at the time limit, %(kept)s bytes kept: the next run continues it."),
    "file.resumed": _lt("Continued from byte %(offset)s of an earlier download."),
    "file.reexported": _lt("Re-exported in Azure during its download: left there for the next run."),
    "file.gone": _lt("No longer in Azure."),
    "file.download_failed": _lt("Download failed. %(reason)s"),
    "file.disk_full": _lt("Disk full or file too large in the import folder (%(detail)s)."),
    "file.write_failed": _lt("Cannot write in the import folder (%(detail)s)."),
    "file.no_hard_links": _lt(
        "The import folder's file system cannot give a file a second name (hard links), which a delivery that never "
        "overwrites needs: put the import folder on a Linux file system (ext4, XFS) or NFS, not FAT or a Windows "
        "share."),
    "file.part_short": _lt("The kept part of an earlier download had %(length)s bytes where %(expected)s were "
                           "written: dropped, the next run downloads the file from the start."),
    "file.incomplete": _lt("Incomplete download (%(received)s of %(size)s bytes)."),
    "file.md5_mismatch": _lt("The content does not match its Content-MD5."),
    "file.unexpected": _lt("Unexpected error: %(detail)s"),
    "file.not_deleted": _lt(
        "Delivered, but not deleted from Azure: the next run deletes it without delivering it again. %(reason)s"),
    "file.newer_version_kept": _lt("A newer version arrived in Azure meanwhile: kept there for the next run."),
    "file.already_removed": _lt("Already removed from Azure."),
    "file.delivered_earlier": _lt("Delivered by an earlier run (as %(local_name)s); now deleted from Azure."),
    "name.empty": _lt("empty name"),
    "name.backslash": _lt("contains a backslash"),
    "name.absolute": _lt("absolute path"),
    "name.drive_letter": _lt("starts with a drive letter"),
    "name.control_characters": _lt("contains control or invisible characters"),
    "name.dot_segment": _lt("contains “.” or “..” path segments"),
    "name.ends_with_slash": _lt("empty base name (ends with “/”)"),
    "name.hidden": _lt("hidden name (starts with “.”)"),
    "name.reserved": _lt("the name of a sub-folder of the import folder (archive, anomalie)"),
    "name.not_portable": _lt("a name Windows refuses (CON, NUL, COM1…, or ending with a dot or a space)"),
    "name.not_encodable": _lt("a character the server's file names cannot hold (encoding %(encoding)s: run Odoo "
                              "in a UTF-8 locale)"),
    "name.too_long": _lt("base name longer than %(max_bytes)s bytes"),
}

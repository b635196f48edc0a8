# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Typed errors and message codes of the Cegid Data Access core.

The core never writes a sentence for a user: it raises errors, and returns
outcomes, that carry a *code* and *parameters*. Each front end renders them in
its reader's language: Odoo with ``env._`` at display time
(``models/cegid_message.py``), the command-line scripts with their own wording
(``cli_text.py``). ``CODES`` is the whole vocabulary, declared once: every code
with the names of its parameters; both renderers are tested against it.

A parameter ending in ``_code`` holds another code (a reason, an operation),
rendered in turn. Parameters are plain values (names, numbers, statuses, ISO
dates); any text that came from a service (``detail``) is already redacted.

Every error also carries the process exit status the command-line scripts use,
so that the scripts and Odoo react to the same failure in the same way.
"""

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_CONNECTION = 3
EXIT_UNEXPECTED = 4  # an error no code expected (a bug): the scripts print one redacted line, no traceback

# code -> names of its parameters. Grouped by where the code comes from.
CODES = {
    # settings (ConfigError: ``setting`` is the canonical setting name)
    "config.missing": ("setting",),
    "config.not_http_url": ("setting",),
    "config.not_https": ("setting",),
    "config.url_with_credentials": ("setting",),
    "config.not_digits": ("setting",),
    "config.stray_characters": ("setting",),
    "config.bad_force_time": ("setting", "value"),
    "config.bad_mode": ("setting", "value", "modes"),
    "config.bad_sas_url": ("setting",),
    "config.url_with_spaces": ("setting",),
    "config.not_a_string": ("setting",),
    "config.not_a_folder": ("setting", "path"),
    "config.not_writable": ("setting", "path", "detail"),
    "config.staging_unusable": ("setting", "path", "detail"),
    "config.provider_missing": ("setting",),
    "config.unknown_provider": ("setting", "provider_id"),
    # config.py itself (setting "config")
    "config.file_missing": ("setting", "path"),
    "config.file_unreadable": ("setting", "path", "detail"),
    "config.file_syntax": ("setting", "path", "line"),
    "config.file_not_literal": ("setting", "path", "line", "name"),
    "config.file_not_plain": ("setting", "path", "line", "name"),
    "config.file_star_import": ("setting", "path", "line", "module"),
    # the import of the files (Odoo only: raised by cegid_import/, rendered by models/cegid_message.py)
    "import.empty_file": (),
    "import.header_incomplete": ("export", "missing"),
    "import.duplicate_column": ("export", "column"),  # no longer raised (issue 20): history lines hold it
    "import.header_unreadable": ("detail_code", "detail"),
    "import.bad_export_name": ("name",),
    "import.name_taken": ("name", "model", "other"),
    "import.nul_character": (),
    "import.utf16": (),
    "import.bad_utf8": ("offset", "line"),
    "import.mixed_encoding": ("offset", "line"),
    "import.bad_line": ("line", "problem_code"),
    "import.bad_value": ("line", "column", "value", "problem_code"),
    "import.header_changed": ("export", "added", "removed", "renamed"),
    "import.waiting_review": ("export",),
    "import.table_created": ("export",),
    "import.table_updated": ("export",),
    "import.updating": ("export",),
    "import.update_interrupted": ("export",),
    "import.update_cut": ("export", "limit"),
    "import.table_busy": ("export",),
    "import.update_table_busy": ("export",),
    "import.held_missing": ("file",),
    "import.columns_added": ("export", "columns"),
    "import.failed": ("error",),
    # the import's own failures (ImportFailure: the file stays for the next run)
    "import.batch_unreadable": (),
    "import.table_lacks_columns": ("table", "columns"),
    "import.index_unreadable": ("index", "definition"),
    "import.unknown_privilege": ("table", "privilege"),
    "import.unsafe_name": ("name",),
    "import.interrupted": (),
    "import.cut_retried": ("limit",),
    "import.cut_twice": ("limit",),
    "import.cut_by_time_limit": ("limit",),
    "import.part_cut_by_time_limit": ("cuts", "limit", "rows"),
    "import.loading": ("rows",),
    "import.swap_waiting": ("rows",),
    "import.swap_held": ("rows", "sessions"),
    "import.profiling": ("export", "rows"),
    "import.superseded": ("file",),
    "import.older_than_table": ("file",),
    "import.load_abandoned": ("file",),
    "import.file_gone": ("file",),
    "import.move_failed": ("folder", "error"),
    "import.note_failed": ("note", "error"),
    # what is wrong with a line or a value (the ``problem_code`` of the two above)
    "import.line.field_count": ("count", "width"),
    "import.line.unreadable": ("detail_code", "detail"),
    "import.line.quote_spans_rows": ("column",),
    "import.line.value_without_column": ("position", "value"),
    # what the csv module found wrong (the ``detail_code`` of the two "unreadable" codes)
    "import.csv.quote_expected": ("expected", "after"),
    "import.csv.quote_not_closed": (),
    "import.csv.line_break": (),
    "import.csv.nul": (),
    "import.csv.field_too_large": ("limit",),
    "import.header.too_long": ("limit",),
    "import.header.too_many_columns": ("count", "limit"),
    "import.header.quote_before": (),
    "import.value.not_a_number": (),
    "import.value.not_whole": (),
    "import.value.out_of_range": (),
    "import.value.number_out_of_range": (),
    "import.value.not_a_date": (),
    "import.value.time_of_day": (),
    "import.value.leading_zero": (),
    "import.value.exponent": (),
    "import.value.invalid_date": (),
    "import.value.invalid_date_in_order": ("order", "order_line", "order_column", "order_value"),
    "import.value.invalid_date_in_default_order": ("order",),
    "import.value.too_long_for_index": ("size", "limit"),
    # the Cegid API (``op_code`` names the call, one of the "op." codes)
    "api.unreachable": ("op_code", "host", "attempts"),
    "api.timeout": ("op_code", "host", "attempts"),
    "api.out_of_time": ("op_code", "host"),
    "api.tls_failed": ("op_code", "host", "reason"),
    "api.broken_answer": ("op_code", "host"),
    "api.credentials_refused": ("op_code", "status", "detail"),
    "api.refused": ("op_code", "status", "detail"),
    "api.not_json": ("op_code", "status", "content_type", "start"),
    "api.no_token": ("op_code",),
    "api.missing_fields": ("op_code", "fields"),
    "api.unexpected_answer": ("op_code",),
    "api.no_provider": ("tenant_id", "candidates"),
    "api.unknown_scheduler": ("scheduler_id",),
    "op.token": (),
    "op.sas": (),
    "op.discovery": ("candidate",),
    "op.list_schedulers": (),
    "op.update_scheduler": ("name",),
    # Azure Blob Storage (``azure_error``: Azure's own error code, e.g. AuthorizationPermissionMismatch)
    "azure.denied": ("status", "azure_error"),
    "azure.not_found": ("status", "azure_error"),
    "azure.modified": ("status", "azure_error"),
    "azure.refused": ("status", "azure_error"),
    "azure.unreachable": ("host", "detail"),
    "azure.connection_lost": ("detail",),
    "azure.cut_in_headers": (),
    "azure.cut_in_body": (),
    "azure.out_of_time": ("host",),
    "azure.expired": ("expiry",),
    "azure.sas_permissions": ("permissions",),
    # warnings of a transfer run
    "sas.expires_soon": ("expiry",),
    "transfer.lock_held": ("folder",),
    # the steps of the connection check (labels), and what each found
    "step.token": (),
    "step.sas": (),
    "step.listing": (),
    "check.token_obtained": (),
    "check.sas_obtained": ("expiry",),
    "check.sas_set": ("expiry",),
    "check.sas_no_expiry": (),
    "check.listing": ("count", "bytes"),
    # one file of a transfer (``reason_code``: an "azure.", "file." or "name." code)
    "file.name_refused": ("reason_code",),
    "file.not_started": (),
    "file.continued": ("kept",),
    "file.resumed": ("offset",),
    "file.reexported": (),
    "file.gone": (),
    "file.download_failed": ("reason_code",),
    "file.disk_full": ("detail",),
    "file.write_failed": ("detail",),
    "file.no_hard_links": (),
    "file.part_short": ("length", "expected"),
    "file.incomplete": ("received", "size"),
    "file.md5_mismatch": (),
    "file.unexpected": ("detail",),
    "file.not_deleted": ("reason_code",),
    "file.newer_version_kept": (),
    "file.already_removed": (),
    "file.delivered_earlier": ("local_name",),
    # why a blob name is refused
    "name.empty": (),
    "name.backslash": (),
    "name.absolute": (),
    "name.drive_letter": (),
    "name.control_characters": (),
    "name.dot_segment": (),
    "name.ends_with_slash": (),
    "name.hidden": (),
    "name.reserved": (),
    "name.not_portable": (),
    "name.not_encodable": ("encoding",),
    "name.too_long": ("max_bytes",),
}


class CegidError(Exception):
    """Base class of every expected failure: rendered for users from ``code`` and ``params``, no traceback.

    ``str()`` of an error is for logs and tests only (the code and its
    parameters), never shown to a user as a sentence.
    """

    exit_code = EXIT_CONNECTION

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params

    def __str__(self):
        if not self.params:
            return self.code
        return f"{self.code} ({', '.join(f'{key}={value!r}' for key, value in self.params.items())})"


class ConfigError(CegidError):
    """A setting is missing or invalid; ``setting`` is its canonical name (each front end names it its way)."""

    exit_code = EXIT_CONFIG

    def __init__(self, code, setting, **params):
        super().__init__(code, setting=setting, **params)
        self.setting = setting


class DiskFull(CegidError):
    """The import folder's disk (or quota) is full before anything is transferred: no blob is touched."""

    exit_code = EXIT_PARTIAL


class ConnectionFailure(CegidError):
    """The service could not be reached, or answered too slowly."""


class ApiError(CegidError):
    """Cegid answered with an error status, or with something unreadable; ``status`` when known."""

    def __init__(self, code, status=None, **params):
        if status is not None:
            params["status"] = status
        super().__init__(code, **params)
        self.status = status


class AuthenticationError(ApiError):
    """Credentials refused (401/403) or a SAS that expired."""


class NotFoundError(ApiError):
    """The resource does not exist (404)."""

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The wording of the command-line scripts: every code of ``errors.CODES`` as a sentence.

Odoo renders the same codes in its reader's language (``models/cegid_message.py``);
the scripts keep the wording their users already read in cron logs. A
parameter ending in ``_code`` is itself a code, rendered with the same parameters.
A value quoted in a sentence (a setting's, a name) is in typographic quotes, “6h”,
as Odoo shows it, not as Python writes it ('6h'); its control characters are
escaped with the whole sentence (``shown``).
"""

import datetime
import re
import unicodedata

from .settings import ENV_PREFIX, config_py_name

TEXTS = {
    "config.missing": "{setting} is missing",
    "config.not_http_url": "{setting} must be an http:// or https:// URL",
    "config.not_https": ("{setting} must be an https:// URL: over http:// the credentials would cross the network "
                         "in clear text (http:// is only accepted to this machine: localhost, 127.0.0.1, [::1])"),
    "config.url_with_credentials": ("{setting} must not hold a user name or a password (user:password@ before the "
                                    "host): remove them, they would show in messages and logs"),
    "config.not_digits": "{setting} must be the Cegid account number (digits only)",
    "config.stray_characters": ("{setting} starts or ends with a space, or holds a line break, an accent or another "
                                "character no key holds: copy it again"),
    "config.bad_force_time": "{setting} must read HH:MM (UTC), e.g. 06:00, not “{value}”",
    "config.bad_mode": "{setting} must be one of {modes}, not “{value}”",
    "config.bad_sas_url": "{setting} must be a container SAS URL (https://.../<container>?sv=...&sig=...)",
    "config.url_with_spaces": "{setting} holds a space or a line break: copy it again, whole",
    "config.not_a_string": "{setting} must be a string",
    "config.not_a_folder": "{setting} is not an existing folder: {path}",
    "config.not_writable": "{setting} is not writable: {path}: {detail}",
    "config.staging_unusable": ("{setting}: a file the transfers keep there cannot be read or changed: {path}: "
                                "{detail}. Nothing was downloaded or deleted: the script and Odoo must be able to "
                                "read and change each other's files there (the same user, or a shared group)"),
    "config.provider_missing": ("{setting} is missing: run cegid-requetes.py --discover and copy the "
                                "cegid_provider_id line it prints"),
    "config.unknown_provider": ("{setting} {provider_id} is unknown to Cegid: run cegid-requetes.py "
                                "--discover and copy the cegid_provider_id line it prints"),
    "config.file_missing": "{path} does not exist (copy config.py.sample to config.py)",
    "config.file_unreadable": "cannot read {path}: {detail}",
    "config.file_syntax": "{path}, line {line}: invalid Python syntax",
    "config.file_not_literal": "{path}, line {line}: {name} must be a plain value (a string in quotes)",
    "config.file_not_plain": ("{path}, line {line}: {name} cannot be read there: config.py settings must be plain "
                              "top-level assignments of literal values (name = \"value\"), outside any if, try, "
                              "with or other block"),
    "config.file_star_import": ("{path}, line {line}: the settings of from {module} import * cannot be read: "
                                "config.py settings must be plain top-level assignments of literal values "
                                "(name = \"value\") in config.py itself"),
    "api.unreachable": "Cegid API unreachable ({op}): connection failed ({host}; attempts: {attempts})",
    "api.timeout": "Cegid API unreachable ({op}): timed out ({host}; attempts: {attempts})",
    "api.out_of_time": "Cegid API: no answer within the time allowed ({op}, {host}); try again later",
    "api.tls_failed": "Cegid API unreachable ({op}): the secure connection (TLS) failed ({host}): {reason}",
    "api.broken_answer": "Cegid API: the answer to {op} broke off or could not be read ({host})",
    "api.credentials_refused": ("Cegid API refused {op} (HTTP {status}): {detail} (check cegid_tenant_id, "
                                "cegid_api_key_id, cegid_api_key_secret and cegid_subscription_key)"),
    "api.refused": "Cegid API refused {op} (HTTP {status}): {detail}",
    "api.not_json": ("Cegid API answered {op} with something that is not JSON (HTTP {status}, {content_type}): "
                     "“{start}”"),
    "api.no_token": "Cegid API answered {op} without an accessToken",
    "api.missing_fields": "Cegid API answered {op} without {fields}",
    "api.unexpected_answer": "Cegid API answered {op} with an unexpected JSON value",
    "api.no_provider": ("no Cegid data provider found for tenant {tenant_id} (tried {candidates}): "
                        "find its GUID in the Cegid portal"),
    "api.unknown_scheduler": "no scheduled query has the id {scheduler_id} (see --list)",
    "op.token": "the token request",
    "op.sas": "the SAS request",
    "op.discovery": "discovery of “{candidate}”",
    "op.list_schedulers": "the list of scheduled queries",
    "op.update_scheduler": "the update of scheduled query “{name}”",
    "azure.denied": "Azure refused the SAS (HTTP {status} {azure_error}): check its permissions and expiry",
    "azure.not_found": "Azure Blob Storage answered HTTP {status} {azure_error}: the container does not exist",
    "azure.modified": "the blob changed in Azure (HTTP {status})",
    "azure.refused": "Azure Blob Storage answered HTTP {status} {azure_error}",
    "azure.unreachable": "cannot reach Azure Blob Storage ({host}): {detail}",
    "azure.connection_lost": "connection to Azure lost ({detail})",
    "azure.cut_in_headers": "connection to Azure lost (an answer cut in its headers)",
    "azure.cut_in_body": "connection to Azure lost (an answer cut in its body)",
    "azure.out_of_time": "Azure Blob Storage: no answer within the time allowed ({host}); the next run goes on",
    "azure.expired": ("the SAS URL expired on {expiry}: generate a new one in the Cegid portal "
                      "(or use mode = \"api\")"),
    "azure.sas_permissions": "the SAS URL's permissions are '{permissions}': read, list and delete are needed",
    "sas.expires_soon": "the SAS URL expires soon, on {expiry}",
    "transfer.lock_held": "another transfer is running on {folder}: nothing done",
    "step.token": "token",
    "step.sas": "SAS",
    "step.listing": "listing",
    "check.token_obtained": "token obtained",
    "check.sas_obtained": "SAS URL obtained, valid until {expiry}",
    "check.sas_set": "SAS URL set, valid until {expiry}",
    "check.sas_no_expiry": "SAS URL without an expiry date",
    "check.listing": "{count} blob(s) waiting, {bytes} bytes",
    "file.name_refused": "name refused: {reason}; left in Azure",
    "file.not_started": "not started before the time limit: left in Azure for the next run",
    "file.continued": "stopped at the time limit, {kept} bytes kept: the next run continues it",
    "file.resumed": "continued from byte {offset} of an earlier download",
    "file.reexported": "re-exported in Azure during its download: left there for the next run",
    "file.gone": "no longer in Azure",
    # a reason may be a sentence of its own (azure.out_of_time): it comes last, after a colon, not in parentheses
    "file.download_failed": "download failed: {reason}",
    "file.disk_full": "disk full or file too large in the import folder ({detail})",
    "file.write_failed": "cannot write in the import folder ({detail})",
    "file.no_hard_links": ("the import folder's file system cannot give a file a second name (hard links), which a "
                           "delivery that never overwrites needs: use a Linux file system (ext4, XFS) or NFS, not "
                           "FAT or a Windows share"),
    "file.part_short": ("the kept part of an earlier download had {length} bytes where {expected} were written: "
                        "dropped, the next run downloads the file from the start"),
    "file.incomplete": "incomplete download ({received} of {size} bytes)",
    "file.md5_mismatch": "content does not match its Content-MD5",
    "file.unexpected": "unexpected error: {detail}",
    "file.not_deleted": ("delivered, but not deleted from Azure (the next run deletes it without delivering it "
                         "again): {reason}"),
    "file.newer_version_kept": "a newer version arrived in Azure meanwhile: kept there for the next run",
    "file.already_removed": "already removed from Azure",
    "file.delivered_earlier": "delivered by an earlier run (as {local_name}); now deleted from Azure",
    "name.empty": "empty name",
    "name.backslash": "contains a backslash",
    "name.absolute": "absolute path",
    "name.drive_letter": "starts with a drive letter",
    "name.control_characters": "contains control or invisible characters",
    "name.dot_segment": "contains '.' or '..' path segments",
    "name.ends_with_slash": "empty base name (ends with '/')",
    "name.hidden": "hidden name (starts with '.')",
    "name.reserved": "the name of a sub-folder of the import folder (archive, anomalie)",
    "name.not_portable": "a name Windows refuses (CON, NUL, COM1..., or ending with a dot or a space)",
    "name.not_encodable": "a character this system's file names cannot hold (encoding {encoding}: run the script "
                          "in a UTF-8 locale)",
    "name.too_long": "base name longer than {max_bytes} bytes",
}


# what a terminal or a log reader takes for something else than a character of a name: controls (C0 and C1: line
# breaks, ESC starting a terminal sequence, DEL), Unicode's line and paragraph separators, and its format
# characters (bidi controls that show a name reversed, "x\u202eVSC.exe" as "xexe.CSV"; zero-width ones that hide
# a difference, U+200B, U+FEFF)
_UNSHOWABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
# the characters to look at: all but printable ASCII (which shows as it is)
_NOT_PLAIN = re.compile("[^\x20-\x7e]")


def shown(text, keep_lines=False):
    """``text`` as the scripts print it: each control or format character escaped as Python writes it (``\\n``,
    ``\\x1b``, ``\\u202e``).

    A name from Azure or Cegid (a blob, a scheduled query) can hold any character: unescaped, a line break
    would forge lines of the output (``x\\n[1/1] DONE ...``), an ESC would drive the terminal, a bidi control
    would show it reversed. With ``keep_lines`` (a text of several lines, e.g. a query's SQL) line breaks and
    tabs are kept; a Windows line end reads as a line end. Idempotent: what it writes is printable, a backslash
    is kept as it is.
    """
    text = str(text)
    if keep_lines:
        return _NOT_PLAIN.sub(_escaped_but_lines, text.replace("\r\n", "\n"))
    return _NOT_PLAIN.sub(_escaped, text)


def _escaped(match):
    """The character matched, escaped when it is a control, separator or format one."""
    char = match.group()
    return repr(char)[1:-1] if unicodedata.category(char) in _UNSHOWABLE_CATEGORIES else char


def _escaped_but_lines(match):
    """As ``_escaped``, a line break or a tab kept."""
    return match.group() if match.group() in "\n\t" else _escaped(match)


def where_to_set(setting):
    """Where the scripts' user sets ``setting``: config.py or its environment variable ("" for config.py itself)."""
    if not setting or setting == "config":
        return ""
    return f"config.py, or the environment variable {ENV_PREFIX}{setting.upper()}"


def render(code, params):
    """The sentence of ``code`` with ``params``; nested ``*_code`` parameters rendered first."""
    values = {key: value for key, value in params.items() if not key.endswith("_code")}
    for key, value in params.items():
        if key.endswith("_code") and value:
            values[key[: -len("_code")]] = render(value, {k: v for k, v in params.items() if k != key})
    if params.get("setting") and params["setting"] != "config":
        values["setting"] = config_py_name(params["setting"])
    if params.get("expiry"):
        values["expiry"] = shown_moment(params["expiry"])
    template = TEXTS.get(code)
    if template is None:
        return shown(code)
    # a parameter may be a name from Azure or Cegid (a blob, a query)
    return shown(template.format_map(_Missing(values)))


def shown_moment(text):
    """A moment parameter (ISO 8601) as the scripts write it: ``2026-11-28 10:15:00 UTC``; any other text as it is."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def describe(error):
    """The sentence of a CegidError; for a change Cegid may still make (its answer lost), how to see whether it did."""
    sentence = render(error.code, error.params)
    if getattr(error, "change_unconfirmed", False):
        sentence += " Cegid may still make this change: run --list in a few minutes to see it."
    return sentence


class _Missing(dict):
    """format_map values where a parameter the caller did not give reads as "-" rather than failing."""

    def __missing__(self, key):
        return "-"

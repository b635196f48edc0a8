# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The wording of the command-line scripts: every code of ``errors.CODES`` as a sentence.

Odoo renders the same codes in its reader's language (``models/cegid_message.py``);
the scripts keep the wording their users already read in cron logs. A
parameter ending in ``_code`` is itself a code, rendered with the same parameters.
"""

from .settings import ENV_PREFIX, config_py_name

TEXTS = {
    "config.missing": "{setting_name} is missing",
    "config.not_http_url": "{setting_name} must be an http:// or https:// URL",
    "config.not_digits": "{setting_name} must be the Cegid account number (digits only)",
    "config.bad_force_time": "{setting_name} must read HH:MM (UTC), e.g. 06:00, not {value!r}",
    "config.bad_mode": "{setting_name} must be one of {modes}, not {value!r}",
    "config.bad_sas_url": "{setting_name} must be a container SAS URL (https://...?sv=...&sig=...)",
    "config.not_a_string": "{setting_name} must be a string",
    "config.not_a_folder": "{setting_name} is not an existing folder: {path}",
    "config.not_writable": "{setting_name} is not writable: {path}: {detail}",
    "config.provider_missing": ("{setting_name} is missing: run cegid-requetes.py --discover and copy the "
                                "cegid_provider_id line it prints"),
    "config.unknown_provider": ("{setting_name}: {provider_id} is unknown to Cegid: run cegid-requetes.py "
                                "--discover and copy the cegid_provider_id line it prints"),
    "config.file_missing": "{path} does not exist (copy config.py.sample to config.py)",
    "config.file_unreadable": "cannot read {path}: {detail}",
    "config.file_syntax": "{path}, line {line}: invalid Python syntax",
    "config.file_not_literal": "{path}, line {line}: {name} must be a plain value (a string in quotes)",
    "api.unreachable": "Cegid API unreachable ({op}): connection failed ({host}, {attempts} attempts)",
    "api.timeout": "Cegid API unreachable ({op}): timed out ({host}, {attempts} attempts)",
    "api.credentials_refused": ("Cegid API refused {op} (HTTP {status}): {detail} (check cegid_tenant_id, "
                                "cegid_api_key_id, cegid_api_key_secret and cegid_subscription_key)"),
    "api.refused": "Cegid API refused {op} (HTTP {status}): {detail}",
    "api.not_json": ("Cegid API answered {op} with something that is not JSON (HTTP {status}, {content_type}): "
                     "{start!r}"),
    "api.no_token": "Cegid API answered {op} without an accessToken",
    "api.missing_fields": "Cegid API answered {op} without {fields}",
    "api.unexpected_answer": "Cegid API answered {op} with an unexpected JSON value",
    "api.no_provider": ("no Cegid data provider found for tenant {tenant_id} (tried {candidates}): "
                        "find its GUID in the Cegid portal"),
    "api.unknown_scheduler": "no scheduled query has the id {scheduler_id} (see --list)",
    "op.token": "the token request",
    "op.sas": "the SAS request",
    "op.discovery": "discovery of {candidate!r}",
    "op.list_schedulers": "the list of scheduled queries",
    "op.update_scheduler": "the update of scheduled query {name!r}",
}


def _setting_name(setting):
    """A setting as the scripts' user knows it: its config.py name and its environment variable."""
    if not setting or setting == "config":
        return "config.py"
    return f"{config_py_name(setting)} (config.py, or the environment variable {ENV_PREFIX}{setting.upper()})"


def render(code, params):
    """The sentence of ``code`` with ``params``; nested ``*_code`` parameters rendered first."""
    values = {key: value for key, value in params.items() if not key.endswith("_code")}
    for key, value in params.items():
        if key.endswith("_code") and value:  # rendered with the other parameters (not itself: no endless nesting)
            values[key[: -len("_code")]] = render(value, {k: v for k, v in params.items() if k != key})
    if "setting" in params:
        values["setting_name"] = _setting_name(params["setting"])
    template = TEXTS.get(code)
    if template is None:
        return code
    return template.format_map(_Missing(values))


def describe(error):
    """The sentence of a CegidError."""
    return render(error.code, error.params)


class _Missing(dict):
    """format_map values where a parameter the caller did not give reads as "-" rather than failing."""

    def __missing__(self, key):
        return "-"

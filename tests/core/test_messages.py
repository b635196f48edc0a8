# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The message vocabulary: every code the core may raise has the scripts' sentence, and only those."""

import string

from cegid_data_access.cli_text import TEXTS, render
from cegid_data_access.errors import CODES, ConfigError

# rendered only by Odoo: the import of the files is not the scripts' business
ODOO_ONLY = ("import.",)
SCRIPT_CODES = {code for code in CODES if not code.startswith(ODOO_ONLY)}


def placeholders(template):
    return {name for _text, name, _spec, _conversion in string.Formatter().parse(template) if name}


def test_the_scripts_have_a_sentence_for_every_code_and_no_other():
    assert set(TEXTS) == SCRIPT_CODES


def declared(code):
    """The parameters a code declares, as its sentences name them (a nested code by its name without _code)."""
    names = {name.removesuffix("_code") for name in CODES[code]}
    return names | ({"setting_name"} if "setting" in names else set())


def test_every_placeholder_is_a_declared_parameter():
    undeclared = {code: placeholders(TEXTS[code]) - declared(code) for code in SCRIPT_CODES}
    assert {code: names for code, names in undeclared.items() if names} == {}


def test_nested_codes_and_setting_names_are_rendered():
    text = render("api.refused", {"op_code": "op.update_scheduler", "name": "ECRITURE", "status": 400,
                                  "detail": "bad date"})
    assert text == "Cegid API refused the update of scheduled query “ECRITURE” (HTTP 400): bad date"
    error = ConfigError("config.not_digits", "tenant_id")
    assert render(error.code, error.params) == "cegid_tenant_id must be the Cegid account number (digits only)"


def test_a_value_is_quoted_as_odoo_quotes_it_not_as_python_writes_it():
    """'6h', 'sas' or '<html>\\n' read as Python code; the sentences quote values as Odoo's do, “6h”."""
    assert render("config.bad_force_time", {"setting": "force_time", "value": "6h"}) == (
        "cegid_force_time must read HH:MM (UTC), e.g. 06:00, not “6h”")
    assert render("config.bad_mode", {"setting": "mode", "value": "sas", "modes": "api, sas_url"}) == (
        "mode must be one of api, sas_url, not “sas”")
    assert render("api.refused", {"op_code": "op.discovery", "candidate": "cegid-xrp", "status": 404,
                                  "detail": "Not Found"}) == (
        "Cegid API refused discovery of “cegid-xrp” (HTTP 404): Not Found")
    assert render("api.not_json", {"op_code": "op.token", "status": 200, "content_type": "text/html",
                                   "start": "<html>"}) == (
        "Cegid API answered the token request with something that is not JSON (HTTP 200, text/html): “<html>”")


def test_a_quoted_value_with_a_quote_or_a_control_character_cannot_forge_a_line():
    text = render("op.update_scheduler", {"name": "PAIE's\n[1/1] DONE\x1b[2J\u202e"})
    assert text == "the update of scheduled query “PAIE's\\n[1/1] DONE\\x1b[2J\\u202e”"


def test_a_missing_parameter_reads_as_a_dash_not_a_crash():
    assert render("api.refused", {"op_code": "op.token"}) == "Cegid API refused the token request (HTTP -): -"


def test_a_nested_code_is_rendered_with_the_other_parameters():
    params = {"reason_code": "azure.denied", "status": 403, "azure_error": "AuthorizationPermissionMismatch"}
    # a reason may be a sentence of its own: last, after a colon, not inside parentheses before more of the sentence
    assert render("file.not_deleted", params) == (
        "delivered, but not deleted from Azure (the next run deletes it without delivering it again): Azure refused "
        "the SAS (HTTP 403 AuthorizationPermissionMismatch): check its permissions and expiry")
    params = {"reason_code": "azure.out_of_time", "host": "acct.blob.core.windows.net"}
    assert render("file.download_failed", params) == (
        "download failed: Azure Blob Storage: no answer within the time allowed (acct.blob.core.windows.net); the next "
        "run goes on")


def test_a_count_of_one_reads_right():
    """A PUT that loses its connection has one attempt: "attempts: 1", not "1 attempts"."""
    text = render("api.unreachable", {"op_code": "op.token", "host": "api.cegid.example", "attempts": 1})
    assert text == "Cegid API unreachable (the token request): connection failed (api.cegid.example; attempts: 1)"

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The scripts' wording covers the whole vocabulary of codes, with the parameters each code declares."""

import string

from cegid_data_access.cli_text import TEXTS, render
from cegid_data_access.errors import CODES

# rendered only by Odoo (models/cegid_message.py): the import of the files is not the scripts' business
ODOO_ONLY = ("import.",)
SCRIPT_CODES = {code for code in CODES if not code.startswith(ODOO_ONLY)}


def test_every_code_has_a_text_and_no_text_is_left_without_its_code():
    assert sorted(SCRIPT_CODES ^ set(TEXTS)) == []


def test_each_text_uses_only_the_parameters_its_code_declares():
    for code, text in TEXTS.items():
        names = {field.split("!")[0] for _literal, field, _spec, _conv in string.Formatter().parse(text) if field}
        declared = {name.removesuffix("_code") for name in CODES[code]}
        if "setting" in CODES[code]:
            declared.add("setting_name")
        assert names <= declared, code


def test_a_nested_code_is_rendered_with_the_other_parameters():
    params = {"reason_code": "azure.denied", "status": 403, "azure_error": "AuthorizationPermissionMismatch"}
    assert render("file.not_deleted", params) == (
        "delivered, but not deleted from Azure (Azure refused the SAS (HTTP 403 AuthorizationPermissionMismatch): "
        "check its permissions and expiry): the next run deletes it without delivering it again")

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the scripts log shows no SAS signature nor secret: the message, and an unexpected error's traceback."""

import io
import logging

import pytest

from cegid_data_access import transfer
from cegid_data_access.cli import setup_logging

URL = "https://cegid.blob.core.windows.net/exports/ECRITURE.csv?sv=2022-11-02&sig=T0pS3cretSignature%3D"


@pytest.fixture
def script_log():
    """What the scripts' logging writes during one test; the root logger as it was afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    written = io.StringIO()
    setup_logging(secrets=["the-api-key-secret"]).setStream(written)
    yield written
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_traceback_logged_by_the_transfer_shows_no_signature(script_log):
    try:
        raise RuntimeError(f"GET {URL} failed with the-api-key-secret")
    except RuntimeError:
        transfer._logger.exception("unexpected error on %s", URL)
    written = script_log.getvalue()
    assert "Traceback" in written
    assert "RuntimeError: GET https://cegid.blob.core.windows.net/exports/ECRITURE.csv?sv=2022-11-02&sig=***" in written
    assert "T0pS3cret" not in written
    assert "the-api-key-secret" not in written


def test_a_malformed_log_call_neither_raises_nor_shows_the_signature(script_log):
    transfer._logger.warning("two values expected: %s %s", URL)
    written = script_log.getvalue()
    assert "sig=***" in written
    assert "T0pS3cret" not in written


def test_a_sas_url_url_encoded_in_another_url_shows_no_signature(script_log):
    transfer._logger.warning("redirected to https://login.example/?next=%s",
                             "https%3A%2F%2Fcegid.blob.core.windows.net%2Fexports%3Fsv%3D2022-11-02%26sig%3DT0pS3cret")
    written = script_log.getvalue()
    assert "sig%3D***" in written
    assert "T0pS3cret" not in written

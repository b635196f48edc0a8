# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An error the scripts do not expect still ends in one redacted line and a non-zero exit status, no traceback."""

from conftest import run_script

from cegid_data_access.errors import EXIT_UNEXPECTED
from cegid_testkit.simulator import write_config_py

# A subscription key holding a character an HTTP header cannot carry (headers are sent in Latin-1): the HTTP
# client's UnicodeEncodeError, which no code of the scripts expects (a line break, which requests would refuse
# quoting the key, is a setting error: tests/core/test_client.py).
BROKEN_KEY = "pasted-subscription-key-€-0123456789"


def test_an_unexpected_error_prints_one_redacted_line_and_exits_non_zero(cegid_simulator, tmp_path):
    values = cegid_simulator.config_py_values(cegid_subscription_key=BROKEN_KEY)
    result = run_script("cegid-requetes.py", "--config", str(write_config_py(tmp_path / "config.py", values)), "--list")
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_UNEXPECTED
    assert "Traceback" not in output
    for part in (*BROKEN_KEY.split("€"), cegid_simulator.api_key_secret):
        assert part not in output
    assert result.stderr.startswith("Unexpected error: UnicodeEncodeError: ")
    assert len(result.stderr.splitlines()) == 1

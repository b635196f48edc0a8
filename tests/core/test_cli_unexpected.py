# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An error the scripts do not expect still ends in one redacted line and a non-zero exit status, no traceback."""

import os
import subprocess
import sys

from conftest import SCRIPTS

from cegid_data_access.errors import EXIT_UNEXPECTED
from cegid_testkit.simulator import write_config_py

# Every error the scripts can foresee has a code of its own, so an unexpected one is a defect of theirs: the
# script runs with the listing of the queries made to fail as such a defect would, quoting a secret over two lines.
DEFECTIVE_RUN = """
import runpy, sys
from cegid_data_access.cegid_api.client import CegidClient

def defective_listing(self, provider_id=None):
    raise RuntimeError(f"defect near {{self.settings.api_key_secret!r}}\\nand {{self.settings.subscription_key}}")

CegidClient.list_schedulers = defective_listing
sys.argv = [{script!r}, "--config", {config!r}, "--list"]
runpy.run_path({script!r}, run_name="__main__")
"""


def test_an_unexpected_error_prints_one_redacted_line_and_exits_non_zero(cegid_simulator, tmp_path):
    config = write_config_py(tmp_path / "config.py", cegid_simulator.config_py_values())
    script = str(SCRIPTS / "cegid-requetes.py")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    env["PYTHONPATH"] = str(SCRIPTS.parent)
    result = subprocess.run([sys.executable, "-c", DEFECTIVE_RUN.format(script=script, config=str(config))],
                            capture_output=True, text=True, env=env, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == EXIT_UNEXPECTED
    assert "Traceback" not in output
    for secret in (cegid_simulator.api_key_secret, cegid_simulator.subscription_key):
        assert secret not in output
    assert result.stderr == "Unexpected error: RuntimeError: defect near '***' and ***\n"

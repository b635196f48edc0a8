# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""script-externe/config.py.sample: read as the scripts read it, its environment variables the ones they honour."""

import dataclasses
import re
from pathlib import Path

from cegid_data_access.settings import Settings, read_config_py, settings_from_config_py

SAMPLE = Path(__file__).resolve().parents[2] / "script-externe" / "config.py.sample"


def test_the_sample_reads_as_the_default_settings():
    assert settings_from_config_py(read_config_py(SAMPLE), environ={}) == Settings(
        import_folder="/opt/transfert-azure-cegid/import")


def test_the_variables_the_sample_lists_are_those_the_scripts_honour():
    listed = set(re.findall(r"\bCEGID_[A-Z_]+\b", SAMPLE.read_text(encoding="utf-8")))
    names = [field.name for field in dataclasses.fields(Settings)]
    environ = {f"CEGID_{name.upper()}": f"from-{name}" for name in names}
    assert listed == set(environ)
    settings = settings_from_config_py({}, environ=environ)
    assert all(getattr(settings, name) == f"from-{name}" for name in names)

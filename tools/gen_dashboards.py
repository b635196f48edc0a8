#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Write the shipped dashboards' files (``data/dashboards/*_dashboard.json``) from ``models/cegid_dashboard_json.py``.

Run after changing a dashboard's description; ``--check`` exits 1 when a file differs (tests/core runs it).
"""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "data" / "dashboards"


def _builder():
    spec = importlib.util.spec_from_file_location("cegid_dashboard_json", ROOT / "models" / "cegid_dashboard_json.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def expected_files():
    """{path: text} of every shipped dashboard file."""
    builder = _builder()
    files = {}
    for stem, dashboard in builder.SHIPPED.items():
        files[FOLDER / f"{stem}_dashboard.json"] = builder.dumps(builder.dashboard_json(dashboard))
        files[FOLDER / f"{stem}_sample_dashboard.json"] = builder.dumps(builder.sample_json(dashboard))
    return files


def main(argv):
    stale = []
    for path, text in expected_files().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if "--check" not in argv:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"dashboards: {'stale' if '--check' in argv else 'written'}: {path.relative_to(ROOT)}")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

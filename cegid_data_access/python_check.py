# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The first thing the command-line scripts do: stop, in one line, when the Python running them is too old.

They run in the customers' venvs, made for the original scripts (Python 3.6+); anything older than 3.10
would fail further on, on an import or a call, with a traceback and an exit status that tells something
else (1: some blobs not transferred). This module, and the scripts up to their call of it, must keep
to what Python 3.6 reads and has: no import beyond ``os`` and ``sys``, no newer syntax.
"""

import os
import sys

OLDEST = (3, 10)


def exit_if_python_too_old(script_path):
    """Exit with status 2 and one line on stderr when this Python is older than 3.10 (``OLDEST``)."""
    if sys.version_info >= OLDEST:
        return
    version = ".".join(str(part) for part in sys.version_info[:3])
    sys.stderr.write(f"{os.path.basename(script_path)} needs Python 3.10 or newer, and this is Python {version} "
                     f"({sys.executable}): recreate its venv with Python 3.10 or newer (python3.10 -m venv ...), "
                     "then pip install azure-storage-blob requests\n")
    sys.exit(2)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run a command; print its wall time, CPU time (user + system) and peak RSS (of it and its children) as JSON.

Used as a fresh wrapper per measurement, so that RUSAGE_CHILDREN covers one run only.
"""

import json
import resource
import subprocess
import sys
import time

started = time.monotonic()
status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kib = usage.ru_maxrss  # KiB on Linux
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "user": usage.ru_utime,
                  "system": usage.ru_stime, "peak_rss_mib": peak_kib / 1024,
                  "status": status.returncode,
                  "stderr": status.stderr.decode(errors="replace")[-500:]}))

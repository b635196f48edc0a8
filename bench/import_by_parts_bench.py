#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark: an export too long for one cron run, imported by parts under Odoo's default limits, against at once.

Not a test: run by hand (see bench/README.md). On a throwaway PostgreSQL 15
and a real Odoo 18 with the addon, a ``--rows``-row ECRITURE export (default
20,000,000, about 1.9 GB) is imported:

1. at once, by ``is.cegid.import._import_folder()`` in an ``odoo-bin shell``
   (no time limit): the table filled, then replaced by the same file, measured;
2. by parts (``--by-parts server``): the same file replacing the same table,
   by the import cron of a real ``odoo-bin --workers 2`` server with Odoo's
   default limits (``limit_time_real`` 120 s, ``limit_time_cpu`` 60 s), the
   cron due when the server starts, as an hourly run is; nobody touches
   anything until the import is done. Odoo runs its cron workers at nice 10:
   on a shared machine they get less CPU than the ``odoo-bin shell`` of (1);
3. by parts in a shell (``--by-parts shell``): the same replacement, in an
   ``odoo-bin shell`` as (1), ``_import_folder`` called again and again with
   the deadlines the cron's runs had (20 s, then 49 s): the cost of loading
   by parts itself, like with like.

Both replacements compare the snapshots (identical here), as production does.
Reported: the import's own time (its record's duration, the runs' time summed),
the wall time from the first run's start to the end, the runs, and any
watchdog kill or CPU limit line in the server's log.
"""

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "bench"), str(REPO / "tools"), str(REPO / "tests")]

from import_bench import COPY_SCRIPT, DBNAME, bench_database, run_shell  # noqa: E402
from run_odoo_suite import odoo_command  # noqa: E402

from cegid_testkit.samples import write_export  # noqa: E402

KILLS = re.compile(r"WorkerCron \(\d+\) timeout after|CPU time limit")
RUN_START = re.compile(r"^(\S+ \S+) .*Job 'Cegid: import downloaded exports' \(\d+\) starting", re.MULTILINE)
PREPARE = """
params = env["ir.config_parameter"].sudo()
params.set_param("is_cegid2odoo.import_folder", {folder!r})
params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
params.set_param("is_cegid2odoo.skip_comparison", False)
for xmlid in ("ir_cron_cegid_download", "ir_cron_cegid_sync_queries"):
    env.ref("is_cegid2odoo." + xmlid).active = False
cron = env.ref("is_cegid2odoo.ir_cron_cegid_import")
cron.nextcall = "2000-01-01 00:00:00"
env["ir.cron.trigger"].search([]).unlink()
env.cr.commit()
print("BENCH {{}}")
"""


def query(cluster, sql, params=()):
    """The rows of one query on the benchmark's database (a connection of its own)."""
    connection = psycopg2.connect(**cluster.dsn("odoo", DBNAME))
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def by_parts(src, cluster, workdir, folder, source, timeout):
    """The file imported by the import cron of a server with workers and Odoo's default limits; its figures."""
    run_shell(src, cluster, workdir, PREPARE.format(folder=str(folder)))
    [(last_id,)] = query(cluster, "SELECT coalesce(max(id), 0) FROM is_cegid_import")
    shutil.copyfile(source, folder / "ECRITURE.csv")  # dropped now, newer than the table's file
    log_path = workdir / "server.log"
    command = odoo_command(src, cluster, workdir, DBNAME, ["--logfile", str(log_path), "--workers", "2",
                                                           "--max-cron-threads", "1"], serve=True)
    server = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            ended = query(cluster, "SELECT state, row_count, duration FROM is_cegid_import WHERE id > %s", (last_id,))
            if ended and ended[0][0] not in ("running", "loading"):
                break
            time.sleep(1)
        finished, done_at = time.monotonic(), time.time()
    finally:
        server.terminate()
        server.wait(60)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    starts = RUN_START.findall(log)
    state, rows, duration = ended[0][0], ended[0][1], float(ended[0][2] or 0)
    parts = re.findall(r"loaded up to row (\d+), the next run goes on", log)
    # the server logs in the machine's local time, as datetime.now() reads it
    first = datetime.datetime.strptime(starts[0], "%Y-%m-%d %H:%M:%S,%f").timestamp() if starts else done_at
    return {"state": state, "rows": rows, "import_seconds": duration, "runs": len(starts),
            "parts": [int(part) for part in parts], "kills": KILLS.findall(log),
            "first_run_to_end": done_at - first, "server_to_end": finished - started}


SHELL_PARTS = """
import json, time
params = env["ir.config_parameter"].sudo()
params.set_param("is_cegid2odoo.import_folder", {folder!r})
params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
params.set_param("is_cegid2odoo.skip_comparison", False)
env.cr.commit()
shutil.copyfile({source!r}, os.path.join({folder!r}, "ECRITURE.csv"))
started, runs, seconds = time.monotonic(), 0, {first}
while True:
    runs += 1
    records = env["is.cegid.import"]._import_folder(deadline=time.monotonic() + seconds).records
    env.cr.commit()
    seconds = {then}
    if records and records[-1].state not in ("running", "loading"):
        break
record = records[-1]
print("BENCH " + json.dumps({{"state": record.state, "rows": record.row_count, "import_seconds": record.duration,
      "runs": runs, "wall": time.monotonic() - started}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000_000, help="rows of the file")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds the import by parts may take at most")
    parser.add_argument("--by-parts", default="server,shell",
                        help="server (the cron of a server with workers), shell (the same deadlines in a shell)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    with bench_database("cegid-parts-bench-", args.keep) as (src, cluster, workdir):
        source, folder = workdir / "source", workdir / "import"
        source.mkdir()
        folder.mkdir()
        started = time.monotonic()
        size = write_export(source / "ECRITURE_1.csv", "ECRITURE", args.rows, encoding="cp1252", seed=1)
        print(f"generated {args.rows:,} rows ({size / 2**20:.0f} MiB) in {time.monotonic() - started:.0f} s",
              flush=True)
        results = {}
        for label in ("first", "at once"):  # the table filled, then replaced by the same file
            results[label] = run_shell(src, cluster, workdir, COPY_SCRIPT.format(
                folder=str(folder), source=str(source), files=[("ECRITURE_1.csv", "ECRITURE.csv")],
                table="is_cegid_ecriture", skip_comparison=False))
            print(f"{label}:", json.dumps(results[label]), flush=True)
        at_once = results["at once"]
        print(f"\n{args.rows:,} rows: at once {at_once['seconds']:.1f} s of import", flush=True)
        if "shell" in args.by_parts:
            shell = run_shell(src, cluster, workdir, "import os, shutil\n" + SHELL_PARTS.format(
                folder=str(folder), source=str(source / "ECRITURE_1.csv"), first=20.0, then=49.0))
            print("by parts in a shell:", json.dumps(shell), flush=True)
            print(f"by parts in a shell: {shell['import_seconds']:.1f} s of import in {shell['runs']} runs "
                  f"({shell['import_seconds'] / at_once['seconds']:.2f} times); state {shell['state']}, "
                  f"{shell['rows']:,} rows", flush=True)
        if "server" in args.by_parts:
            parts = by_parts(src, cluster, workdir, folder, source / "ECRITURE_1.csv", args.timeout)
            print("by parts:", json.dumps(parts), flush=True)
            print(f"by parts, a server's cron: {parts['import_seconds']:.1f} s of import in {parts['runs']} runs "
                  f"({parts['import_seconds'] / at_once['seconds']:.2f} times), {parts['first_run_to_end']:.0f} s "
                  f"from the first run's start to the end ({parts['first_run_to_end'] / at_once['seconds']:.2f} "
                  f"times), {parts['server_to_end']:.0f} s from the server's start; state {parts['state']}, "
                  f"{parts['rows']:,} rows; kills: {parts['kills'] or 'none'}", flush=True)


if __name__ == "__main__":
    main()

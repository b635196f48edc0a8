#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark: the import step (COPY into a new table, swap) against the predecessor's ORM import, on a real Odoo 18.

Not a test: run by hand (see bench/README.md). It starts a throwaway
PostgreSQL (tools/pg_cluster.py's PostgresCluster), installs the addon,
generates exports with the test kit (CP1252, ';', French decimals), then runs
each measurement in a fresh ``odoo-bin shell`` process, so that its peak RSS
(``ru_maxrss``) covers that measurement only:

- ``copy``: ``is.cegid.import._import_folder()`` on the big file (default 1,000,000 rows),
  over a table already holding as many rows (a real run replaces a snapshot), without
  and with the comparison of the two snapshots, in turns (``--changes`` rows differ
  between them: all of them by default, the worst case);
- ``orm``: what the predecessor did: ``list(csv.reader)``, DELETE, ORM ``create``
  in batches of 1,000, on a smaller file (default 50,000 rows): its rows/s is
  measured there and extrapolated to the big file, its memory grows with the file.

``--export ECRITURE`` (default) loads the known accounting export into
``is.cegid.ecriture``; ``--export SALARIES`` an export the addon does not know
(matricule, name, hire date dd/mm/yyyy, base salary): its first file is
profiled and makes the custom model ``x_cegid_salaries`` (measured and shown
apart), then the replacements and the ORM method run on that model.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tools"), str(REPO / "tests")]

from pg_cluster import throwaway_cluster  # noqa: E402
from run_odoo_suite import (  # noqa: E402
    MODULE,
    ensure_odoo_requirements,
    find_odoo,
    odoo_command,
)

from cegid_testkit.samples import write_export  # noqa: E402

DBNAME = "cegid_bench"

CPU_HELPERS = """
import os, resource
def client_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
def proc_stat(pid):
    try:
        return [int(field) for field in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1:]]
    except FileNotFoundError:
        return None
def server_cpu(pids):
    # the backends' own CPU, plus what the postmaster's exited children used (parallel index build workers)
    total, postmaster = 0, None
    for pid in pids:
        fields = proc_stat(pid)
        if fields:
            total += fields[10] + fields[11]
            postmaster = fields[0]
    if postmaster:
        fields = proc_stat(postmaster)
        total += fields[12] + fields[13]
    return total / os.sysconf("SC_CLK_TCK")
def backend_pids():
    with env.registry.cursor() as cr:
        cr.execute("SELECT pid FROM pg_stat_activity "
                   "WHERE datname = current_database() AND backend_type = 'client backend'")
        return [row[0] for row in cr.fetchall()]
"""

# Run inside ``odoo-bin shell`` (``env`` is given); prints one BENCH line of JSON.
COPY_SCRIPT = """
import json, os, resource, shutil, time
params = env["ir.config_parameter"].sudo()
params.set_param("is_cegid2odoo.import_folder", {folder!r})
params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
params.set_param("is_cegid2odoo.skip_comparison", {skip_comparison!r})
params.set_param("is_cegid2odoo.change_detail_limit", {detail_limit!r})
env.cr.commit()
for name, target in {files!r}:
    # dropped now, as each night's export is newer than the last (an older one would be archived unread)
    shutil.copyfile(os.path.join({source!r}, name), os.path.join({folder!r}, target))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pids = backend_pids()
cpu0, server0 = client_cpu(), server_cpu(pids)
started = time.monotonic()
records = env["is.cegid.import"]._import_folder().records
wall = time.monotonic() - started
cpu1, server1 = client_cpu(), server_cpu(pids)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
last = records.sorted("id")[-1:]
env.cr.execute("SELECT count(*) FROM {table}")
table_rows = env.cr.fetchone()[0]
detail_rows = env["is.cegid.import.change"].search_count([("import_id", "=", last.id)])
print("BENCH " + json.dumps({{"rows": last.row_count, "state": last.state, "message": last.message or "",
      "compared": last.compared, "rows_added": last.rows_added, "rows_removed": last.rows_removed,
      "detail_rows": detail_rows,
      "seconds": last.duration, "wall_all_files": wall, "table_rows": table_rows,
      "rss_before_mib": before / 1024, "peak_rss_mib": peak / 1024,
      "cpu_client": cpu1 - cpu0, "cpu_server": server1 - server0}}))
"""

ORM_SCRIPT = """
import csv, datetime, json, resource, time
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
pids = backend_pids()
cpu0, server0 = client_cpu(), server_cpu(pids)
started = time.monotonic()
with open({path!r}, encoding="cp1252", newline="") as handle:
    rows = list(csv.reader(handle, delimiter=";"))
header = [{prefix!r} + name.lower() for name in rows[0]]
def amount(text):
    return float(text.replace(" ", "").replace(",", ".") or 0)
env.cr.execute("DELETE FROM {table}")
model = env[{model!r}].sudo()
for start in range(1, len(rows), 1000):
    batch = []
    for row in rows[start:start + 1000]:
        values = dict(zip(header, row))
        for name in {dates!r}:
            values[name] = datetime.datetime.strptime(values[name][:10], {date_format!r}).date()
        for name in {amounts!r}:
            values[name] = amount(values[name])
        batch.append(values)
    model.create(batch)
env.cr.commit()
seconds = time.monotonic() - started
cpu1, server1 = client_cpu(), server_cpu(pids)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
env.cr.execute("SELECT count(*) FROM {table}")
table_rows = env.cr.fetchone()[0]
print("BENCH " + json.dumps({{"rows": len(rows) - 1, "seconds": seconds, "table_rows": table_rows,
      "rss_before_mib": before / 1024, "peak_rss_mib": peak / 1024,
      "cpu_client": cpu1 - cpu0, "cpu_server": server1 - server0}}))
"""


def run_shell(src, cluster, workdir, script):
    """Run ``script`` in a fresh odoo-bin shell; return its BENCH result."""
    command = odoo_command(src, cluster, workdir, DBNAME, ["--log-level", "warn"])
    command.insert(2, "shell")
    command.remove("--stop-after-init")
    done = subprocess.run(command, input=CPU_HELPERS + script, capture_output=True, text=True, check=False,
                          cwd=str(REPO))
    for line in done.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[6:])
    raise RuntimeError(f"no result from odoo-bin shell:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def install(src, cluster, workdir):
    """A database with the addon installed."""
    command = odoo_command(src, cluster, workdir, DBNAME, ["-i", MODULE, "--log-level", "warn"])
    subprocess.run(command, check=True, capture_output=True, cwd=str(REPO))


# how each export is generated, where it goes, and what the predecessor's method converts
EXPORTS = {
    "ECRITURE": {"options": {}, "model": "is.cegid.ecriture", "prefix": "", "dates": ["e_datecomptable"],
                 "date_format": "%Y-%m-%d", "amounts": ["e_debit", "e_credit"]},
    "SALARIES": {"options": {"date_format": "%d/%m/%Y"}, "model": "x_cegid_salaries", "prefix": "x_",
                 "dates": ["x_date_embauche"], "date_format": "%d/%m/%Y", "amounts": ["x_salaire_base"]},
}


def row(label, result, wall):
    """One line of the table, and the (wall, CPU) rows/s."""
    cpu = result["cpu_client"] + result["cpu_server"]
    line = (f"| {label} | {result['rows']:,} | {wall:.1f} | {result['rows'] / wall:,.0f} "
            f"| {result['cpu_client']:.1f} + {result['cpu_server']:.1f} | {result['rows'] / cpu:,.0f} "
            f"| {result['peak_rss_mib']:.0f} | {result['rss_before_mib']:.0f} |")
    return line, (result["rows"] / wall, result["rows"] / cpu)


def report(rows, copy, orm, first=None):
    """The markdown table of bench/README.md: wall time, CPU time (Odoo + PostgreSQL), peak RSS."""
    lines = [
        "| method | rows | wall s | rows/s (wall) | CPU s Odoo + PostgreSQL | rows/s (CPU) | peak RSS MiB "
        "| RSS before MiB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    if first:
        lines.append(row("first file (profiled, table created, imported)", first, first["wall_all_files"])[0])
    rates = {}
    for label, result, wall in (("import step (COPY into a new table, swap)", copy, copy["wall_all_files"]),
                                ("predecessor (list(reader) + ORM create by 1000)", orm, orm["seconds"])):
        line, rates[label] = row(label, result, wall)
        lines.append(line)
    (copy_wall, copy_cpu), (orm_wall, orm_cpu) = rates.values()
    lines.append("")
    if orm["rows"] != rows:
        lines.append(f"The predecessor was measured on {orm['rows']:,} rows: its rows/s is extrapolated to "
                     f"{rows:,} rows (~{rows / orm_wall:.0f} s); its memory grows with the file.")
    lines.append(f"Speed-up: {copy_wall / orm_wall:.1f} times by wall time, "
                 f"{copy_cpu / orm_cpu:.1f} times by CPU time.")
    return "\n".join(lines)


def with_changes(first, second, changes):
    """Make ``second`` the ``first`` export but for its last ``changes`` rows, taken from ``second``.

    Streamed: the benchmark's own memory is what the Odoo processes it starts inherit as their peak RSS.
    """
    with open(first, encoding="cp1252", newline="") as handle:
        kept = sum(1 for _line in handle) - changes
    mixed = second.with_suffix(".mixed")
    with open(first, encoding="cp1252", newline="") as ours, open(second, encoding="cp1252", newline="") as theirs, \
            open(mixed, "w", encoding="cp1252", newline="") as out:
        for number, (line, other) in enumerate(zip(ours, theirs, strict=True)):
            out.write(line if number < kept else other)
    mixed.replace(second)


@contextlib.contextmanager
def bench_database(prefix, keep=False):
    """(Odoo's source, a started throwaway cluster with the addon installed, its work folder); all gone after."""
    src = find_odoo()
    if src is None:
        sys.exit("no Odoo 18.0 found (set ODOO_SRC)")
    ensure_odoo_requirements(src)
    with throwaway_cluster(prefix, keep) as (cluster, workdir):
        started = time.monotonic()
        install(src, cluster, workdir)
        print(f"installed in {time.monotonic() - started:.0f}s", flush=True)
        yield src, cluster, workdir


def median(results):
    """The median run by wall time (the lower one of an even count)."""
    return sorted(results, key=lambda result: result["wall_all_files"])[(len(results) - 1) // 2]


def turn_ratios(copies, compared):
    """Each turn's import with the comparison against the one without it just before: the machine's pace drifts
    over a run, and the two medians can come from different hours of it. The first turn's is the export's first
    comparison (nothing to guess its side from), left out of their median (the usual one: of an even count, the
    mean of the two middle ratios)."""
    ratios = [with_it["wall_all_files"] / without["wall_all_files"]
              for without, with_it in zip(copies, compared, strict=True)]
    shown = ", ".join(f"{ratio:.2f}" for ratio in ratios)
    later = sorted(ratios[1:])
    middle = (later[(len(later) - 1) // 2] + later[len(later) // 2]) / 2 if later else None
    return (f"each turn, with against without: {shown} (the first: the export's first comparison)"
            + (f"; their median after the first: {middle:.2f}" if middle else ""))


def positive(text):
    """An argparse type: an integer of at least 1 (what the setting itself accepts)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the big file (import step)")
    parser.add_argument("--orm-rows", type=int, default=50_000, help="rows of the predecessor's measurement")
    parser.add_argument("--repeat", type=int, default=3,
                        help="replacements measured, each without and with the comparison (the median is reported; "
                             "each in its own process)")
    parser.add_argument("--changes", type=int, default=None,
                        help="rows that differ between the two big files (default: all of them)")
    parser.add_argument("--detail-limit", type=positive, default=None,
                        help="rows of detail kept per import (the setting Rows kept per import; default: the addon's)")
    parser.add_argument("--export", choices=sorted(EXPORTS), default="ECRITURE",
                        help="ECRITURE (known) or SALARIES (an export the addon does not know)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    with bench_database("cegid-import-bench-", args.keep) as (src, cluster, workdir):
        source = workdir / "source"
        folder = workdir / "import"
        source.mkdir()
        folder.mkdir()
        export, spec = args.export, EXPORTS[args.export]
        table = spec["model"].replace(".", "_")
        # CP1252, ';', French decimals, accented texts (ECRITURE: some quoted because they hold a ';')
        for name, rows, seed in ((f"{export}_1.csv", args.rows, 1), (f"{export}_2.csv", args.rows, 2),
                                 (f"{export}_orm.csv", args.orm_rows, 3)):
            write_export(source / name, export, rows, encoding="cp1252", seed=seed, **spec["options"])
        if args.changes is not None:
            with_changes(source / f"{export}_1.csv", source / f"{export}_2.csv", args.changes)
        size = os.path.getsize(source / f"{export}_1.csv")
        print(f"generated {args.rows:,} rows of {export} ({size / 2**20:.0f} MiB)", flush=True)

        def import_file(number, compare=False):
            # the file under the export's own name: that is how an export the addon does not know is found
            result = run_shell(src, cluster, workdir, COPY_SCRIPT.format(
                folder=str(folder), source=str(source), files=[(f"{export}_{number}.csv", f"{export}.csv")],
                table=table, skip_comparison=False if compare else "True",
                detail_limit=str(args.detail_limit) if args.detail_limit is not None else False))
            if result["state"] != "done" or result["compared"] != compare:
                raise SystemExit(f"PROBLEM: the import ended {result['state']} (compared: {result['compared']}), "
                                 f"not what is measured: {result['message']}")
            return result

        # first fill the table (for SALARIES: profile the file, create the model), then measure replacements
        first = import_file(1)
        print("first:", json.dumps(first), flush=True)
        copies, compared = [], []
        for _attempt in range(args.repeat):
            for runs, compare in ((copies, False), (compared, True)):
                runs.append(import_file(2 - len(copies + compared) % 2, compare))
                print("compared:" if compare else "copy:", json.dumps(runs[-1]), flush=True)
        copy, with_comparison = median(copies), median(compared)
        print(f"\nwith the comparison ({with_comparison['rows_added']:,} added, "
              f"{with_comparison['rows_removed']:,} removed): {with_comparison['wall_all_files']:.1f} s against "
              f"{copy['wall_all_files']:.1f} s without, "
              f"{with_comparison['wall_all_files'] / copy['wall_all_files']:.2f} times; peak RSS "
              f"{with_comparison['peak_rss_mib']:.0f} MiB against {copy['peak_rss_mib']:.0f} MiB", flush=True)
        print(turn_ratios(copies, compared), flush=True)
        if not args.orm_rows:
            return
        orm = run_shell(src, cluster, workdir, ORM_SCRIPT.format(
            path=str(source / f"{export}_orm.csv"), table=table, **{key: spec[key] for key in (
                "model", "prefix", "dates", "date_format", "amounts")}))
        print("orm:", json.dumps(orm), flush=True)
        print()
        print(report(args.rows, copy, orm, first if export != "ECRITURE" else None))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Try the addon without Cegid credentials: everything on this machine, on loopback.

Starts a throwaway PostgreSQL, Azurite filled with sample exports of the four
known Cegid tables and of a fifth query the addon does not know (SALARIES: its
table appears in Cegid > Data after the first download), the Cegid Data Access
API simulator (its SAS opens that
Azurite container, and it "runs" a scheduled query when its next execution
comes, dropping a fresh export as Cegid does), then Odoo 18 with the addon
installed and configured against them. Ctrl-C stops everything.

``--cli`` runs the two command-line scripts against the same emulators instead,
with a generated ``config.py``.
"""

import argparse
import datetime
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT / "tools"), str(REPO_ROOT / "tests"), str(REPO_ROOT)]

import pg_cluster  # noqa: E402
import run_odoo_suite  # noqa: E402

from cegid_testkit import samples  # noqa: E402
from cegid_testkit.azurite import Azurite  # noqa: E402
from cegid_testkit.simulator import make_simulator_for, write_config_py  # noqa: E402

DBNAME = "cegid_demo"
SCRIPTS = REPO_ROOT / "script-externe"


def say(message):
    print(f"demo: {message}", flush=True)


def upload_export(container, table, rows, options, folder, seed=1):
    """Generate one sample export in ``folder`` and upload it, streamed, as ``<TABLE>.csv``."""
    path = folder / f"{table}-{seed}.csv"
    options = dict(options)
    encoding = options.pop("encoding")
    samples.write_export(path, table, rows, encoding=encoding, seed=seed, **options)
    with open(path, "rb") as handle:
        container.upload_blob(f"{table}.csv", handle, overwrite=True)
    path.unlink()


class ExportRunner(threading.Thread):
    """Plays Cegid's part: when an enabled query's next execution comes, drop a fresh export."""

    def __init__(self, simulator, container, folder):
        super().__init__(name="cegid-export-runner", daemon=True)
        self.simulator = simulator
        self.container = container
        self.folder = folder
        self.stopping = threading.Event()
        self.runs = 0

    def run(self):
        while not self.stopping.wait(5):
            for table in self.simulator.run_due(datetime.datetime.now(datetime.timezone.utc), self.execute):
                say(f"Cegid ran the scheduled query {table}: a new export is in Azure")

    def execute(self, scheduler):
        """Run one scheduled query: upload a fresh export of its table."""
        table = scheduler["query"]["name"]
        rows, options = next((rows, opts) for name, rows, opts in samples.DEMO_SET if name == table)
        self.runs += 1
        upload_export(self.container, table, min(rows, 50_000), options, self.folder, seed=100 + self.runs)


def start_emulators(workdir):
    """Azurite with the sample exports, and the simulator serving their five queries."""
    azurite = Azurite().start()
    simulator = make_simulator_for(azurite).start()
    container = azurite.create_container(simulator.tenant_id)
    folder = workdir / "samples"
    folder.mkdir()
    for table, rows, options in samples.DEMO_SET:
        say(f"generating and uploading {table} ({rows:,} rows, {options['encoding']}, '{options['delimiter']}')")
        upload_export(container, table, rows, options, folder)
        simulator.add_scheduler(table, content=samples.QUERIES[table], cron="0 2 * * *")
    runner = ExportRunner(simulator, container, folder)
    runner.start()
    return azurite, simulator, runner


def run_cli(simulator, workdir):
    """Run both scripts as an administrator would, with a generated config.py."""
    import_folder = workdir / "import"
    import_folder.mkdir()
    values = simulator.config_py_values(dossier_de_destination=str(import_folder))
    config = write_config_py(workdir / "config.py", values)
    steps = [
        ("cegid-requetes.py", "--list"),
        ("cegid-requetes.py", "--force", "--name", "ecriture"),
        ("cegid-requetes.py", "--list"),
        ("transfert-azure-cegid.py",),
        ("transfert-azure-cegid.py",),
    ]
    for script, *args in steps:
        command = [sys.executable, str(SCRIPTS / script), "--config", str(config), *args]
        print(f"\n$ {script} {' '.join(args)}", flush=True)
        subprocess.run(command, check=False)
    print(f"\n$ ls {import_folder}", flush=True)
    for path in sorted(import_folder.iterdir()):
        if not path.name.startswith("."):
            print(f"  {path.name}  {path.stat().st_size:,} bytes")


CONFIGURE_SCRIPT = """
params = env["ir.config_parameter"].sudo()
for key, value in {settings!r}.items():
    params.set_param("is_cegid2odoo." + key, value)
params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
env["is.cegid.query"]._sync_from_cegid()
env.cr.commit()
print("configured: %d scheduled queries" % env["is.cegid.query"].search_count([]))
"""


def run_odoo(simulator, workdir, port):
    """Install and configure the addon, then serve Odoo until Ctrl-C."""
    src = run_odoo_suite.find_odoo()
    if src is None:
        raise SystemExit("demo: no Odoo 18.0 found: set ODOO_SRC, or put it in /opt/odoo-18.0 or /opt/odoo")
    run_odoo_suite.ensure_odoo_requirements(src)
    cluster = pg_cluster.PostgresCluster(workdir / "pg").start()
    try:
        say("installing Odoo and the addon (a minute or two)")
        install = run_odoo_suite.odoo_command(src, cluster, workdir, DBNAME, ["-i", run_odoo_suite.MODULE])
        subprocess.run(install, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        (workdir / "import").mkdir()
        settings = {**simulator.credentials, "mode": "api", "api_base_url": simulator.base_url,
                    "provider_id": simulator.provider_id, "import_folder": str(workdir / "import")}
        output = run_odoo_suite.run_shell(src, cluster, workdir, DBNAME, CONFIGURE_SCRIPT.format(settings=settings))
        say(next((line for line in output if line.startswith("configured")), "configuration: " + output[-1]))
        serve = run_odoo_suite.odoo_command(src, cluster, workdir, DBNAME, ["--log-level", "warn"], serve=True,
                                            http_port=port)
        print(f"\n  Odoo is at http://127.0.0.1:{port}/odoo  (login: admin, password: admin)\n"
              "  Settings > Cegid Data Access: Test connection, Download now; Cegid > Scheduled queries: Force now.\n"
              "  Dashboards: the Cegid accounting (Finance) and payroll (Human Resources) dashboards, filled once the\n"
              "  download has imported the exports (a sample until then).\n"
              "  Ctrl-C stops everything.\n", flush=True)
        subprocess.run(serve, check=False)
    finally:
        cluster.stop()


def http_port(preferred=8069):
    """8069 when it is free, else any free port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            return pg_cluster.free_port()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cli", action="store_true", help="run the two scripts instead of Odoo")
    parser.add_argument("--port", type=int, default=None, help="Odoo's HTTP port (default 8069, or a free one)")
    args = parser.parse_args()
    # explicit, also when started from a shell that ignores SIGINT in background jobs
    signal.signal(signal.SIGINT, run_odoo_suite.interrupt)
    signal.signal(signal.SIGTERM, run_odoo_suite.interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="cegid-demo-"))
    azurite = simulator = runner = None
    try:
        azurite, simulator, runner = start_emulators(workdir)
        say(f"Azurite: {azurite.service_url}  Cegid API simulator: {simulator.base_url}")
        if args.cli:
            run_cli(simulator, workdir)
        else:
            run_odoo(simulator, workdir, args.port or http_port())
    except KeyboardInterrupt:
        say("stopping")
    finally:
        if runner:
            runner.stopping.set()
        if simulator:
            simulator.stop()
        if azurite:
            azurite.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        say("everything stopped and removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

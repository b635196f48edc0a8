# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures of the server scenarios: a real ``odoo-bin`` with workers, on the Odoo suite's database.

``tools/run_odoo_suite.py`` runs these tests after the addon's own tests, on the
same throwaway PostgreSQL cluster and database (the addon installed), and
passes them through ``CEGID_SUITE_*`` environment variables; without them the
scenarios are skipped. Each scenario configures the addon through ``odoo-bin
shell`` (committed, as an administrator would save the settings), starts
Azurite, a throttling TCP proxy in front of it and the Cegid simulator, then a
real server in prefork mode, and watches what it does through the database,
the import folder and Azurite.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import psycopg2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO_ROOT / "tools"), str(REPO_ROOT / "tests")]

import run_odoo_suite  # noqa: E402

from cegid_testkit.azurite import Azurite  # noqa: E402
from cegid_testkit.simulator import make_simulator_for  # noqa: E402
from cegid_testkit.tcpproxy import TcpProxy  # noqa: E402

SUITE_VARIABLES = ("CEGID_SUITE_ODOO", "CEGID_SUITE_PG_SOCKET", "CEGID_SUITE_PG_PORT", "CEGID_SUITE_DB",
                   "CEGID_SUITE_WORKDIR")


@pytest.fixture(scope="session")
def suite():
    """Where the Odoo suite runs: Odoo's source, the cluster, the database, a work folder."""
    if not all(os.environ.get(name) for name in SUITE_VARIABLES):
        pytest.skip("run by tools/run_odoo_suite.py (needs its Odoo, cluster and database)")
    return types.SimpleNamespace(
        src=Path(os.environ["CEGID_SUITE_ODOO"]), dbname=os.environ["CEGID_SUITE_DB"],
        cluster=types.SimpleNamespace(socketdir=os.environ["CEGID_SUITE_PG_SOCKET"],
                                      port=int(os.environ["CEGID_SUITE_PG_PORT"])),
        workdir=Path(os.environ["CEGID_SUITE_WORKDIR"]),
    )


class OdooDatabase:
    """The suite's database, read with SQL and changed through ``odoo-bin shell``."""

    def __init__(self, suite):
        self.suite = suite

    def connect(self):
        """A new connection to the suite's database, as the server's user (close it when done)."""
        return psycopg2.connect(host=self.suite.cluster.socketdir, port=self.suite.cluster.port, user="odoo",
                                dbname=self.suite.dbname)

    def query(self, sql, params=()):
        """The rows of one SQL query (a connection of its own, closed at once)."""
        with contextlib.closing(self.connect()) as connection:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

    def shell(self, script):
        """Run ``script`` in ``odoo-bin shell`` (``env`` is the superuser's); fail with its output if it raised."""
        lines = run_odoo_suite.run_shell(self.suite.src, self.suite.cluster, self.suite.workdir, self.suite.dbname,
                                         script + "\nenv.cr.commit()\nprint('shell: done')\n")
        assert "shell: done" in lines, "\n".join(lines[-40:])
        return lines


@pytest.fixture(scope="session")
def database(suite):
    return OdooDatabase(suite)


@pytest.fixture
def services(tmp_path):
    """Azurite, a TCP proxy in front of it, and the Cegid simulator handing out SAS URLs through the proxy."""
    with Azurite() as azurite, TcpProxy("127.0.0.1", azurite.port) as proxy:
        simulator = make_simulator_for(azurite)
        simulator.blob_service_url = f"http://127.0.0.1:{proxy.port}/{azurite.service_url.split('/')[-2]}/"
        with simulator:
            folder = tmp_path / "import"
            folder.mkdir()
            yield types.SimpleNamespace(azurite=azurite, proxy=proxy, simulator=simulator, folder=folder,
                                        container=azurite.create_container(simulator.tenant_id))


class OdooServer:
    """A running ``odoo-bin`` in prefork mode; its log is kept in ``log_path``."""

    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def log(self):
        """What the server logged so far ("" before its first line)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""


@pytest.fixture
def odoo_server(suite, tmp_path):
    """Start servers with ``start(*options)``; every one started is stopped at the end of the test."""
    started = []

    def start(*options):
        log_path = tmp_path / f"odoo-{len(started)}.log"
        command = run_odoo_suite.odoo_command(suite.src, suite.cluster, suite.workdir, suite.dbname,
                                              ["--logfile", str(log_path), *options], serve=True)
        process = subprocess.Popen(command, cwd=str(REPO_ROOT), start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        started.append(process)
        return OdooServer(process, log_path)

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(condition, timeout, interval=0.5):
    """Call ``condition()`` until it returns something true (returned) or ``timeout`` seconds pass (None)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return None

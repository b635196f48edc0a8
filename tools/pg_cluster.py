# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A throwaway PostgreSQL cluster: initdb in a temporary folder, reached through its Unix socket.

Run as an unprivileged user when the caller is root (PG_RUN_AS, else
``postgres``); durability is off (fsync, synchronous commit, full page
writes): what it holds is thrown away. Used by the Odoo suite, the core tests,
the translation export, the demo and the benchmarks. Standard library only.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def postgres_bindir():
    """The folder of PostgreSQL's server binaries (PG_BINDIR, else the newest in /usr/lib/postgresql)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL server binaries (initdb) not found: install postgresql-15")


def free_port():
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """A throwaway PostgreSQL cluster in a temporary folder, reached through its Unix socket."""

    def __init__(self, root):
        self.bindir = postgres_bindir()
        self.root = Path(root)
        self.datadir = self.root / "pgdata"
        self.socketdir = self.root / "pgsocket"
        self.port = free_port()
        self.started = False
        self._demote = None
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam(os.environ.get("PG_RUN_AS", "postgres"))
            self._demote = (user.pw_uid, user.pw_gid)

    def _run(self, *args, **kwargs):
        preexec = None
        if self._demote:
            uid, gid = self._demote

            def preexec():
                os.setgid(gid)
                os.setuid(uid)

        done = subprocess.run(args, preexec_fn=preexec, check=False, capture_output=True, text=True, **kwargs)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return done

    def start(self):
        """initdb, start, and create the ``odoo`` role (Odoo refuses to run as ``postgres``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.socketdir.mkdir()
        if self._demote:
            # The unprivileged server must reach its folders through the (private) temporary parent.
            os.chmod(self.root.parent, 0o711)  # noqa: S103 - traverse only, no listing
            for path in (self.root, self.socketdir):
                os.chown(path, *self._demote)
        self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C")
        options = (f"-k {self.socketdir} -p {self.port} -c listen_addresses='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-o", options, "-w", "-t", "60",
                  "-l", str(self.root / "postgres.log"), "start")
        self.started = True
        self.psql("CREATE ROLE odoo LOGIN CREATEDB")
        return self

    def dsn(self, user="postgres", dbname="postgres"):
        """psycopg2.connect's arguments to reach ``dbname`` as ``user`` through the cluster's socket."""
        return {"host": str(self.socketdir), "port": self.port, "user": user, "dbname": dbname}

    def psql(self, sql):
        """Run one SQL statement as the cluster's superuser."""
        return self._run(str(self.bindir / "psql"), "-h", str(self.socketdir), "-p", str(self.port),
                         "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql)

    def stop(self):
        """Stop the server (fast shutdown); the caller removes the folder."""
        if self.started:
            with contextlib.suppress(RuntimeError):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")
            self.started = False


@contextlib.contextmanager
def throwaway_cluster(prefix, keep=False):
    """(a started PostgresCluster, its new temporary folder); stopped and the folder removed after, unless ``keep``.

    The folder is made directly in the temporary folder: the server, demoted
    when run as root, must traverse its parents.
    """
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    cluster = PostgresCluster(workdir / "pg")
    try:
        cluster.start()
        yield cluster, workdir
    finally:
        cluster.stop()
        if keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

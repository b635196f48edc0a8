# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Fixtures of the core and CLI suite: real Azurite, the Cegid simulator, the scripts."""

import datetime
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "script-externe"
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests"), str(REPO_ROOT / "tools")]

from cegid_testkit.azurite import Azurite  # noqa: E402


@pytest.fixture(scope="session")
def azurite():
    """One Azurite for the whole session; tests use their own containers."""
    with Azurite() as server:
        yield server


def run_script(name, *args, env=None, timeout=120, cwd=None):
    """Run a script of script-externe/ as a user would; return the CompletedProcess."""
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, cwd=cwd, check=False,
    )


# what the scripts may load: the standard library, azure-storage-blob and requests, and what they load in turn
# (azure-core, cryptography with cffi, isodate, typing-extensions; urllib3, idna, certifi, the charset detectors)
SCRIPT_DEPENDENCIES = set(sys.stdlib_module_names) | {
    "azure", "cryptography", "cffi", "isodate", "typing_extensions",
    "requests", "urllib3", "idna", "certifi", "charset_normalizer", "chardet", "socks", "simplejson",
    "brotli", "brotlicffi", "zstandard", "cegid_data_access", "cython_runtime", "__main__",
}


def foreign_modules(name, *args, env=None):
    """Run script ``name`` isolated from site customisations; (CompletedProcess, top-level modules beyond
    SCRIPT_DEPENDENCIES it loaded). Private extension helpers (_cython_*, _distutils_hack) are not packages a
    user installs."""
    probe = (
        "import json, runpy, sys\n"
        f"sys.argv = [{str(SCRIPTS / name)!r}, *{list(args)!r}]\n"
        "try:\n"
        f"    runpy.run_path({str(SCRIPTS / name)!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))\n"
        "sys.exit(code)\n"
    )
    full_env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    full_env.update(env or {})
    result = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, env=full_env,
                            check=False, timeout=120)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "cegid_data_access" in loaded
    return result, {module for module in loaded - SCRIPT_DEPENDENCIES if not module.startswith("_")}


@pytest.fixture
def proxied(azurite, tmp_path):
    """(container client, sas_url settings whose SAS URL goes through a TcpProxy, the proxy)."""
    from cegid_data_access.settings import Settings
    from cegid_testkit.blobs import new_container
    from cegid_testkit.tcpproxy import TcpProxy

    name = new_container(azurite)
    folder = tmp_path / "import"
    folder.mkdir()
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        url = azurite.container_sas_url(name, expiry=later).replace(f":{azurite.port}/", f":{proxy.port}/")
        settings = Settings(mode="sas_url", sas_url=url, import_folder=str(folder))
        yield azurite.service_client().get_container_client(name), settings, proxy


@pytest.fixture
def cegid_simulator(azurite):
    """A started Cegid API simulator with a tenant (and container) of its own."""
    from cegid_testkit.simulator import make_simulator_for

    tenant_id = str(random.randint(10_000_000, 99_999_999))
    with make_simulator_for(azurite, tenant_id=tenant_id) as simulator:
        yield simulator


# the layout Odoo gives a staging table: serial id, audit columns with their foreign keys, an index, a comment
SCHEMA = """
CREATE TABLE res_users (id serial PRIMARY KEY);
INSERT INTO res_users DEFAULT VALUES;
CREATE TABLE is_cegid_histocumsal (
    id serial NOT NULL, phc_salarie varchar, phc_cumulpaie varchar, phc_montant numeric,
    create_uid int4, create_date timestamp, write_uid int4, write_date timestamp, PRIMARY KEY (id));
ALTER TABLE is_cegid_histocumsal ADD CONSTRAINT is_cegid_histocumsal_create_uid_fkey
    FOREIGN KEY (create_uid) REFERENCES res_users (id) ON DELETE SET NULL;
ALTER TABLE is_cegid_histocumsal ADD CONSTRAINT is_cegid_histocumsal_write_uid_fkey
    FOREIGN KEY (write_uid) REFERENCES res_users (id) ON DELETE SET NULL;
CREATE INDEX is_cegid_histocumsal__phc_salarie_index ON is_cegid_histocumsal (phc_salarie);
COMMENT ON TABLE is_cegid_histocumsal IS 'Cegid payroll cumulative history';
INSERT INTO is_cegid_histocumsal (phc_salarie, phc_cumulpaie, phc_montant) VALUES ('1', 'A', 1), ('2', 'A', 2),
    ('3', 'A', 3);
"""


@pytest.fixture(scope="module")
def cluster():
    """A throwaway PostgreSQL for the tests of a module."""
    from pg_cluster import postgres_bindir, throwaway_cluster

    try:
        postgres_bindir()
    except RuntimeError as err:
        pytest.skip(str(err))
    with throwaway_cluster("cegid-exports-pg-") as (server, _folder):
        yield server


@pytest.fixture
def connect(cluster):
    """``connect(isolation)``: a connection to the cluster, whose staging table holds SCHEMA's three rows."""
    connections = []

    def connect(isolation="READ COMMITTED"):
        connection = psycopg2.connect(**cluster.dsn())
        connection.set_session(isolation_level=isolation)
        connections.append(connection)
        return connection

    setup = connect()
    with setup.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS is_cegid_histocumsal__cegid_load, is_cegid_histocumsal, res_users")
        cursor.execute(SCHEMA)
    setup.commit()
    yield connect
    for connection in connections:
        connection.close()

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A download longer than Odoo's cron time limit still arrives, on a real server with workers, and no worker is killed.

Odoo in prefork mode kills a cron worker ``limit_time_real_cron`` seconds
after the worker's last heartbeat, which it sends *before* sleeping up to
70 s (or until a trigger wakes it). The scenarios start from the states
production has: the download due when the server starts (the worker sleeps
its whole interval first), a trigger (*Download now*) reaching a sleeping
worker, and Odoo's default limit (``limit_time_real``, 120 s). The export
takes more than a limit to cross the throttled link: the runs must stop in
time, hand over to each other, and deliver the file whole, once, its blob
deleted, every run recorded, with no watchdog kill in the server's log.

An import longer than a run (here under a CPU time limit, which bounds a
run as the wall-clock limit does) is loaded by parts across runs and swapped
in whole, with no kill either.
"""

import hashlib
import platform
import re
import time
from pathlib import Path

import pytest
from conftest import wait_for

from cegid_testkit.samples import write_export

LINK_RATE = 1024 * 1024  # bytes per second through the proxy
WAIT = 900  # seconds at most for a delivery: generous, the machine may be loaded (a passing run takes 2-5 minutes)
# the system calls of Python's select.select() by processor (select or pselect6), as /proc/<pid>/syscall numbers them;
# libpq waits in poll() and time.sleep() in clock_nanosleep(): the cron worker in select() is asleep
SELECT_CALLS = {"x86_64": {"23", "270"}, "aarch64": {"72"}}
KILLS = re.compile(r"WorkerCron \(\d+\) timeout after|CPU time limit")
SCENARIOS = {
    # name: (Odoo's options, export size in link seconds, how the run is asked for)
    "due at start, 80 s": (["--limit-time-real-cron", "80"], 160, "due"),  # two limits
    "download now, 80 s": (["--limit-time-real-cron", "80"], 60, "trigger"),
    "due at start, Odoo's default limit": ([], 180, "due"),  # limit_time_real: 120 s
}


def configure(database, services, due):
    """Save the Cegid settings (pointing at the simulator), as an administrator does; the download due or not."""
    creds = services.simulator.credentials
    values = {
        "cegid_mode": "api", "cegid_api_base_url": services.simulator.base_url,
        "cegid_tenant_id": creds["tenant_id"], "cegid_api_key_id": creds["api_key_id"],
        "cegid_api_key_secret": creds["api_key_secret"], "cegid_subscription_key": creds["subscription_key"],
        "cegid_provider_id": services.simulator.provider_id, "cegid_import_folder": str(services.folder),
    }
    nextcall = "2000-01-01 00:00:00" if due else "2099-01-01 00:00:00"
    database.shell(f"""
env["res.config.settings"].create({values!r}).execute()
cron = env.ref("is_cegid2odoo.ir_cron_cegid_download")
cron.nextcall = "{nextcall}"
env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries").active = False
env["is.cegid.transfer"].search([]).unlink()
env["ir.config_parameter"].search([("key", "=like", "is_cegid2odoo.handover%")]).unlink()
""")


def asleep(pid):
    """Whether process ``pid`` waits in select(), as Odoo's cron worker does between its polls (Linux).

    The worker's loop runs in a thread of its own (its main thread waits for it): any thread of the process counts.
    """
    calls = set()
    for thread in Path(f"/proc/{pid}/task").glob("*"):
        try:
            calls.add(thread.joinpath("syscall").read_text(encoding="ascii").split()[0])
        except (OSError, IndexError):
            continue
    return bool(calls & SELECT_CALLS.get(platform.machine(), set()))


def runs(database):
    """(state, count) of the download runs recorded so far."""
    return database.query("SELECT state, count(*) FROM is_cegid_transfer GROUP BY state ORDER BY state")


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_an_export_longer_than_the_cron_time_limit_arrives_whole_once(scenario, database, services, odoo_server):
    options, link_seconds, ask = SCENARIOS[scenario]
    configure(database, services, due=ask == "due")
    size = link_seconds * LINK_RATE
    data = incompressible(size)
    services.container.upload_blob("GRANDLIVRE.dat", data, overwrite=True)
    services.proxy.throttle(LINK_RATE)
    started = time.monotonic()
    server = odoo_server("--workers", "2", "--max-cron-threads", "1", *options)
    alive = wait_for(lambda: re.search(r"Worker WorkerCron \((\d+)\) alive", server.log()), timeout=120)
    assert alive, server.log()[-3000:]
    if ask == "trigger":
        # the cron worker has told Odoo it is alive and sleeps: what "Download now" does wakes it
        assert wait_for(lambda: asleep(int(alive[1])), timeout=120, interval=0.1), server.log()[-3000:]
        time.sleep(5)  # it has slept a while, as when someone clicks: the run has less than a limit left
        database.shell('env["is.cegid.transfer"].action_download_now()')

    delivered = services.folder / "GRANDLIVRE.dat"
    arrived = wait_for(lambda: delivered.exists() and not list(services.container.list_blobs()), timeout=WAIT,
                       interval=2)
    elapsed = time.monotonic() - started
    log = server.log()
    assert arrived, f"not delivered after {WAIT} s; runs: {runs(database)}\n{log[-4000:]}"
    assert delivered.read_bytes() == data
    assert sorted(path.name for path in services.folder.iterdir() if not path.name.startswith(".")) == [
        "GRANDLIVRE.dat"]
    # Odoo never had to kill the cron worker: each run stopped in time by itself
    assert not KILLS.search(log), log[-4000:]
    wait_for(lambda: ("running", 1) not in runs(database), timeout=60)
    recorded = dict(runs(database))
    assert set(recorded) == {"continued", "done"} and recorded["done"] == 1, recorded
    # the bytes crossed the link about once: each run went on where the previous one stopped
    assert services.proxy.response_bytes < size * 1.5
    print(f"{scenario}: delivered {elapsed:.0f} s after the server started; runs {recorded}")


# about 475 MB: some 50 s of work here (33 to load in three runs, 18 to key in two) where a run has 14, so that a
# machine three times as fast still needs more than one run (2,000,000 rows were loaded in one run and keyed in
# the next: a machine 1.3 times as fast would have done it all in one)
IMPORT_ROWS = 5_000_000


def test_an_import_longer_than_a_run_loads_by_parts_and_arrives_whole(database, services, odoo_server):
    configure(database, services, due=False)
    database.shell("""
cron = env.ref("is_cegid2odoo.ir_cron_cegid_import")
cron.nextcall = "2000-01-01 00:00:00"
env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
env["is.cegid.import"].search([]).unlink()
""")
    write_export(services.folder / "ECRITURE.csv", "ECRITURE", IMPORT_ROWS, encoding="cp1252")
    started = time.monotonic()
    # the import due when the server starts; a run may use 24 CPU seconds (Odoo's default is 60)
    server = odoo_server("--workers", "2", "--max-cron-threads", "1", "--limit-time-cpu", "24")
    ended = wait_for(lambda: database.query(
        "SELECT state, row_count FROM is_cegid_import WHERE state NOT IN ('running', 'loading')"), timeout=WAIT,
        interval=2)
    elapsed = time.monotonic() - started
    log = server.log()
    assert ended == [("done", IMPORT_ROWS)], f"{ended}\n{log[-4000:]}"
    assert database.query("SELECT count(*) FROM is_cegid_ecriture") == [(IMPORT_ROWS,)]
    assert not KILLS.search(log), log[-4000:]
    parts = re.findall(r"Cegid import: ECRITURE.csv loaded up to row (\d+), the next run goes on", log)
    assert parts, log[-4000:]
    assert [int(rows) for rows in parts] == sorted(int(rows) for rows in parts)
    runs_ = re.findall(r"Job 'Cegid: import downloaded exports' \(\d+\) starting", log)
    assert len(runs_) >= len(parts) + 1
    assert list((services.folder / "archive").glob("*_ECRITURE.csv"))
    print(f"import by parts: {IMPORT_ROWS:,} rows in {len(runs_)} runs, {elapsed:.0f} s after the server started")


def incompressible(size):
    """``size`` bytes that do not compress (the link's rate is the rate of the data)."""
    return hashlib.shake_256(b"cegid").digest(size)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A download longer than Odoo's cron time limit still arrives, on a real server with workers.

Odoo in prefork mode kills a cron worker that runs longer than
``limit_time_real_cron``, and the job starts again at once. The export here
takes several times that limit to cross the throttled link: the download cron
must stop in time, keep what it has, and let the next run go on from there,
until the file is delivered whole, once, and its blob deleted, with no worker
killed on the way.
"""

import hashlib
import re
import time

from conftest import wait_for

# seconds: Odoo's limit_time_real_cron for the scenario. Not less: an idle cron worker sleeps up to
# 70 s between its turns without telling the master, which kills it past this limit even then.
TIME_LIMIT = 80
LINK_RATE = 2 * 1024 * 1024  # bytes per second through the proxy
EXPORT_SIZE = 300 * 1024 * 1024  # 150 s at that rate: about two limits, two and a half runs' budgets
MAX_RUNS = 4


def configure(database, services):
    """Save the Cegid settings (pointing at the simulator), as an administrator does, and quiet the schedule."""
    creds = services.simulator.credentials
    values = {
        "cegid_mode": "api", "cegid_api_base_url": services.simulator.base_url,
        "cegid_tenant_id": creds["tenant_id"], "cegid_api_key_id": creds["api_key_id"],
        "cegid_api_key_secret": creds["api_key_secret"], "cegid_subscription_key": creds["subscription_key"],
        "cegid_provider_id": services.simulator.provider_id, "cegid_import_folder": str(services.folder),
    }
    database.shell(f"""
env["res.config.settings"].create({values!r}).execute()
env.ref("is_cegid2odoo.ir_cron_cegid_download").nextcall = "2099-01-01 00:00:00"
env.ref("is_cegid2odoo.ir_cron_cegid_sync_queries").active = False
env["is.cegid.transfer"].search([]).unlink()
""")


def runs(database):
    """(state, count) of the download runs recorded so far."""
    return database.query("SELECT state, count(*) FROM is_cegid_transfer GROUP BY state ORDER BY state")


def test_an_export_longer_than_the_cron_time_limit_arrives_whole_once(database, services, odoo_server):
    configure(database, services)
    data = incompressible(EXPORT_SIZE)
    services.container.upload_blob("GRANDLIVRE.dat", data, overwrite=True)
    services.proxy.throttle(LINK_RATE)
    server = odoo_server("--workers", "2", "--max-cron-threads", "1", "--limit-time-real-cron", str(TIME_LIMIT))
    assert wait_for(lambda: re.search(r"Worker WorkerCron \(\d+\) alive", server.log()), timeout=60), \
        server.log()[-3000:]
    time.sleep(1)  # the cron worker listens for triggers once started
    # what "Download now" does: a trigger for the download cron, which wakes the cron worker
    database.shell('env.ref("is_cegid2odoo.ir_cron_cegid_download")._trigger()')

    delivered = services.folder / "GRANDLIVRE.dat"
    blob_gone = wait_for(lambda: delivered.exists() and not list(services.container.list_blobs()), timeout=400,
                         interval=1)
    log = server.log()
    assert blob_gone, f"not delivered after 400 s; runs: {runs(database)}\n{log[-4000:]}"
    assert delivered.read_bytes() == data
    assert sorted(path.name for path in services.folder.iterdir() if not path.name.startswith(".")) == [
        "GRANDLIVRE.dat"]
    # Odoo never had to kill the cron worker: each run stopped in time by itself
    assert not re.search(r"WorkerCron \(\d+\) timeout after", log), log[-4000:]
    recorded = dict(runs(database))
    assert recorded.get("continued", 0) >= 1 and sum(recorded.values()) <= MAX_RUNS, recorded
    assert set(recorded) == {"continued", "done"}, recorded
    # the bytes crossed the link about once: each run went on where the previous one stopped
    assert services.proxy.response_bytes < EXPORT_SIZE * 1.5


def incompressible(size):
    """``size`` bytes that do not compress (the link's rate is the rate of the data)."""
    return hashlib.shake_256(b"cegid").digest(size)

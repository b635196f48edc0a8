# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""*Update the table* of a held file longer than Odoo's cron time limit, on a real server with workers.

The update is one transaction (the table takes the file's columns and rows, or
nothing), so Odoo's watchdog kills the cron worker in the middle of one that
outlasts the limit. The kill must be told once, on a history line that reaches
the managers, and the request taken once: not taken up again by every run of
the import, each killed in turn, with nothing said.

The worker is stopped (SIGSTOP) once the update is under way, as a machine too
slow for the file would hold it there: a file sized to outlast the limit would
be a bet on the machine's speed (6,000,000 rows were updated 0.5 s within an
80 s limit on one machine and cut on another).
"""

import os
import re
import signal
import time

import pytest
from conftest import wait_for
from test_cron_time_limit import configure

from cegid_testkit.samples import iter_export_lines

ROWS = 1_000_000  # an update of seconds: caught under way whatever the machine
WAIT = 480  # a first run, the next turn killed, the worker Odoo starts instead, its first sleep and run, with room


def held_export(path, rows):
    """An ECRITURE export with a column of the customer's own: a header change, held in review mode."""
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        for number, line in enumerate(iter_export_lines("ECRITURE", rows)):
            handle.write(line[:-2] + (";E_ETABLISSEMENT\r\n" if number == 0 else ";Lyon\r\n"))


@pytest.fixture
def review_mode(database):
    """New columns wait for a manager's review (the held file); the next steps of the suite create them at once."""
    database.shell('env["ir.config_parameter"].set_param("is_cegid2odoo.new_exports", "review")')
    yield
    database.shell('env["ir.config_parameter"].set_param("is_cegid2odoo.new_exports", False)')


def test_an_update_of_the_table_cut_by_the_time_limit_is_told_once(database, services, odoo_server, review_mode):
    configure(database, services, due=False)
    held_export(services.folder / "ECRITURE.csv", ROWS)
    # the file held for its new column, and a manager presses Update the table (in the shell: no time limit)
    database.shell("""
cron = env.ref("is_cegid2odoo.ir_cron_cegid_import")
cron.nextcall = "2099-01-01 00:00:00"
env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
env["is.cegid.import"].search([]).unlink()
env["is.cegid.import"]._import_folder()
entry = env.ref("is_cegid2odoo.export_ecriture")
assert entry.state == "held", entry.state
entry.action_update_table()
""")
    [(rows_before,)] = database.query("SELECT count(*) FROM is_cegid_ecriture")
    started = time.monotonic()
    # the wall-clock limit alone kills (a SIGKILL, nothing of the worker runs after it): no CPU limit meanwhile
    server = odoo_server("--workers", "2", "--max-cron-threads", "1", "--limit-time-real-cron", "80",
                         "--limit-time-cpu", "600")
    alive = wait_for(lambda: re.search(r"Worker WorkerCron \((\d+)\) alive", server.log()), timeout=120)
    assert alive, server.log()[-3000:]
    # the update under way (the request taken and the history line committed before the long work): stalled there
    under_way = wait_for(lambda: database.query(
        "SELECT 1 FROM is_cegid_import WHERE state = 'running' AND message_code = 'import.updating'"),
        timeout=WAIT, interval=0.05)
    assert under_way, server.log()[-4000:]
    os.kill(int(alive[1]), signal.SIGSTOP)
    told = wait_for(lambda: database.query(
        "SELECT state, message_code FROM is_cegid_import WHERE state NOT IN ('rejected', 'running')"),
        timeout=WAIT, interval=2)
    log = server.log()
    kills = set(re.findall(r"WorkerCron \((\d+)\) timeout after", log))  # Odoo logs a kill once or twice
    runs = re.findall(r"Job 'Cegid: import downloaded exports' \(\d+\) starting", log)
    assert told == [("failed", "import.update_cut")], f"{told}; {len(kills)} kills, {len(runs)} runs\n{log[-4000:]}"
    # killed once: the next run told of it, and took no update up again
    assert len(kills) == 1 and not re.search("CPU time limit", log), log[-4000:]
    assert database.query("SELECT state, update_requested FROM is_cegid_export WHERE name = 'ECRITURE'") == [
        ("held", False)]
    assert database.query("SELECT count(*) FROM is_cegid_ecriture") == [(rows_before,)]
    assert list((services.folder / "anomalie").glob("*_ECRITURE.csv"))
    print(f"held update: cut once, told {time.monotonic() - started:.0f} s after the server started")

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One import at a time: what a run wrote under the import's lock is committed before another run may take it.

A run that tells how an import left *Importing* ended (its worker was killed)
and then imports no file would otherwise let the lock go with those records
still uncommitted: the download cron, taking the lock in that gap, would tell
of the same imports again, and one of the two runs would fail on the rows both
wrote. Only a real process commits (the Odoo tests run in one transaction),
hence ``odoo-bin shell``: another cursor looks, as another worker would, once
the run has let the lock go.
"""

from test_cron_time_limit import configure

SCRIPT = """
from odoo.addons.is_cegid2odoo.models.cegid_backend import advisory_lock_key
Import = env["is.cegid.import"]
Import.search([]).unlink()
record = Import.create({"name": "ECRITURE.csv", "state": "running"})  # its worker died in its import
env.cr.commit()
Import._import_folder()  # no file waits: it only tells how that import ended
with env.registry.cursor() as other:  # another worker, once the run is over
    other.execute("SELECT pg_try_advisory_xact_lock(%s)", [advisory_lock_key("import")])
    free = other.fetchone()[0]
    other.execute("SELECT state FROM is_cegid_import WHERE id = %s", [record.id])
    print(f"another worker: lock free {free}, the import {other.fetchone()[0]}")
env.cr.commit()
Import.search([]).unlink()
"""


def test_an_import_left_importing_is_told_before_the_import_lock_is_free(database, services):
    configure(database, services, due=False)
    lines = database.shell(SCRIPT)
    assert "another worker: lock free True, the import failed" in lines, "\n".join(lines[-40:])

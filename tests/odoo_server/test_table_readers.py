# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Deleting the table of an export the addon does not know while a reader (a backup, a long report) holds it.

The deletion waits a few seconds at most: a DROP waiting behind the reader
would stop every other reader of the table (and the manager's request) for
as long as that reader lasts. Refused, it deletes nothing; once the reader is
done, it deletes the table. The table must be committed for another session
to read it, hence a scenario of its own (Odoo's test cases never commit).
"""

import contextlib

from psycopg2 import sql

TABLE = "x_cegid_lecteurs"
# the shell's statements wait 30 s at most for a lock: a deletion waiting behind the reader fails the test, not hangs
DELETE = """
from odoo.exceptions import UserError
env.cr.execute("SET lock_timeout = '30s'")
entry = env["is.cegid.export"].search([("name", "=", "LECTEURS")])
try:
    entry.unlink()
    print("deletion: done")
except UserError as err:
    print("deletion: refused:", err)
"""


def import_lecteurs(database, folder):
    """Import a first LECTEURS.csv: an export the addon does not know, its table made at once (committed)."""
    (folder / "LECTEURS.csv").write_bytes("MATRICULE;NOM\r\n0000042;Hélène\r\n".encode("cp1252"))
    database.shell(f"""
params = env["ir.config_parameter"].sudo()
params.set_param("is_cegid2odoo.import_folder", {str(folder)!r})
params.set_param("is_cegid2odoo.database_uuid", params.get_param("database.uuid"))
params.set_param("is_cegid2odoo.new_exports", False)
[record] = env["is.cegid.import"]._import_folder().records
assert record.state == "done", record.message
""")


@contextlib.contextmanager
def reading(database, table):
    """Another session reading ``table`` in an open transaction: its share lock kept until the block ends."""
    with contextlib.closing(database.connect()) as connection:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            yield cursor.fetchone()[0]
        connection.rollback()


def test_a_table_is_deleted_only_when_its_readers_let_it(database, tmp_path):
    folder = tmp_path / "import"
    folder.mkdir()
    import_lecteurs(database, folder)
    with reading(database, TABLE) as rows:
        lines = database.shell(DELETE)
        assert rows == 1
    refused = [line for line in lines if line.startswith("deletion:")]
    assert len(refused) == 1 and refused[0].startswith("deletion: refused:"), "\n".join(lines[-40:])
    assert "Readers (a backup, a long report) kept the table of LECTEURS" in refused[0]
    # nothing deleted: the entry, its model and its rows
    assert database.query("SELECT count(*) FROM is_cegid_export WHERE name = 'LECTEURS'") == [(1,)]
    assert database.query(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(TABLE))) == [(1,)]
    # the reader done, the deletion goes through
    assert "deletion: done" in database.shell(DELETE)
    assert database.query("SELECT count(*) FROM pg_class WHERE relname = %s", (TABLE,)) == [(0,)]
    assert database.query("SELECT count(*) FROM is_cegid_export WHERE name = 'LECTEURS'") == [(0,)]

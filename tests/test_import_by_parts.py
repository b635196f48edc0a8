# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A file longer than a run: loaded by parts across runs out of readers' sight, swapped in whole, resumed."""

import time

from odoo.tests import tagged
from odoo.tests.common import TransactionCase

from ..cegid_import import pg_replace
from .cegid_testkit.samples import export_bytes
from .common import ImportFolderMixin
from .test_import import ecriture

ROWS = 100_000
SLICE = 0.05  # seconds a run may load: a few batches, then the next run goes on


@tagged("post_install", "-at_install")
class TestImportByParts(ImportFolderMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.use_own_import_folder("cegid-import-parts-")
        self.Import = self.env["is.cegid.import"]
        self.drop("ECRITURE.csv", ecriture(("2025-01-02", "OLD1", "401000", "1"),
                                           ("2025-01-03", "OLD2", "401000", "2")))
        self.run_import()  # the table holds a previous snapshot

    def short_run(self):
        """One run of the import with little time: its outcome."""
        return self.Import._import_folder(deadline=time.monotonic() + SLICE)

    def rows(self):
        self.env["is.cegid.ecriture"].invalidate_model()
        return self.env["is.cegid.ecriture"].search_count([])

    def load_tables(self):
        self.env.cr.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", ["%" + pg_replace.LOAD_SUFFIX])
        return self.env.cr.fetchone()[0]

    def test_a_long_file_loads_over_several_runs_and_replaces_the_table_whole(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        outcome = self.short_run()
        [record] = outcome.records
        self.assertTrue(outcome.continued)
        self.assertEqual(record.state, "loading")
        self.assertTrue(0 < record.row_count < ROWS, record.row_count)
        self.assertIn(f"{record.row_count:,} rows loaded so far", record.message)
        self.assertEqual(self.rows(), 2, "readers still see the previous snapshot")
        self.assertTrue((self.folder / "ECRITURE.csv").exists())
        seen, runs = [record.row_count], 1
        while record.state == "loading":
            self.assertEqual(self.short_run().records, record, "one record for the whole file")
            seen.append(record.row_count)
            runs += 1
            if record.state == "loading":
                self.assertEqual(self.rows(), 2)
        self.assertGreater(runs, 2)
        self.assertEqual(seen, sorted(seen), "each run goes on where the last one stopped")
        self.assertEqual(record.state, "done")
        self.assertEqual((record.row_count, record.rows_added, record.rows_removed), (ROWS, ROWS, 2))
        self.assertFalse(record.load_progress)
        self.assertEqual(self.rows(), ROWS)
        self.assertEqual(self.load_tables(), 0)
        self.assertFalse((self.folder / "ECRITURE.csv").exists())
        self.assertTrue(list((self.folder / "archive").glob("*_ECRITURE.csv")))
        # the same rows as the same file imported at once
        self.env.cr.execute("SELECT sum(e_debit), sum(e_credit), count(DISTINCT e_refinterne) FROM is_cegid_ecriture")
        by_parts = self.env.cr.fetchone()
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [at_once] = self.run_import()
        self.env.cr.execute("SELECT sum(e_debit), sum(e_credit), count(DISTINCT e_refinterne) FROM is_cegid_ecriture")
        self.assertEqual(self.env.cr.fetchone(), by_parts)
        self.assertEqual((at_once.rows_added, at_once.rows_removed), (0, 0))

    def test_a_newer_file_supersedes_a_load_under_way(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [loading] = self.short_run().records
        self.assertEqual(loading.state, "loading")
        self.drop("ECRITURE.20261204T101500Z.csv", ecriture(("2025-02-01", "NEW1", "512000", "5")))
        records = self.run_import()
        self.assertIn(loading, records, [(record.name, record.state) for record in records])
        self.assertEqual(len(records), 2, [(record.name, record.state, record.message) for record in records])
        self.assertEqual(loading.state, "superseded")
        self.assertIn("ECRITURE.20261204T101500Z.csv", loading.message)
        self.assertIn("archive/", loading.stored_as)
        [newer] = records - loading
        self.assertEqual((newer.state, newer.row_count), ("done", 1))
        self.assertEqual(self.rows(), 1)
        self.assertEqual(self.load_tables(), 0)

    def test_a_file_written_again_under_its_name_starts_over(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        self.assertEqual(record.state, "loading")
        self.drop("ECRITURE.csv", ecriture(("2025-03-01", "AGAIN", "512000", "7")))
        self.assertEqual(self.run_import(), record)
        self.assertEqual((record.state, record.row_count), ("done", 1))
        self.assertEqual(self.rows(), 1)

    def test_a_load_whose_file_left_the_folder_is_given_up(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [loading] = self.short_run().records
        (self.folder / "ECRITURE.csv").unlink()
        self.assertEqual(self.run_import(), loading)
        self.assertEqual(loading.state, "failed")
        self.assertIn("left the import folder", loading.message)
        self.assertEqual(self.rows(), 2)
        self.assertEqual(self.load_tables(), 0)

    def test_a_bad_line_in_a_later_part_rejects_the_file_and_keeps_the_old_rows(self):
        data = export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5)
        self.drop("ECRITURE.csv", data + "2025-01-01;R;L;411000;pas un nombre;0;C1;;ACH\r\n".encode("cp1252"))
        [record] = self.short_run().records
        while record.state == "loading":
            self.short_run()
        self.assertEqual(record.state, "rejected")
        self.assertIn(f"Line {ROWS + 2}", record.message)
        self.assertEqual(self.rows(), 2)
        self.assertEqual(self.load_tables(), 0)
        self.assertTrue(list((self.folder / "anomalie").glob("*_ECRITURE.csv")))

    def test_the_states_read_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        french = record.with_context(lang="fr_FR")
        self.assertIn("lignes chargées", french.message)
        self.assertEqual(dict(french._fields["state"]._description_selection(french.env))["loading"],
                         "Chargement par parties")

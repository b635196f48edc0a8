# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A file longer than a run: loaded by parts across runs out of readers' sight, swapped in whole, resumed."""

import datetime
import os
import time
from unittest.mock import patch

import psycopg2

from odoo import fields, sql_db
from odoo.tests import tagged
from odoo.tests.common import TransactionCase, new_test_user
from odoo.tools import config

from ..cegid_import import pg_replace
from ..cegid_import.profile import profile_file
from ..cegid_import.reader import ExportReader
from ..cegid_import.text_file import read_header
from .cegid_testkit.samples import export_bytes
from .common import ImportFolderMixin
from .test_import import ecriture
from .test_import_columns import ABSENCE_ROW, ABSENCES_HEADER

ROWS = 100_000
SLICE = 0.05  # seconds a run may load: a few batches, then the next run goes on
WORKERS = {"workers": 2, "limit_time_real_cron": 80}


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
        seen, runs, waiting = [record.row_count], 1, []
        while record.state == "loading":
            self.assertEqual(self.short_run().records, record, "one record for the whole file")
            seen.append(record.row_count)
            runs += 1
            if record.state == "loading":
                self.assertEqual(self.rows(), 2)
                if record.load_progress["progress"]["keyed"]:  # only the swap left: what may hold it back is said
                    waiting.append(record.message)
        self.assertGreater(runs, 2)
        self.assertTrue(waiting, "a run ends with the rows in and indexed, the next one swaps")
        for message in waiting:
            self.assertEqual(message, f"All {ROWS:,} rows are loaded and indexed, out of readers' sight: the next "
                                      "run replaces the table with them.")
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

    def runs_until_done(self, record):
        """Short runs until ``record`` is imported; the message code of each run that left it loading."""
        said = []
        for _run in range(1000):  # a load or a profile that never went on would be taken up for ever
            if record.state != "loading":
                break
            said.append(record.message_code)
            self.assertEqual(self.short_run().records, record, "one record for the whole file")
        self.assertEqual(record.state, "done", record.message)
        return said

    def profiling_runs(self, said):
        """How many runs the profile took: those before the first of the load, which never profiles again."""
        profiling = said.index("import.loading")
        self.assertEqual(set(said[:profiling]), {"import.profiling"})
        self.assertEqual(set(said[profiling:]) - {"import.swap_waiting"}, {"import.loading"})
        return profiling

    def test_a_new_exports_long_first_file_is_profiled_then_loaded_over_several_runs(self):
        path = self.drop("SALARIES.csv", export_bytes("SALARIES", ROWS, encoding="cp1252", date_format="%d/%m/%Y",
                                                      decimal=",", seed=3))
        at_once = profile_file(read_header(path), "SALARIES")  # the types all the rows allow
        Export = self.env["is.cegid.export"]
        [record] = self.short_run().records
        self.assertEqual((record.state, record.row_count, record.message_code), ("loading", 0, "import.profiling"))
        self.assertRegex(record.message, r"^[\d,]+ rows read so far to find the type of each column of SALARIES")
        self.assertTrue(0 < record.load_progress["profile"]["rows"] < ROWS)
        self.assertFalse(Export.search([("name", "=", "SALARIES")]), "no table before the file was read whole")
        said = self.runs_until_done(record)
        self.assertGreater(self.profiling_runs(said), 1)
        self.assertEqual((record.row_count, record.rows_added, record.message_code), (ROWS, ROWS,
                                                                                      "import.table_created"))
        entry = Export.search([("name", "=", "SALARIES")])
        self.assertEqual([(column.name, column.kind, column.longest) for column in entry.column_ids],
                         [(column.name, column.kind, at_once.longest[column.name])
                          for column in at_once.export.columns])
        self.assertEqual(entry.column_ids.mapped("kind"), ["char", "char", "date", "float"])
        self.assertEqual(self.env[entry.model].search_count([]), ROWS)

    def test_a_known_exports_long_file_with_a_new_column_is_profiled_then_loaded_over_several_runs(self):
        lines = export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5).decode("cp1252").split("\r\n")
        lines = [lines[0] + ";E_QTE"] + [f"{line};{number % 7},5" for number, line in enumerate(lines[1:]) if line]
        self.drop("ECRITURE.csv", "\r\n".join(lines).encode("cp1252"))
        [record] = self.short_run().records
        self.assertEqual(record.message_code, "import.profiling")
        self.assertNotIn("x_e_qte", self.env["is.cegid.ecriture"]._fields)
        self.assertEqual(self.rows(), 2)
        said = self.runs_until_done(record)
        self.assertGreater(self.profiling_runs(said), 1)
        self.assertEqual((record.message_code, record.row_count), ("import.columns_added", ROWS))
        self.assertEqual(self.env["is.cegid.ecriture"]._fields["x_e_qte"].type, "float")
        self.env.cr.execute("SELECT count(*), sum(x_e_qte) FROM is_cegid_ecriture")
        self.assertEqual(self.env.cr.fetchone(), (ROWS, sum(number % 7 + 0.5 for number in range(ROWS))))

    def test_the_order_of_dates_that_never_tell_is_decided_once_for_all_the_parts(self):
        """Slashed dates that read both ways are read to the end once: the later parts take the order kept."""
        header = ("PCN_TYPEMVT;PCN_SALARIE;PCN_ORDRE;PCN_PERIODECP;PCN_TYPECONGE;PCN_SENSABS;PCN_LIBELLE;"
                  "PCN_DATEDEBUTABS;PCN_DEBUTDJ;PCN_DATEFINABS;PCN_FINDJ;PCN_JOURS;PCN_HEURES;PCN_GUID")
        lines = [f"ABS;{number:07};{number};0;CPA;-;x;01/02/2025;MAT;03/04/2025;PAM;1;7;g" for number in range(ROWS)]
        self.drop("ABSENCESALARIE.csv", "\n".join([header, *lines, ""]))
        with patch.object(ExportReader, "_decide_date_order", autospec=True,
                          side_effect=ExportReader._decide_date_order) as decide:
            [record] = self.short_run().records
            self.assertEqual(record.state, "loading")
            self.assertEqual(record.load_progress["date_order"], ["day_first", None])
            self.assertGreater(len(self.runs_until_done(record)), 1, "several parts")
        self.assertEqual(decide.call_count, 1, "the file read for its dates' order once, not at each part")
        self.assertEqual(record.date_order, "day_first")
        self.env.cr.execute("SELECT count(*), min(pcn_datedebutabs), max(pcn_datefinabs) FROM is_cegid_absencesalarie")
        self.assertEqual(self.env.cr.fetchone(), (ROWS, datetime.date(2025, 2, 1), datetime.date(2025, 4, 3)))

    def test_a_load_under_way_outlives_the_history_retention(self):
        """Purged as old history, its rows so far would be loaded again from the first line (and its copy left)."""
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        self.env.cr.execute("UPDATE is_cegid_import SET create_date = now() - interval '400 days' WHERE id = %s",
                            [record.id])
        record.invalidate_recordset()
        seen = record.row_count
        self.short_run()
        self.assertTrue(record.exists())
        self.assertGreater(record.row_count, seen, "it goes on where it stopped")

    def reader_in_a_transaction(self):
        """Another program's database session (a reporting tool), its transaction open from now on."""
        info = dict(sql_db.connection_info_for(self.env.cr.dbname)[1], application_name="report-tool")
        reader = psycopg2.connect(**info)
        self.addCleanup(reader.close)
        reader.set_session(isolation_level="REPEATABLE READ")
        reader.cursor().execute("SELECT 1")  # its snapshot, older than any part of the load
        return reader

    def test_a_swap_other_sessions_hold_back_names_them_and_lets_the_other_exports_through(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        while record.message_code != "import.swap_waiting":  # all its rows in and indexed, the swap to come
            self.assertEqual(record.state, "loading")
            self.short_run()
        reader = self.reader_in_a_transaction()
        self.drop("ECRITURE.20261204T101500Z.csv", ecriture(("2025-02-01", "NEW1", "512000", "5")))
        self.drop("ABSENCESALARIE.csv", "\n".join([ABSENCES_HEADER, ABSENCE_ROW, ""]))
        outcome = self.Import._import_folder(deadline=time.monotonic() + 60)
        self.assertEqual((outcome.continued, outcome.held), (False, True), "held back by others, not by time")
        self.assertEqual((record.state, record.message_code), ("loading", "import.swap_held"))
        self.assertIn(f"their PostgreSQL process id and application: {reader.get_backend_pid()} (report-tool).",
                      record.message)
        self.assertEqual(outcome.records.mapped("name"), ["ECRITURE.csv", "ABSENCESALARIE.csv"],
                         "the other export's file imported, the newer file of the held one waits")
        self.assertEqual(outcome.records[1].state, "done")
        self.assertTrue((self.folder / "ECRITURE.20261204T101500Z.csv").exists())
        self.assertEqual(self.rows(), 2, "readers still see the previous snapshot")
        self.assertFalse(record.activity_ids, "held a moment: a report may run minutes")
        # the cron asks again in a while, not at once: the sessions may hold it for long
        self.run_import_cron()
        self.assertEqual(len(self.triggers()), 1)
        self.assertGreater(self.triggers().call_at, fields.Datetime.now() + datetime.timedelta(seconds=30))
        # held an hour: the Cegid managers are told, once
        manager, colleague = (new_test_user(self.env, login=login,
                                            groups="base.group_user,is_cegid2odoo.group_cegid_manager")
                              for login in ("swap_manager", "swap_colleague"))
        since = fields.Datetime.to_string(fields.Datetime.now() - datetime.timedelta(minutes=61))
        record.load_progress = dict(record.load_progress, held_since=since)
        duration = record.duration
        self.short_run()
        self.short_run()
        self.assertEqual(record.load_progress["held_since"], since)
        self.assertEqual(record.duration, duration, "the waits for others are not the import's time")
        activity = record.activity_ids.filtered(lambda activity: activity.user_id == manager)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.summary, "Cegid import of ECRITURE.csv: Loading in parts")
        self.assertIn("(report-tool)", activity.note)
        # a run that does not try the swap (a step foreseen too long after other work) keeps the moment
        progress = record.load_progress
        record.load_progress = dict(progress, progress=dict(progress["progress"], key_seconds=10_000.0))
        self.Import._import_folder(deadline=time.monotonic() + 60, worked=True)
        self.assertEqual((record.message_code, record.load_progress["held_since"]), ("import.swap_waiting", since))
        # marked done by the managers while it still holds: told once, not again at each try
        record.activity_ids.action_feedback()
        self.short_run()
        self.assertEqual(record.message_code, "import.swap_held")
        self.assertFalse(record.activity_ids)
        # told again (as by a version that did not keep it), then the load ends: the activities are done with it
        record.load_progress = dict(record.load_progress, held_told=False)
        self.short_run()
        self.assertEqual(len(record.activity_ids.filtered(lambda activity: activity.user_id == colleague)), 1)
        # the reader ends its transaction: the table is replaced, the newer file follows, the activity is done
        reader.rollback()
        while record.state == "loading":
            self.short_run()
        self.assertEqual(record.state, "done")
        self.assertFalse(record.activity_ids, "done with the load")
        self.assertTrue(record.message_ids.filtered(
            lambda message: "Resolved: the import of ECRITURE.csv" in (message.body or "")))
        self.run_import()
        self.assertEqual(self.rows(), 1, "the newer file's rows")

    def load_then_the_newer_file(self, newer_data):
        """A long file loading by parts, then a newer file of its export dropped: (the load's record, the newer's)."""
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [loading] = self.short_run().records
        self.assertEqual(loading.state, "loading")
        self.drop("ECRITURE.20261204T101500Z.csv", newer_data)
        seen = loading.row_count
        while loading.state == "loading":  # the newer file waits behind the load, as behind any older file
            self.assertEqual(self.short_run().records.mapped("name")[:1], ["ECRITURE.csv"])
            self.assertGreaterEqual(loading.row_count, seen)
            seen = loading.row_count
        self.run_import()
        newer = self.Import.search([("name", "=", "ECRITURE.20261204T101500Z.csv")])
        self.assertEqual((loading.state, loading.row_count), ("done", ROWS))
        self.assertIn("archive/", loading.stored_as)
        self.assertEqual(self.load_tables(), 0)
        self.assertGreater(newer.id, loading.id, "imported after the load")
        return loading, newer

    def test_a_newer_file_is_imported_after_the_load_under_way(self):
        self.load_then_the_newer_file(ecriture(("2025-02-01", "NEW1", "512000", "5")))
        newer = self.Import.search([("name", "=", "ECRITURE.20261204T101500Z.csv")])
        self.assertEqual((newer.state, newer.row_count), ("done", 1))
        self.assertEqual(self.rows(), 1)

    def test_a_newer_file_with_a_bad_row_leaves_the_table_at_the_loaded_snapshot(self):
        """As when both are imported whole, oldest first: the load's valid file is not lost for the bad newer one."""
        _loading, newer = self.load_then_the_newer_file(ecriture(("2025-02-01", "NEW1", "512000", "pas un nombre")))
        self.assertEqual(newer.state, "rejected")
        self.assertTrue(list((self.folder / "anomalie").glob("*_ECRITURE.20261204T101500Z.csv")))
        self.assertEqual(self.rows(), ROWS)

    def test_a_load_whose_table_came_to_hold_a_newer_file_is_archived_unread(self):
        """A held file newer than the load's, imported by Update the table meanwhile: the load would take the table
        back to an older snapshot; it ends as an older file does."""
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        lines = ecriture(("2025-02-01", "NEW1", "512000", "5")).decode("cp1252").split("\r\n")
        self.drop("ECRITURE.20261204T101500Z.csv", f"{lines[0]};E_QTE\r\n{lines[1]};2,5\r\n".encode("cp1252"))
        [held] = self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_ecriture")
        self.assertEqual((held.state, entry.state), ("rejected", "held"))
        # a file written before the held one (copied with its date) but after the table's
        path = self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        os.utime(path, (self.mtime - 90, self.mtime - 90))
        [loading] = self.short_run().records
        self.assertEqual(loading.state, "loading")
        manager = new_test_user(self.env, login="parts_manager",
                                groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        entry.with_user(manager).action_update_table()
        self.run_import_cron()
        self.assertEqual(entry.state, "ready")
        self.assertEqual((loading.state, loading.message_code, loading.message_params),
                         ("superseded", "import.older_than_table", {"file": "ECRITURE.20261204T101500Z.csv"}))
        self.assertFalse(loading.load_progress)
        self.assertIn("archive/", loading.stored_as)
        self.assertEqual(self.load_tables(), 0)
        self.env.cr.execute("SELECT e_refinterne, x_e_qte FROM is_cegid_ecriture")
        self.assertEqual(self.env.cr.fetchall(), [("NEW1", 2.5)], "the newest snapshot stays")

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

    def test_a_load_whose_file_leaves_between_the_listing_and_its_next_part_is_given_up(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        self.assertEqual(record.state, "loading")
        model = type(self.Import)
        import_file = model._import_file

        def taken_away(records, folder, name, *args, **kwargs):  # another program, after the run listed the folder
            (self.folder / name).unlink()
            return import_file(records, folder, name, *args, **kwargs)

        with patch.object(model, "_import_file", taken_away), \
                self.assertLogs("odoo.addons.is_cegid2odoo.models.cegid_import", "WARNING"):
            self.short_run()
        self.assertEqual((record.state, record.message_code), ("failed", "import.load_abandoned"))
        self.assertFalse(record.load_progress)
        self.assertEqual((self.rows(), self.load_tables()), (2, 0))

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

    def loaded_whole(self):
        """A long file loaded by short runs up to its last row, its keys not built yet: its record."""
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        while not record.load_progress["progress"]["finished"]:
            self.short_run()
        self.assertEqual((record.state, record.load_progress["progress"]["keys"]), ("loading", 0))
        return record

    def test_a_load_cut_twice_in_a_row_is_given_up_and_said_not_retried_to_death(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        rows = record.row_count
        for _cut in range(2):  # Odoo kills the cron worker in the middle of a part, twice
            self.killed_in_load(self.short_run, WORKERS)
            self.assertEqual((record.state, record.row_count), ("loading", rows), "the part cut is lost, no more")
        with patch.dict(config.options, WORKERS):
            self.assertEqual(self.short_run().records, record)
            self.assertEqual((record.state, record.message_code, record.message_params),
                             ("failed", "import.part_cut_by_time_limit", {"limit": 80, "rows": rows, "cuts": 2}))
            self.assertIn("cut 2 times in a row by Odoo's time limit for scheduled actions (80 s)", record.message)
            self.assertFalse(record.load_progress)
            self.assertEqual(self.load_tables(), 0)
            # the scheduled runs leave the file; a manager's Import now imports it again
            self.assertFalse(self.short_run().records)
            outcome = self.Import._import_folder(deadline=time.monotonic() + 600, requested=True)
        self.assertEqual(outcome.records.mapped("state"), ["done"])
        self.assertEqual(self.rows(), ROWS)

    def test_one_part_cut_is_bad_luck_the_next_run_goes_on(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        self.killed_in_load(self.short_run, WORKERS)
        with patch.dict(config.options, WORKERS):
            self.short_run()
            self.assertEqual(record.state, "loading")
            self.killed_in_load(self.short_run, WORKERS)  # not in a row: a part went through between
            while record.state == "loading":
                self.short_run()
        self.assertEqual(record.state, "done")
        self.assertEqual(self.rows(), ROWS)

    def test_a_threaded_server_stopped_twice_in_a_load_does_not_give_it_up(self):
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        for _stop in range(3):
            self.killed_in_load(self.short_run, {"workers": 0})
        while record.state == "loading":
            self.short_run()
        self.assertEqual(record.state, "done")

    def test_a_long_step_after_other_work_waits_for_a_run_of_its_own(self):
        record = self.loaded_whole()
        # its rows took 10,000 s to load: its keys are foreseen longer than what is left of any run
        progress = dict(record.load_progress["progress"], load_seconds=10_000.0)
        record.load_progress = dict(record.load_progress, progress=progress)
        other = self.drop("HISTOCUMSAL.csv", export_bytes("HISTOCUMSAL", 3))
        os.utime(other, (self.mtime - 3600, self.mtime - 3600))  # older: imported first
        outcome = self.Import._import_folder(deadline=time.monotonic() + 60)
        self.assertEqual(outcome.records.mapped("name"), ["HISTOCUMSAL.csv", "ECRITURE.csv"])
        self.assertTrue(outcome.continued)
        self.assertEqual((record.state, record.load_progress["progress"]["keys"]), ("loading", 0),
                         "after another file, the keys wait")
        # the next run has nothing before it: it builds them, however long they are foreseen
        self.Import._import_folder(deadline=time.monotonic() + 60)
        self.assertTrue(record.state == "done" or record.load_progress["progress"]["keys"] > 0)
        for _run in range(5):
            if record.state == "loading":
                self.Import._import_folder(deadline=time.monotonic() + 60)
        self.assertEqual(record.state, "done")
        self.assertEqual(self.rows(), ROWS)

    def test_a_long_step_after_an_update_of_a_table_waits_for_a_run_of_its_own(self):
        """An update of a table a manager asked for is work the run did before the load: as after a file, the load's
        long step (its keys, foreseen longer than the run has left) waits for a run of its own."""
        manager = new_test_user(self.env, login="parts_manager",
                                groups="base.group_user,is_cegid2odoo.group_cegid_manager")
        self.env["ir.config_parameter"].sudo().set_param("is_cegid2odoo.new_exports", "review")
        self.drop("ABSENCESALARIE.csv", f"{ABSENCES_HEADER};PCN_EXTRA\n{ABSENCE_ROW};X\n".encode("cp1252"))
        [held] = self.run_import()
        entry = self.env.ref("is_cegid2odoo.export_absencesalarie")
        self.assertEqual((held.state, entry.state), ("rejected", "held"))
        record = self.loaded_whole()
        # its rows took 10,000 s to load: its keys are foreseen longer than what is left of any run
        progress = dict(record.load_progress["progress"], load_seconds=10_000.0)
        record.load_progress = dict(record.load_progress, progress=progress)
        entry.with_user(manager).action_update_table()
        with patch.dict(config.options, WORKERS):
            self.run_import_cron()  # woken by the trigger: no time to start anything, handed over
            self.assertEqual((entry.state, record.load_progress["progress"]["keys"]), ("held", 0))
            self.run_import_cron()  # the continuation: the update, then the load
        self.assertEqual(entry.state, "ready", "the table was updated")
        self.assertEqual(record.state, "loading", "after the update, the keys wait")
        self.assertEqual(record.load_progress["progress"]["keys"], 0)
        self.run_import_cron()  # nothing before it: the next run builds them
        self.assertTrue(record.state == "done" or record.load_progress["progress"]["keys"] > 0)

    def test_the_states_read_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["is_cegid2odoo"], ["fr_FR"], overwrite=True)
        self.drop("ECRITURE.csv", export_bytes("ECRITURE", ROWS, encoding="cp1252", seed=5))
        [record] = self.short_run().records
        french = record.with_context(lang="fr_FR")
        self.assertIn("lignes chargées", french.message)
        self.assertEqual(dict(french._fields["state"]._description_selection(french.env))["loading"],
                         "Chargement par parties")

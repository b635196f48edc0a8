# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The test runner's counting (tools/run_tests.py): what CI reads is its last line and its exit status."""

import run_tests


def crashes():
    """A suite that dies as PostgreSQL failing to start does."""
    raise RuntimeError("initdb failed (1): could not create directory")


def test_a_suite_that_crashes_counts_as_one_failure_and_the_totals_stay_last(capsys):
    status = run_tests.run_suites([("core", lambda: (3, 0)), ("odoo", crashes), ("lint", lambda: (2, 0))])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert status == 1
    assert lines[-1] == "5 passed, 1 failed"
    assert lines[-4:-1] == ["core: 3 passed, 0 failed", "odoo: 0 passed, 1 failed", "lint: 2 passed, 0 failed"]
    assert "odoo! the suite crashed (traceback above): counted as 1 failure" in lines
    assert "Traceback" in err
    assert "RuntimeError: initdb failed (1)" in err


def test_suites_that_pass_end_with_their_totals_and_status_zero(capsys):
    status = run_tests.run_suites([("core", lambda: (3, 0)), ("lint", lambda: (2, 0))])
    assert status == 0
    assert capsys.readouterr().out.splitlines()[-1] == "5 passed, 0 failed"


def test_a_skipped_suite_warns_above_the_totals(capsys):
    status = run_tests.run_suites([("odoo", lambda: (0, 0, "odoo: SKIPPED (no Odoo 18.0 found)"))])
    lines = capsys.readouterr().out.splitlines()
    assert status == 0
    assert lines[-2:] == ["odoo: SKIPPED (no Odoo 18.0 found)", "0 passed, 0 failed"]

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The test runner's counting (tools/run_tests.py): what CI reads is its last line and its exit status."""

import run_odoo_suite
import run_tests
import upgrade_check


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


def odoo_line(logger, message):
    """A line of Odoo 18's log at INFO (``netsvc`` format: it ends with the empty perf_info, a space)."""
    return f"2026-12-05 01:36:36,209 16112 INFO cegid_test {logger}: {message} "


OURS = "odoo.addons.is_cegid2odoo"
# As Odoo 18 logs them (odoo.tests.result.OdooTestResult.addSkip, run through OdooSuite): a tour that skips
# in its test, a class whose setUpClass skips (logged by odoo.tests.suite, not in the report's total), a
# test of another module that skips, and a log line of the addon that says "skipped".
SKIPPING_RUN = [
    odoo_line(f"{OURS}.tests.test_tour", "Starting TestForceNowTour.test_force_now_tour ..."),
    odoo_line(f"{OURS}.tests.test_tour", "skipped TestForceNowTour.test_force_now_tour : Chrome executable not found"),
    odoo_line(f"{OURS}.tests.test_tour", "Starting TestForceNowTour.test_other ..."),
    odoo_line("odoo.tests.suite", f"skipped setUpClass ({OURS}.tests.test_dashboards.TestDashboardTour) : "
                                  "Failed to detect chrome devtools port after 10.0s."),
    odoo_line("odoo.addons.base.tests.test_misc", "Starting TestMisc.test_other_module ..."),
    odoo_line("odoo.addons.base.tests.test_misc", "skipped TestMisc.test_other_module : not ours"),
    odoo_line(f"{OURS}.models.cegid_import_run", "Cegid import skipped: the Cegid settings were not confirmed"),
    odoo_line("odoo.modules.loading", "0 failed, 0 error(s) of 3 tests when loading database 'cegid_test'"),
]


def test_a_skipped_odoo_test_of_the_addon_counts_as_failed_with_its_reason():
    result = run_odoo_suite.SuiteResult()
    run_odoo_suite.judge_tests(0, SKIPPING_RUN, result)
    # 3 tests in Odoo's total: one of ours skipped, one of ours passed, the other module's skip is not ours
    assert (result.passed, result.failed) == (2, 2)
    assert result.problems == [
        "odoo: skipped TestForceNowTour.test_force_now_tour (Chrome executable not found): counted as failed",
        f"odoo: skipped setUpClass ({OURS}.tests.test_dashboards.TestDashboardTour) "
        "(Failed to detect chrome devtools port after 10.0s.): counted as failed",
    ]


def test_an_odoo_run_without_skips_counts_every_test_as_passed():
    result = run_odoo_suite.SuiteResult()
    run_odoo_suite.judge_tests(0, [line for line in SKIPPING_RUN if ": skipped " not in line], result)
    assert (result.passed, result.failed, result.problems) == (3, 0, [])


def test_a_part_left_out_warns_in_a_developers_run_and_fails_a_strict_one(monkeypatch, capsys):
    monkeypatch.delenv(run_odoo_suite.STRICT, raising=False)
    result = run_odoo_suite.SuiteResult()
    run_odoo_suite.leave_out(result, "odoo: the server scenarios")
    assert (result.failed, result.left_out) == (0, ["odoo: the server scenarios"])
    assert "odoo: WARNING: odoo: the server scenarios: not run" in capsys.readouterr().out
    monkeypatch.setenv(run_odoo_suite.STRICT, "1")
    result = run_odoo_suite.SuiteResult()
    run_odoo_suite.leave_out(result, "odoo: the server scenarios")
    assert (result.failed, result.left_out) == (1, [])
    assert result.problems == [
        "odoo: the server scenarios: not run, which fails a strict run (CEGID_TEST_STRICT=1, as in CI)"]


def test_the_upgrade_check_without_git_history_fails_a_strict_run(monkeypatch, tmp_path):
    exported = tmp_path / "exported"  # the addon as an archive unpacks it: no .git
    exported.mkdir()
    (exported / "__manifest__.py").write_text('{"version": "18.0.9.9.9"}', encoding="utf-8")
    monkeypatch.setattr(run_odoo_suite, "REPO_ROOT", exported)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # git must not find a repository above
    monkeypatch.setenv(run_odoo_suite.STRICT, "1")
    result = run_odoo_suite.SuiteResult()
    upgrade_check.run_upgrade(None, None, tmp_path, tmp_path / "odoo.log", result)
    assert result.failed == 1
    assert result.problems[0].startswith("upgrade: the upgrade check (no earlier version of the manifest")


def test_a_skipped_pytest_test_fails_a_strict_run(monkeypatch, tmp_path):
    (tmp_path / "test_some.py").write_text(
        "import pytest\n\ndef test_runs():\n    pass\n\ndef test_skips():\n    pytest.skip('no PostgreSQL')\n",
        encoding="utf-8")
    monkeypatch.delenv(run_odoo_suite.STRICT, raising=False)
    assert run_odoo_suite.run_pytest(tmp_path)[:2] == (1, 0)
    monkeypatch.setenv(run_odoo_suite.STRICT, "1")
    assert run_odoo_suite.run_pytest(tmp_path)[:2] == (1, 1)

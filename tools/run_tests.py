#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run every suite of the project and print one summary line each, then the totals.

Called by ``tools/test`` inside the test virtual environment. Suites:

- core: the pure-Python core and the two command-line scripts (pytest, against
  Azurite and the Cegid API simulator);
- core-urllib3-2: the same tests on the other HTTP stack Odoo 18 pins (urllib3 2,
  for Python 3.12), from the virtual environment ``tools/test`` makes for it;
- lint: ruff, and pylint-odoo's mandatory checks;
- odoo: the addon installed, tested and uninstalled on a real Odoo 18.0 and a
  throwaway PostgreSQL (``tools/run_odoo_suite.py``).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_odoo_suite

REPO_ROOT = Path(__file__).resolve().parents[1]
SUITES = ("core", "core-urllib3-2", "lint", "odoo")
URLLIB3_2_PYTHON = "CEGID_URLLIB3_2_PYTHON"  # set by tools/test: the Python of the urllib3 2 environment


def run_core(pytest_args):
    """pytest on tests/core; return (passed, failed)."""
    passed, failed, _status = run_odoo_suite.run_pytest(REPO_ROOT / "tests" / "core", extra=pytest_args)
    return passed, failed


def run_core_urllib3_2(pytest_args):
    """pytest on tests/core with the urllib3 2 environment's Python; return (passed, failed[, warning])."""
    python = os.environ.get(URLLIB3_2_PYTHON)
    if not python:
        warning = f"core-urllib3-2: WARNING: not run ({URLLIB3_2_PYTHON} unset: run tools/test)"
        return (0, 1, warning) if run_odoo_suite.strict_mode() else (0, 0, warning)
    requests_version, urllib3_version = subprocess.run(
        [python, "-c", "import requests, urllib3; print(requests.__version__, urllib3.__version__)"],
        capture_output=True, text=True, check=True).stdout.split()
    print(f"core-urllib3-2: requests {requests_version}, urllib3 {urllib3_version}", flush=True)
    if not urllib3_version.startswith("2."):
        return 0, 1, f"core-urllib3-2: FAILED: {python} has urllib3 {urllib3_version}, not 2"
    passed, failed, _status = run_odoo_suite.run_pytest(REPO_ROOT / "tests" / "core", extra=pytest_args,
                                                        python=python)
    return passed, failed


def run_lint():
    """ruff, then pylint-odoo's mandatory checks on the addon; return (passed, failed)."""
    passed = failed = 0
    ruff = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO_ROOT, check=False)
    passed, failed = (passed + 1, failed) if ruff.returncode == 0 else (passed, failed + 1)
    print(f"lint: ruff {'clean' if ruff.returncode == 0 else 'FAILED'}")
    with tempfile.TemporaryDirectory() as tmp:
        # pylint-odoo reads the module name from the folder name: mount the repository as the addon.
        (Path(tmp) / run_odoo_suite.MODULE).symlink_to(REPO_ROOT, target_is_directory=True)
        pylint = subprocess.run(
            [sys.executable, "-m", "pylint", f"--rcfile={REPO_ROOT / '.pylintrc-mandatory'}", run_odoo_suite.MODULE],
            cwd=tmp, check=False,
        )
    passed, failed = (passed + 1, failed) if pylint.returncode == 0 else (passed, failed + 1)
    print(f"lint: pylint-odoo mandatory checks {'clean' if pylint.returncode == 0 else 'FAILED'}")
    readme_ok = check_readme()
    passed, failed = (passed + 1, failed) if readme_ok else (passed, failed + 1)
    print(f"lint: README.rst {'up to date and valid' if readme_ok else 'FAILED'}")
    return passed, failed


def check_readme():
    """README.rst matches its readme/ fragments and is valid reStructuredText."""
    generated = subprocess.run([sys.executable, "tools/gen_readme.py", "--check"], cwd=REPO_ROOT, check=False)
    if generated.returncode:
        return False
    import docutils.core  # only the lint suite needs it
    import docutils.utils

    try:
        docutils.core.publish_doctree(
            (REPO_ROOT / "README.rst").read_text(encoding="utf-8"),
            settings_overrides={"halt_level": 2, "report_level": 2, "syntax_highlight": "none"},
        )
    except docutils.utils.SystemMessage as err:
        print(f"lint! README.rst: {err}")
        return False
    return True


def run_odoo(log_path):
    """The Odoo suite (tools/run_odoo_suite.py); return (passed, failed, warnings): what was skipped or left out."""
    result = run_odoo_suite.run_suite(log_path=log_path)
    run_odoo_suite.print_result(result, log_path, counts=False)
    warnings = [f"odoo: WARNING: {part}: not run" for part in result.left_out]
    if result.skipped_reason:
        warnings.append(f"odoo: SKIPPED ({result.skipped_reason}); "
                        "WARNING: nothing proved that the addon installs and works")
    return result.passed, result.failed, "\n".join(warnings)


def run_guarded(name, run):
    """``(name, passed, failed, warning)`` of one suite, after its line; a suite that raises counts as one failure.

    ``run`` returns ``(passed, failed)`` or ``(passed, failed, warning)``. A crash (PostgreSQL that does not
    start, pip that fails...) prints its traceback and the run goes on: the summary and the exit status must
    not be lost with it.
    """
    try:
        passed, failed, *warning = run()
    except Exception:  # whatever breaks a suite fails it; the totals are still printed
        traceback.print_exc()
        print(f"{name}! the suite crashed (traceback above): counted as 1 failure", flush=True)
        passed, failed, warning = 0, 1, []
    print(f"{name}: {passed} passed, {failed} failed", flush=True)
    return name, passed, failed, "".join(warning)


def run_suites(runners):
    """Run each ``(name, run)`` of ``runners`` guarded, print the summary ending with the totals; return the status.

    The last line is always ``N passed, N failed``; the status is 1 when anything failed, else 0.
    """
    summary = [run_guarded(name, run) for name, run in runners]
    print()
    for name, passed, failed, _warning in summary:
        print(f"{name}: {passed} passed, {failed} failed")
    for *_counts, warning in summary:
        if warning:
            print(warning)
    total_passed = sum(passed for _, passed, _, _ in summary)
    total_failed = sum(failed for _, _, failed, _ in summary)
    print(f"{total_passed} passed, {total_failed} failed", flush=True)
    return 1 if total_failed else 0


def interrupt(_signum, _frame):
    """Turn SIGTERM into KeyboardInterrupt so that every ``finally`` stops what it started."""
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description="Run the core, lint and Odoo suites.")
    parser.add_argument("--only", metavar="SUITES", default=",".join(SUITES),
                        help=f"comma-separated suites to run (default: {','.join(SUITES)})")
    parser.add_argument("--odoo-log", metavar="PATH", help="keep Odoo's log there")
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest (after --)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    selected = [name for name in args.only.split(",") if name]
    unknown = set(selected) - set(SUITES)
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    runners = {
        "core": lambda: run_core(args.pytest_args),
        "core-urllib3-2": lambda: run_core_urllib3_2(args.pytest_args),
        "lint": run_lint,
        "odoo": lambda: run_odoo(args.odoo_log),
    }
    try:
        return run_suites([(name, runners[name]) for name in SUITES if name in selected])
    except KeyboardInterrupt:
        print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

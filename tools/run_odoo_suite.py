#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run the addon's Odoo test suite on a real Odoo 18.0 and a throwaway PostgreSQL.

Finds Odoo 18.0 (ODOO_SRC, /opt/odoo-18.0, /opt/odoo, an importable ``odoo``),
installs its Python requirements into the running interpreter's environment if
they are missing, starts a private PostgreSQL cluster (as an unprivileged user
when run as root), installs the addon, upgrades it, runs its tests, uninstalls
it, and judges the run by Odoo's own test report and by the log: any skipped
test of the addon, any ERROR or CRITICAL line fails the suite, and so does any WARNING line of the install, the
upgrade and the uninstall (of the tests, a WARNING line about this addon).
Everything it starts it stops, also when interrupted.

Standard library only: it runs before anything else is known to be installed.
"""

import argparse
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from pg_cluster import free_port, throwaway_cluster

REPO_ROOT = Path(__file__).resolve().parents[1]
MODULE = "is_cegid2odoo"
ODOO_CANDIDATES = ("/opt/odoo-18.0", "/opt/odoo")
# Set by .ci/run: what a developer's run may leave out (no Odoo, the upgrade check, the server scenarios,
# a skipped pytest test) fails a strict run instead.
STRICT = "CEGID_TEST_STRICT"
# cbor2 5.4.2 (Odoo 18's pin for Python 3.11) cannot build with setuptools >= 70.
BUILD_CONSTRAINTS = "setuptools<70\n"
# seconds one pytest test may take (pytest-timeout): far above the longest, a real server's scenario, so that only a
# test that hangs reaches it, and fails instead of holding the run forever
PYTEST_TIMEOUT = 1200
RESULT_LINE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
LOG_LEVEL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# odoo.tests.result.OdooTestResult.addSkip: "skipped %s : %s" (the test, the reason) at INFO, logged by the
# test's module; a setUpClass that skips is logged by unittest.suite, the test being "setUpClass (<module.Class>)".
SKIP_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ INFO \S+ (?P<logger>\S+): "
                       r"skipped (?P<test>.+?) : (?P<reason>.*?)\s*$")
CLASS_LEVEL = ("setUpClass (", "tearDownClass (")  # not counted in the report's total: no startTest
# Lines Odoo itself prints on any fresh test database; none is about this addon.
KNOWN_NOISE = (
    re.compile(r"odoo\.modules\.graph: module .* not installable, skipped"),
)


@dataclass
class SuiteResult:
    """What the Odoo suite found: counts, the lines that failed it, why it was skipped, the parts left out."""

    passed: int = 0
    failed: int = 0
    skipped_reason: str = ""
    problems: list = field(default_factory=list)
    left_out: list = field(default_factory=list)


def strict_mode():
    """True in CI (``CEGID_TEST_STRICT=1``, exported by .ci/run): nothing may be skipped."""
    return os.environ.get(STRICT) == "1"


def leave_out(result, part):
    """Record that ``part`` of the suite did not run: one failure in a strict run, else a visible warning."""
    if strict_mode():
        result.failed += 1
        result.problems.append(f"{part}: not run, which fails a strict run ({STRICT}=1, as in CI)")
    else:
        result.left_out.append(part)
        print(f"odoo: WARNING: {part}: not run", flush=True)


def odoo_version_ok(src):
    """True when ``src`` holds an Odoo 18.0 source tree."""
    release = Path(src) / "odoo" / "release.py"
    return release.is_file() and "version_info = (18, 0" in release.read_text(encoding="utf-8")


def find_odoo():
    """The Odoo 18.0 source folder, or None; ODOO_SRC first, then the usual places."""
    explicit = os.environ.get("ODOO_SRC")
    candidates = [explicit] if explicit else []
    candidates += list(ODOO_CANDIDATES)
    for candidate in candidates:
        if candidate and odoo_version_ok(candidate):
            return Path(candidate)
    probe = subprocess.run(
        [sys.executable, "-c", "import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))"],
        capture_output=True, text=True, check=False,
    )
    if probe.returncode == 0 and odoo_version_ok(probe.stdout.strip()):
        return Path(probe.stdout.strip())
    return None


def ensure_odoo_requirements(src):
    """Install Odoo's requirements.txt into this environment once (a marker keeps its hash)."""
    requirements = src / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:16]
    marker = Path(sys.prefix) / f".odoo-requirements-{digest}"
    if marker.exists():
        return
    print(f"odoo: installing Odoo's Python requirements from {requirements} (once)", flush=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as constraints:
        constraints.write(BUILD_CONSTRAINTS)
    try:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--build-constraint", constraints.name,
             "-r", str(requirements)],
            check=True,
        )
    finally:
        os.unlink(constraints.name)
    marker.touch()


def mount_addon(workdir):
    """An addons folder in ``workdir`` where the repository appears as the addon."""
    addons = workdir / "addons"
    addons.mkdir(exist_ok=True)
    link = addons / MODULE
    if not link.exists():
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    return addons


def odoo_command(src, cluster, workdir, dbname, extra, serve=False, http_port=None, addons=None):
    """The odoo-bin command line, the repository mounted as the addon (or the addon in the folder ``addons``).

    By default Odoo stops after loading (tests, installs), with no cron thread;
    ``serve`` keeps it running with one cron thread, as a real server.
    """
    addons_path = ",".join(str(p) for p in (src / "odoo" / "addons", src / "addons", addons or mount_addon(workdir)))
    return [
        sys.executable, str(src / "odoo-bin"),
        "--addons-path", addons_path, "--data-dir", str(workdir / "data"),
        "--db_host", str(cluster.socketdir), "--db_port", str(cluster.port), "--db_user", "odoo",
        "-d", dbname, "--http-port", str(http_port or free_port()), "--gevent-port", str(free_port()),
        "--workers", "0", "--without-demo", "all",
        *(["--max-cron-threads", "1", "--db-filter", f"^{dbname}$"] if serve
          else ["--max-cron-threads", "0", "--stop-after-init"]),
        *extra,
    ]


def run_logged(command, logfile, echo):
    """Run ``command``, its output appended to ``logfile`` (and echoed when asked); return the lines."""
    lines = []
    with open(logfile, "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            cwd=str(REPO_ROOT), env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        try:
            for line in process.stdout:
                log.write(line)
                lines.append(line.rstrip("\n"))
                if echo:
                    sys.stdout.write(line)
            process.wait()
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, lines


def log_problems(lines, strict=False):
    """ERROR/CRITICAL lines, and WARNING lines: all of them when ``strict``, else those that mention this addon.

    Installing, upgrading and uninstalling the addon are judged strictly: Odoo
    warns there of what it will do wrong later (a field it cannot search, a
    view it reads otherwise...), whatever logger says it.
    """
    problems = []
    for line in lines:
        match = LOG_LEVEL.match(line)
        if not match or any(noise.search(line) for noise in KNOWN_NOISE):
            continue
        level = match.group(1)
        if level in ("ERROR", "CRITICAL") or (level == "WARNING" and (strict or MODULE in line)):
            problems.append(line)
    return problems


def addon_skips(lines):
    """``(test, reason)`` of each test of this addon that Odoo skipped (logged at INFO only).

    A skipped test proves nothing: a tour whose Chromium is missing or too slow to start
    ("Chrome executable not found", "Failed to detect chrome devtools port") must not pass.
    """
    prefix = f"odoo.addons.{MODULE}."
    skips = []
    for line in lines:
        match = SKIP_LINE.match(line)
        if match and (match["logger"].startswith(prefix) or prefix in match["test"]):
            skips.append((match["test"], match["reason"]))
    return skips


def judge_tests(returncode, lines, result):
    """Fill ``result`` from Odoo's report line and the log of the install-and-test run; a skipped test fails."""
    report = [RESULT_LINE.search(line) for line in lines]
    report = [match for match in report if match]
    problems = log_problems(lines)
    skips = addon_skips(lines)
    if report:
        failures, errors, total = (int(x) for x in report[-1].groups())
        counted_skips = sum(1 for test, _reason in skips if not test.startswith(CLASS_LEVEL))
        result.passed += max(total - failures - errors - counted_skips, 0)
        result.failed += failures + errors + len(skips)
        result.problems.extend(f"odoo: skipped {test} ({reason}): counted as failed" for test, reason in skips)
        if not total:
            result.problems.append("odoo: no Odoo test ran")
            result.failed += 1
    elif returncode == 0 and not problems:
        result.problems.append("odoo: the run printed no test report (no test ran?)")
        result.failed += 1
    if returncode != 0 and not (report and result.failed):
        result.problems.append(f"odoo-bin exited with status {returncode}")
        result.failed += 1
    if problems and not result.failed:
        # The tests passed but the log shows an error or a warning of the addon: that fails the suite too.
        result.failed += 1
    result.problems.extend(problems)


def judge_step(name, returncode, lines, result):
    """One more pass/fail check (install, upgrade, uninstall) judged by exit status and log, strictly."""
    problems = log_problems(lines, strict=True)
    if returncode == 0 and not problems:
        result.passed += 1
    else:
        result.failed += 1
        result.problems.append(f"{name}: odoo-bin exited with status {returncode}" if returncode else f"{name}:")
        result.problems.extend(problems)


def run_shell(src, cluster, workdir, dbname, script, addons=None):
    """Run a Python ``script`` in ``odoo-bin shell`` on ``dbname``; return its output lines."""
    command = odoo_command(src, cluster, workdir, dbname, [], addons=addons)
    command.insert(2, "shell")
    command.remove("--stop-after-init")
    with tempfile.TemporaryFile("w+") as stdin:
        stdin.write(script)
        stdin.seek(0)
        process = subprocess.run(command, stdin=stdin, capture_output=True, text=True, check=False,
                                 cwd=str(REPO_ROOT))
    return (process.stdout + process.stderr).splitlines()


def run_pytest(folder, env=None, extra=(), python=sys.executable):
    """pytest on ``folder`` (its own rootdir) with ``python``; return (passed, failed, exit status).

    A run that reports no test, or dies before writing its report, counts as one failure; in a strict run
    (CI) every skipped test counts as failed.
    """
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        process = subprocess.run(
            [python, "-m", "pytest", str(folder), "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
             f"--timeout={PYTEST_TIMEOUT}", *extra],
            cwd=REPO_ROOT, check=False, env=dict(os.environ, **(env or {})),
        )
        if not report.exists():
            print(f"{folder.name}! pytest wrote no report (exit status {process.returncode})")
            return 0, 1, process.returncode
        suite = ET.parse(report).getroot()  # noqa: S314 - our own pytest's report
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total, skipped = int(suite.get("tests")), int(suite.get("skipped"))
        failed = int(suite.get("failures")) + int(suite.get("errors"))
    if total == skipped:
        print(f"{folder.name}! no test ran")
        failed += 1
    if process.returncode not in (0, 1) and not failed:
        print(f"{folder.name}! pytest exited with status {process.returncode}")
        failed += 1
    passed = total - skipped - min(failed, total - skipped)
    if skipped and strict_mode():
        print(f"{folder.name}! {skipped} test(s) skipped (pytest -rs tells why): counted as failed ({STRICT}=1)")
        failed += skipped
    return passed, failed, process.returncode


def run_server_scenarios(src, cluster, workdir, dbname, result):
    """The scenarios of ``tests/odoo_server`` (a real server with workers) on the suite's database."""
    env = {"CEGID_SUITE_ODOO": str(src), "CEGID_SUITE_PG_SOCKET": str(cluster.socketdir),
           "CEGID_SUITE_PG_PORT": str(cluster.port), "CEGID_SUITE_DB": dbname, "CEGID_SUITE_WORKDIR": str(workdir)}
    passed, failed, _status = run_pytest(REPO_ROOT / "tests" / "odoo_server", env)
    result.passed += passed
    result.failed += failed
    if failed:
        result.problems.append(f"odoo: {failed} server scenario(s) failed (tests/odoo_server, output above)")


# First an export the addon does not know, so that uninstalling has a custom model and its table to remove,
# and a known export with a column of the customer's own (a manual field and views on a shipped model); then the
# loading copies of two tables.
UNINSTALL_SCRIPT = """
import os, shutil, tempfile
folder = tempfile.mkdtemp(prefix="cegid-uninstall-")
params = env["ir.config_parameter"].sudo()
params.set_param("@MODULE@.import_folder", folder)
params.set_param("@MODULE@.database_uuid", params.get_param("database.uuid"))
with open(os.path.join(folder, "SALARIES.csv"), "w", encoding="cp1252") as handle:
    handle.write("MATRICULE;NOM;SALAIRE_BASE\\r\\n0000042;Hélène Dupré;2 500,50\\r\\n")
with open(os.path.join(folder, "HISTOCUMSAL.csv"), "w", encoding="cp1252") as handle:
    handle.write("PHC_SALARIE;PHC_CUMULPAIE;PHC_MONTANT;PHC_ETABLISSEMENT\\r\\n0000042;01;2 500,50;Lyon\\r\\n")
env["is.cegid.import"]._import_folder()
env.cr.commit()
made = env["ir.model"].search_count([("model", "=like", "x_cegid_%")])
made += env["ir.model.fields"].search_count([("model", "=", "is.cegid.histocumsal"), ("name", "=like", "x_%")])
shutil.rmtree(folder, ignore_errors=True)
# the loading copies a load by parts under way, or a swap held back, leaves beside a table
from odoo.tools import SQL
for table in ("is_cegid_histocumsal", "x_cegid_salaries"):
    env.cr.execute(SQL("CREATE TABLE %s (LIKE %s)", SQL.identifier(table + "__cegid_load"), SQL.identifier(table)))
env.cr.commit()
module = env["ir.module.module"].search([("name", "=", "@MODULE@")])
module.button_immediate_uninstall()
env.cr.commit()
remaining = env["ir.model"].search_count(["|", ("model", "=like", "is.cegid.%"), ("model", "=like", "x_cegid_%")])
env.cr.execute("SELECT count(*) FROM pg_class WHERE relkind = 'r' "
               "AND (relname LIKE 'is\\\\_cegid\\\\_%' OR relname LIKE 'x\\\\_cegid\\\\_%')")
tables = env.cr.fetchone()[0]
env.cr.execute("SELECT count(*) FROM ir_model_data WHERE module = %s", ["@MODULE@"])
data = env.cr.fetchone()[0]
print("uninstall: state=%s remaining_models=%s remaining_tables=%s remaining_data=%s custom_models_made=%s"
      % (module.state, remaining, tables, data, made))
""".replace("@MODULE@", MODULE)
UNINSTALLED = "uninstall: state=uninstalled remaining_models=0 remaining_tables=0 remaining_data=0 custom_models_made=2"


def run_suite(keep=False, echo=False, log_path=None, test_tags=None):
    """Run install + tests + uninstall; return a SuiteResult."""
    result = SuiteResult()
    src = find_odoo()
    if src is None:
        reason = ("no Odoo 18.0 found: set ODOO_SRC to an Odoo 18.0 source folder, "
                  "or put one in /opt/odoo-18.0 or /opt/odoo")
        if strict_mode():
            leave_out(result, f"odoo: the whole suite ({reason})")
        else:
            result.skipped_reason = reason
        return result
    ensure_odoo_requirements(src)
    with throwaway_cluster("cegid-odoo-suite-", keep) as (cluster, workdir):
        log_path = Path(log_path) if log_path else workdir / "odoo.log"
        dbname = "cegid_test"
        tags = test_tags or f"/{MODULE}"
        # the install and an upgrade alone, judged on every warning; then the tests (all post_install)
        for step, option in (("install", "-i"), ("upgrade", "-u")):
            returncode, lines = run_logged(odoo_command(src, cluster, workdir, dbname, [option, MODULE]), log_path,
                                           echo)
            judge_step(step, returncode, lines, result)
        command = odoo_command(src, cluster, workdir, dbname,
                               ["--test-enable", "--test-tags", tags, "--log-level", "test"])
        returncode, lines = run_logged(command, log_path, echo)
        judge_tests(returncode, lines, result)
        if os.environ.get("CEGID_SKIP_SERVER_SCENARIOS") == "1":  # a developer's quick run; CI runs them
            leave_out(result, "odoo: the server scenarios (tests/odoo_server), CEGID_SKIP_SERVER_SCENARIOS=1")
        else:
            run_server_scenarios(src, cluster, workdir, dbname, result)
        uninstall_lines = run_shell(src, cluster, workdir, dbname, UNINSTALL_SCRIPT)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write("\n".join(uninstall_lines) + "\n")
        ok = UNINSTALLED in uninstall_lines
        judge_step("uninstall", 0 if ok else 1, uninstall_lines, result)
        import upgrade_check  # a step of its own module, which uses this one's helpers

        upgrade_check.run_upgrade(src, cluster, workdir, log_path, result)
    return result


def print_result(result, log_path=None, counts=True):
    """The suite's summary line (unless not ``counts``: the caller prints it), after the lines that failed it."""
    if result.skipped_reason:
        print(f"odoo: SKIPPED ({result.skipped_reason})")
        return
    for problem in result.problems[:60]:
        print(f"odoo! {problem}")
    if log_path:
        print(f"odoo: full log in {log_path}")
    if counts:
        print(f"odoo: {result.passed} passed, {result.failed} failed")


def interrupt(_signum, _frame):
    """Turn SIGTERM into KeyboardInterrupt so that every ``finally`` cleans up."""
    raise KeyboardInterrupt


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, data dir, log)")
    parser.add_argument("--echo", action="store_true", help="echo Odoo's log while it runs")
    parser.add_argument("--log", metavar="PATH", help="write Odoo's log there (default: in the temporary folder)")
    parser.add_argument("--test-tags", metavar="TAGS", help="Odoo --test-tags (default: /is_cegid2odoo)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, interrupt)
    started = time.monotonic()
    result = run_suite(keep=args.keep, echo=args.echo, log_path=args.log, test_tags=args.test_tags)
    print_result(result, args.log)
    print(f"odoo: took {time.monotonic() - started:.0f}s")
    if result.skipped_reason:
        return 0
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())

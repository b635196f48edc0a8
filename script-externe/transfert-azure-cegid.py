#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Move the Cegid Data Access exports from Azure into the import folder.

Every blob of the export container is downloaded into the import folder
(config.py: dossier_de_destination) under its base name, verified, then
deleted from Azure. A name already taken gets a unique suffix; a file is never
overwritten, never delivered twice, never left half-written under its name.

With --max-seconds N the run stops cleanly after about N seconds: no new
blob starts near the limit, a download under way keeps what it has (the next
run continues it), what was downloaded is delivered. A run killed (by
`timeout`, say) is continued the same way by the next one, from the last
checkpoint of each large download.

Exit status: 0 all transferred (or nothing to do, or another run holds the
lock, or --max-seconds stopped the run: the next one continues), 1 some blobs
not transferred, 2 configuration or usage error, 3 connection failure or a
request Cegid or Azure refused (authentication, permissions, no such
container) before any transfer, 4 unexpected error (one line, secrets
masked), 5 all else went well but the output could not be written (the
disk of the log full): the run goes on without it, and says so on stderr
if it can.
"""

import os
import sys

# the folder of the addon, where the script really is (Python resolves a symbolic link to it likewise)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

# first, before anything an older Python lacks (the scripts parse as Python 3.6 reads them)
from cegid_data_access.python_check import exit_if_python_too_old

exit_if_python_too_old(__file__)

import math
import time

from cegid_data_access import cli
from cegid_data_access.cli_text import render, shown
from cegid_data_access.transfer import TransferReporter, check_connection, run_transfer

UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def human_size(size):
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in UNITS:
        if value < 1024 or unit == UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def say(text, stream=None):
    """Print a line at once (cron logs and watchers see progress as it happens)."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


class ConsoleReporter(TransferReporter):
    """The original script's output: the table of blobs, then one line per file."""

    def __init__(self, quiet=False):
        self.quiet = quiet
        self.total = 0
        self.count = 0
        self.live = sys.stderr.isatty() and not quiet

    def on_listing(self, blobs):
        self.total = len(blobs)
        if self.quiet:
            return
        if not blobs:
            say("No file waiting in Azure.")
            return
        say(f"{len(blobs)} file(s) in Azure:")
        rows = [(blob.name, human_size(blob.size),
                 blob.last_modified.strftime("%Y-%m-%d %H:%M:%S") if blob.last_modified else "")
                for blob in blobs]
        cli.print_table(("Name", "Size", "Last modified (UTC)"), rows)
        sys.stdout.flush()

    def on_progress(self, blob_name, done_bytes, total_bytes):
        if self.live and total_bytes:
            sys.stderr.write(f"\r  {shown(blob_name)}: {100 * done_bytes // total_bytes}%  ")
            sys.stderr.flush()

    def on_file_done(self, outcome):
        self.count += 1
        if self.live:
            sys.stderr.write("\r\033[K")
        if self.quiet:
            return
        target = f" -> {shown(outcome.local_name)}" if outcome.local_name else ""
        state = outcome.state.replace("_", " ").upper()
        message = f": {outcome_text(outcome)}" if outcome.code else ""
        say(f"[{self.count}/{self.total}] {state} {shown(outcome.blob_name)}{target} "
            f"({human_size(outcome.size)}){message}")

    def on_warning(self, code, params):
        say("Warning: " + render(code, params), sys.stderr)


def outcome_text(outcome):
    """What to say about one file, beyond its state ("" when nothing)."""
    return render(outcome.code, outcome.params) if outcome.code else ""


def print_summary(result, elapsed):
    """Files, bytes, duration and failures of the run."""
    if result.lock_held:
        return
    rate = result.bytes_done / elapsed if elapsed > 0 else 0
    say(f"Summary: {result.files_done} file(s) transferred, {human_size(result.bytes_done)} "
        f"in {elapsed:.1f} s ({human_size(rate)}/s); {result.failures} failure(s).")
    for outcome in result.outcomes:
        if outcome.state in ("failed", "refused"):
            # a file delivered whose blob could not be deleted is in the import folder: only the delete failed
            label = "NOT DELETED" if outcome.code == "file.not_deleted" else "NOT TRANSFERRED"
            say(f"  {label} {shown(outcome.blob_name)}: {outcome_text(outcome)}")
    left = [outcome for outcome in result.outcomes if outcome.state == "continued"]
    if left:
        started = sum(1 for outcome in left if outcome.code == "file.continued")
        say(f"Stopped at the time limit: {len(left)} file(s) left in Azure for the next run"
            f" ({started} partly downloaded, to be continued).")


def json_summary(result):
    """The run as JSON, with each code also rendered as the console shows it."""
    summary = result.to_dict()
    for item, outcome in zip(summary["files"], result.outcomes, strict=True):
        item["message"] = outcome_text(outcome)
    for item in summary["warnings"]:
        item["message"] = render(item["code"], item["params"])
    return summary


def print_checks(steps, as_json):
    """Show the steps of --check; exit status 3 when one failed (a setting found wrong was raised: exit 2)."""
    if as_json:
        cli.print_json([{"name": render(step.name, {}), "ok": step.ok, "code": step.code, "params": step.params,
                         "message": render(step.code, step.params)} for step in steps])
    else:
        for step in steps:
            say(f"{'OK    ' if step.ok else 'FAILED'} {render(step.name, {})}: {render(step.code, step.params)}")
    return 0 if all(step.ok for step in steps) else 3


def build_parser():
    parser = cli.build_parser(__file__, __doc__)
    parser.add_argument("--workers", type=int, metavar="N", help="blobs downloaded at once (default 4)")
    parser.add_argument("--check", action="store_true",
                        help="only check the import folder and the connection (token, SAS, listing); download "
                        "and delete nothing")
    parser.add_argument("--max-seconds", type=float, metavar="N",
                        help="stop cleanly after about N seconds (downloads under way are continued by the next run)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    return parser


def main(secrets):
    args = build_parser().parse_args()
    if args.workers is not None and args.workers < 1:
        build_parser().error("--workers must be at least 1")
    # float() takes "nan" (which no comparison refuses) and "inf" (no limit at all): only a finite number is a limit
    if args.max_seconds is not None and not (math.isfinite(args.max_seconds) and args.max_seconds > 0):
        build_parser().error("--max-seconds must be a positive, finite number")
    cli.setup_logging(args.verbose)
    settings = cli.load_cli_settings(args)
    secrets.extend(settings.secrets())
    cli.setup_logging(args.verbose, secrets)
    if args.check:
        # the import folder too (as the run checks it); a setting found wrong is a configuration error (exit 2)
        return print_checks(check_connection(settings, import_folder=True), args.json)
    started = time.monotonic()
    deadline = started + args.max_seconds if args.max_seconds else None
    result = run_transfer(settings, reporter=ConsoleReporter(quiet=args.json), workers=args.workers,
                          deadline=deadline)
    if args.json:
        cli.print_json(json_summary(result))
    else:
        print_summary(result, time.monotonic() - started)
    return result.exit_code


if __name__ == "__main__":
    SECRETS = []
    sys.exit(cli.run(lambda: main(SECRETS), SECRETS))

#!/usr/bin/env python3
# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Look at and drive the scheduled queries ("requêtes planifiées") of Cegid Data Access.

  --discover                          find the provider id to put in config.py
  --list [--sql]                      list the scheduled queries (and their SQL)
  --force [--name PART] [--time HH:MM]
                                      run the matching queries soon: next quarter hour
                                      at least 5 minutes ahead, or HH:MM UTC
                                      (default: cegid_force_time of config.py)
  --disable --id GUID / --enable --id GUID

Only nextExecution changes when forcing: the cron stays, and the daily schedule
resumes after the forced run. A disabled query is never forced.

Exit status: 0 done (a disabled query that matched is skipped, which is no
failure), 1 nothing matched (no query, no provider) or Cegid failed to force
some queries, 2 usage or configuration error, 3 connection failure or a
request Cegid refused (authentication, permissions), 4 unexpected error (one
line, secrets masked), 5 all else went well but the output could not be
written (the disk of the log full): the run goes on without it, and says so
on stderr if it can.
"""

import os
import sys

# the folder of the addon, where the script really is (Python resolves a symbolic link to it likewise)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.realpath(__file__))))

# first, before anything an older Python lacks (the scripts parse as Python 3.6 reads them)
from cegid_data_access.python_check import exit_if_python_too_old

exit_if_python_too_old(__file__)

import dataclasses

from cegid_data_access import cli
from cegid_data_access.cegid_api.client import CegidClient
from cegid_data_access.cegid_api.schedules import (
    is_enabled,
    parse_force_time,
    scheduler_content,
    scheduler_name,
    short_utc,
)
from cegid_data_access.cli_text import describe, shown
from cegid_data_access.errors import ConfigError, NotFoundError
from cegid_data_access.settings import config_line

EXIT_OK = 0
EXIT_NOTHING = 1


def say(text="", stream=None):
    """Print a line at once."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def build_parser():
    parser = cli.build_parser(__file__, __doc__)
    commands = parser.add_mutually_exclusive_group(required=True)
    commands.add_argument("--discover", action="store_true", help="find the provider id (cegid_provider_id)")
    commands.add_argument("--list", action="store_true", help="list the scheduled queries")
    commands.add_argument("--force", action="store_true", help="bring the next execution forward")
    commands.add_argument("--disable", action="store_true", help="disable the query --id")
    commands.add_argument("--enable", action="store_true", help="enable the query --id")
    parser.add_argument("--sql", action="store_true", help="with --list: show the SQL of each query")
    parser.add_argument("--name", metavar="PART", help="with --force: only queries whose name contains PART")
    parser.add_argument("--time", metavar="HH:MM", help="with --force: run at HH:MM UTC (today, or tomorrow)")
    parser.add_argument("--id", metavar="GUID", help="with --enable/--disable: the query id (see --list)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    return parser


def check_options(parser, args):
    """Refuse options that do not go with the command (argparse exits with status 2).

    An empty --time is not given, as the original script read it (``--time "$T"``, T unset: the default time);
    an empty --name is refused: read as no part, it would force every query (``--name "$Q"``, Q unset).
    """
    if args.time == "":
        args.time = None
    if args.sql and not args.list:
        parser.error("--sql goes with --list")
    if (args.name is not None or args.time is not None) and not args.force:
        parser.error("--name and --time go with --force")
    if args.name == "":
        parser.error("--name needs a part of a query name: an empty one would force every query "
                     "(leave --name out for that)")
    if (args.enable or args.disable) and not args.id:
        parser.error("--enable and --disable need --id GUID (see --list)")
    if args.id and not (args.enable or args.disable):
        parser.error("--id goes with --enable or --disable")
    if args.time is not None:
        try:
            parse_force_time(args.time)
        except ConfigError:
            parser.error(f"--time must read HH:MM (UTC), e.g. 14:30, not “{shown(args.time)}”")


def scheduler_summary(obj, with_sql=False):
    """The fields of a scheduled query that the table and --json show."""
    summary = {
        "id": obj.get("id"),
        "name": scheduler_name(obj),
        "enabled": is_enabled(obj),
        "cron": obj.get("cron"),
        "next_execution": obj.get("nextExecution"),
        "last_execution": obj.get("lastExecution"),
    }
    if with_sql:
        summary["sql"] = scheduler_content(obj)
    return summary


def print_schedulers(schedulers, with_sql):
    """The table of the original script: enabled mark, name, cron, next and last run, id."""
    say(f"{len(schedulers)} scheduled quer{'y' if len(schedulers) == 1 else 'ies'} (dates in UTC):")
    rows = [
        ("[x]" if is_enabled(obj) else "[ ]", scheduler_name(obj), obj.get("cron") or "-",
         short_utc(obj.get("nextExecution")), short_utc(obj.get("lastExecution")), obj.get("id", ""))
        for obj in schedulers
    ]
    cli.print_table(("On", "Name", "Cron", "Next execution", "Last execution", "Id"), rows)
    if with_sql:
        for obj in schedulers:
            say()
            say(f"-- {shown(scheduler_name(obj))} ({shown(obj.get('id', ''))})")
            say(shown(scheduler_content(obj), keep_lines=True) or "(no SQL)")


def do_discover(client, args):
    try:
        provider_id = client.discover_provider()
    except NotFoundError as err:
        say(f"Provider not found: {describe(err)}", sys.stderr)
        return EXIT_NOTHING
    if args.json:
        cli.print_json({"provider_id": provider_id, "config_line": config_line("cegid_provider_id", provider_id)})
        return EXIT_OK
    say(f"Provider id: {shown(provider_id)}")
    say("Put this line in config.py:")
    say(shown(config_line("cegid_provider_id", provider_id)))  # an escape reads back as the character
    return EXIT_OK


def do_list(client, args):
    schedulers = client.list_schedulers()
    if args.json:
        cli.print_json([scheduler_summary(obj, args.sql) for obj in schedulers])
    else:
        print_schedulers(schedulers, args.sql)
    return EXIT_OK


def describe_outcome(outcome):
    """One line per query asked to run early."""
    name = shown(f"{outcome.name} ({outcome.scheduler_id})")
    if outcome.status == "forced":
        return (f"FORCED   {name}: next execution {short_utc(outcome.previous_next_execution)} -> "
                f"{short_utc(outcome.next_execution)} UTC (cron unchanged)")
    if outcome.status == "skipped_disabled":
        return f"SKIPPED  {name}: disabled, not forced (enable it with --enable --id {outcome.scheduler_id})"
    return f"FAILED   {name}: {describe(outcome.error)}"


def outcome_summary(outcome):
    """The fields of a force outcome that --json shows (a failure as its sentence)."""
    summary = dataclasses.asdict(dataclasses.replace(outcome, error=None))
    del summary["error"]
    summary["message"] = describe(outcome.error) if outcome.error else ""
    return summary


def do_force(client, args, settings):
    at = args.time if args.time is not None else settings.force_time or None
    done = []

    def told(outcome):  # each query as it is done: an interruption leaves them said
        done.append(outcome)
        if not args.json:
            say(describe_outcome(outcome))

    try:
        outcomes = client.force(name_part=args.name, at=at, on_outcome=told)
    except KeyboardInterrupt:
        forced = [shown(o.name) for o in done if o.status == "forced"]
        say("Interrupted while forcing" + (f" (forced before: {', '.join(forced)})" if forced else "")
            + ": the query being changed may have been changed too; see --list.", sys.stderr)
        raise
    failed = [o for o in outcomes if o.status == "failed"]
    if args.json:
        cli.print_json({"name": args.name, "time": at, "outcomes": [outcome_summary(o) for o in outcomes]})
    elif not outcomes:
        say(f"No scheduled query matches “{shown(args.name)}”." if args.name else "No scheduled query.")
    else:
        forced = sum(1 for o in outcomes if o.status == "forced")
        say(f"{forced} forced, {len(outcomes) - forced - len(failed)} disabled, {len(failed)} failed.")
    return EXIT_NOTHING if failed or not outcomes else EXIT_OK


def do_set_enabled(client, args):
    wanted = bool(args.enable)
    word = {True: "enabled", False: "disabled"}
    try:
        current = client.find_scheduler(args.id)
    except NotFoundError as err:
        say(f"Nothing changed: {describe(err)}", sys.stderr)
        return EXIT_NOTHING
    name = shown(f"{scheduler_name(current)} ({current.get('id')})")
    was = is_enabled(current)
    if was != wanted:
        client.set_enabled(args.id, wanted)
    if args.json:
        cli.print_json({"id": current.get("id"), "name": scheduler_name(current), "previous_enabled": was,
                        "enabled": wanted, "changed": was != wanted})
    elif was == wanted:
        say(f"{name}: already {word[wanted]}, nothing changed.")
    else:
        say(f"{name}: {word[was]} -> {word[wanted]}.")
    return EXIT_OK


def main(secrets):
    parser = build_parser()
    args = parser.parse_args()
    check_options(parser, args)
    cli.setup_logging(args.verbose)
    settings = cli.load_cli_settings(args)
    secrets.extend(settings.secrets())
    cli.setup_logging(args.verbose, secrets)
    if args.force and args.time is None:
        settings.validate_force_time()
    client = CegidClient(settings)
    if args.discover:
        return do_discover(client, args)
    if args.list:
        return do_list(client, args)
    if args.force:
        return do_force(client, args, settings)
    return do_set_enabled(client, args)


if __name__ == "__main__":
    SECRETS = []
    sys.exit(cli.run(lambda: main(SECRETS), SECRETS))

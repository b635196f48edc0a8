# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How long a scheduled action or a button may run before Odoo stops it, and how much of it a run takes.

With workers, Odoo's watchdog kills a cron worker ``limit_time_real_cron``
seconds after its last heartbeat, and a worker past ``limit_time_cpu`` CPU
seconds; without workers, Odoo restarts itself once a cron thread's turn
passes its limit. A run counts from what it knows and keeps a margin.
"""

import math
import os
import resource
import threading
import time

from odoo.service.server import SLEEP_INTERVAL
from odoo.tools import config

CRON_MARGIN_MIN = 2  # seconds kept before Odoo's cron time limit, at least...
CRON_MARGIN_SHARE = 0.25  # ...or this share of it
# An idle cron worker tells Odoo's watchdog it is alive, then sleeps up to SLEEP_INTERVAL + 9 s (unless a
# trigger wakes it) before its turn: a run that cannot tell when that was assumes the worst, this long.
CRON_WORST_WAKE = SLEEP_INTERVAL + 10
CRON_LIMIT_MIN = CRON_WORST_WAKE + 10  # under this limit, even a run that only lists may be killed
MIN_RUN_SECONDS = 10  # a run left with less only lists, and hands over to a run of a new turn
CPU_MARGIN = 10  # CPU seconds kept before Odoo's limit_time_cpu (a run uses at most a CPU second a second)
# the turn of this process's last run under a cron worker's limit: the pid, worker_turn, the start of the turn's
# first run and the heartbeat its runs count from
_turn_seen = {}


def cron_time_limit():
    """Seconds after which Odoo kills a cron worker, or None when nothing kills it (what the settings show).

    A server with workers (prefork) kills its cron workers past
    ``limit_time_real_cron``, whose default (-1) is ``limit_time_real``; 0 means
    no limit. A threaded server (``--workers 0``) has no workers to kill: it
    restarts itself (``threaded_cron_turn``, ``run_time_limit``).
    """
    if not config["workers"]:
        return None
    limit = config["limit_time_real_cron"]
    if limit == -1:
        limit = config["limit_time_real"]
    return limit if limit and limit > 0 else None


def threaded_cron_turn():
    """``(limit, start)`` of the turn of a threaded server's cron thread running this code, else None.

    Without workers, Odoo runs the scheduled actions in threads of its one
    process and restarts the whole server once one of them runs past
    ``limit_time_real_cron`` (when above 0, else ``limit_time_real``), counted
    from the start of the thread's turn, which Odoo sets on the thread
    (``start_time``, epoch seconds: the turn's own start, no sleep in it).
    """
    thread = threading.current_thread()
    start = getattr(thread, "start_time", None)
    if config["workers"] or getattr(thread, "type", None) != "cron" or not start:
        return None
    limit = config["limit_time_real_cron"]
    if not (limit and limit > 0):
        limit = config["limit_time_real"]
    return (limit, start) if limit and limit > 0 else None


def run_turn():
    """``(limit, start)`` of this run of a scheduled action: its threaded server's turn (see
    ``threaded_cron_turn``), else the workers' limit (``cron_time_limit``, None when nothing stops it) and no
    known start (None)."""
    return threaded_cron_turn() or (cron_time_limit(), None)


def run_time_limit():
    """The limit this run of a scheduled action is held to (see ``run_turn``); None when nothing stops it."""
    return run_turn()[0]


def request_time_limit():
    """Seconds after which Odoo stops an HTTP request (a button), or None when nothing does.

    A server with workers kills the worker of a request past
    ``limit_time_real`` (0: no limit); a threaded server restarts itself.
    """
    limit = config["limit_time_real"]
    return limit if limit and limit > 0 else None


def run_budget(limit):
    """The seconds a run may use under a ``limit`` (None: no limit), counted from the worker's heartbeat.

    The margin covers what follows the last step of a run (recording it,
    importing the file under way, committing) and what the cron worker did
    before it in the same turn.
    """
    if limit is None:
        return None
    return limit - max(CRON_MARGIN_MIN, limit * CRON_MARGIN_SHARE)


def run_seconds(limit, handed_over=None, now=None, started=None):
    """The seconds this run may still use under a cron time ``limit`` (None: no limit), 0 to only list.

    Odoo's watchdog kills a cron worker ``limit`` seconds after the worker's
    last heartbeat, which it sends before it sleeps, not when a job starts.
    Odoo does not say when that was, so the run counts from the latest moment
    it knows the heartbeat came after: the moment this very worker process
    handed its previous run over (``handed_over``: (pid, epoch seconds), see
    ``hand_over_value``; the worker beats again after each turn), else the
    worst case (``turn_heartbeat``); ``started``: the turn's known start (a
    threaded server's cron thread, see ``threaded_cron_turn``). The
    CPU time Odoo still allows this turn (``limit_time_cpu``) bounds it too.
    """
    if limit is None:
        return None
    now = time.time() if now is None else now
    if started is None:
        heartbeat, first_run = turn_heartbeat(limit, now)
        # a known start is exact; a hand-over by this process may come from another cron thread of a threaded server
        if handed_over and handed_over[0] == os.getpid() and handed_over[1] > heartbeat:
            # the worker beat after it: the runs remembered before it were of an earlier turn, this one is the first
            heartbeat, first_run = handed_over[1], now
        _turn_seen.update(pid=os.getpid(), turn=worker_turn(), first_run=first_run, heartbeat=heartbeat)
    else:
        heartbeat = started
    seconds = min(heartbeat + run_budget(limit) - now, cpu_seconds_left())
    return seconds if seconds >= MIN_RUN_SECONDS else 0


def least_fresh_run(limit):
    """The seconds a run has at least when it is its cron worker's first work of a turn, under ``limit``.

    Its budget from the worst-case heartbeat (``CRON_WORST_WAKE`` seconds
    before it), within the CPU time Odoo allows a worker's turn
    (``limit_time_cpu``, with a margin); 0 when the worst case leaves none.
    """
    seconds = run_budget(limit) - CRON_WORST_WAKE
    if config["workers"] and config["limit_time_cpu"] and config["limit_time_cpu"] > 0:
        seconds = min(seconds, config["limit_time_cpu"] - CPU_MARGIN)
    return max(seconds, 0)


def turn_heartbeat(limit, now):
    """(the earliest moment the heartbeat of this cron worker's turn may have come, the start of the turn's first
    run this process saw), for a run starting ``now``.

    The worst case, ``CRON_WORST_WAKE`` seconds ago, this run the first; or,
    when a run of this process counted from an earlier heartbeat in the same
    turn (the download and the import come due together and run one after
    the other), that one. Turns are told apart by ``worker_turn``, and by
    time: a run started ``limit`` seconds or more after the first run of a
    turn is in another one (Odoo would have killed the worker otherwise).
    """
    turn = worker_turn()
    if (turn is not None and _turn_seen.get("pid") == os.getpid() and _turn_seen.get("turn") == turn
            and now - _turn_seen["first_run"] < limit):
        return _turn_seen["heartbeat"], _turn_seen["first_run"]
    return now - CRON_WORST_WAKE, now


def worker_turn():
    """What tells this cron worker's turn from its others, or None (no CPU limit: a threaded server, the tests).

    Before each heartbeat Odoo sets the worker's CPU rlimit anew, to the CPU
    seconds it used so far plus ``limit_time_cpu``, in whole seconds: a run
    that finds another value than an earlier one is in another turn. The
    same value may still be a later turn, after turns that took less than a
    CPU second: taken for the same, the safe side.
    """
    soft, _hard = resource.getrlimit(resource.RLIMIT_CPU)
    return None if soft == resource.RLIM_INFINITY or not config["workers"] else soft


def cpu_seconds_left():
    """The CPU seconds this turn of the worker may still use before Odoo's ``limit_time_cpu``, with a margin.

    A worker sets its CPU rlimit at each turn (the operating system's figure:
    nothing private of Odoo); without one (threaded server, tests), infinity.
    """
    soft = worker_turn()
    return math.inf if soft is None else soft - cpu_seconds_used() - CPU_MARGIN


def cpu_seconds_used():
    """The CPU seconds this process used so far (user and system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def hand_over_value():
    """What a run that hands over to its continuation records: this worker process, and now."""
    return f"{os.getpid()} {time.time():.3f}"


def parse_hand_over(value):
    """(pid, epoch seconds) from ``hand_over_value``'s text; None when absent or unreadable."""
    try:
        pid, moment = (value or "").split()
        return int(pid), float(moment)
    except ValueError:
        return None


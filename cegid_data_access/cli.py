# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the two scripts of ``script-externe/`` share: options, settings, errors, output.

The scripts stay thin: they parse their own options, call the core, and print.
"""

import argparse
import codecs
import json
import logging
import os
import sys

from .cli_text import describe, shown, where_to_set
from .errors import EXIT_CONFIG, EXIT_UNEXPECTED, CegidError, ConfigError
from .redact import RedactingFilter, redact
from .settings import ENV_PREFIX, load_settings

_logger = logging.getLogger(__name__)


def build_parser(script_path, description):
    """An argument parser with the options every script has: --config, --json."""
    parser = argparse.ArgumentParser(
        prog=os.path.basename(script_path),
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="configuration file (default: config.py beside the script); "
        f"{ENV_PREFIX}* environment variables override it",
    )
    # as `import config` did; None above tells a file the user named (which must exist) from this one
    parser.set_defaults(default_config=os.path.join(os.path.dirname(os.path.realpath(script_path)), "config.py"))
    parser.add_argument("--json", action="store_true", help="print a machine-readable JSON summary on stdout")
    return parser


def setup_logging(verbose=False, secrets=()):
    """Log warnings (or everything with ``verbose``) to stderr, secrets masked.

    The HTTP libraries' warnings (urllib3's "Retrying (...) after connection broken by ..." for each
    retry, the SDK's "Unexpected return type ..." for an HTML error page) only with ``verbose``: the
    scripts' own message tells the failure they lead to, in one line.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for noisy in ("azure", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbose else logging.ERROR)
    return handler


def load_cli_settings(args):
    """Settings for a script run: the --config file (or config.py beside the script), then CEGID_* variables."""
    return load_settings(args.config or args.default_config, named=args.config is not None)


def print_json(data):
    """Write ``data`` as JSON on stdout: its characters as they are on a UTF-8 stdout, else ``\\uXXXX`` escapes.

    A stdout of another encoding (``PYTHONIOENCODING=latin-1``, a C locale) would write a character it cannot
    hold as a Python escape (``\\U0001f4c4``, ``_run``), which makes the whole output no JSON any reader takes.
    """
    json.dump(data, sys.stdout, indent=2, ensure_ascii=not _writes_utf8(sys.stdout), default=str)
    sys.stdout.write("\n")


def _writes_utf8(stream):
    """Whether ``stream`` encodes in UTF-8 (``utf8``, ``UTF-8``...); False when it names no encoding Python knows."""
    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "").name == "utf-8"
    except LookupError:
        return False


def print_table(headers, rows, stream=None):
    """Print rows as aligned columns, the way the original scripts did (a cell's control characters escaped)."""
    stream = stream or sys.stdout
    rows = [[shown(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    stream.write(line.rstrip() + "\n")
    stream.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        stream.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() + "\n")


# the status of a process a closed pipe stopped (128 + SIGPIPE), as the shell reports `yes | head`: not 0, the
# output was cut (and maybe the work: a transfer reports each file as it goes); none of the scripts' own statuses
# (1: some blobs not transferred, 4: a defect), so that a caller with `set -o pipefail` tells it apart. A crontab
# line (sh, no pipefail) gets the status of its last command, `head`, whatever this one is.
EXIT_READER_GONE = 141

# the status of a run that did its work but could not write what it had to say (the disk of its log full, an
# I/O error): not 0, someone must look; not 1 (blobs left in Azure), nor 4 (a defect): a disk to free. A status
# the run had for its work (1, 3...) says more, and wins.
EXIT_OUTPUT_LOST = 5


class _OutputGuard:
    """A stdout or stderr whose write errors are remembered (``error``) instead of raised, so the run goes on.

    A cron log on a full disk (ENOSPC), a file past its size limit (EFBIG), an I/O error: the output is lost,
    not the transfer it reports on. A reader gone (BrokenPipeError) still raises: ``run`` ends the run quietly.
    """

    def __init__(self, stream):
        self._stream = stream
        self.error = None

    # a text stream's write, not a model's: there is no super() to call
    def write(self, text):  # pylint: disable=method-required-super
        """Write ``text``; on an error, remember it and carry on (as if written: callers go on alike)."""
        written = self._guarded(self._stream.write, text)
        return len(text) if written is None else written

    def flush(self):
        """Flush; on an error, remember it and carry on."""
        self._guarded(self._stream.flush)

    def _guarded(self, call, *args):
        """``call(*args)``'s result; None after an OSError, remembered, other than a reader gone."""
        try:
            return call(*args)
        except BrokenPipeError:
            raise
        except OSError as err:
            self.error = self.error or err
            return None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run(main, secrets_holder=None):
    """Run ``main()`` and turn expected failures into a message and an exit status.

    ``secrets_holder`` is a list the script fills with the secret values it
    loaded, so that even an error raised while loading them is masked.

    A reader that went away (``--list | head -2``) ends the run silently: ``EXIT_READER_GONE``. An output that
    cannot be written (a full disk) does not stop the run: ``EXIT_OUTPUT_LOST`` at the end, when all else went
    well.
    """
    _open_closed_streams()
    guards = [_OutputGuard(sys.stdout), _OutputGuard(sys.stderr)]
    sys.stdout, sys.stderr = guards
    try:
        status = _run(main, secrets_holder if secrets_holder is not None else [])
        # saying that the output was lost may meet a reader gone too (stdout full, stderr a closed pipe)
        return _output_lost_status(status, guards)
    except BrokenPipeError:
        # as Python's documentation advises (signal module, "Note on SIGPIPE"): what is still buffered, and
        # anything said from now on, to /dev/null, so that Python says nothing of it when it exits; stderr too,
        # which may be the same pipe (2>&1 | head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
        os.close(devnull)
        return EXIT_READER_GONE


def _output_lost_status(status, guards):
    """``status``, or ``EXIT_OUTPUT_LOST`` in place of 0 when a write failed; said on stderr if it can be."""
    errors = [guard.error for guard in guards if guard.error]
    if not errors:
        return status
    detail = os.strerror(errors[0].errno) if errors[0].errno else type(errors[0]).__name__
    sys.stderr.write(f"Error: the output could not be written ({detail}): the run went on without it.\n")
    for guard in guards:
        guard.error = None
        guard.flush()
        if guard.error:
            # what is still buffered would fail again as Python exits ("Exception ignored", status 120)
            _to_devnull(guard)
    return status or EXIT_OUTPUT_LOST


def _to_devnull(stream):
    """Point ``stream``'s descriptor to /dev/null and flush it there: what it still held is dropped."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stream.fileno())
    os.close(devnull)
    stream.flush()


def _open_closed_streams():
    """Give a stdout or stderr the caller closed (``2>&-``, ``>&-``: Python's is then None) a /dev/null writer.

    Whatever the script says there is lost, as the caller asked, and the run goes on: without it, the first
    line written (the transfer's table, a warning) raised, and the run stopped with nothing done.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # open to the process's end


def _run(main, secrets_holder):
    for stream in (sys.stdout, sys.stderr):
        # a name from Azure or Cegid that the locale's encoding cannot show is escaped (\u20ac), not a crash
        if hasattr(stream, "reconfigure"):  # a stream a caller put in place may not be a TextIOWrapper
            stream.reconfigure(errors="backslashreplace")
    try:
        status = main()
        sys.stdout.flush()  # a reader gone is met here, not when Python flushes what is left as it exits
        return status
    except BrokenPipeError:
        raise
    except ConfigError as err:
        where = where_to_set(err.setting)
        sys.stderr.write("Configuration error: " + redact(describe(err), secrets_holder)
                         + (f" ({where})." if where else ".") + "\n")
        return EXIT_CONFIG
    except CegidError as err:
        sys.stderr.write("Error: " + redact(describe(err), secrets_holder) + "\n")
        return err.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        return 130
    except Exception as err:  # no traceback: it would print what the error quotes (a secret) unmasked
        sys.stderr.write(unexpected_line(err, secrets_holder) + "\n")
        return EXIT_UNEXPECTED


def unexpected_line(err, secrets):
    """``Unexpected error: <type>: <message>`` on one line, secrets masked."""
    text = redact(f"{type(err).__name__}: {err}", secrets)
    return "Unexpected error: " + " ".join(text.split())

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One import folder, one database: the claim a database leaves in the folder it downloads into and imports from.

Two databases pointed at one folder would each take part of the files (one
company's exports imported into another's tables, or a test copy importing
production's exports). The first database whose run uses the folder writes
its claim there, a hidden file the import never reads as an export; another
database finds it and refuses to download or import there. The claim is only
ever written by a run, never replaced: freeing a folder is deleting the file,
which the messages say.
"""

import contextlib
import json
import os
import threading

CLAIM_FILE = ".is_cegid2odoo-database"


def claim_path(folder):
    """The path of ``folder``'s claim file."""
    return os.path.join(folder, CLAIM_FILE)


def read_claim(folder):
    """``(database uuid, database name)`` of the claim on ``folder``; None without one; ("", "?") when unreadable."""
    try:
        with open(claim_path(folder), encoding="utf-8") as handle:
            claim = json.load(handle)
        return str(claim["database_uuid"]), str(claim["database"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        return "", "?"


def foreign_claim(folder, database_uuid, database):
    """The claim on ``folder`` when another database's (see :func:`read_claim`); None without one or when ours."""
    return _foreign(read_claim(folder), database_uuid, database)


def claim_folder(folder, database_uuid, database):
    """Claim ``folder`` for the database ``database_uuid`` (named ``database``) unless another did first.

    Returns None when the folder is this database's (claimed now, or before),
    else the other claim (see :func:`read_claim`). The claim is created whole
    or not at all: written under a temporary name, then linked to its own
    (a link never replaces); where the file system has no hard links, created
    exclusively.
    """
    claim = read_claim(folder)
    if claim is None:
        _write_claim(folder, {"database_uuid": database_uuid, "database": database})
        claim = read_claim(folder)
    return _foreign(claim, database_uuid, database)


def _foreign(claim, database_uuid, database):
    """``claim`` unless it is the database's own: by its name too, a copy made outside Odoo (pg_restore) keeps the
    uuid."""
    return None if claim == (database_uuid, database) else claim


def _write_claim(folder, content):
    """Create the claim file with ``content`` unless it exists (then leave it: another database won the race).

    The temporary file is the thread's own (a threaded server runs the crons of several databases in one process:
    one name per process let a thread rewrite the claim another had just linked), and on disk before it is linked
    (a claim left empty by a power cut would refuse every run).
    """
    target = claim_path(folder)
    temporary = f"{target}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(content, handle)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            _link_or_create(temporary, target, content)
    finally:
        with contextlib.suppress(FileNotFoundError):  # not even created (a folder Odoo cannot write to)
            os.unlink(temporary)


def _link_or_create(temporary, target, content):
    """Give ``temporary`` the name ``target`` by a link; where there are no hard links, create it exclusively."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:  # a Windows share: its content written at once
        handle = open(target, "x", encoding="utf-8")  # closed below; removed if cut short
        try:
            with handle:
                json.dump(content, handle)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(target)  # a claim cut short (a full disk) would read as another database's
            raise

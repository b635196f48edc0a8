# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The floor of any tool that makes its files durable: a dataset's bytes written and fsynced, with no network.

Usage: disk_floor.py COUNT SIZE FOLDER. Writes COUNT files of SIZE bytes into
FOLDER, 8 at a time (twice the CLI's 4 workers), each with plain writes of 4 MiB
then an fsync (as ``dd conv=fsync`` would), then fsyncs FOLDER. A tool that
delivers the same files no faster than this has waited for the disk only;
one that is faster has left some of its files to be written after its run.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

BLOCK = 4 * 1024 * 1024


def write_one(folder, index, size, block):
    fd = os.open(os.path.join(folder, f"FILE{index:05d}.csv"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        for offset in range(0, size, BLOCK):
            os.write(fd, block[:min(BLOCK, size - offset)])
        os.fsync(fd)
    finally:
        os.close(fd)


def main():
    count, size, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    block = os.urandom(min(size, BLOCK))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda index: write_one(folder, index, size, block), range(count)))
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(fd)
    os.close(fd)


if __name__ == "__main__":
    main()

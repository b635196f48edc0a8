# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The .part file of a download: whole blocks at their offsets, past the page cache where the file system allows."""

import os
import subprocess
import tempfile

import pytest

from cegid_data_access.staging import ALIGNMENT, PartFile, aligned_buffer

BLOCK = 4 * ALIGNMENT
FOLDERS = [tempfile.gettempdir()] + (["/dev/shm"] if os.access("/dev/shm", os.W_OK) else [])


@pytest.fixture(params=FOLDERS)
def folder(request):
    with tempfile.TemporaryDirectory(dir=request.param) as path:
        yield path


def file_system(path):
    return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True, check=True).stdout.strip()


def write_blocks(part, data, order):
    block = aligned_buffer(BLOCK)
    for index in order:
        chunk = data[index * BLOCK:(index + 1) * BLOCK]
        block[:len(chunk)] = chunk
        part.write_at(block, len(chunk), index * BLOCK)


def test_blocks_in_any_order_and_a_short_last_one_give_the_exact_file(folder):
    data = os.urandom(5 * BLOCK + 1234)
    path = os.path.join(folder, "x.part")
    part = PartFile(path)
    write_blocks(part, data, [5, 2, 0, 4, 1, 3])
    part.finish(len(data), mtime=1_700_000_000)
    part.close()

    with open(path, "rb") as handle:
        assert handle.read() == data
    assert os.stat(path).st_mtime == 1_700_000_000


def test_read_back_gives_what_was_written(folder):
    data = os.urandom(3 * BLOCK + 77)
    part = PartFile(os.path.join(folder, "x.part"))
    write_blocks(part, data, [0, 1, 2, 3])
    into = aligned_buffer(BLOCK)

    read = [bytes(into[:part.read_at(into, count, offset)]) for offset, count in
            [(0, BLOCK), (BLOCK, 100), (3 * BLOCK, 77)]]
    part.close()

    assert read == [data[:BLOCK], data[BLOCK:BLOCK + 100], data[3 * BLOCK:]]


def test_a_block_the_disk_cannot_take_directly_is_written_the_plain_way(folder):
    """An offset that is not a whole page: O_DIRECT refuses it, the file falls back to buffered writes."""
    data = os.urandom(BLOCK)
    path = os.path.join(folder, "x.part")
    part = PartFile(path)
    block = aligned_buffer(BLOCK)
    block[:BLOCK] = data

    part.write_at(block, 1000, 0)
    part.write_at(block[1000:], BLOCK - 1000, 1000)
    part.finish(BLOCK)
    part.close()

    assert not part.direct or file_system(folder) == "tmpfs"  # tmpfs takes any offset "directly"
    with open(path, "rb") as handle:
        assert handle.read() == data


def test_an_existing_file_is_never_reused(folder):
    path = os.path.join(folder, "x.part")
    open(path, "wb").close()

    with pytest.raises(FileExistsError):
        PartFile(path)

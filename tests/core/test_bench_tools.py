# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transfer benchmark's commands move a container as the benchmark assumes: nothing else runs them between two
benchmarks, and a command that fails would be timed as a tool's figure."""

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

from cegid_testkit.blobs import blob_names, new_container, upload

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_transfer.py"


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_transfer", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("tool", ["cli", "original"])
def test_each_tool_command_moves_the_container_into_the_folder(azurite, tmp_path, tool):
    bench = bench_module()
    container = azurite.create_container(new_container(azurite))
    names = [f"export/{index:05d}/FILE{index:05d}.csv" for index in range(3)]
    for name in names:
        upload(container, name, name.encode() * 100)
    dest = tmp_path / "dest"
    dest.mkdir()
    argv, env = bench.command(tool, azurite, container, dest)
    done = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, timeout=120, check=False)
    run = {"status": done.returncode, "left_in_azure": len(blob_names(container)),
           "files": bench.delivered_count(dest)}
    assert bench.moved_whole(run, tool, len(names)), (run, done.stderr)
    assert sorted(path.name for path in dest.glob("*.csv")) == [os.path.basename(name) for name in names]

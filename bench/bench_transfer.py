# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Benchmark: transfert-azure-cegid.py vs ``rclone move`` vs the original script, on Azurite.

Not a test: run by hand (see bench/README.md). For each dataset the blobs are
uploaded once into a source container, then copied server-side into a fresh
container before each run; every tool moves that container into an empty
folder. Wall and CPU time (user + system of the tool's processes) are the
median of ``--repeat`` runs; peak RSS is the largest seen, measured by
bench/measure.py around each run.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from azure.storage.blob import ContentSettings  # noqa: E402

from cegid_testkit.azurite import Azurite  # noqa: E402

MIB = 1024 * 1024
# (blobs, size, whether the blobs carry a Content-MD5). Azure and Azurite set it on a single Put Blob (the small
# datasets); a blob uploaded in blocks has one only when its uploader sets it: 1x1GiB sets it, so that rclone
# verifies every dataset as it verifies the others, 1x1GiB-nomd5 does not (rclone then checks the size only).
DATASETS = {"2000x64KiB": (2000, 64 * 1024, True), "200x5MiB": (200, 5 * MIB, True), "1x1GiB": (1, 1024 * MIB, True),
            "1x1GiB-nomd5": (1, 1024 * MIB, False)}
TOOLS = ("cli", "rclone", "rclone-verify", "rclone-sync", "rclone-verify-sync", "original", "disk")


def upload_source(azurite, count, size, with_md5):
    """A container holding ``count`` blobs of ``size`` random-ish bytes (with their Content-MD5 or not)."""
    name = "src" + uuid.uuid4().hex[:12]
    container = azurite.create_container(name)
    block = os.urandom(min(size, 4 * MIB))

    def put(index):
        data = (block * (size // len(block) + 1))[:size] if size <= 64 * MIB else None
        blob = container.get_blob_client(f"export/{index:05d}/FILE{index:05d}.csv")
        if data is not None:
            blob.upload_blob(data[:-8] + index.to_bytes(8, "big"), overwrite=True, max_concurrency=4)
        else:  # 1 GiB: stream it rather than hold it
            blocks = size // len(block)
            settings = None
            if with_md5:
                md5 = hashlib.md5()
                for _ in range(blocks):
                    md5.update(block)
                settings = ContentSettings(content_md5=md5.digest())
            blob.upload_blob(iter([block] * blocks), length=size, overwrite=True, max_concurrency=4,
                             content_settings=settings)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(count)))
    return container


def copy_container(azurite, source):
    """A fresh container with server-side copies of ``source``'s blobs."""
    target = azurite.create_container("run" + uuid.uuid4().hex[:12])
    names = [blob.name for blob in source.list_blobs()]

    def copy(name):
        target.get_blob_client(name).start_copy_from_url(source.get_blob_client(name).url, requires_sync=False)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(copy, names))
    return target


def command(tool, azurite, container, dest, dataset=None):
    """(argv, extra environment) of one tool moving ``container`` (of ``dataset``) into ``dest``."""
    if tool == "disk":  # no tool: the dataset's bytes written and fsynced into dest, the floor of a durable move
        count, size, _md5 = DATASETS[dataset]
        return [sys.executable, str(REPO / "bench" / "disk_floor.py"), str(count), str(size), str(dest)], {}
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    url = azurite.container_sas_url(container.container_name, expiry=expiry)
    if tool == "cli" or tool.startswith("cli:"):
        # cli:DIR runs the CLI of another checkout (DIR), to compare two versions in one run
        checkout = Path(tool.partition(":")[2] or REPO)
        env = {"CEGID_MODE": "sas_url", "CEGID_SAS_URL": url, "CEGID_IMPORT_FOLDER": str(dest)}
        # an empty config.py of its own: the settings are the environment's (never a config.py beside the script,
        # which may hold real credentials; a --config that names no file is refused)
        return [sys.executable, str(checkout / "script-externe" / "transfert-azure-cegid.py"),
                "--config", str(empty_config(dest)), "--json"], env
    if tool.startswith("rclone"):
        # rclone 1.60's "endpoint" is a domain suffix; a container SAS URL reaches Azurite directly
        env = {"RCLONE_CONFIG_AZ_TYPE": "azureblob", "RCLONE_CONFIG_AZ_SAS_URL": url}
        # rclone downloads a file over 250 MiB in 4 streams and then skips its checksum ("Src hash empty -
        # aborting Dst hash check"); in one stream it checks the MD5 as it does for smaller files
        verify = ["--multi-thread-streams", "0"] if tool.startswith("rclone-verify") else []
        if tool.endswith("-sync"):
            # rclone does not fsync what it writes: then the time to make its files durable, as the CLI does
            return ["sh", "-c", f'rclone move {" ".join(verify)} az: "{dest}" && sync -f "{dest}"'], env
        return ["rclone", "move", *verify, "az:", str(dest)], env
    return [sys.executable, str(REPO / "bench" / "baseline_original.py"), url, str(dest)], {}


def config_path(dest):
    """Where the CLI's empty config.py for the folder ``dest`` lies (``measure`` removes it with the folder)."""
    return dest.parent / (dest.name + "-config.py")


def empty_config(dest):
    """An empty config.py beside the folder ``dest``."""
    path = config_path(dest)
    path.write_text("", encoding="ascii")
    return path


def machine_busy_seconds():
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat: every core, every process)."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), sum(ticks) / os.sysconf("SC_CLK_TCK")


def settle(timeout=60, quiet_seconds=3):
    """Start each run on a quiet machine: dirty pages written back, nothing else using the cores.

    Azurite removes the data of deleted blobs in the background, and the
    kernel writes back and frees the previous run's pages: left to run into
    the next measurement, they would take the cores from whichever tool
    comes next. ``quiet_seconds`` in a row: on a VM that reports free memory
    to its host (free page reporting, 2 s after it is freed), the pages the
    last run freed have then been handed back, so that every tool starts
    with memory in the same state (each first touch of a page then costs a
    fault in the host, whichever tool makes it).
    """
    os.sync()
    deadline = time.monotonic() + timeout
    busy, total = machine_busy_seconds()
    quiet = 0
    while time.monotonic() < deadline and quiet < quiet_seconds:
        time.sleep(1)
        now_busy, now_total = machine_busy_seconds()
        quiet = quiet + 1 if (now_busy - busy) < 0.03 * (now_total - total) else 0
        busy, total = now_busy, now_total


def measure(tool, azurite, source, workdir, dataset):
    container = copy_container(azurite, source)
    settle()
    dest = Path(tempfile.mkdtemp(dir=workdir))
    argv, env = command(tool, azurite, container, dest, dataset)
    out = subprocess.run([sys.executable, str(REPO / "bench" / "measure.py"), *argv], capture_output=True,
                         text=True, env={**os.environ, **env}, check=True)
    result = json.loads(out.stdout)
    left = sum(1 for _ in container.list_blobs())
    files = delivered_count(dest)
    result.update(left_in_azure=left, files=files)
    shutil.rmtree(dest)
    config_path(dest).unlink(missing_ok=True)
    container.delete_container()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="2000x64KiB,200x5MiB,1x1GiB",
                        help="comma-separated: " + ", ".join(DATASETS))
    parser.add_argument("--tools", default="cli,rclone",
                        help="comma-separated: " + ", ".join(TOOLS) + ", cli:DIR (the CLI of the checkout DIR)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", default=tempfile.gettempdir())
    # Azure's disks are not the machine's: Azurite's workspace on the destination's disk would take from its
    # bandwidth (Azurite reads each blob as a tool writes it), only while the tool writes (the CLI makes each file
    # durable before its delete, rclone leaves its files to the kernel's write-back, after its run)
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    parser.add_argument("--azurite-dir", default=shm,
                        help=f"where Azurite keeps the blobs (default {shm or 'the temporary folder'})")
    args = parser.parse_args()
    rows, problems = [], 0
    for dataset in args.datasets.split(","):
        # a fresh Azurite per dataset: it keeps the metadata of every blob it has held, and a dataset's runs
        # must not depend on the datasets run before it
        with Azurite(args.azurite_dir) as azurite:
            count, size, with_md5 = DATASETS[dataset]
            print(f"uploading {dataset} ...", flush=True)
            source = upload_source(azurite, count, size, with_md5)
            tools = args.tools.split(",")
            runs_of = {tool: [] for tool in tools}
            # the tools take turns, so that a drift of the machine weighs on each alike
            for _ in range(args.repeat):
                for tool in tools:
                    runs_of[tool].append(measure(tool, azurite, source, args.workdir, dataset))
            times = {}
            for tool, runs in runs_of.items():
                for run in runs:
                    run["ok"] = moved_whole(run, tool, count)
                    print(f"  {dataset} {tool}: {run['wall']:.2f} s, CPU {run['cpu']:.2f} s"
                          f" (user {run['user']:.2f}, system {run['system']:.2f}),"
                          f" {run['peak_rss_mib']:.0f} MiB"
                          + ("" if run["ok"] else f"  PROBLEM {run}"), flush=True)
                failed = not all(run["ok"] for run in runs)
                problems += failed
                times[tool] = (statistics.median(r["wall"] for r in runs), statistics.median(r["cpu"] for r in runs),
                               max(r["peak_rss_mib"] for r in runs), failed)
            source.delete_container()
            base = times["rclone"][0] if "rclone" in times and not times["rclone"][3] else None
            for tool, (wall, cpu, rss, failed) in times.items():
                if failed:  # the time of a tool that did not move the data is no figure
                    rows.append(f"| {dataset} | {tool} | PROBLEM | - | - | - |")
                    continue
                ratio = f"{wall / base:.2f}" if base else "-"
                rows.append(f"| {dataset} | {tool} | {wall:.2f} | {ratio} | {cpu:.2f} | {rss:.0f} |")
    print("\n| dataset | tool | median wall (s) | ratio to rclone | median CPU (s) | peak RSS (MiB) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 1 if problems else 0


def delivered_count(dest):
    """The files a tool delivered into ``dest`` (not the CLI's own, its lock and partial files)."""
    return sum(len(names) for root, _dirs, names in os.walk(dest) if ".cegid-partial" not in root)


def moved_whole(run, tool, count):
    """Whether a run moved the dataset: exit 0, ``count`` files in the folder, none left in Azure (the disk floor
    writes the files without touching Azure)."""
    left = count if tool == "disk" else 0
    return run["status"] == 0 and run["left_in_azure"] == left and run["files"] == count


if __name__ == "__main__":
    sys.exit(main())

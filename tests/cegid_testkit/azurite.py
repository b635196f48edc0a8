# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Azurite, the Azure Blob Storage emulator, started on a free loopback port."""

import contextlib
import datetime
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# Azurite's well-known development account (public, documented by Microsoft).
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port():
    """A TCP port free on the loopback interface right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _without_memory_limit():
    """Lift the address-space limit in the child (as Odoo does for Chrome).

    Odoo sets RLIMIT_AS (``limit_memory_hard``) on its own process, and node
    cannot even reserve its WebAssembly memory under it.
    """
    import resource  # pylint: disable=import-outside-toplevel

    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def azurite_command():
    """The azurite-blob executable: AZURITE_BLOB, else the repository's node_modules."""
    candidates = [os.environ.get("AZURITE_BLOB"), REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    found = shutil.which("azurite-blob")
    if found:
        return found
    raise RuntimeError("azurite-blob not found: run `npm ci` at the repository root (tools/test does it)")


class Azurite:
    """One Azurite blob service in a temporary workspace; use as a context manager."""

    def __init__(self, parent_folder=None):
        self.port = None
        self.process = None
        self.workspace = None
        self.parent_folder = parent_folder  # of the workspace; None: the temporary folder

    @property
    def service_url(self):
        """The blob service URL, with a trailing slash as Cegid returns it."""
        return f"http://127.0.0.1:{self.port}/{ACCOUNT_NAME}/"

    @property
    def connection_string(self):
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{ACCOUNT_NAME};"
        )

    def start(self):
        """Start Azurite and wait until it accepts connections."""
        self.workspace = tempfile.mkdtemp(prefix="azurite-", dir=self.parent_folder)
        for _attempt in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [
                    azurite_command(), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
                    "--location", self.workspace, "--skipApiVersionCheck", "--loose", "--silent",
                    "--disableTelemetry",
                ],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                preexec_fn=_without_memory_limit,  # noqa: PLW1509 - no threads touch the child before exec
            )
            if self._wait_ready():
                return self
            self.stop_process()
        raise RuntimeError("Azurite did not start")

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop_process(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def stop(self):
        """Stop Azurite and remove its workspace."""
        self.stop_process()
        if self.workspace:
            shutil.rmtree(self.workspace, ignore_errors=True)
            self.workspace = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- helpers for tests -------------------------------------------------

    def service_client(self):
        from azure.storage.blob import BlobServiceClient  # pylint: disable=import-outside-toplevel

        return BlobServiceClient.from_connection_string(self.connection_string)

    def create_container(self, name):
        """Create a container (if needed) and return its ContainerClient."""
        from azure.core.exceptions import ResourceExistsError  # pylint: disable=import-outside-toplevel

        container = self.service_client().get_container_client(name)
        with contextlib.suppress(ResourceExistsError):
            container.create_container()
        return container

    def sas_token(self, container, permission="rdl", expiry=None):
        """A container SAS token (no leading '?'), as Cegid issues them."""
        from azure.storage.blob import (  # pylint: disable=import-outside-toplevel
            ContainerSasPermissions,
            generate_container_sas,
        )

        expiry = expiry or datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        return generate_container_sas(
            ACCOUNT_NAME, container, account_key=ACCOUNT_KEY,
            permission=ContainerSasPermissions(
                read="r" in permission, list="l" in permission, delete="d" in permission
            ),
            expiry=expiry,
        )

    def container_sas_url(self, container, permission="rdl", expiry=None):
        """The full container SAS URL a user would paste in ``sas_url``."""
        return f"{self.service_url}{container}?{self.sas_token(container, permission, expiry)}"

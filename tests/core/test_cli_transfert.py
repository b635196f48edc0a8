# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""script-externe/transfert-azure-cegid.py run as a user would, against Azurite."""

import ast
import collections
import datetime
import glob
import http.server
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import SCRIPTS, foreign_modules, run_script

from cegid_testkit.blobs import blob_names, delivered_files, digest, new_container, staging_leftovers, upload
from cegid_testkit.simulator import write_config_py
from cegid_testkit.tcpproxy import TcpProxy

SCRIPT = "transfert-azure-cegid.py"
LATER = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)


class Setup:
    """A container, an import folder and a config.py (original spelling of the destination key)."""

    def __init__(self, azurite, tmp_path, url=None):
        self.name = new_container(azurite)
        self.container = azurite.service_client().get_container_client(self.name)
        self.folder = tmp_path / "import"
        self.folder.mkdir(exist_ok=True)
        self.url = url or azurite.container_sas_url(self.name, expiry=LATER)
        self.config = tmp_path / "config.py"
        self.write_config(self.url)

    def write_config(self, url):
        write_config_py(self.config, {"mode": "sas_url", "sas_url": url, "dossier_de_destintion": str(self.folder)})

    def signature(self):
        return self.url.split("sig=")[1].split("&")[0]


def start_script(config):
    """The transfer script started in the background on ``config``, its output captured.

    SIGINT as from a terminal: a test run in the background ignores it, which the script would inherit.
    """
    return subprocess.Popen(
        [sys.executable, str(SCRIPTS / SCRIPT), "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - one call, then exec
    )


def run(setup, *args, **kwargs):
    result = run_script(SCRIPT, "--config", str(setup.config), *args, **kwargs)
    assert setup.signature() not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result


def test_help_works():
    result = run_script(SCRIPT, "--help")
    assert result.returncode == 0 and "--config" in result.stdout and "--json" in result.stdout


@pytest.mark.parametrize("script", [SCRIPT, "cegid-requetes.py"])
def test_a_script_run_through_a_symbolic_link_finds_its_code_and_the_config_py_beside_it(tmp_path, script):
    """Python puts the directory of the script a link points to in sys.path: the original scripts, linked from
    elsewhere (/usr/local/bin...), imported the config.py beside them. These find their core and that file too."""
    if (SCRIPTS / "config.py").exists():
        pytest.skip("a config.py beside the scripts would be read")
    link = tmp_path / "bin" / script
    link.parent.mkdir()
    link.symlink_to(SCRIPTS / script)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    args = ["--list"] if script == "cegid-requetes.py" else []

    result = subprocess.run([sys.executable, str(link), *args], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=120, check=False)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"Configuration error: {SCRIPTS / 'config.py'} does not exist "
                             "(copy config.py.sample to config.py).\n")


def older_python(minor):
    """An interpreter of Python 3.<minor> on this machine (on PATH, or one pyenv installed), else None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates = [shutil.which(f"python3.{minor}"),
                  *sorted(glob.glob(os.path.join(root, "versions", f"3.{minor}.*", "bin", f"python3.{minor}")))]
    for path in filter(None, candidates):  # pyenv's shim is on PATH even where that version is not selected
        probe = subprocess.run([path, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                               text=True, timeout=60, check=False)
        if probe.returncode == 0 and probe.stdout.strip() == f"(3, {minor})":
            return path
    return None


def too_old_line(script, version, executable):
    return (f"{script} needs Python 3.10 or newer, and this is Python {version} ({executable}): recreate its venv "
            "with Python 3.10 or newer (python3.10 -m venv ...), then pip install azure-storage-blob requests\n")


@pytest.mark.parametrize("minor", [6, 7, 8, 9])
@pytest.mark.parametrize("script", [SCRIPT, "cegid-requetes.py"])
def test_a_script_run_by_a_python_older_than_3_10_says_so_in_one_line_and_exits_2(tmp_path, script, minor):
    """The scripts run in the customers' venvs, made for the original scripts (Python 3.6+). Run by the real
    older interpreter, they died on an import (a traceback, exit 1: "some blobs not transferred"), or later on
    zip(strict=...) (exit 4): the version check comes first, and the scripts parse as these Pythons read them."""
    python = older_python(minor)
    if python is None:
        pytest.skip(f"no Python 3.{minor} on this machine (pyenv install 3.{minor})")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CEGID_", "PYTHON"))}
    version = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True, check=True, timeout=60).stdout.strip()

    result = subprocess.run([python, str(SCRIPTS / script), "--config", str(tmp_path / "config.py")],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    assert (result.returncode, result.stdout) == (2, ""), result.stdout + result.stderr
    assert result.stderr == too_old_line(script, version, python)


@pytest.mark.parametrize("script", [SCRIPT, "cegid-requetes.py"])
def test_the_version_check_comes_before_anything_a_python_older_than_3_10_lacks(script):
    """Where no older Python is installed: the script and the check it runs first parse as Python 3.6's grammar
    (as far as ``ast`` tells), and a run with sys.version_info set to 3.9 stops at the check, even for --help
    (exit 2, one line)."""
    for path in (SCRIPTS / script, SCRIPTS.parent / "cegid_data_access" / "python_check.py"):
        ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 6) if sys.version_info < (3, 13) else (3, 7))
    probe = ("import runpy, sys\n"
             "sys.version_info = (3, 9, 18, 'final', 0)\n"
             f"sys.argv = [{str(SCRIPTS / script)!r}, '--help']\n"
             f"runpy.run_path({str(SCRIPTS / script)!r}, run_name='__main__')\n")

    result = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=120,
                            check=False)

    assert (result.returncode, result.stdout) == (2, ""), result.stdout + result.stderr
    assert result.stderr == too_old_line(script, "3.9.18", sys.executable)


def test_a_transfer_needs_only_azure_storage_blob_and_requests(azurite, tmp_path):
    """What the script loads: the standard library, azure-storage-blob, requests, and their own dependencies."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"E_DEBIT\n1\n")

    result, foreign = foreign_modules(SCRIPT, "--config", str(setup.config))

    assert result.returncode == 0, result.stderr
    assert foreign == set()
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"E_DEBIT\n1\n"}
    assert blob_names(setup.container) == []


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_a_delivered_file_has_the_permissions_the_umask_gives_as_with_the_original_script(azurite, tmp_path, umask):
    """The original script's open(path, "wb") let the umask decide: a transfer run from root's crontab left files
    Odoo's own user could read. An administrator wanting them private sets the umask (umask 077 in the crontab)."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "small/ECRITURE.csv", b"E_DEBIT\n1\n")
    upload(setup.container, "HISTOCUMSAL.csv", os.urandom(9 * 1024 * 1024))  # over one GET: the resumable path
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config)],
                            capture_output=True, text=True, env=env, timeout=120, check=False,
                            preexec_fn=lambda: os.umask(umask))

    assert result.returncode == 0, result.stdout + result.stderr
    modes = {name: os.stat(setup.folder / name).st_mode & 0o777 for name in delivered_files(setup.folder)}
    assert modes == {"ECRITURE.csv": 0o666 & ~umask, "HISTOCUMSAL.csv": 0o666 & ~umask}


def test_transfer_prints_table_progress_and_summary(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "exports/ECRITURE.csv", b"E_DEBIT\n1\n")
    upload(setup.container, "ANALYTIQ.csv", b"Y_AXE\nA1\n")

    result = run(setup)

    assert result.returncode == 0, result.stderr
    assert "Last modified" in result.stdout and "exports/ECRITURE.csv" in result.stdout
    assert "DONE exports/ECRITURE.csv -> ECRITURE.csv" in result.stdout
    assert "Summary: 2 file(s) transferred" in result.stdout and "0 failure(s)" in result.stdout
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"E_DEBIT\n1\n", "ANALYTIQ.csv": b"Y_AXE\nA1\n"}
    assert blob_names(setup.container) == []


@pytest.mark.parametrize("closed", ["2>&-", ">&-", ">&- 2>&-"])
def test_a_transfer_run_with_its_output_closed_transfers_all_the_same(azurite, tmp_path, closed):
    """A crontab line ending ``2>&-`` (or ``>&-``) closes the stream: Python then has no sys.stderr (stdout), and
    the run did nothing (exit 1 with stderr closed, 4 with stdout closed) without a word. What it would have said
    on a closed stream is lost, the files are transferred."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"E_DEBIT\n1\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    result = subprocess.run(["sh", "-c", f'exec "$0" "$@" {closed}', sys.executable, str(SCRIPTS / SCRIPT),
                             "--config", str(setup.config)],
                            capture_output=True, text=True, env=env, timeout=120, check=False)

    assert result.returncode == 0, result.stdout + result.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"E_DEBIT\n1\n"}
    assert blob_names(setup.container) == []
    if closed == "2>&-":
        assert "Summary: 1 file(s) transferred" in result.stdout
    else:
        assert result.stdout == ""
    assert result.stderr == ""


OUTPUT_LOST = "Error: the output could not be written (No space left on device): the run went on without it.\n"


@pytest.mark.parametrize("json_option", [(), ("--json",)])
@pytest.mark.parametrize("stderr", ["pipe", "/dev/full"])
def test_a_transfer_whose_output_cannot_be_written_transfers_all_and_exits_5(azurite, tmp_path, json_option, stderr):
    """The crontab line ``>> /var/log/transfert-azure-cegid.log 2>&1`` once /var is full: the first line written
    (the listing) failed with ENOSPC and the run ended there, "Unexpected error: OSError" and exit 4, every blob
    left in Azure. The run goes on without its output, and exits 5 (its output lost), saying so where it can."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"E_DEBIT\n1\n")
    upload(setup.container, "ANALYTIQ.csv", b"Y_AXE\nA1\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config), *json_option],
                                stdout=full, stderr=full if stderr == "/dev/full" else subprocess.PIPE,
                                text=True, env=env, timeout=120, check=False)

    assert result.returncode == 5, result.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"E_DEBIT\n1\n", "ANALYTIQ.csv": b"Y_AXE\nA1\n"}
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []
    if stderr == "pipe":
        assert result.stderr == OUTPUT_LOST


def _log_limit():
    """A log file may grow no more than 100 kB (``ulimit -f``): write() then fails with EFBIG, not a signal."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_a_log_that_fills_up_mid_run_loses_its_lines_not_the_transfer(azurite, tmp_path):
    """The log's disk fills up after the listing: the first file's line failed, the run ended with "Unexpected
    error" and exit 4, no summary, the other blobs not transferred. The run goes on and exits 5."""
    setup = Setup(azurite, tmp_path)
    contents = {f"EXPORT{number}.csv": f"COLUMN\n{number}\n".encode() for number in range(3)}
    for name, data in contents.items():
        upload(setup.container, name, data)
    log = tmp_path / "transfert.log"
    log.write_bytes(b"." * (100_000 - 230))  # room for the listing (215 bytes), not for the first file's line
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    with open(log, "a", encoding="utf-8") as output:
        result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config)],
                                stdout=output, stderr=subprocess.PIPE, text=True, env=env, timeout=120,
                                preexec_fn=_log_limit, check=False)

    assert result.returncode == 5, result.stderr
    assert result.stderr == OUTPUT_LOST.replace("No space left on device", "File too large")
    written = log.read_text(encoding="utf-8").lstrip(".")
    assert written.startswith("3 file(s) in Azure:\n") and "Summary" not in written
    assert delivered_files(setup.folder) == contents
    assert blob_names(setup.container) == []


def test_json_summary_and_exit_1_on_refused(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ok.csv", b"ok")
    upload(setup.container, ".hidden.csv", b"no")

    result = run(setup, "--json")

    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert (summary["files_done"], summary["failures"], summary["exit_code"]) == (1, 1, 1)
    states = {item["blob_name"]: item["state"] for item in summary["files"]}
    assert states == {"ok.csv": "done", ".hidden.csv": "refused"}


def test_a_name_the_file_system_encoding_cannot_hold_is_refused_and_the_other_files_go_through(azurite, tmp_path):
    """Run in a locale whose file names are not UTF-8 (here ASCII: the C locale, its UTF-8 coercion off), a name
    with a character outside it cannot be linked: refused by its reason, its blob kept, the run going on."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "A.csv", b"a")
    upload(setup.container, "PRIX\u20ac.csv", b"euros")
    upload(setup.container, "Z.csv", b"z")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CEGID_", "LC_", "LANG"))}
    env.update(LC_ALL="C", PYTHONCOERCECLOCALE="0", PYTHONUTF8="0")

    result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config), "--json"],
                            capture_output=True, text=True, encoding="utf-8", env=env, timeout=120, check=False)

    assert result.returncode == 1, result.stdout + result.stderr
    summary = json.loads(result.stdout)
    refused = {item["blob_name"]: item for item in summary["files"] if item["state"] == "refused"}
    assert list(refused) == ["PRIX\u20ac.csv"]
    assert "ascii" in json.dumps(refused), refused
    assert delivered_files(setup.folder) == {"A.csv": b"a", "Z.csv": b"z"}
    assert blob_names(setup.container) == ["PRIX\u20ac.csv"]


def test_expired_sas_exit_3_with_expiry(azurite, tmp_path):
    expired = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.timezone.utc)
    setup = Setup(azurite, tmp_path)
    setup.url = azurite.container_sas_url(setup.name, expiry=expired)
    setup.write_config(setup.url)
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 3
    assert "2026-03-04 05:06:07 UTC" in result.stderr
    assert blob_names(setup.container) == ["ECRITURE.csv"]


def test_missing_destination_exit_2_names_it(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    write_config_py(setup.config, {"mode": "sas_url", "sas_url": setup.url})
    result = run(setup)
    assert result.returncode == 2 and "dossier_de_destination" in result.stderr


def test_a_destination_folder_that_does_not_exist_is_not_created_exit_2_names_it(azurite, tmp_path):
    """The original script created it; this one refuses (a typo, an unmounted share): SCRIPTS.rst says to create it."""
    setup = Setup(azurite, tmp_path)
    absent = tmp_path / "IMPORT_CEGID"
    write_config_py(setup.config, {"mode": "sas_url", "sas_url": setup.url, "dossier_de_destintion": f"{absent}/"})
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"Configuration error: dossier_de_destination is not an existing folder: {absent} "
                             "(config.py, or the environment variable CEGID_IMPORT_FOLDER).\n")
    assert not absent.exists()
    assert blob_names(setup.container) == ["ECRITURE.csv"]


@pytest.mark.parametrize("option", [(), ("--check",)])
def test_a_sas_url_without_a_container_exit_2_says_what_is_wanted(azurite, tmp_path, option):
    """The account's SAS URL (no container), a usual paste mistake: a setting error, not "Unexpected error"."""
    setup = Setup(azurite, tmp_path)
    setup.url = "https://account.blob.core.windows.net/?sv=2024-11-04&ss=b&srt=co&sp=rld&sig=S3cr3tSignature%3D"
    setup.write_config(setup.url)
    result = run(setup, *option)
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("Configuration error: sas_url must be a container SAS URL "
                             "(https://.../<container>?sv=...&sig=...) "
                             "(config.py, or the environment variable CEGID_SAS_URL).\n")


@pytest.mark.parametrize("option", [(), ("--check",)])
def test_a_sas_url_holding_a_user_or_a_password_is_a_setting_error_that_does_not_print_them(tmp_path, option):
    """The host printed when Azure cannot be reached ("cannot reach Azure Blob Storage (user:pw@...)") showed them:
    the URL whole is masked as a secret, not a part of it. Refused before any call."""
    config = write_config_py(tmp_path / "config.py", {
        "mode": "sas_url", "dossier_de_destination": str(tmp_path),
        "sas_url": "https://user:pw-S3cr3t@127.0.0.1:1/exports?sv=2024-11-04&sp=rdl&sig=S3cr3tSig"})

    result = run_script(SCRIPT, "--config", str(config), *option)

    assert (result.returncode, result.stdout) == (2, ""), result.stdout + result.stderr
    assert result.stderr == ("Configuration error: sas_url must not hold a user name or a password (user:password@ "
                             "before the host): remove them, they would show in messages and logs (config.py, or the "
                             "environment variable CEGID_SAS_URL).\n")


def test_a_config_py_with_a_coding_line_reads_as_python_reads_it(tmp_path):
    """The original scripts imported config.py: Python honours its PEP 263 coding line."""
    folder = tmp_path / "données"
    folder.mkdir()
    config = tmp_path / "config.py"
    config.write_bytes(
        b"# -*- coding: latin-1 -*-\n"
        + f'dossier_de_destination = "{folder}"\n'.encode("latin-1")
        + b'mode = "sas_url"\n'
        + b'sas_url = "http://127.0.0.1:1/container?sv=2024-11-04&sp=rld&sig=S3cr3t"\n')
    result = run_script(SCRIPT, "--config", str(config), "--check")
    # the SAS step passes, the listing fails (nothing listens on port 1): exit 3, not an unexpected error (4)
    assert "Unexpected error" not in result.stderr
    assert result.returncode == 3, result.stdout + result.stderr


def test_a_config_py_saved_in_latin_1_without_a_coding_line_says_so_not_invalid_syntax(tmp_path):
    """An editor that saves config.py in Latin-1 (a folder named "données"): Python refused it for its encoding,
    and said so; the message names the line and the encoding, and says how to fix it."""
    config = tmp_path / "config.py"
    config.write_bytes(b'mode = "sas_url"\n'
                       b'sas_url = "https://account.blob.core.windows.net/exports?sv=2024-11-04&sig=S3cr3t"\n'
                       b'dossier_de_destination = "/srv/donn\xe9es"\n')

    result = run_script(SCRIPT, "--config", str(config), "--check")

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"Configuration error: cannot read {config}: line 3 is not UTF-8 text: save the file "
                             "as UTF-8, or declare its encoding in its first line: # -*- coding: latin-1 -*-.\n")


@pytest.mark.parametrize("content, message", [
    (b'cegid_api_key_secret = {["S3cr3tValue"]: 2}\n',
     "line 1: cegid_api_key_secret must be a plain value (a string in quotes)"),
    (b'mode = "sas_url"\ncegid_api_key_secret = "S3cr3t\x00Value"\n',
     "{path}"),  # the words depend on the Python version: with a line number or without
    (b'# -*- coding: utf-8 -*-\ncegid_api_key_secret = "S3cr3t\xe9Value"\n', "line 2 is not UTF-8 text"),
    (b'mode = "sas_url"\ncegid_api_key_secret = "S3cr3tValue\n', "line 2: invalid Python syntax"),
    (b'# coding: no-such-codec\ncegid_api_key_secret = "S3cr3tValue"\n', "cannot read {path}: unknown encoding"),
], ids=["unhashable", "nul", "not-utf-8", "unterminated", "unknown-coding"])
def test_a_config_py_python_cannot_read_exit_2_names_the_line_not_the_value(tmp_path, content, message):
    config = tmp_path / "config.py"
    config.write_bytes(content)
    result = run_script(SCRIPT, "--config", str(config), "--check")
    assert result.returncode == 2, result.stderr
    assert message.format(path=config) in result.stderr
    assert "S3cr3t" not in result.stderr and "line None" not in result.stderr


def test_azure_unreachable_reads_as_a_sentence_without_a_python_object(tmp_path):
    """What the connection's failure says, without the repr of urllib3's connection object (a memory address)."""
    from cegid_testkit.azurite import free_port

    port = free_port()  # nothing listens there
    config = write_config_py(tmp_path / "config.py", {
        "mode": "sas_url", "dossier_de_destination": str(tmp_path),
        "sas_url": f"http://127.0.0.1:{port}/devstoreaccount1/exports?sv=2024-11-04&sp=rdl&sig=S3cr3tSig"})

    result = run_script(SCRIPT, "--config", str(config), "--check")

    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == (f"FAILED listing: cannot reach Azure Blob Storage (127.0.0.1:{port}): "
                                              "Failed to establish a new connection: [Errno 111] Connection refused")


class _GatewayPage(http.server.BaseHTTPRequestHandler):
    """A proxy or gateway in front of Azure answering every request with its HTML error page."""

    def do_GET(self):
        body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
        self.send_response(502)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        """Quiet."""


@pytest.mark.parametrize("option", [(), ("--check",)])
def test_an_html_error_page_instead_of_azure_is_one_line_without_the_sdk_warning(tmp_path, option):
    """The SDK warns that it could not parse the page ("Unexpected return type <class 'str'> from
    ContentDecodePolicy..."): that is no line for a cron mail; the error says what happened."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _GatewayPage)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        config = write_config_py(tmp_path / "config.py", {
            "mode": "sas_url", "dossier_de_destination": str(tmp_path),
            "sas_url": f"http://127.0.0.1:{server.server_address[1]}/acct/exports?sv=2024-11-04&sp=rdl&sig=S3cr3t"})
        result = run_script(SCRIPT, "--config", str(config), *option)
    finally:
        server.shutdown()
        server.server_close()

    assert result.returncode == 3, result.stdout + result.stderr
    assert "Unexpected return type" not in result.stdout + result.stderr
    if option:
        assert result.stderr == "" and result.stdout.splitlines()[-1].startswith("FAILED listing: ")
    else:
        assert result.stdout == "" and len(result.stderr.splitlines()) == 1
        assert result.stderr.startswith("Error: Azure Blob Storage answered HTTP 502")


def test_api_wrong_credentials_exit_3_no_secret(cegid_simulator, tmp_path):
    folder = tmp_path / "import"
    folder.mkdir()
    values = cegid_simulator.config_py_values(cegid_api_key_secret="wrong-but-secret-1234",
                                              dossier_de_destination=str(folder))
    config = write_config_py(tmp_path / "config.py", values)
    result = run_script(SCRIPT, "--config", str(config))
    assert result.returncode == 3
    assert "wrong-but-secret-1234" not in result.stdout + result.stderr
    assert cegid_simulator.subscription_key not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_api_mode_cli(cegid_simulator, azurite, tmp_path):
    folder = tmp_path / "import"
    folder.mkdir()
    container = azurite.service_client().get_container_client(cegid_simulator.tenant_id)
    upload(container, "ECRITURE.csv", b"api")
    values = cegid_simulator.config_py_values(dossier_de_destination=str(folder))
    config = write_config_py(tmp_path / "config.py", values)
    result = run_script(SCRIPT, "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert delivered_files(folder) == {"ECRITURE.csv": b"api"}
    assert cegid_simulator.api_key_secret not in result.stdout + result.stderr


def test_max_seconds_bounds_the_cegid_calls_too(cegid_simulator, azurite, tmp_path):
    """Cegid slow to give the token: the run ends at its --max-seconds, one line, exit 3, the blob kept."""
    folder = tmp_path / "import"
    folder.mkdir()
    container = azurite.service_client().get_container_client(cegid_simulator.tenant_id)
    upload(container, "ECRITURE.csv", b"api")
    cegid_simulator.inject("GET", "Token", delay=6, times=5)
    values = cegid_simulator.config_py_values(dossier_de_destination=str(folder))
    result = run_script(SCRIPT, "--config", str(write_config_py(tmp_path / "config.py", values)), "--max-seconds", "2")
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr == ("Error: Cegid API: no answer within the time allowed (the token request, "
                             f"{cegid_simulator.base_url.split('//')[1].rstrip('/')}); try again later\n")
    assert len(cegid_simulator.requests_to("/tokenprovider/Token")) == 1
    assert blob_names(container) == ["ECRITURE.csv"] and delivered_files(folder) == {}


def _no_big_files():
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG instead of killing


def test_file_size_limit_reported_blob_kept(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "small.csv", b"s" * 1000)
    upload(setup.container, "big.csv", os.urandom(500_000))
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    result = subprocess.run(
        [sys.executable, "-B", str(SCRIPTS / SCRIPT), "--config", str(setup.config)],
        capture_output=True, text=True, env=env, timeout=120, preexec_fn=_no_big_files, check=False,
    )

    assert result.returncode == 1, result.stderr
    assert "FAILED big.csv" in result.stdout and "too large" in result.stdout
    assert delivered_files(setup.folder) == {"small.csv": b"s" * 1000}
    assert blob_names(setup.container) == ["big.csv"]
    assert staging_leftovers(setup.folder) == []


def test_second_run_while_first_holds_the_lock(azurite, tmp_path):
    name = new_container(azurite)
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        slow_url = azurite.container_sas_url(name, expiry=LATER).replace(f":{azurite.port}/", f":{proxy.port}/")
        first = Setup.__new__(Setup)
        first.name, first.folder, first.url, first.config = name, tmp_path / "import", slow_url, tmp_path / "c1.py"
        first.container = azurite.service_client().get_container_client(name)
        first.folder.mkdir()
        first.write_config(slow_url)
        data = os.urandom(1024 * 1024)
        upload(first.container, "ECRITURE.csv", data)
        proxy.pause_after(300_000)
        process = start_script(first.config)
        try:
            assert proxy.paused.wait(60)
            partial = staging_leftovers(first.folder)
            second = Setup.__new__(Setup)
            second.folder, second.config = first.folder, tmp_path / "c2.py"
            second.url = azurite.container_sas_url(name, expiry=LATER)
            second.write_config(second.url)

            result = run(second)

            assert result.returncode == 0 and "another transfer" in result.stderr
            assert staging_leftovers(first.folder) == partial and len(partial) == 1
            assert delivered_files(first.folder) == {}
            assert blob_names(first.container) == ["ECRITURE.csv"]
        finally:
            proxy.release()
            out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert delivered_files(first.folder) == {"ECRITURE.csv": data}


def _kill_after(process, done_lines, delay):
    """Let the CLI report ``done_lines`` files, wait ``delay`` seconds, then SIGKILL it."""
    seen = 0
    while seen < done_lines:
        line = process.stdout.readline()
        if not line:
            break
        seen += line.startswith("[")
    try:
        process.wait(delay)
    except subprocess.TimeoutExpired:
        process.kill()
    process.wait()


@pytest.mark.parametrize("seed", range(8))
def test_kill_9_then_clean_run_loses_and_duplicates_nothing(azurite, tmp_path, seed):
    rng = random.Random(seed)
    setup = Setup(azurite, tmp_path)
    uploaded = collections.Counter()
    for index in range(24):
        # colliding base names across folders, and identical contents that must stay two files
        name = f"f{index}/EXPORT{index % 6}.csv"
        data = b"same content" if index in (0, 1) else os.urandom(rng.choice((0, 100, 5000, 150_000)) + index)
        upload(setup.container, name, data)
        uploaded[digest(data)] += 1
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config), "--workers", "4"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    _kill_after(process, done_lines=rng.randint(0, 20), delay=rng.choice((0, 0.002, 0.01, 0.03)))

    result = run(setup)

    assert result.returncode == 0, result.stdout + result.stderr
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []
    assert collections.Counter(digest(data) for data in delivered_files(setup.folder).values()) == uploaded


class SlowSetup(Setup):
    """A Setup whose SAS URL goes through a TcpProxy (``proxy``), started by the caller."""

    def __init__(self, azurite, tmp_path, proxy):
        super().__init__(azurite, tmp_path)
        self.url = self.url.replace(f":{azurite.port}/", f":{proxy.port}/")
        self.write_config(self.url)


def test_max_seconds_stops_cleanly_and_says_what_is_left(azurite, tmp_path):
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        setup = SlowSetup(azurite, tmp_path, proxy)
        big = os.urandom(12 * 1024 * 1024)  # more than one GET (8 MiB): resumable
        upload(setup.container, "small.csv", b"small")
        upload(setup.container, "HISTOCUMSAL.csv", big)
        proxy.throttle(4 * 1024 * 1024)

        first = run(setup, "--max-seconds", "1")

        assert first.returncode == 0, first.stdout + first.stderr
        assert "DONE small.csv -> small.csv" in first.stdout
        assert "CONTINUED HISTOCUMSAL.csv (12.0 MiB): stopped at the time limit, 8388608 bytes kept" in first.stdout
        assert ("Stopped at the time limit: 1 file(s) left in Azure for the next run "
                "(1 partly downloaded, to be continued).") in first.stdout
        assert delivered_files(setup.folder) == {"small.csv": b"small"}
        assert blob_names(setup.container) == ["HISTOCUMSAL.csv"]
        proxy.throttle(None)

        again = run(setup, "--json")

    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert summary["continued"] is False
    [item] = summary["files"]
    assert (item["state"], item["code"], item["params"]) == ("done", "file.resumed", {"offset": 8388608})
    assert item["message"] == "continued from byte 8388608 of an earlier download"
    assert delivered_files(setup.folder) == {"small.csv": b"small", "HISTOCUMSAL.csv": big}
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []


def _durable(folder):
    """The durable length recorded for the download under way, or 0."""
    hidden = os.path.join(folder, ".cegid-partial")
    for name in os.listdir(hidden) if os.path.isdir(hidden) else ():
        if name.endswith(".resume"):
            try:
                with open(os.path.join(hidden, name), encoding="utf-8") as handle:
                    return json.load(handle)["durable"]
            except (OSError, ValueError):
                pass
    return 0


def test_killed_by_sigterm_mid_blob_as_timeout_does_the_next_run_resumes(azurite, tmp_path):
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        setup = SlowSetup(azurite, tmp_path, proxy)
        big = os.urandom(10 * 1024 * 1024)
        upload(setup.container, "HISTOCUMSAL.csv", big)
        proxy.throttle(1536 * 1024)
        process = subprocess.Popen([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(setup.config)],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not _durable(setup.folder) and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.02)
            kept = _durable(setup.folder)
            process.send_signal(signal.SIGTERM)  # what `timeout` sends when the time is up
        finally:
            process.communicate(timeout=60)
        assert process.returncode == -signal.SIGTERM
        assert 0 < kept < len(big)
        assert delivered_files(setup.folder) == {}
        assert blob_names(setup.container) == ["HISTOCUMSAL.csv"]
        proxy.throttle(None)
        before = proxy.response_bytes

        again = run(setup)

        assert proxy.response_bytes - before < len(big) - kept + 128 * 1024  # and the listing, the delete
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"DONE HISTOCUMSAL.csv -> HISTOCUMSAL.csv (10.0 MiB): continued from byte {kept}" in again.stdout
    assert delivered_files(setup.folder) == {"HISTOCUMSAL.csv": big}
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []


# the core with small GETs and frequent checkpoints, so that a run killed within a second has kept something
DRIVER = """
import sys
sys.path.insert(0, {repo!r})
from cegid_data_access.settings import Settings
from cegid_data_access.transfer import AzureTuning, TransferTuning, run_transfer
tuning = TransferTuning(checkpoint_seconds=0.05, azure=AzureTuning(
    single_get_size=64 * 1024, chunk_size=64 * 1024, max_concurrency=3))
run_transfer(Settings(mode="sas_url", sas_url=sys.argv[1], import_folder=sys.argv[2]), tuning=tuning, workers=4)
"""


@pytest.mark.parametrize("seed", range(3))
def test_kill_9_during_resumed_downloads_then_clean_run(azurite, tmp_path, seed):
    """A large blob killed several times mid-download: delivered whole, once; the kept bytes came only once."""
    rng = random.Random(seed)
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        setup = SlowSetup(azurite, tmp_path, proxy)
        big = os.urandom(12 * 1024 * 1024)  # over one GET of the CLI's (8 MiB): resumable by the clean run too
        upload(setup.container, "HISTOCUMSAL.csv", big)
        smalls = {f"f{index}/EXPORT{index % 2}.csv": os.urandom(rng.choice((0, 100, 70_000))) for index in range(6)}
        for name, data in smalls.items():
            upload(setup.container, name, data)
        proxy.throttle(1024 * 1024)  # the blob takes 12 s; each killed run gets a little more than it had kept
        driver = DRIVER.format(repo=str(SCRIPTS.parent))
        for _kill in range(4):
            had = _durable(setup.folder)
            process = subprocess.Popen([sys.executable, "-c", driver, setup.url, str(setup.folder)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            # killed once it has durably kept more than the runs before it, then anywhere within 0.8 s
            deadline = time.monotonic() + 60
            while _durable(setup.folder) <= had and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.8))
            process.kill()
            process.wait()
            assert "Traceback" not in process.stderr.read().decode(), "the driver failed before it was killed"
            process.stderr.close()
        kept = _durable(setup.folder)
        proxy.throttle(None)
        before = proxy.response_bytes

        result = run(setup)

        downloaded = proxy.response_bytes - before
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"continued from byte {kept}" in result.stdout and kept > 0
    assert downloaded < len(big) - kept + sum(map(len, smalls.values())) + 256 * 1024
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []
    expected = collections.Counter(digest(data) for data in [big, *smalls.values()])
    assert collections.Counter(digest(data) for data in delivered_files(setup.folder).values()) == expected


def test_check_prints_each_step_and_deletes_nothing(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"12")
    expiry = LATER.strftime("%Y-%m-%d %H:%M:%S UTC")

    result = run(setup, "--check")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"OK     SAS: SAS URL set, valid until {expiry}",
                                          "OK     listing: 1 blob(s) waiting, 2 bytes"]
    setup.url = azurite.container_sas_url(setup.name, permission="rl", expiry=LATER)
    setup.write_config(setup.url)

    refused = run(setup, "--check", "--json")

    assert refused.returncode == 3
    assert json.loads(refused.stdout) == [{
        "name": "SAS", "ok": False, "code": "azure.sas_permissions", "params": {"permissions": "rl"},
        "message": "the SAS URL's permissions are 'rl': read, list and delete are needed"}]
    assert blob_names(setup.container) == ["ECRITURE.csv"]
    assert os.listdir(setup.folder) == []  # not even the lock a transfer takes there


@pytest.mark.parametrize("folder", ["absent", "unset", "a file"])
def test_check_refuses_the_import_folder_a_run_refuses_exit_2_as_the_run(azurite, tmp_path, folder):
    """--check said OK to a dossier_de_destination that does not exist (three OK lines, exit 0) where every run
    exits 2 naming it: it checks the folder too, without taking its lock (a transfer may hold it)."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"12")
    target = {"absent": tmp_path / "IMPORT_CEGID", "unset": None, "a file": tmp_path / "import.csv"}[folder]
    if folder == "a file":
        target.write_bytes(b"")
    write_config_py(setup.config, {"mode": "sas_url", "sas_url": setup.url,
                                   **({"dossier_de_destination": str(target)} if target else {})})

    checked = run(setup, "--check")
    transferred = run(setup)

    assert transferred.returncode == 2, transferred.stdout + transferred.stderr
    assert (checked.returncode, checked.stdout, checked.stderr) == (2, "", transferred.stderr)
    what = "is missing" if target is None else f"is not an existing folder: {target}"
    assert checked.stderr == (f"Configuration error: dossier_de_destination {what} "
                              "(config.py, or the environment variable CEGID_IMPORT_FOLDER).\n")
    assert blob_names(setup.container) == ["ECRITURE.csv"]


def test_check_a_setting_error_met_in_a_step_exits_2_as_the_run_not_3_as_a_failed_step(cegid_simulator, tmp_path):
    """A base URL whose host requests cannot use is found wrong when the token is asked: the run says so and exits
    2 (a setting to mend); --check printed it as a failed step, exit 3 (a connection failure, retried later)."""
    config = write_config_py(tmp_path / "config.py", cegid_simulator.config_py_values(
        cegid_api_base_url="https://a..b.com", dossier_de_destination=str(tmp_path)))

    checked = run_script(SCRIPT, "--config", str(config), "--check")
    transferred = run_script(SCRIPT, "--config", str(config))

    assert transferred.returncode == 2, transferred.stdout + transferred.stderr
    assert (checked.returncode, checked.stdout, checked.stderr) == (2, "", transferred.stderr)
    assert checked.stderr == ("Configuration error: cegid_api_base_url must be an http:// or https:// URL "
                              "(config.py, or the environment variable CEGID_API_BASE_URL).\n")


def transfer_hostile_name(azurite, tmp_path, hostile, escaped):
    """Transfer one blob named ``hostile``: refused (name.control_characters), left in Azure, and named ``escaped``
    in the console, none of its raw characters shown; the run's result."""
    setup = Setup(azurite, tmp_path)
    upload(setup.container, hostile, b"hostile")

    result = run(setup)

    assert result.returncode == 1
    assert blob_names(setup.container) == [hostile]
    refused = "name refused: contains control or invisible characters; left in Azure"
    assert f"[1/1] REFUSED {escaped} (7 B): {refused}\n" in result.stdout
    assert f"  NOT TRANSFERRED {escaped}: {refused}\n" in result.stdout
    # every output has newlines: the FORGED test counts the lines instead
    raw = {char for char in hostile if not char.isprintable()} - {"\n"}
    assert raw and not any(char in result.stdout + result.stderr for char in raw)
    return result


def test_a_blob_name_cannot_forge_lines_nor_drive_the_terminal(azurite, tmp_path):
    """Azure accepts control characters in a blob name: each is shown escaped, in every line naming the blob.

    (ESC, which XML cannot carry, is in no listing: see the query names of test_cli_requetes.py.)
    """
    escaped = "x\\nFORGED [1/1] DONE ECRITURE.csv -> ECRITURE.csv\\r\\x85\\u2028.csv"
    hostile = "x\nFORGED [1/1] DONE ECRITURE.csv -> ECRITURE.csv\r\x85\u2028.csv"
    result = transfer_hostile_name(azurite, tmp_path, hostile, escaped)

    lines = result.stdout.splitlines()
    assert [line for line in lines if "FORGED" in line] == [
        next(line for line in lines if line.startswith(escaped)),  # the listing table
        f"[1/1] REFUSED {escaped} (7 B): name refused: contains control or invisible characters; left in Azure",
        f"  NOT TRANSFERRED {escaped}: name refused: contains control or invisible characters; left in Azure"]


def test_a_blob_name_cannot_reorder_or_hide_what_the_console_shows(azurite, tmp_path):
    """Bidi controls and zero-width characters (Unicode's format characters) reached the console raw: a terminal
    showed ``x\u202eVSC.exe`` as ``xexe.CSV`` and ``A\u200bB`` as ``AB``. Each is shown escaped, as Python
    writes it."""
    transfer_hostile_name(azurite, tmp_path, "x\u202eVSC.exe\u2066\u200b\u200f\ufeff.csv",
                          "x\\u202eVSC.exe\\u2066\\u200b\\u200f\\ufeff.csv")


def test_a_file_delivered_but_not_deleted_is_not_summed_up_as_not_transferred(azurite, tmp_path):
    """A SAS without the delete permission: the file is in the import folder, once; the summary says what failed."""
    setup = Setup(azurite, tmp_path)
    setup.url = azurite.container_sas_url(setup.name, permission="rl", expiry=LATER)
    setup.write_config(setup.url)
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 1, result.stdout + result.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"x"}
    assert blob_names(setup.container) == ["ECRITURE.csv"]
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("  NOT DELETED ECRITURE.csv: delivered, but not deleted from Azure (the next run "
                              "deletes it without delivering it again): Azure refused the SAS (HTTP 403 "
                              "AuthorizationPermissionMismatch)"), result.stdout
    assert "NOT TRANSFERRED" not in result.stdout


def test_refusals_and_warnings_read_as_sentences(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=30)
    setup.url = azurite.container_sas_url(setup.name, expiry=soon)
    setup.write_config(setup.url)
    upload(setup.container, "exports/.hidden.csv", b"no")

    result = run(setup)

    assert result.returncode == 1
    assert "Warning: the SAS URL expires soon, on " + soon.strftime("%Y-%m-%d %H:%M") in result.stderr
    assert ("  NOT TRANSFERRED exports/.hidden.csv: name refused: hidden name (starts with '.'); left in Azure"
            in result.stdout.splitlines())


# nan passes a "<= 0" check (every comparison with it is false) and inf would lift the limit: both are refused
@pytest.mark.parametrize("option", [("--workers", "0"), ("--max-seconds", "0"), ("--max-seconds", "-5"),
                                    ("--max-seconds", "nan"), ("--max-seconds", "inf")])
def test_a_limit_that_makes_no_sense_is_a_usage_error_that_touches_nothing(azurite, tmp_path, option):
    setup = Setup(azurite, tmp_path)
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup, *option)

    assert result.returncode == 2 and "usage:" in result.stderr and option[0] in result.stderr
    assert blob_names(setup.container) == ["ECRITURE.csv"]
    assert delivered_files(setup.folder) == {}


def test_ctrl_c_mid_download_exits_130_and_the_next_run_delivers(azurite, tmp_path):
    with TcpProxy("127.0.0.1", azurite.port) as proxy:
        setup = SlowSetup(azurite, tmp_path, proxy)
        data = os.urandom(1024 * 1024)
        upload(setup.container, "ECRITURE.csv", data)
        proxy.pause_after(300_000)
        process = start_script(setup.config)
        try:
            assert proxy.paused.wait(60)
            process.send_signal(signal.SIGINT)
            time.sleep(0.5)
        finally:
            proxy.release()
            out, err = process.communicate(timeout=60)
        assert process.returncode == 130, out + err
        assert err.endswith("Interrupted.\n") and "Traceback" not in err
        assert delivered_files(setup.folder) == {}
        assert blob_names(setup.container) == ["ECRITURE.csv"]

        again = run(setup)

    assert again.returncode == 0, again.stdout + again.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": data}
    assert blob_names(setup.container) == []
    assert staging_leftovers(setup.folder) == []


def test_values_pasted_with_spaces_or_a_line_break_read_as_meant(azurite, tmp_path):
    setup = Setup(azurite, tmp_path)
    write_config_py(setup.config, {"mode": " sas_url ", "sas_url": f"  {setup.url}\n",
                                   "dossier_de_destination": f"{setup.folder}\t"})
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 0, result.stdout + result.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"x"}
    assert blob_names(setup.container) == []


def test_a_setting_made_a_tuple_by_a_trailing_comma_exit_2_names_it(tmp_path):
    config = tmp_path / "config.py"
    config.write_text('mode = "sas_url"\n'
                      'sas_url = "https://account.blob.core.windows.net/exports?sv=2024-11-04&sig=S3cr3t",\n'
                      f'dossier_de_destination = "{tmp_path}"\n', encoding="utf-8")

    result = run_script(SCRIPT, "--config", str(config), "--check")

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Configuration error: sas_url must be a string ")
    assert "S3cr3t" not in result.stdout + result.stderr


def test_a_sas_url_pasted_on_the_mode_line_exit_2_without_its_signature(azurite, tmp_path):
    """The message quotes the mode it refuses: here a SAS URL, whose signature is masked."""
    setup = Setup(azurite, tmp_path)
    write_config_py(setup.config, {"mode": setup.url, "sas_url": setup.url,
                                   "dossier_de_destination": str(setup.folder)})

    result = run(setup)  # run() checks that the signature is in neither stream

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Configuration error: mode must be ") and "sig=***" in result.stderr


def test_statements_of_config_py_other_than_assignments_are_ignored_never_run(azurite, tmp_path):
    """The original scripts' config.py may hold a docstring or an import: read, never executed."""
    setup = Setup(azurite, tmp_path)
    executed = tmp_path / "executed"
    settings = setup.config.read_text(encoding="utf-8")
    setup.config.write_text(f'"""Settings of the transfer."""\nimport os\nos.mkdir({str(executed)!r})\n{settings}',
                            encoding="utf-8")
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 0, result.stdout + result.stderr
    assert not executed.exists()
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"x"}


def test_a_setting_in_a_block_of_config_py_exit_2_names_it_and_its_line_not_missing(azurite, tmp_path):
    """A setting set in an if, try or with block was silently not read, then reported missing: the run stops
    before touching Azure, naming the setting and its line."""
    setup = Setup(azurite, tmp_path)
    setup.config.write_text(f'mode = "sas_url"\ndossier_de_destination = "{setup.folder}"\n'
                            f'try:\n    from local_config import sas_url\nexcept ImportError:\n'
                            f'    sas_url = "{setup.url}"\n', encoding="utf-8")
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"Configuration error: {setup.config}, line 4: sas_url cannot be read there: config.py "
                             'settings must be plain top-level assignments of literal values (name = "value"), '
                             "outside any if, try, with or other block.\n")
    assert blob_names(setup.container) == ["ECRITURE.csv"]


def test_the_first_scripts_config_py_without_a_mode_transfers_with_its_sas_url(azurite, tmp_path):
    """The first script's config.py had a SAS URL and a folder, no mode: it was read as the api mode and the run
    stopped on "cegid_api_base_url is missing"; a SAS URL and no cegid_* setting now mean the sas_url mode."""
    setup = Setup(azurite, tmp_path)
    write_config_py(setup.config, {"sas_url": setup.url, "dossier_de_destintion": str(setup.folder)})
    upload(setup.container, "ECRITURE.csv", b"x")

    result = run(setup)

    assert result.returncode == 0, result.stdout + result.stderr
    assert delivered_files(setup.folder) == {"ECRITURE.csv": b"x"}
    assert blob_names(setup.container) == []

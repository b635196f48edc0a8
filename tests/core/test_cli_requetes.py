# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""script-externe/cegid-requetes.py run as a user would, against the Cegid simulator."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import SCRIPTS, foreign_modules, run_script

from cegid_data_access.cegid_api.schedules import parse_cegid_datetime
from cegid_data_access.settings import config_line, read_config_py
from cegid_testkit.simulator import write_config_py

SCRIPT = "cegid-requetes.py"
PUT_PATH = "/query/api/V1/schedulers"
NEXT = "2026-11-29T02:00:00.1234567Z"
LAST = "2026-11-28T02:00:03.7654321Z"
SECRET_KEYS = ("cegid_api_key_secret", "cegid_subscription_key")


@pytest.fixture
def sim(cegid_simulator):
    return cegid_simulator


def run(sim, tmp_path, *args, **config):
    """Run the script with a config.py made from the simulator's settings (``config`` overrides)."""
    path = write_config_py(tmp_path / "config.py", sim.config_py_values(**config))
    result = run_script(SCRIPT, "--config", str(path), *args)
    secrets = [sim.api_key_secret, sim.subscription_key]
    secrets += [value for key, value in config.items() if key in SECRET_KEYS and value]
    for secret in secrets:
        assert secret not in result.stdout and secret not in result.stderr
    return result


def puts(sim):
    return sim.requests_to(PUT_PATH, method="PUT")


def add_two(sim):
    ecriture = sim.add_scheduler("ECRITURE", content="SELECT E_DEBIT FROM ECRITURE", nextExecution=NEXT,
                                 lastExecution=LAST, vendorField={"kept": True})
    analytiq = sim.add_scheduler("ANALYTIQ", content="SELECT Y_AXE FROM ANALYTIQ", enable=False, cron="30 3 * * *",
                                 nextExecution=None)
    return ecriture, analytiq


# -- help and usage -----------------------------------------------------------------


def test_help_loads_only_stdlib_and_requests():
    """--help works where only requests is installed: nothing else gets imported."""
    result, foreign = foreign_modules(SCRIPT, "--help")
    assert result.returncode == 0, result.stderr
    assert "--discover" in result.stdout and "--force" in result.stdout
    assert foreign == set()


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--list", "--force"),
        ("--enable",),
        ("--disable",),
        ("--id", "x", "--list"),
        ("--list", "--name", "ECR"),
        ("--force", "--sql"),
        ("--force", "--time", "25:00"),
        ("--force", "--time", "1430"),
    ],
)
def test_usage_errors_exit_2(sim, tmp_path, args):
    result = run(sim, tmp_path, *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert sim.requests == []


def test_bad_time_message(sim, tmp_path):
    result = run(sim, tmp_path, "--force", "--time", "12h30")
    assert result.returncode == 2
    assert result.stderr.endswith("error: --time must read HH:MM (UTC), e.g. 14:30, not “12h30”\n")


def test_a_bad_time_with_a_quote_or_a_control_character_is_shown_escaped_in_its_quotes(sim, tmp_path):
    result = run(sim, tmp_path, "--force", "--time", "12'30\x1b[2J")
    assert result.returncode == 2
    assert result.stderr.endswith("error: --time must read HH:MM (UTC), e.g. 14:30, not “12'30\\x1b[2J”\n")


def test_bad_force_time_in_config_exits_2(sim, tmp_path):
    sim.add_scheduler("ECRITURE")
    result = run(sim, tmp_path, "--force", cegid_force_time="6h")
    assert result.returncode == 2
    assert result.stderr == ("Configuration error: cegid_force_time must read HH:MM (UTC), e.g. 06:00, not “6h” "
                             "(config.py, or the environment variable CEGID_FORCE_TIME).\n")
    assert puts(sim) == []


def test_missing_config_exits_2(tmp_path):
    result = run_script(SCRIPT, "--config", str(tmp_path / "absent.py"), "--list")
    assert result.returncode == 2 and "config.py.sample" in result.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_cegid_unreachable_is_one_line_the_retries_only_with_verbose(sim, tmp_path, verbose):
    """A cron mail gets the error once, not urllib3's warning for each retry (a Python object's repr in each)."""
    from cegid_testkit.azurite import free_port

    port = free_port()  # nothing listens there
    result = run(sim, tmp_path, "--list", *(["-v"] if verbose else []), cegid_api_base_url=f"http://127.0.0.1:{port}")
    assert result.returncode == 3, result.stdout + result.stderr
    error = f"Error: Cegid API unreachable (the token request): connection failed (127.0.0.1:{port}; attempts: 5)"
    assert result.stderr.splitlines()[-1] == error
    if verbose:
        assert "Retrying" in result.stderr
    else:
        assert result.stderr == error + "\n"


@pytest.mark.parametrize("userinfo", ["user:pw-S3cr3t@", ":pw-S3cr3t@", "pw-S3cr3t@"])
def test_a_base_url_holding_a_user_or_a_password_is_a_setting_error_that_does_not_print_them(sim, tmp_path,
                                                                                            userinfo):
    """``https://user:password@host/``: the host printed in a connection failure ("connection failed
    (user:pw@127.0.0.1:1, 5 attempts)") showed them, in cron mails and logs. Refused before any call."""
    result = run(sim, tmp_path, "--list", cegid_api_base_url=f"https://{userinfo}127.0.0.1:1/")

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == ("Configuration error: cegid_api_base_url must not hold a user name or a password "
                             "(user:password@ before the host): remove them, they would show in messages and logs "
                             "(config.py, or the environment variable CEGID_API_BASE_URL).\n")
    assert "S3cr3t" not in result.stdout + result.stderr


def test_missing_base_url_exits_2(sim, tmp_path):
    result = run(sim, tmp_path, "--list", cegid_api_base_url="")
    assert result.returncode == 2 and "cegid_api_base_url" in result.stderr


# -- discover ------------------------------------------------------------------------


def test_discover_prints_the_config_line(sim, tmp_path):
    result = run(sim, tmp_path, "--discover", cegid_provider_id="")
    assert result.returncode == 0, result.stderr
    assert f"Provider id: {sim.provider_id}" in result.stdout
    assert f'cegid_provider_id = "{sim.provider_id}"' in result.stdout.splitlines()


def test_discover_json(sim, tmp_path):
    result = run(sim, tmp_path, "--discover", "--json", cegid_provider_id="")
    assert json.loads(result.stdout)["provider_id"] == sim.provider_id


def test_discover_nothing_found_exits_1(sim, tmp_path):
    sim.provider_aliases = set()
    result = run(sim, tmp_path, "--discover", cegid_provider_id="")
    assert result.returncode == 1
    assert "Provider not found" in result.stderr
    # the candidates in typographic quotes, not in Python's ('cegid-xrp', "HR Sprint On Demand")
    assert f"(tried “{sim.tenant_id}”, “cegid-xrp”, “HR Sprint On Demand”, “xrp”, " in result.stderr


@pytest.mark.parametrize("status", [401, 403])
def test_discover_without_access_says_so_and_exits_3_as_list_does(sim, tmp_path, status):
    """Every probe refused 403 (the key lacks the rights): "Provider not found ... find its GUID in the Cegid
    portal" (exit 1) sent the user looking for a GUID; it is the refusal --list reports (a 401 already was)."""
    sim.inject("GET", "/tenant/", status=status, times=1000)
    discovered = run(sim, tmp_path, "--discover", cegid_provider_id="")
    listed = run(sim, tmp_path, "--list")
    assert (discovered.returncode, listed.returncode) == (3, 3), discovered.stderr + listed.stderr
    assert discovered.stderr.startswith(f"Error: Cegid API refused discovery of “{sim.tenant_id}” (HTTP {status}): "
                                        f"Simulated failure {status}")  # a 401: and which settings to check
    assert "Provider not found" not in discovered.stderr and discovered.stdout == ""
    assert listed.stderr.startswith(f"Error: Cegid API refused the list of scheduled queries (HTTP {status}): ")


@pytest.mark.parametrize("status", [503, 429])
def test_discover_during_an_outage_says_so_and_exits_3(sim, tmp_path, status):
    """A gateway still failing after the retries is no answer about a candidate: the run stops at once on it,
    rather than trying every other candidate and endpoint, then telling to look for the GUID in the portal."""
    sim.inject("GET", "/tenant/", status=status, retry_after="0", times=1000)
    result = run(sim, tmp_path, "--discover", cegid_provider_id="")
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr == (f"Error: Cegid API refused discovery of “{sim.tenant_id}” (HTTP {status}): "
                             f"Simulated failure {status}\n")
    assert "Provider not found" not in result.stderr and result.stdout == ""
    assert len(sim.requests_to("/tenant/")) == 5  # the first probe and its four retries, no other candidate


def test_discover_goes_on_past_a_candidate_refused_to_this_key(sim, tmp_path):
    """A 403 to the tenant's own number is about that candidate: the next ones are tried, and one is found."""
    sim.provider_aliases = {"cegid-xrp"}
    sim.inject("GET", f"/tenant/{sim.tenant_id}$", status=403, times=1000)
    result = run(sim, tmp_path, "--discover", cegid_provider_id="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sim.provider_id in result.stdout


def test_discover_reads_an_application_error_as_no_provider_and_tries_the_next_candidate(sim, tmp_path):
    """An API answering 500 to a candidate it does not know (where the contract says 404) does not stop the search."""
    sim.provider_aliases = {"xrp"}  # a candidate tried after the tenant's own number
    sim.inject("GET", f"/tenant/{sim.tenant_id}$", status=500, times=1000)
    result = run(sim, tmp_path, "--discover", cegid_provider_id="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sim.provider_id in result.stdout


@pytest.mark.parametrize("command", ["--list", "--discover"])
def test_a_token_request_the_gateway_does_not_find_is_the_token_refused_not_an_unknown_provider(sim, tmp_path,
                                                                                              command):
    """A base URL lacking a path segment: the gateway answers the token request 404. Not "cegid_provider_id is
    unknown to Cegid: run --discover" (exit 2), nor a discovery asking the token for each candidate and ending
    with "no Cegid data provider found": the token request refused, once, exit 3."""
    sim.inject("GET", r"(?i)/tokenprovider/token", status=404, times=1000, body={"message": "Resource not found"})

    result = run(sim, tmp_path, command)

    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr == "Error: Cegid API refused the token request (HTTP 404): Resource not found\n"
    assert result.stdout == ""
    assert len(sim.requests_to("/tokenprovider/Token")) == 1 and len(sim.requests) == 1


@pytest.mark.parametrize("token", [123456, "tökén-S3cr3t-ok", "tok\u2028en-S3cr3t", "", None])
def test_a_token_answer_that_is_no_usable_token_is_an_unexpected_answer_not_a_defect(sim, tmp_path, token):
    """An accessToken that is a number, or holds a character no HTTP header carries, ended as "Unexpected error:
    TypeError" or "UnicodeEncodeError" (exit 4, "a defect"), or was sent as Latin-1 bytes: it is Cegid's answer
    that is wrong (exit 3), said before it is used, and the value is not shown."""
    sim.add_scheduler("ECRITURE")
    sim.next_tokens = [token, token]  # the simulator refuses a number it gave (its "123456" is no str): asked again
    result = run(sim, tmp_path, "--list")
    assert result.returncode == 3, result.stdout + result.stderr
    wrong = "with an unexpected JSON value" if token else "without an accessToken"
    assert result.stderr == f"Error: Cegid API answered the token request {wrong}\n"
    assert result.stdout == "" and sim.requests_to("schedulers/tenant") == []
    assert not token or str(token) not in result.stderr


def test_a_certificate_refused_says_so_in_one_line_and_exits_3(azurite, tmp_path):
    """Not "connection failed (..., 5 attempts)": TLS, and why, once."""
    from cegid_testkit.simulator import make_simulator_for, self_signed

    with make_simulator_for(azurite, tls_cert=self_signed(tmp_path)) as tls_sim:
        result = run(tls_sim, tmp_path, "--list")
        port = tls_sim.port
    assert result.returncode == 3, result.stdout + result.stderr
    assert result.stderr == (f"Error: Cegid API unreachable (the token request): the secure connection (TLS) failed "
                             f"(127.0.0.1:{port}): certificate verify failed: self-signed certificate\n")


def test_missing_provider_id_says_run_discover(sim, tmp_path):
    result = run(sim, tmp_path, "--list", cegid_provider_id="")
    assert result.returncode == 2
    assert "cegid_provider_id" in result.stderr and "--discover" in result.stderr


def test_unknown_provider_id_exits_2(sim, tmp_path):
    result = run(sim, tmp_path, "--force", cegid_provider_id="0000-not-a-provider")
    assert result.returncode == 2
    assert "0000-not-a-provider is unknown to Cegid" in result.stderr and "cegid_provider_id" in result.stderr
    assert "--discover" in result.stderr


# -- list --------------------------------------------------------------------------------


def test_list_table(sim, tmp_path):
    ecriture, analytiq = add_two(sim)
    result = run(sim, tmp_path, "--list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2 scheduled queries (dates in UTC):"
    assert lines[1].split() == ["On", "Name", "Cron", "Next", "execution", "Last", "execution", "Id"]
    row = next(line for line in lines if ecriture in line)
    assert row.startswith("[x]") and "ECRITURE" in row and "0 2 * * *" in row
    assert "2026-11-29 02:00" in row and "2026-11-28 02:00" in row
    other = next(line for line in lines if analytiq in line)
    assert other.startswith("[ ]") and "ANALYTIQ" in other and "30 3 * * *" in other and " - " in other
    assert "SELECT" not in result.stdout


def test_a_listing_read_in_part_by_head_ends_quietly_with_the_status_of_a_reader_gone(sim, tmp_path):
    """``--list | head -2``: once head has its lines and is gone, the next write meets a closed pipe. It said
    "Unexpected error: BrokenPipeError" and exit 4 (the status of a defect); it ends silently, exit 141 (a
    process a closed pipe stops, as the shell reports it), and Python says nothing more when it exits."""
    for number in range(3000):  # far more than a pipe holds (64 KiB)
        sim.add_scheduler(f"QUERY_{number:04d}", nextExecution=NEXT, lastExecution=LAST)
    config = write_config_py(tmp_path / "config.py", sim.config_py_values())
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    result = subprocess.run(["bash", "-c", '"$0" "$@" | head -2; exit "${PIPESTATUS[0]}"', sys.executable,
                             str(SCRIPTS / SCRIPT), "--config", str(config), "--list"],
                            capture_output=True, text=True, env=env, timeout=120, check=False)

    assert result.stdout.splitlines()[0] == "3000 scheduled queries (dates in UTC):"
    assert len(result.stdout.splitlines()) == 2
    assert (result.returncode, result.stderr) == (141, "")


def test_queries_forced_with_an_output_that_cannot_be_written_are_forced_and_exit_5(sim, tmp_path):
    """``--force >> log`` with the log's disk full: the queries were forced, then the first line failed with
    ENOSPC and the run said "Unexpected error: OSError", exit 4 (a defect). It says the output was lost, exit 5."""
    ecriture, _analytiq = add_two(sim)
    config = write_config_py(tmp_path / "config.py", sim.config_py_values())
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(config), "--force",
                                 "--time", "14:30"],
                                stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)

    assert (result.returncode, result.stderr) == (
        5, "Error: the output could not be written (No space left on device): the run went on without it.\n")
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T14:30:00.000Z")


def test_queries_forced_with_stdout_full_and_stderr_a_reader_gone_end_as_a_reader_gone(sim, tmp_path):
    """Saying that the output was lost met a reader gone on stderr: a traceback and exit 1, "some queries not
    forced", though they all were; it ends as any run whose reader went away, silently."""
    ecriture, _analytiq = add_two(sim)
    config = write_config_py(tmp_path / "config.py", sim.config_py_values())
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader of stderr is gone before anything is said

    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(config), "--force",
                                 "--time", "14:30"],
                                stdout=full, stderr=write_end, env=env, timeout=120, check=False)
    os.close(write_end)

    assert result.returncode == 141
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T14:30:00.000Z")


def test_a_failure_says_its_own_status_when_the_output_is_lost_too(sim, tmp_path):
    """Nothing matched (exit 1) and nothing could be written: the status of the work, not that of the output."""
    config = write_config_py(tmp_path / "config.py", sim.config_py_values())
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}

    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(config), "--force"],
                                stdout=full, stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)

    assert (result.returncode, result.stderr) == (
        1, "Error: the output could not be written (No space left on device): the run went on without it.\n")


def test_list_sql(sim, tmp_path):
    add_two(sim)
    result = run(sim, tmp_path, "--list", "--sql")
    assert result.returncode == 0
    assert "SELECT E_DEBIT FROM ECRITURE" in result.stdout and "SELECT Y_AXE FROM ANALYTIQ" in result.stdout


def test_a_query_name_from_cegid_cannot_forge_lines_nor_drive_the_terminal(sim, tmp_path):
    hostile = "PAIE\nFORCED   X (0): next execution\x1b[2J\u2028"
    query = sim.add_scheduler(hostile, content="SELECT 1\r\nFROM PAIE\x1b[2J", nextExecution=NEXT)
    escaped = "PAIE\\nFORCED   X (0): next execution\\x1b[2J\\u2028"
    for args in (("--list", "--sql"), ("--force",)):
        result = run(sim, tmp_path, *args)
        assert result.returncode == 0, result.stderr
        assert not any(char in result.stdout for char in "\r\x1b\u2028"), result.stdout
        assert not any(line.startswith("FORCED   X") for line in result.stdout.splitlines())
    assert f"FORCED   {escaped} ({query}): next execution 2026-11-29 02:00 -> " in result.stdout
    listed = run(sim, tmp_path, "--list", "--sql").stdout
    assert f"-- {escaped} ({query})\nSELECT 1\nFROM PAIE\\x1b[2J\n" in listed  # the SQL keeps its lines


def test_a_query_name_from_cegid_cannot_reorder_or_hide_what_the_console_shows(sim, tmp_path):
    """Bidi controls and zero-width characters (format characters) are escaped as the control characters are;
    the letters of any script, and an accent, are shown as they are."""
    query = sim.add_scheduler("PAIE\u202eTIDEBC\u200b\u2069 é ص", content="SELECT 1 -- \u2067x\u2069\nFROM PAIE")
    result = run(sim, tmp_path, "--list", "--sql")
    assert result.returncode == 0, result.stderr
    listed = f"-- PAIE\\u202eTIDEBC\\u200b\\u2069 é ص ({query})\nSELECT 1 -- \\u2067x\\u2069\nFROM PAIE\n"
    assert listed in result.stdout
    assert not any(char in result.stdout for char in "\u202e\u200b\u2067\u2069"), result.stdout


def test_list_json(sim, tmp_path):
    ecriture, analytiq = add_two(sim)
    result = run(sim, tmp_path, "--list", "--json", "--sql")
    data = {item["id"]: item for item in json.loads(result.stdout)}
    assert data[ecriture] == {
        "id": ecriture, "name": "ECRITURE", "enabled": True, "cron": "0 2 * * *", "next_execution": NEXT,
        "last_execution": LAST, "sql": "SELECT E_DEBIT FROM ECRITURE",
    }
    assert data[analytiq]["enabled"] is False


def test_list_survives_401_and_503(sim, tmp_path):
    add_two(sim)
    sim.inject("GET", "schedulers/tenant", status=401, body="Unauthorized")
    sim.inject("GET", "schedulers/tenant", status=503, retry_after="0")
    sim.inject("GET", "Token", status=429, retry_after="1")
    result = run(sim, tmp_path, "--list")
    assert result.returncode == 0, result.stderr
    assert "ECRITURE" in result.stdout
    assert len(sim.requests_to("/tokenprovider/Token")) == 3  # one 429, then one token per 401
    assert len(sim.requests_to("schedulers/tenant")) == 3


def test_an_error_answer_without_a_body_reads_its_reason_not_an_empty_detail(sim, tmp_path):
    """A gateway's 503 often has no body: the line ends with the HTTP reason, not with a colon and nothing."""
    sim.inject("GET", "Token", status=503, body="", retry_after="0", times=5)
    result = run(sim, tmp_path, "--list")
    assert result.returncode == 3
    assert result.stderr == "Error: Cegid API refused the token request (HTTP 503): Service Unavailable\n"


def test_non_json_answer_exits_3(sim, tmp_path):
    sim.inject("GET", "schedulers/tenant", body="<html>Maintenance</html>")
    result = run(sim, tmp_path, "--list")
    assert result.returncode == 3
    assert "not JSON" in result.stderr and "Traceback" not in result.stderr


# -- authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrong",
    [
        {"cegid_api_key_secret": "wrong-secret-value-1"},
        {"cegid_subscription_key": "wrong-secret-subkey-2"},
        {"cegid_api_key_id": "not-the-key-id"},
    ],
)
def test_wrong_credentials_exit_3_without_secret(sim, tmp_path, wrong):
    result = run(sim, tmp_path, "--list", "-v", **wrong)  # run() asserts no secret is printed
    assert result.returncode == 3
    assert "401" in result.stderr and "Traceback" not in result.stderr


def test_secret_echoed_by_the_server_is_masked(sim, tmp_path):
    sim.inject("GET", "schedulers/tenant", status=502, retry_after="0", times=5,
               body=f"upstream said {sim.subscription_key} / {sim.api_key_secret}")
    result = run(sim, tmp_path, "--list", "-v")  # run() asserts both secrets are absent
    assert result.returncode == 3
    assert "***" in result.stderr


# -- force ----------------------------------------------------------------------------------


def test_force_default_time(sim, tmp_path):
    ecriture, analytiq = add_two(sim)
    before = dict(sim.schedulers[ecriture])
    start = datetime.datetime.now(datetime.timezone.utc)
    result = run(sim, tmp_path, "--force")
    end = datetime.datetime.now(datetime.timezone.utc)
    assert result.returncode == 0, result.stderr
    after = sim.schedulers[ecriture]
    target = parse_cegid_datetime(after["nextExecution"])
    assert after["nextExecution"].endswith(":00.000Z") and target.minute % 15 == 0
    assert start + datetime.timedelta(minutes=5) <= target <= end + datetime.timedelta(minutes=20)
    assert {k: v for k, v in after.items() if k != "nextExecution"} == {
        k: v for k, v in before.items() if k != "nextExecution"
    }
    assert sim.schedulers[analytiq]["nextExecution"] is None  # disabled: untouched
    assert len(puts(sim)) == 1
    assert f"FORCED   ECRITURE ({ecriture}): next execution 2026-11-29 02:00 -> " in result.stdout
    assert f"SKIPPED  ANALYTIQ ({analytiq}): disabled, not forced" in result.stdout
    assert "1 forced, 1 disabled, 0 failed." in result.stdout


def test_force_by_name_at_time(sim, tmp_path):
    ecriture, _analytiq = add_two(sim)
    other = sim.add_scheduler("ABSENCESALARIE")
    untouched = dict(sim.schedulers[other])
    result = run(sim, tmp_path, "--force", "--name", "ecrit", "--time", "14:30")
    assert result.returncode == 0, result.stderr
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T14:30:00.000Z")
    assert sim.schedulers[ecriture]["cron"] == "0 2 * * *"
    assert sim.schedulers[other] == untouched
    assert "ABSENCESALARIE" not in result.stdout and " 14:30 UTC (cron unchanged)" in result.stdout


@pytest.mark.parametrize("force_time", ["06:00", "6:0"])
def test_force_uses_cegid_force_time(sim, tmp_path, force_time):
    """The original script read "6:0" as 06:00 (int(hour), int(minute))."""
    ecriture, _analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "ECRITURE", cegid_force_time=force_time)
    assert result.returncode == 0, result.stderr
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T06:00:00.000Z")


def test_a_force_time_of_one_digit_minutes_and_one_set_to_false_read_as_the_original_did(sim, tmp_path):
    """--time 14:5 is 14:05; cegid_force_time = False is no force time (the original: cegid_force_time or None),
    not the text "False" refused."""
    ecriture, _analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "ECRITURE", "--time", "14:5", cegid_force_time=False)
    assert result.returncode == 0, result.stderr
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T14:05:00.000Z")
    result = run(sim, tmp_path, "--force", "--name", "ECRITURE", cegid_force_time=False)
    assert result.returncode == 0, result.stderr
    assert parse_cegid_datetime(sim.schedulers[ecriture]["nextExecution"]).minute % 15 == 0


def test_force_time_option_wins_over_config(sim, tmp_path):
    ecriture, _analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--time", "07:45", cegid_force_time="06:00")
    assert result.returncode == 0
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T07:45:00.000Z")


def test_force_disabled_only_is_said_not_an_error(sim, tmp_path):
    _ecriture, analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "ANALYTIQ")
    assert result.returncode == 0
    assert "disabled, not forced" in result.stdout
    assert sim.schedulers[analytiq]["nextExecution"] is None and puts(sim) == []


def test_an_empty_name_is_a_usage_error_not_every_query_forced(sim, tmp_path):
    """A crontab line ``--force --name "$Q"`` with Q unset forced every enabled query: refused, nothing asked."""
    add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "usage:" in result.stderr
    assert result.stderr.splitlines()[-1] == ("cegid-requetes.py: error: --name needs a part of a query name: an "
                                              "empty one would force every query (leave --name out for that)")
    assert sim.requests == []


def test_an_empty_time_reads_as_not_given_as_the_original_script_read_it(sim, tmp_path):
    """``--time "$T"`` with T unset: the original script forced at the default time; this one refused it."""
    ecriture, _analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "ECRITURE", "--time", "", cegid_force_time="06:00")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sim.schedulers[ecriture]["nextExecution"].endswith("T06:00:00.000Z")
    assert " 06:00 UTC (cron unchanged)" in result.stdout


def test_force_nothing_matched_exits_1(sim, tmp_path):
    add_two(sim)
    result = run(sim, tmp_path, "--force", "--name", "PAIE")
    assert result.returncode == 1
    assert "No scheduled query matches “PAIE”." in result.stdout
    assert puts(sim) == []


def test_force_failure_exits_1(sim, tmp_path):
    ecriture, _analytiq = add_two(sim)
    sim.add_scheduler("HISTOCUMSAL")
    sim.inject("PUT", PUT_PATH, status=400, body={"errorMessage": "Invalid nextExecution"})
    result = run(sim, tmp_path, "--force")
    assert result.returncode == 1
    assert f"FAILED   ECRITURE ({ecriture}): " in result.stdout and "Invalid nextExecution" in result.stdout
    assert "1 forced, 1 disabled, 1 failed." in result.stdout


def test_a_change_whose_answer_was_lost_says_cegid_may_still_make_it(sim, tmp_path):
    """The query read again does not show it yet: said so, with how to see it later, for a force and a disabling."""
    ecriture, _analytiq = add_two(sim)
    sim.inject("PUT", PUT_PATH, drop=True)
    result = run(sim, tmp_path, "--force", "--name", "ECRITURE")
    assert result.returncode == 1
    assert f"FAILED   ECRITURE ({ecriture}): " in result.stdout
    assert "Cegid may still make this change: run --list in a few minutes" in result.stdout
    sim.inject("PUT", PUT_PATH, drop=True)
    result = run(sim, tmp_path, "--disable", "--id", ecriture)
    assert result.returncode == 3
    assert "Cegid may still make this change" in result.stderr


def test_force_json(sim, tmp_path):
    ecriture, analytiq = add_two(sim)
    result = run(sim, tmp_path, "--force", "--time", "14:30", "--json")
    data = json.loads(result.stdout)
    statuses = {o["scheduler_id"]: o["status"] for o in data["outcomes"]}
    assert statuses == {ecriture: "forced", analytiq: "skipped_disabled"}
    assert data["time"] == "14:30"


# -- enable / disable -------------------------------------------------------------------------


def test_disable_then_enable(sim, tmp_path):
    ecriture, _analytiq = add_two(sim)
    before = dict(sim.schedulers[ecriture])
    result = run(sim, tmp_path, "--disable", "--id", ecriture)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ECRITURE ({ecriture}): enabled -> disabled."
    assert sim.schedulers[ecriture] == dict(before, enable=False)
    result = run(sim, tmp_path, "--enable", "--id", ecriture)
    assert result.stdout.strip() == f"ECRITURE ({ecriture}): disabled -> enabled."
    assert sim.schedulers[ecriture] == before
    assert len(puts(sim)) == 2


def test_enable_already_enabled_changes_nothing(sim, tmp_path):
    ecriture, _analytiq = add_two(sim)
    result = run(sim, tmp_path, "--enable", "--id", ecriture, "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["changed"] is False
    assert puts(sim) == []


def test_enable_unknown_id_exits_1(sim, tmp_path):
    add_two(sim)
    result = run(sim, tmp_path, "--enable", "--id", "00000000-0000-0000-0000-000000000000")
    assert result.returncode == 1
    assert "00000000-0000-0000-0000-000000000000" in result.stderr and puts(sim) == []


def test_the_config_line_is_read_back_by_the_scripts_whatever_the_value(tmp_path):
    value = 'a "quoted" provider \\ id é'
    path = tmp_path / "config.py"
    path.write_text(config_line("cegid_provider_id", value) + "\n", encoding="utf-8")
    assert read_config_py(path)["cegid_provider_id"] == value


def test_settings_a_star_import_of_config_py_may_set_exit_2_naming_its_line(sim, tmp_path):
    """``try: from local_config import *`` was silently not read: its settings were used without its overrides."""
    path = write_config_py(tmp_path / "config.py", sim.config_py_values())
    path.write_text(path.read_text(encoding="utf-8") + "try:\n    from local_config import *\nexcept ImportError:\n"
                    "    pass\n", encoding="utf-8")

    result = run_script(SCRIPT, "--config", str(path), "--list")

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"Configuration error: {path}, line 10: the settings of from local_config import * "
                             'cannot be read: config.py settings must be plain top-level assignments of literal values '
                             '(name = "value") in config.py itself.\n')
    assert sim.requests_to("/") == []


@pytest.mark.parametrize("encoding", ["latin-1", "ascii", "utf-8"])
def test_json_stays_json_whatever_the_encoding_of_stdout(sim, tmp_path, encoding):
    """A name stdout's encoding cannot hold was written as a backslash escape (``\\U0001f4c4``) inside a JSON
    string, which no JSON reader takes: the JSON is ASCII-escaped unless stdout is UTF-8, and reads back whole."""
    query = sim.add_scheduler("Rapport📄 été")
    path = write_config_py(tmp_path / "config.py", sim.config_py_values())
    env = {key: value for key, value in os.environ.items() if not key.startswith("CEGID_")}
    env["PYTHONIOENCODING"] = encoding
    result = subprocess.run([sys.executable, str(SCRIPTS / SCRIPT), "--config", str(path), "--list", "--json"],
                            capture_output=True, text=True, encoding=encoding, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert [(item["id"], item["name"]) for item in json.loads(result.stdout)] == [(query, "Rapport📄 été")]
    assert ("📄" in result.stdout) == (encoding == "utf-8")  # UTF-8 keeps the characters as they are


def test_ctrl_c_while_forcing_tells_what_was_forced_and_what_may_have_been(sim, tmp_path):
    """The outcomes were printed once every query was done: interrupted, nothing said of the queries Cegid already
    changed, nor of the one whose request was on its way."""
    first = sim.add_scheduler("ECRITURE")
    second = sim.add_scheduler("ANALYTIQ")
    sim.inject("PUT", PUT_PATH, delay=8, after=1)
    config = write_config_py(tmp_path / "config.py", sim.config_py_values())
    process = subprocess.Popen(
        [sys.executable, str(SCRIPTS / SCRIPT), "--config", str(config), "--force"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509 - one call, then exec
    )
    try:
        deadline = time.monotonic() + 60
        while len(puts(sim)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
    finally:
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert out.startswith("FORCED   ECRITURE") and "ANALYTIQ" not in out
    assert err == ("Interrupted while forcing (forced before: ECRITURE): the query being changed may have been "
                   "changed too; see --list.\nInterrupted.\n")
    assert sim.schedulers[first]["nextExecution"].endswith(":00.000Z")
    assert [request.json["id"] for request in puts(sim)] == [first, second]

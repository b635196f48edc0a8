# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How a customer's config.py is read (never run): what Python would set, or a ConfigError naming the line."""

import pytest
from conftest import SCRIPTS, run_script

from cegid_data_access.cli_text import describe
from cegid_data_access.errors import ConfigError
from cegid_data_access.settings import MODE_API, MODE_SAS_URL, load_settings, read_config_py, settings_from_config_py

SAS_URL = "https://account.blob.core.windows.net/exports?sv=2024-11-04&sp=rld&sig=S3cr3t"


def read(tmp_path, source):
    config = tmp_path / "config.py"
    config.write_text(source, encoding="utf-8")
    return read_config_py(config)


def refused(tmp_path, source):
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, source)
    assert "S3cr3t" not in describe(caught.value)
    return caught.value


@pytest.mark.parametrize("source, expected", [
    ('cegid_tenant_id: str = "123"\n', {"cegid_tenant_id": "123"}),
    ('cegid_tenant_id: str\n', {}),
    ('cegid_tenant_id, cegid_api_key_id = "123", "key"\n', {"cegid_tenant_id": "123", "cegid_api_key_id": "key"}),
    ('[cegid_tenant_id, (mode, sas_url)] = ("123", ["api", ""])\n',
     {"cegid_tenant_id": "123", "mode": "api", "sas_url": ""}),
    ('mode = sas_url = "x"\n', {"mode": "x", "sas_url": "x"}),
    ('mode = "api"\nmode = "sas_url"\n', {"mode": "sas_url"}),
    ('import os\nmode = os.environ["MODE"]\nmode = "api"\n', {"mode": "api"}),
    ('if DEBUG:\n    mode = "sas_url"\nmode = "api"\n', {"mode": "api"}),
    ('mode = "api"\ndel mode\n', {}),
    ('import os\nBASE = os.path.dirname(__file__)\nHELPER = "kept"\n', {"HELPER": "kept"}),
    ('def helper():\n    mode = "sas_url"\n    return mode\n', {}),
    ('class Helper:\n    mode = "sas_url"\n', {}),
    ('names = [mode for mode in ("a", "b")]\n', {}),
], ids=["annotated", "annotation-only", "tuple", "nested-tuples", "chained", "twice", "non-literal-then-literal",
        "block-then-top-level", "deleted", "other-names", "function-body", "class-body", "comprehension"])
def test_config_py_sets_what_python_would(tmp_path, source, expected):
    assert read(tmp_path, source) == expected


@pytest.mark.parametrize("source, line, name", [
    ('if True:\n    cegid_tenant_id = "123"\n', 2, "cegid_tenant_id"),
    ('if False:\n    pass\nelse:\n    sas_url = "S3cr3t"\n', 4, "sas_url"),
    ('mode = "api"\nif DEBUG:\n    mode = "sas_url"\n', 3, "mode"),
    ('try:\n    import local\nexcept ImportError:\n    cegid_api_key_secret = "S3cr3t"\n', 4, "cegid_api_key_secret"),
    ('with open("x") as dossier_de_destintion:\n    pass\n', 1, "dossier_de_destintion"),
    ('for mode in ("api",):\n    pass\n', 1, "mode"),
    ('while True:\n    mode = "api"\n    break\n', 2, "mode"),
    ('cegid_tenant_id = "123"\ncegid_tenant_id += "4"\n', 2, "cegid_tenant_id"),
    ('cegid_tenant_id, *mode = "123", "api"\n', 1, "cegid_tenant_id"),
    ('cegid_tenant_id, mode = "12"\n', 1, "cegid_tenant_id"),
    ('from os import sep as mode\n', 1, "mode"),
    ('import mode\n', 1, "mode"),
    ('def mode():\n    pass\n', 1, "mode"),
    ('(mode := "api")\n', 1, "mode"),
    ('match 1:\n    case mode:\n        pass\n', 2, "mode"),
], ids=["if", "else", "if-after-top-level", "except", "with", "for", "while", "augmented", "starred",
        "unpacked-string", "import-as", "import", "def", "walrus", "match"])
def test_a_setting_set_elsewhere_than_by_a_plain_top_level_assignment_is_refused_naming_it_and_its_line(
        tmp_path, source, line, name):
    error = refused(tmp_path, source)
    assert (error.code, error.params["line"], error.params["name"]) == ("config.file_not_plain", line, name)
    assert describe(error) == (
        f"{tmp_path / 'config.py'}, line {line}: {name} cannot be read there: config.py settings must be plain "
        'top-level assignments of literal values (name = "value"), outside any if, try, with or other block')


@pytest.mark.parametrize("source, line", [
    ('try:\n    from local_config import *\nexcept ImportError:\n    pass\n', 2),
    ('mode = "api"\nfrom .local_config import *\n', 2),
], ids=["try", "relative"])
def test_settings_a_star_import_may_set_are_refused_naming_its_line(tmp_path, source, line):
    error = refused(tmp_path, source)
    assert (error.code, error.params["line"]) == ("config.file_star_import", line)
    module = "local_config" if "from local" in source else ".local_config"
    assert describe(error) == (
        f"{tmp_path / 'config.py'}, line {line}: the settings of from {module} import * cannot be read: config.py "
        'settings must be plain top-level assignments of literal values (name = "value") in config.py itself')


def test_top_level_assignments_after_a_star_import_set_what_python_would(tmp_path):
    source = 'from defaults import *\n' + "".join(
        f'{name} = ""\n' for name in ("mode", "sas_url", "dossier_de_destination", "dossier_de_destintion",
                                      "cegid_api_base_url", "cegid_tenant_id", "cegid_api_key_id",
                                      "cegid_api_key_secret", "cegid_subscription_key", "cegid_provider_id",
                                      "cegid_force_time"))
    assert read(tmp_path, source)["mode"] == ""


@pytest.mark.parametrize("source, line, name", [
    ('import os\ncegid_api_key_secret = os.environ["SECRET"]\n', 2, "cegid_api_key_secret"),
    ('tenant = "123"\ncegid_tenant_id = f"{tenant}"\n', 2, "cegid_tenant_id"),
    ('mode = "api"\nmode = MODE\n', 2, "mode"),
    ('cegid_tenant_id, mode = "123", MODE\n', 1, "mode"),
    ('cegid_tenant_id: str = str(123)\n', 1, "cegid_tenant_id"),
], ids=["environ", "f-string", "name-last", "tuple-element", "annotated-call"])
def test_a_setting_whose_last_value_is_not_a_literal_is_refused_naming_it_and_its_line(tmp_path, source, line, name):
    error = refused(tmp_path, source)
    assert (error.code, error.params["line"], error.params["name"]) == ("config.file_not_literal", line, name)


def test_an_f_string_without_a_replacement_field_is_its_text(tmp_path):
    """Python reads f"98537347" as "98537347": the original scripts, importing config.py, took it."""
    assert read(tmp_path, 'cegid_tenant_id = f"98537347"\nsas_url = F"https://a.blob/c?sig=x"\n') == {
        "cegid_tenant_id": "98537347", "sas_url": "https://a.blob/c?sig=x"}


def test_the_first_line_that_cannot_be_read_is_named(tmp_path):
    error = refused(tmp_path, 'if True:\n    mode = "api"\ncegid_tenant_id = TENANT\nif True:\n    sas_url = ""\n')
    assert (error.code, error.params["line"]) == ("config.file_not_plain", 2)



@pytest.mark.parametrize("values, environ, mode", [
    ({"sas_url": SAS_URL, "dossier_de_destintion": "/srv/import"}, {}, MODE_SAS_URL),
    ({"sas_url": SAS_URL, "mode": None}, {}, MODE_SAS_URL),
    ({"sas_url": SAS_URL, "mode": " "}, {}, MODE_SAS_URL),
    ({}, {"CEGID_SAS_URL": SAS_URL}, MODE_SAS_URL),
    ({"sas_url": SAS_URL, "mode": "api"}, {}, MODE_API),
    ({"sas_url": SAS_URL}, {"CEGID_MODE": "api"}, MODE_API),
    ({"sas_url": SAS_URL, "mode": "sas_url"}, {}, MODE_SAS_URL),
    ({"mode": "api"}, {"CEGID_SAS_URL": SAS_URL}, MODE_API),
    ({"sas_url": SAS_URL, "cegid_tenant_id": "123"}, {}, MODE_API),
    ({"sas_url": SAS_URL}, {"CEGID_API_KEY_ID": "key"}, MODE_API),
    ({"sas_url": SAS_URL, "cegid_force_time": "06:00"}, {}, MODE_API),
    ({"sas_url": "", "dossier_de_destination": "/srv/import"}, {}, MODE_API),
    ({}, {}, MODE_API),
], ids=["v1", "mode-none", "mode-blank", "environment-only", "explicit-api", "explicit-api-environment",
        "explicit-sas-url", "explicit-api-environment-sas-url", "api-setting", "api-setting-environment",
        "force-time", "no-sas-url", "nothing"])
def test_without_a_mode_a_sas_url_and_no_cegid_setting_mean_the_sas_url_mode(values, environ, mode):
    """The first script's config.py (a SAS URL, a folder, no ``mode``) and the same settings from the
    environment run in sas_url mode; a mode given in config.py or CEGID_MODE always wins."""
    assert settings_from_config_py(values, environ=environ).mode == mode


def test_a_v1_config_py_loads_as_the_sas_url_mode(tmp_path):
    config = tmp_path / "config.py"
    config.write_text(f'sas_url = "{SAS_URL}"\ndossier_de_destintion = "{tmp_path}"\n', encoding="utf-8")
    settings = load_settings(config, environ={})
    assert (settings.mode, settings.sas_url, settings.import_folder) == (MODE_SAS_URL, SAS_URL, str(tmp_path))
    settings.validate_transfer()


@pytest.mark.parametrize("environ", [{"CEGID_FORCE_TIME": "06:00"},
                                     {"CEGID_MODE": "sas_url", "CEGID_IMPORT_FOLDER": "/srv"}],
                         ids=["force-time", "settings"])
@pytest.mark.parametrize("script", ["transfert-azure-cegid.py", "cegid-requetes.py"])
def test_a_config_file_named_by_the_config_option_that_does_not_exist_is_refused_whatever_the_environment(
        tmp_path, script, environ):
    """--config with a typo was silently read as no file at all as soon as a CEGID_* variable was set (even
    one of no use to the run): the settings then missing were blamed, not the path. A file named must exist."""
    typo = tmp_path / "confgi.py"

    result = run_script(script, "--config", str(typo), "--list" if script == "cegid-requetes.py" else "--check",
                        env=environ)

    assert (result.returncode, result.stdout) == (2, ""), result.stdout + result.stderr
    assert result.stderr == f"Configuration error: {typo} does not exist (copy config.py.sample to config.py).\n"


def test_without_config_py_beside_the_scripts_only_an_environment_holding_a_setting_stands_for_it(tmp_path):
    """Without --config, the settings may all come from the environment: a variable that holds no setting (an
    unknown name, an empty value) or only cegid_force_time (a preference of --force, where the settings are
    says nothing) does not stand for the missing config.py."""
    if (SCRIPTS / "config.py").exists():
        pytest.skip("a config.py beside the scripts would be read")
    missing = f"Configuration error: {SCRIPTS / 'config.py'} does not exist (copy config.py.sample to config.py).\n"
    for environ in ({"CEGID_FORCE_TIME": "06:00"}, {"CEGID_DEBUG": "1"}, {"CEGID_SAS_URL": " "}):
        result = run_script("transfert-azure-cegid.py", "--check", env=environ)
        assert (result.returncode, result.stderr) == (2, missing), environ

    result = run_script("transfert-azure-cegid.py", "--check",
                        env={"CEGID_MODE": "sas_url", "CEGID_IMPORT_FOLDER": str(tmp_path)})

    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == ("Configuration error: sas_url is missing (config.py, or the environment variable "
                             "CEGID_SAS_URL).\n")

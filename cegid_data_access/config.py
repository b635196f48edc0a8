# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The settings shared by Odoo and the command-line scripts.

Settings have one canonical name each (the Odoo ``ir.config_parameter`` suffix).
The original scripts' ``config.py`` spells them differently; ``CONFIG_PY_NAMES``
maps both ways so that an error names the setting the way the user wrote it.
"""

import ast
import dataclasses
import os
import re
from urllib.parse import urlsplit

from .errors import ConfigError

MODE_API = "api"
MODE_SAS_URL = "sas_url"
MODES = (MODE_API, MODE_SAS_URL)

# canonical name -> names accepted in config.py (the first one is shown in messages)
CONFIG_PY_NAMES = {
    "mode": ("mode",),
    "sas_url": ("sas_url",),
    "import_folder": ("dossier_de_destination", "dossier_de_destintion"),
    "api_base_url": ("cegid_api_base_url",),
    "tenant_id": ("cegid_tenant_id",),
    "api_key_id": ("cegid_api_key_id",),
    "api_key_secret": ("cegid_api_key_secret",),
    "subscription_key": ("cegid_subscription_key",),
    "provider_id": ("cegid_provider_id",),
    "force_time": ("cegid_force_time",),
}
SECRET_SETTINGS = ("api_key_secret", "subscription_key", "sas_url")
ENV_PREFIX = "CEGID_"
_FORCE_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclasses.dataclass
class Settings:
    """Everything needed to reach Cegid Data Access and where to put the exports."""

    mode: str = MODE_API
    sas_url: str = ""
    import_folder: str = ""
    api_base_url: str = ""
    tenant_id: str = ""
    api_key_id: str = ""
    api_key_secret: str = ""
    subscription_key: str = ""
    provider_id: str = ""
    force_time: str = ""

    def secrets(self):
        """Values that must never be printed or logged."""
        return [getattr(self, name) for name in SECRET_SETTINGS if getattr(self, name)]

    def require(self, *names):
        """Raise ConfigError naming the first of ``names`` that is empty."""
        for name in names:
            if not getattr(self, name):
                raise ConfigError(name, "is missing")

    def validate_api(self):
        """Check what every call to the Cegid API needs."""
        self.require("api_base_url", "tenant_id", "api_key_id", "api_key_secret", "subscription_key")
        parts = urlsplit(self.api_base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError("api_base_url", "must be an http:// or https:// URL")
        if not self.tenant_id.isdigit():
            raise ConfigError("tenant_id", "must be the Cegid account number (digits only)")

    def validate_force_time(self):
        """Check ``force_time`` when set: HH:MM, UTC."""
        if self.force_time and not _FORCE_TIME.match(self.force_time):
            raise ConfigError("force_time", "must read HH:MM (UTC), e.g. 06:00")

    def validate_transfer(self):
        """Check what a transfer needs, in either connection mode."""
        if self.mode not in MODES:
            raise ConfigError("mode", f"must be one of {', '.join(MODES)}")
        self.require("import_folder")
        if self.mode == MODE_SAS_URL:
            self.require("sas_url")
            parts = urlsplit(self.sas_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or "sig=" not in parts.query:
                raise ConfigError("sas_url", "must be a container SAS URL (https://...?sv=...&sig=...)")
        else:
            self.validate_api()


def config_py_name(name):
    """The name a setting has in the original scripts' config.py."""
    return CONFIG_PY_NAMES[name][0]


def read_config_py(path):
    """Read the literal assignments of an original ``config.py`` without executing it."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except OSError as err:
        raise ConfigError("config", f"cannot read {path}: {err.strerror}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as err:
        raise ConfigError("config", f"{path}, line {err.lineno}: invalid Python syntax") from None
    values = {}
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Name):
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    raise ConfigError(
                        "config", f"{path}, line {node.lineno}: {target.id} must be a plain value (a string in quotes)"
                    ) from None
    return values


def settings_from_config_py(values, environ=None):
    """Build Settings from config.py values, then ``CEGID_*`` environment overrides."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    for name, aliases in CONFIG_PY_NAMES.items():
        for alias in aliases:
            if alias in values and values[alias] is not None:
                value = values[alias]
                if not isinstance(value, (str, int)):
                    raise ConfigError(name, "must be a string")
                setattr(settings, name, str(value).strip())
                break
        env_name = ENV_PREFIX + name.upper()
        if environ.get(env_name):
            setattr(settings, name, environ[env_name].strip())
    return settings


def load_settings(path, environ=None):
    """Settings from a config.py file, then ``CEGID_*`` environment overrides.

    The file may be absent when the environment holds the settings.
    """
    environ = os.environ if environ is None else environ
    if os.path.exists(path):
        values = read_config_py(path)
    elif any(key.startswith(ENV_PREFIX) for key in environ):
        values = {}
    else:
        raise ConfigError("config", f"{path} does not exist (copy config.py.sample to config.py)")
    return settings_from_config_py(values, environ)

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The settings shared by Odoo and the command-line scripts, declared once.

Each setting is one field of :class:`Settings`; its metadata says how the
original scripts' ``config.py`` spells it (the first name is the one shown in
messages) and whether it is a secret. Odoo stores each one as the
``ir.config_parameter`` ``is_cegid2odoo.<name>``; the scripts read config.py,
then ``CEGID_<NAME>`` environment variables.
"""

import ast
import dataclasses
import io
import ipaddress
import json
import os
import re
import tokenize
from urllib.parse import parse_qs, urlsplit

from .errors import ConfigError

MODE_API = "api"
MODE_SAS_URL = "sas_url"
MODES = (MODE_API, MODE_SAS_URL)
ENV_PREFIX = "CEGID_"
# the settings the Cegid API receives in HTTP headers (or its query string)
HEADER_SETTINGS = ("api_key_id", "api_key_secret", "subscription_key")
# the original script read int(hour), int(minute): 6:0 is 06:00
FORCE_TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5]?[0-9])$")
TENANT_ID = re.compile("[0-9]+")  # ASCII digits: the account number, sent in the x-tenantId header


def _setting(*config_py, default="", secret=False):
    # a secret stays out of the dataclass's repr: a traceback's locals, a debug print
    return dataclasses.field(default=default, repr=not secret, metadata={"config_py": config_py, "secret": secret})


@dataclasses.dataclass
class Settings:
    """Everything needed to reach Cegid Data Access and where to put the exports."""

    mode: str = _setting("mode", default=MODE_API)
    sas_url: str = _setting("sas_url", secret=True)
    import_folder: str = _setting("dossier_de_destination", "dossier_de_destintion")
    api_base_url: str = _setting("cegid_api_base_url")
    tenant_id: str = _setting("cegid_tenant_id")
    api_key_id: str = _setting("cegid_api_key_id")
    api_key_secret: str = _setting("cegid_api_key_secret", secret=True)
    subscription_key: str = _setting("cegid_subscription_key", secret=True)
    provider_id: str = _setting("cegid_provider_id")
    force_time: str = _setting("cegid_force_time")

    def secrets(self):
        """Values that must never be printed or logged."""
        return [getattr(self, name) for name in SECRET_SETTINGS if getattr(self, name)]

    def require(self, *names):
        """Raise ConfigError naming the first of ``names`` that is empty."""
        for name in names:
            if not getattr(self, name):
                raise ConfigError("config.missing", name)

    def validate_api(self):
        """Check what every call to the Cegid API needs."""
        self.require("api_base_url", "tenant_id", "api_key_id", "api_key_secret", "subscription_key")
        if not is_http_url(self.api_base_url):
            raise ConfigError("config.not_http_url", "api_base_url")
        refuse_credentials_in_url(self.api_base_url, "api_base_url")
        if not is_sealed_url(self.api_base_url):  # the token request carries the key secret and subscription key
            raise ConfigError("config.not_https", "api_base_url")
        if not TENANT_ID.fullmatch(self.tenant_id):  # not isdigit(): full-width digits, "²" are digits to it
            raise ConfigError("config.not_digits", "tenant_id")
        for name in HEADER_SETTINGS:
            # requests would refuse the header quoting its value, the secret, in its error, and http.client one
            # it cannot encode in Latin-1; a key is printable ASCII, a space around it or an accent never part of it
            value = getattr(self, name)
            if value != value.strip() or not value.isascii() or not value.isprintable():
                raise ConfigError("config.stray_characters", name)

    def validate_force_time(self):
        """Check ``force_time`` when set: HH:MM, UTC."""
        if self.force_time and not FORCE_TIME.match(self.force_time):
            raise ConfigError("config.bad_force_time", "force_time", value=self.force_time)

    def validate_sas_url(self):
        """Check ``sas_url``: an http(s) URL of a container (the SDK needs its name in the path), signed,
        https unless to this machine (:func:`is_sealed_url`).

        The account's SAS URL (``https://account.blob.core.windows.net/?sv=…&sig=…``), a usual
        paste mistake, names no container: refused here rather than by the SDK, in English.
        """
        self.require("sas_url")
        if any(char.isspace() for char in self.sas_url):  # a signature cut in two: half of it would show masked
            raise ConfigError("config.url_with_spaces", "sas_url")
        if not is_container_sas_url(self.sas_url):
            raise ConfigError("config.bad_sas_url", "sas_url")
        refuse_credentials_in_url(self.sas_url, "sas_url")
        if not is_sealed_url(self.sas_url):  # its signature grants reading and deleting the exports
            raise ConfigError("config.not_https", "sas_url")

    def validate_transfer(self):
        """Check what a transfer needs, in either connection mode."""
        if self.mode not in MODES:
            raise ConfigError("config.bad_mode", "mode", value=self.mode, modes=", ".join(MODES))
        self.require("import_folder")
        if self.mode == MODE_SAS_URL:
            self.validate_sas_url()
        else:
            self.validate_api()


def is_http_url(url):
    """Whether ``url`` reads as an http(s) URL with a host (a valid port when it has one)."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # "Invalid IPv6 URL", a port that is not a number
        return False


def refuse_credentials_in_url(url, setting):
    """ConfigError when the http(s) ``url`` holds a user name or a password (``user:password@host``).

    Neither Cegid nor Azure takes any there, and the host a failure names (``netloc``) would show them in the
    messages and the logs: a secret setting is masked whole, not a part of it.
    """
    if "@" in urlsplit(url).netloc:
        raise ConfigError("config.url_with_credentials", setting)


def is_sealed_url(url):
    """Whether what is sent to the http(s) ``url`` crosses no network in clear text: https, or http to this machine.

    This machine: ``localhost`` or a loopback address (127.0.0.0/8, ``::1``), where the simulator of the
    tests and Azurite listen. Anywhere else a secret (the API key's, a SAS signature) would be readable
    on the way.
    """
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return False


def is_container_sas_url(url):
    """Whether ``url`` reads as a container SAS URL: http(s), a host, a container path, a ``sig`` parameter."""
    if not is_http_url(url):
        return False
    parts = urlsplit(url)
    return is_host_name(parts.hostname) and bool(parts.path.strip("/")) and bool(parse_qs(parts.query).get("sig"))


def is_host_name(host):
    """Whether ``host`` is an IP address, or a name whose labels are 1 to 63 characters (one final dot allowed).

    urllib3 refuses any other host only when it connects, with an exception the SDK lets through (no setting
    named, a crashed run): ``account.blob..core.windows.net``, a label of 64 characters.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:  # a name: its labels
        name = host[:-1] if host.endswith(".") else host
        return len(name) <= 253 and all(0 < len(label) <= 63 for label in name.split("."))
    return True


SETTING_NAMES = tuple(field.name for field in dataclasses.fields(Settings))
SECRET_SETTINGS = tuple(field.name for field in dataclasses.fields(Settings) if field.metadata["secret"])
# canonical name -> names accepted in config.py (the first one is shown in messages)
CONFIG_PY_NAMES = {field.name: field.metadata["config_py"] for field in dataclasses.fields(Settings)}
CONFIG_PY_ALIASES = frozenset(alias for aliases in CONFIG_PY_NAMES.values() for alias in aliases)
# the settings only the api mode reads: those config.py names cegid_*
API_SETTINGS = tuple(name for name, aliases in CONFIG_PY_NAMES.items() if aliases[0].startswith("cegid_"))


def config_py_name(name):
    """The name a setting has in the original scripts' config.py."""
    return CONFIG_PY_NAMES[name][0]


def read_config_py(path):
    """Read the literal assignments of an original ``config.py`` without executing it.

    Read as Python reads a module (the original scripts imported it): its bytes, so that a
    PEP 263 coding line (``# -*- coding: latin-1 -*-``) or a BOM is honoured, UTF-8 otherwise.
    A message names a line, never quotes it (it may hold a secret).

    Each setting holds what Python would have set, when that reads without running anything: its
    last top-level assignment (``name = "value"``, ``name: str = "value"``, ``a, b = "x", "y"``) of a
    literal. A setting that may be set otherwise (in an ``if``, ``try`` or ``with`` block, by ``+=``,
    an import, a ``from module import *``) or last set to something else than a literal is a
    ConfigError naming its first such line; a name that is no setting is only kept when literal.
    """
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as err:
        raise ConfigError("config.file_unreadable", "config", path=str(path), detail=err.strerror) from None
    values, unread = {}, {}  # unread: name -> the ConfigError to raise if that is how config.py leaves it
    for node in _config_py_tree(source, path).body:
        for name, value in _plain_assignments(node):
            unread.pop(name, None)
            values.pop(name, None)
            try:
                values[name] = ast.literal_eval(_constant_f_string(value))
            except (ValueError, TypeError, MemoryError, RecursionError):  # e.g. {[1]: 2}: unhashable
                unread[name] = ConfigError("config.file_not_literal", "config", path=str(path), line=node.lineno,
                                           name=name)
        for name, line, module in _other_bindings(node):
            values.pop(name, None)
            if module is None:
                error = ConfigError("config.file_not_plain", "config", path=str(path), line=line, name=name)
            else:  # from module import *: may set any setting
                error = ConfigError("config.file_star_import", "config", path=str(path), line=line, module=module)
            for alias in CONFIG_PY_ALIASES if module else [name]:
                unread.setdefault(alias, error)  # the first line that leaves it unknown
        if isinstance(node, ast.Delete):  # del name: unset, as in Python
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.pop(target.id, None)
                    unread.pop(target.id, None)
    errors = [error for name, error in unread.items() if name in CONFIG_PY_ALIASES]
    if errors:
        raise min(errors, key=lambda error: error.params["line"])
    return values


def _constant_f_string(value):
    """``value``, or the string an f-string of constant parts only (``f"98537347"``) is, as Python reads it."""
    if isinstance(value, ast.JoinedStr) and all(isinstance(part, ast.Constant) for part in value.values):
        return ast.Constant("".join(part.value for part in value.values))
    return value


def _plain_assignments(node):
    """(name, value node) of each name a top-level statement assigns as Python would unpack it, literal or not.

    ``name = value``, ``name: type = value``, ``a = b = value``, ``a, (b, c) = x, (y, z)``; an
    attribute or a subscript sets no name. An unpacking that needs the value (``a, b = "xy"``, ``*a``)
    is left to :func:`_other_bindings`.
    """
    return [pair for unpacked in _assigned(node) if unpacked is not None for pair in unpacked]


def _assigned(node):
    """:func:`_unpacked` of each target of an assignment (none for another statement)."""
    if isinstance(node, ast.Assign):
        return [_unpacked(target, node.value) for target in node.targets]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return [_unpacked(node.target, node.value)]
    return []


def _unpacked(target, value):
    """(name, value node) pairs of assigning ``value`` to ``target``; None when that needs the value itself."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        return []
    if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(node, ast.Starred) for node in target.elts + value.elts)):
        pairs = [_unpacked(*pair) for pair in zip(target.elts, value.elts, strict=True)]
        if None not in pairs:
            return [pair for unpacked in pairs for pair in unpacked]
    return None


def _other_bindings(node):
    """(name, line, None) of each name a top-level statement may set (or unset) otherwise than
    :func:`_plain_assignments` reads, and (``*``, line, module) of a ``from module import *``.

    A block's statements (if, try, with, for...), ``+=``, an unpacking of a value, an import, a def or
    a class, a walrus, a match capture, a ``del`` in a block; not what a function's or a class's body,
    or a comprehension, sets in its own scope.
    """
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target, unpacked in zip(targets, _assigned(node), strict=False):
            if unpacked is None:
                yield from _bindings(target)
        if node.value is not None:
            yield from _bindings(node.value)
    elif not isinstance(node, ast.Delete):  # a top-level del: read_config_py unsets its names
        yield from _bindings(node)


def _bindings(node):
    """What :func:`_other_bindings` says of ``node`` and what it holds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name, node.lineno, None
        return  # its body is a scope of its own
    if isinstance(node, ast.Lambda):
        return
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id, node.lineno, None
    elif isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        yield "*", node.lineno, "." * node.level + (node.module or "")
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0], node.lineno, None
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name, node.lineno, None
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest, node.lineno, None
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.comprehension) and child is node.target:
            continue  # a comprehension's own variable
        if isinstance(node, ast.AnnAssign) and node.value is None and child is node.target:
            continue  # name: type sets nothing
        yield from _bindings(child)


def _config_py_tree(source, path):
    """The syntax tree of config.py's bytes; ConfigError when Python could not read it either."""
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as err:  # a line that is no Python, or not in the file's encoding
        if err.lineno and "codec can't decode" in (err.msg or ""):  # "(unicode error) 'utf-8' codec can't decode..."
            raise ConfigError("config.file_unreadable", "config", path=str(path),
                              detail=_not_decoded(source, err.lineno)) from None
        if err.lineno:
            raise ConfigError("config.file_syntax", "config", path=str(path), line=err.lineno) from None
        # no line: a NUL byte, an unknown coding line; the message names no content
        raise ConfigError("config.file_unreadable", "config", path=str(path), detail=err.msg) from None
    except ValueError as err:  # a NUL byte or an undecodable file, as some Python versions report them
        detail = f"not {err.encoding} text" if isinstance(err, UnicodeDecodeError) else str(err)
        raise ConfigError("config.file_unreadable", "config", path=str(path), detail=detail) from None
    except (MemoryError, RecursionError):
        raise ConfigError("config.file_unreadable", "config", path=str(path), detail="nested too deeply") from None


def _not_decoded(source, line):
    """What to say of config.py's ``line``, which its encoding (a coding line's, else UTF-8) cannot decode.

    Python itself says so (a ``SyntaxError`` naming the encoding), never "invalid syntax": the line reads well.
    Saved in Latin-1 by an editor, a file without a coding line can be fixed two ways; the message says both.
    """
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
    except SyntaxError:
        encoding = "utf-8"
    if encoding in ("utf-8", "utf-8-sig"):
        return (f"line {line} is not UTF-8 text: save the file as UTF-8, or declare its encoding in its first "
                "line: # -*- coding: latin-1 -*-")
    return f"line {line} is not {encoding} text"


def settings_from_config_py(values, environ=None):
    """Build Settings from config.py values, then ``CEGID_*`` environment overrides.

    A mode set in either wins; without one (or an empty one), :func:`inferred_mode` from the other settings.
    """
    environ = os.environ if environ is None else environ
    settings = Settings(mode="")
    for name, aliases in CONFIG_PY_NAMES.items():
        for alias in aliases:
            # None or False: unset, as the original scripts read them (cegid_force_time or None)
            if alias in values and values[alias] is not None and values[alias] is not False:
                value = values[alias]
                if isinstance(value, bool) or not isinstance(value, (str, int)):
                    raise ConfigError("config.not_a_string", name)
                setattr(settings, name, str(value).strip())
                break
        env_name = ENV_PREFIX + name.upper()
        if environ.get(env_name):
            setattr(settings, name, environ[env_name].strip())
    if not settings.mode:
        settings.mode = inferred_mode(settings)
    return settings


def inferred_mode(settings):
    """The mode of settings that name none: the sas_url mode when they hold a SAS URL and no ``cegid_*`` setting.

    The first script's config.py had no ``mode``: only ``sas_url`` and ``dossier_de_destination``. A
    ``cegid_*`` setting (the API's, the provider's, the force time) is only read in the api mode, the default.
    """
    if settings.sas_url and not any(getattr(settings, name) for name in API_SETTINGS):
        return MODE_SAS_URL
    return MODE_API


def load_settings(path, environ=None, *, named=False):
    """Settings from a config.py file, then ``CEGID_*`` environment overrides.

    The file may be absent when it is the default one (not ``named`` by the user: ``--config``) and the
    environment holds the settings (:func:`environ_holds_settings`); a file named must exist (a typo).
    """
    environ = os.environ if environ is None else environ
    if os.path.exists(path):
        values = read_config_py(path)
    elif not named and environ_holds_settings(environ):
        values = {}
    else:
        raise ConfigError("config.file_missing", "config", path=str(path))
    return settings_from_config_py(values, environ)


def environ_holds_settings(environ):
    """Whether ``environ`` sets a setting (``CEGID_<NAME>`` of one, with a value) that can stand for config.py.

    Not cegid_force_time alone: a preference of ``--force``, set for one command, it says nothing of where
    the other settings are; nor a ``CEGID_*`` variable that is no setting.
    """
    return any((environ.get(ENV_PREFIX + name.upper()) or "").strip() for name in SETTING_NAMES if name != "force_time")


def config_line(name, value):
    """The line of config.py that sets ``name`` to the text ``value`` (a Python string literal, as config.py reads)."""
    return f"{name} = {json.dumps(value, ensure_ascii=False)}"

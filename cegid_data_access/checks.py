# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The way to the export container, checked step by step without changing anything; the static SAS rules.

Each step is a ``CheckStep``: its name is a code (``step.token``,
``step.sas``, ``step.listing``, rendered as a label), and its result a code
with parameters (``check.*`` when it worked, the error's code otherwise).
"""

import dataclasses
import datetime

from .azure.container import AzureTuning, Container, moment_param, sas_expiry, sas_permissions
from .cegid_api.client import CegidClient
from .errors import AuthenticationError, CegidError, ConfigError
from .redact import redact_params
from .settings import MODE_SAS_URL, MODES
from .staging.folder import existing_folder

EXPIRY_WARNING = datetime.timedelta(hours=2)
NEEDED_PERMISSIONS = {"r", "l", "d"}  # read, list, delete
# the listing of a check: one retry, soon (a user waits for the answer)
CHECK_TUNING = AzureTuning(retry_total=1, retry_first_wait=0.5)


@dataclasses.dataclass
class CheckStep:
    """One step of ``check_connection``: ``name`` a ``step.*`` code; ``code``/``params`` its result."""

    name: str
    ok: bool
    code: str
    params: dict = dataclasses.field(default_factory=dict)


def static_sas_check(url, now):
    """Refuse an expired static SAS URL (AuthenticationError); return its expiry when it comes soon, else None."""
    expiry = sas_expiry(url)
    if expiry is None:
        return None
    if expiry <= now:
        raise AuthenticationError("azure.expired", expiry=moment_param(expiry))
    return expiry if expiry - now <= EXPIRY_WARNING else None


def _step(steps, name, action):
    """Run ``action()`` -> (code, params); record the step; return whether it succeeded.

    A ConfigError is raised, not recorded: a setting to mend (a base URL's host found unusable when the token is
    asked), which a transfer refuses likewise, not a connection that failed this time.
    """
    try:
        code, params = action()
        steps.append(CheckStep(name, True, code, params))
    except ConfigError:
        raise
    except CegidError as err:
        steps.append(CheckStep(name, False, err.code, dict(err.params)))
    return steps[-1].ok


def _sas(url, now, static):
    if static:
        static_sas_check(url, now)
    permissions = sas_permissions(url)
    if permissions is not None and not NEEDED_PERMISSIONS <= set(permissions):
        raise AuthenticationError("azure.sas_permissions", permissions=permissions)
    expiry = sas_expiry(url)
    if expiry is None:
        return "check.sas_no_expiry", {}
    return "check.sas_set" if static else "check.sas_obtained", {"expiry": moment_param(expiry)}


def _listing(url):
    blobs = Container(url, CHECK_TUNING).list_blobs()
    return "check.listing", {"count": len(blobs), "bytes": sum(blob.size for blob in blobs)}


def check_connection(settings, *, client=None, now=None, import_folder=False):
    """Check the way to the export container, step by step, changing nothing.

    api mode: token, SAS, listing; sas_url mode: SAS, listing. Stops at the
    first failed step. Raise ConfigError when a setting is wrong, found so
    before the steps or in one. With ``import_folder``, the import folder
    too, as a transfer checks it (set, an existing folder), without taking
    its lock (Odoo creates its default folder on first use: it does not ask).
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if settings.mode not in MODES:
        raise ConfigError("config.bad_mode", "mode", value=settings.mode, modes=", ".join(MODES))
    if import_folder:  # what a transfer checks before it lists, in its order
        settings.validate_transfer()
        existing_folder(settings.import_folder)
    steps, found = [], {}
    if settings.mode == MODE_SAS_URL:
        settings.validate_sas_url()
        found["url"] = settings.sas_url
        ok = _step(steps, "step.sas", lambda: _sas(found["url"], now, static=True))
    else:
        settings.validate_api()
        client = client or CegidClient(settings)
        ok = _step(steps, "step.token", lambda: client.get_token() and ("check.token_obtained", {}))
        ok = ok and _step(steps, "step.sas", lambda: _sas(
            found.setdefault("url", client.get_container_url()), now, static=False))
    if ok:
        _step(steps, "step.listing", lambda: _listing(found["url"]))
    secrets = settings.secrets()
    for step in steps:
        step.params = redact_params(step.params, secrets)
    return steps

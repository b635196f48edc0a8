# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How the client finds the data provider's id (GUID): the way working clients do, candidate by candidate."""

import logging
from urllib.parse import quote

from ..errors import ApiError, AuthenticationError, NotFoundError

_logger = logging.getLogger(__name__)

DATASOURCES_PATH = "datasource/api/V2/datasources/tenant/{}"
FOLDERS_PATH = "datasource/api/V1/foldersCollections/tenant/{}"
SCHEDULERS_PATH = "query/api/V1/schedulers/tenant/provider/{}"
# What working clients try, in this order, after the tenant id itself.
PROVIDER_CANDIDATES = ("cegid-xrp", "HR Sprint On Demand", "xrp", "hr-sprint", "cegid-hr", "paie")
# what stops a discovery as an outage: the gateway throttling or unable to reach the API. An application error
# (500) may be the API's answer to a candidate that is no provider, where the contract says 404: the next is tried,
# without retrying an answer; only when no probe is answered otherwise is it an outage
OUTAGE_STATUSES = (429, 502, 503, 504)
# what stops it too: the calls refused (401 twice is already an AuthenticationError; a 403 is an ApiError), as --list
# reports them
STOPPING_STATUSES = (401, *OUTAGE_STATUSES)


class ProviderDiscovery:
    """The client's discovery of its provider: its ``get_token``, ``_get_json`` and ``probe_session`` probe the
    candidates."""

    def discover_provider(self):
        """The data provider id (GUID), found the way working clients do; NotFoundError when none answers.

        The token is asked first: its failure is raised as it is.

        A candidate that is no provider is answered 404 or empty (a 500 is read so too, and not retried);
        a 429, 502, 503 or 504 still there after the retries is an outage, raised as such (no other
        candidate would be answered either), and so are 500s when no probe was answered otherwise, a
        refusal (401, 403) and a redirect (not followed: ``CegidClient._send``).
        """
        candidates = [self.settings.tenant_id, *PROVIDER_CANDIDATES]
        probes = (
            (DATASOURCES_PATH, self._provider_from_datasources),
            (FOLDERS_PATH, self._provider_from_folders),
            (SCHEDULERS_PATH, self._provider_from_schedulers),
        )
        # the token first, once: its refusal (a 404 of a base URL lacking a segment) is raised, not read as a
        # candidate that is no provider, and asked again for each of the others
        self.get_token()
        # a 500 (an application error) or a 403 (this candidate not for this key, or no rights at all) is no answer
        # about a candidate: said at the end, the refusal first, only when no probe was answered otherwise
        answered, refused, server_error = False, None, None
        for candidate in candidates:
            for path, extract in probes:
                op = ("op.discovery", {"candidate": candidate})
                try:
                    data = self._get_json(path.format(quote(candidate, safe="")), op, session=self.probe_session)
                except AuthenticationError:
                    raise
                except ApiError as err:
                    if err.status in STOPPING_STATUSES or 300 <= (err.status or 0) < 400:
                        # the gateway still busy or down after the retries, or sending the calls elsewhere (an old
                        # base URL): no answer about this candidate, nor (soon) about the others; "not found"
                        # would send the user looking for a GUID
                        raise
                    _logger.debug("discovery %s: %s", path.split("/")[3], err)
                    if err.status == 403:
                        refused = refused or err
                    elif err.status == 500:
                        server_error = err
                    else:
                        answered = True  # a 404: this candidate is no provider
                    continue
                answered = True
                provider = extract(data, candidate)
                if provider:
                    _logger.info("Cegid provider %s found by %s of %r", provider, path.split("/")[3], candidate)
                    return provider
        if not answered and (refused or server_error):
            raise refused or server_error
        raise NotFoundError("api.no_provider", tenant_id=self.settings.tenant_id,
                            candidates=", ".join(f"“{c}”" for c in candidates))

    @staticmethod
    def _provider_from_datasources(data, candidate):
        items = data.get("data") if isinstance(data, dict) else None
        return next((str(i["providerId"]) for i in items or () if isinstance(i, dict) and i.get("providerId")), None)

    @staticmethod
    def _provider_from_folders(data, candidate):
        items = data if isinstance(data, list) else ()
        return next((str(i["providerId"]) for i in items if isinstance(i, dict) and i.get("providerId")), None)

    @staticmethod
    def _provider_from_schedulers(data, candidate):
        if not isinstance(data, list) or not data:
            return None
        first = data[0] if isinstance(data[0], dict) else {}
        return str(first.get("providerId") or candidate)

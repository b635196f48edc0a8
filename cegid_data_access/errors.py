# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Typed errors of the Cegid Data Access core.

Every error carries the process exit status the command-line scripts use, so
that the scripts and Odoo react to the same failure in the same way.
"""

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_CONNECTION = 3


class CegidError(Exception):
    """Base class of every expected failure: shown to users without traceback."""

    exit_code = EXIT_CONNECTION


class ConfigError(CegidError):
    """A setting is missing or invalid.

    ``setting`` is the canonical setting name and ``problem`` what is wrong with
    it ("is missing"); each front end names the setting its own way.
    """

    exit_code = EXIT_CONFIG

    def __init__(self, setting, problem):
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem


class ConnectionFailure(CegidError):
    """The service could not be reached, or answered too slowly."""


class ApiError(CegidError):
    """Cegid answered with an error status; ``status`` and ``error_message`` say which."""

    def __init__(self, message, status=None, error_message=None):
        super().__init__(message)
        self.status = status
        self.error_message = error_message


class AuthenticationError(ApiError):
    """Credentials refused (401/403) or a SAS that expired."""


class NotFoundError(ApiError):
    """The resource does not exist (404)."""

# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keep secrets out of every message, log line and summary."""

import re

REDACTED = "***"
_SAS_SIGNATURE = re.compile(r"(?i)(sig=)[^&\s\"'<>]+")


def redact(text, secrets=()):
    """Return ``text`` with SAS signatures and the given secret values masked.

    A secret is masked also as ``repr`` writes it (``\\n`` for a line break...): an exception's
    message quotes the value it refused that way.
    """
    if text is None:
        return text
    text = _SAS_SIGNATURE.sub(r"\1" + REDACTED, str(text))
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED).replace(repr(secret)[1:-1], REDACTED)
    return text


def redact_params(params, secrets=()):
    """A copy of message parameters with every text value redacted."""
    return {key: redact(value, secrets) if isinstance(value, str) else value for key, value in params.items()}

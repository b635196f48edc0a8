# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Keep secrets out of every message, log line and summary."""

import logging
import re

REDACTED = "***"
# a signature is base64, URL-encoded or not, after "sig=" (or "sig%3D", a SAS URL itself URL-encoded, as in another
# URL's query): what starts otherwise is no signature, e.g. the "sig=…" of a sentence showing what a SAS URL looks
# like (masking it would cut the sentence)
_SAS_SIGNATURE = re.compile(r"(?i)(sig(?:=|%3D))(?=[\w%+/=-])[^&\s\"'<>]+")
# in a SAS URL alone the signature ends at the next parameter only: a URL saved with a space inside would show the rest
_SAS_URL_SIGNATURE = re.compile(r"(?i)([?&]sig=)[^&]+")


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


def redact_sas_url(url, secrets=()):
    """``url``, a SAS URL shown alone (a setting's value), with its whole signature and the given secrets masked."""
    return redact(_SAS_URL_SIGNATURE.sub(r"\1" + REDACTED, url), secrets)


def redact_params(params, secrets=()):
    """A copy of message parameters with every text value redacted."""
    return {key: redact(value, secrets) if isinstance(value, str) else value for key, value in params.items()}


# the secrets of the settings a process has read (Odoo: each database's), masked by the loggers of redact_logs; a
# tuple replaced whole, never changed in place: another thread may be logging with it
_remembered = ()


def remember_secrets(secrets):
    """Have the loggers :func:`redact_logs` filters mask ``secrets`` too, from now on."""
    global _remembered  # noqa: PLW0603 -- one registry for the whole process, as its loggers are
    new = {secret for secret in secrets if secret} - set(_remembered)
    if new:
        _remembered = (*_remembered, *sorted(new))


class RedactingFilter(logging.Filter):
    """Mask SAS signatures and ``secrets`` in a log record: its message and its traceback.

    On a handler (the scripts) it masks what the handler writes; on a logger
    (Odoo, see :func:`redact_logs`) what that logger emits, with the secrets
    the process remembered (``remembered``, see :func:`remember_secrets`).
    """

    def __init__(self, secrets=(), remembered=False):
        super().__init__()
        self.secrets = list(secrets)
        self.remembered = remembered

    def filter(self, record):
        secrets = [*self.secrets, *_remembered] if self.remembered else self.secrets
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # a malformed call must not raise where it logs
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message, secrets)
        record.args = ()
        if record.exc_info and not record.exc_text:
            # what a Formatter would write; it writes exc_text when set instead of formatting exc_info again
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True


def redact_logs(prefix):
    """Mask SAS signatures and the remembered secrets in what every logger named ``prefix`` or under it emits
    (those created so far).

    A logger's filters apply to its own records only, not to those of the
    loggers under it: each gets the filter.
    """
    names = [name for name in logging.root.manager.loggerDict if name == prefix or name.startswith(prefix + ".")]
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
            logger.addFilter(RedactingFilter(remembered=True))

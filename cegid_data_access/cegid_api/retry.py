# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How calls to the Cegid API are retried: ``requests``' adapter with urllib3's ``Retry``, tuned.

Reads (GET) are retried on 429, 5xx and network failures with a backoff;
a call that changes a scheduled query (PUT) only when it surely changed
nothing: a connection never made, or the gateway turning it away (429,
503). After any other failure it may have been carried out, and sending it
again later could undo what Cegid did meanwhile (run the forced query, then
get its old ``nextExecution`` back): the client checks instead
(``client.py``). ``Retry-After`` decides the wait when the gateway gives one
that urllib3 reads (else the backoff), capped; no retry is made whose wait
would pass the caller's deadline (a scheduled action's end), nor, unless
the gateway turned the call away, one whose timeouts would: a retry keeps
the call's timeouts, set before its first attempt.
"""

import time

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)
# the answers that say the gateway turned a call away before the API did anything with it
TURNED_AWAY_STATUSES = (429, 503)


class OutOfTime(MaxRetryError):
    """No retry made: its wait would have reached the client's deadline."""


class CappedRetry(Retry):
    """urllib3's Retry where ``Retry-After`` decides the wait when given (0: at once), capped.

    Plain ``Retry`` falls back to its backoff when ``Retry-After`` is 0 and
    waits as long as the gateway asks, even an hour. With a ``deadline`` (a
    ``time.monotonic()`` value: a scheduled action's end), no retry whose wait
    would reach it is made, and none whose longest attempt would either
    (``attempt_seconds``: the connect and read timeouts, which a retry keeps)
    unless the gateway turned the call away (429, 503): the last answer or
    error stands. A stalled listing (or a 504 after a minute) retried a
    minute before the end of a run that Odoo kills 30 s after it would
    outlive the run; a gateway's 429 or 503 comes at once and is retried
    while its wait fits, as the next answer is expected as quick (a cron run
    may have 20 s in all).
    """

    max_retry_after = 120
    deadline = None
    attempt_seconds = 0

    def new(self, **kwargs):
        """A copy for the next attempt, keeping the cap and the deadline."""
        retry = super().new(**kwargs)
        retry.max_retry_after = self.max_retry_after
        retry.deadline = self.deadline
        retry.attempt_seconds = self.attempt_seconds
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        """The next attempt's Retry; MaxRetryError as when exhausted if it would start, or after an attempt that
        got no answer could end, past the deadline."""
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except MaxRetryError as err:
            # the attempts made, for the message: a failure urllib3 does not retry (a TLS error: ``other=0``)
            # ends after one, not after every retry the settings allow
            err.attempts = len(self.history) + 1
            raise
        if self.deadline is not None:
            wait = retry.get_retry_after(response) if response is not None else None
            wait = retry.get_backoff_time() if wait is None else wait
            # a gateway turning the call away answers at once, and is expected to answer the retry as quickly
            quick = response is not None and response.status in TURNED_AWAY_STATUSES
            longest = 0 if quick else self.attempt_seconds
            if time.monotonic() + wait + longest >= self.deadline:
                raise OutOfTime(_pool, url, error or ResponseError("no time left to retry"))
        return retry

    def is_retry(self, method, status_code, has_retry_after=False):
        """Reads on the statuses of ``status_forcelist``; any call when the gateway turned it away."""
        return status_code in TURNED_AWAY_STATUSES or super().is_retry(method, status_code, has_retry_after)

    def get_retry_after(self, response):
        """Seconds from ``Retry-After`` (number or HTTP date, a past date is 0), capped; None when absent.

        None too when urllib3 cannot read it (``1.5``, a word: it reads whole seconds or a date): the
        backoff decides, as without one (urllib3 raises InvalidHeader, which ended the call).
        """
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None
        return None if seconds is None else min(seconds, self.max_retry_after)

    def sleep_for_retry(self, response=None):
        """Sleep what ``Retry-After`` asks; False (use the backoff) when the answer has none (or unreadable)."""
        seconds = self.get_retry_after(response) if response is not None else None
        if seconds is None:
            return False
        time.sleep(seconds)
        return True


def build_session(max_retries, backoff, max_retry_after, deadline=None, statuses=RETRY_STATUSES, attempt_seconds=0):
    """A ``requests`` session whose adapter retries reads on ``statuses`` and network failures (see above);
    ``attempt_seconds``: the longest an attempt may take (its connect and read timeouts)."""
    retry = CappedRetry(
        total=max_retries, connect=max_retries, read=max_retries, status=max_retries, other=0,
        status_forcelist=statuses, allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff, respect_retry_after_header=True, raise_on_status=False,
    )
    retry.max_retry_after = max_retry_after
    retry.deadline = deadline
    retry.attempt_seconds = attempt_seconds
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session

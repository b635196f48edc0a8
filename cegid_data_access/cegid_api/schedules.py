# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dates and names of Cegid scheduled queries ("requêtes planifiées").

Cegid writes dates in UTC with seven fractional digits, which ``datetime``
cannot parse before Python 3.11; forced executions are written back with
milliseconds only, as the original scripts did.
"""

import datetime
import re

from ..errors import ConfigError
from ..settings import FORCE_TIME

UTC = datetime.timezone.utc
CEGID_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"
FORCE_LEAD = datetime.timedelta(minutes=5)
_QUARTER = 15
_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$", re.IGNORECASE
)


def _as_utc(moment):
    """An aware UTC datetime; a naive one is taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_force_time(text):
    """``(hour, minute)`` from "HH:MM"; ConfigError("force_time") when it does not read so."""
    match = FORCE_TIME.match(str(text).strip()) if text is not None else None
    if not match:
        raise ConfigError("config.bad_force_time", "force_time", value=str(text))
    return int(match.group(1)), int(match.group(2))


def force_target(now, at=None):
    """When a forced execution should run, as an aware UTC datetime.

    Without ``at``: the first quarter hour at least five minutes after ``now``
    (10:07 -> 10:15, 10:10 -> 10:15, 10:12 -> 10:30), so that Cegid's scheduler
    still sees it ahead. With ``at`` ("HH:MM" UTC or a ``datetime.time``): today
    at that time, or tomorrow when it is already past.
    """
    now = _as_utc(now)
    if at is None or at == "":
        earliest = now + FORCE_LEAD
        target = earliest.replace(second=0, microsecond=0)
        if target < earliest:
            target += datetime.timedelta(minutes=1)
        return target + datetime.timedelta(minutes=-target.minute % _QUARTER)
    hour, minute = (at.hour, at.minute) if isinstance(at, datetime.time) else parse_force_time(at)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += datetime.timedelta(days=1)
    return target


def format_cegid_datetime(moment):
    """``moment`` written the way Cegid accepts ``nextExecution``: UTC, ``.000Z``."""
    return _as_utc(moment).strftime(CEGID_FORMAT)


def parse_cegid_datetime(text):
    """An aware datetime from a Cegid date, or None when absent or unreadable.

    Accepts seven fractional digits, ``Z``, ``+hh:mm`` offsets and dates without
    offset (taken as UTC, which is what Cegid means).
    """
    if not isinstance(text, str):
        return None
    match = _ISO.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        moment = datetime.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro, tzinfo=_zone(zone)
        )
    except ValueError:
        return None
    return moment.astimezone(UTC)


def _zone(text):
    if not text or text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return datetime.timezone(sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def short_utc(text):
    """A Cegid date shortened for a table ("2026-11-29 02:00"); "-" when absent."""
    moment = parse_cegid_datetime(text)
    if moment is None:
        return "-" if text in (None, "") else str(text)
    return moment.strftime("%Y-%m-%d %H:%M")


def scheduler_name(obj):
    """The name of a scheduled query: ``query.name``, else a top-level ``name``."""
    query = obj.get("query")
    if isinstance(query, dict) and query.get("name"):
        return str(query["name"])
    return str(obj.get("name") or "")


def scheduler_content(obj):
    """The SQL of a scheduled query ("" when Cegid did not send it)."""
    query = obj.get("query")
    return str(query.get("content") or "") if isinstance(query, dict) else ""


def is_enabled(obj):
    """Whether a scheduled query is enabled (``enable`` may come as a string)."""
    value = obj.get("enable")
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)

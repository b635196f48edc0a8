# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Human descriptions of the common 5-field cron expressions Cegid schedules use."""

import re

_NUMBER = re.compile(r"^\d{1,2}$")
_STEP = re.compile(r"^\*/(\d{1,2})$")
_DAYS = re.compile(r"^[0-7](?:[,-][0-7])*$")


def _plain(source, **kwargs):
    """The untranslated fallback of ``_``: Odoo's ``env._`` formatting, without a language."""
    return source % kwargs if kwargs else source


def describe_cron(expression, _=_plain):
    """"0 2 * * *" -> "Every day at 02:00 UTC"; anything unusual comes back as it is.

    ``_`` is the translation function (``env._``); its literal strings are the
    ones Odoo extracts for translation.
    """
    parts = (expression or "").split()
    if len(parts) != 5 or parts[3] != "*":
        return expression or ""
    minute, hour, day, _month, weekday = parts
    if not minute.isdigit() or int(minute) > 59:
        return expression
    return _describe_hours(int(minute), hour, day, weekday, _) or expression


def _describe_hours(minute, hour, day, weekday, _):
    """The description for a fixed minute, or None."""
    step = _STEP.match(hour)
    if day == "*" and weekday == "*" and (hour == "*" or step):
        if hour == "*":
            return _("Every hour at minute %(minute)s", minute=minute)
        return _("Every %(hours)s hours at minute %(minute)s", hours=int(step.group(1)), minute=minute)
    if not _NUMBER.match(hour) or int(hour) > 23:
        return None
    return _describe_days(f"{int(hour):02d}:{minute:02d}", day, weekday, _)


def _describe_days(time, day, weekday, _):
    """The description for a fixed time of day, or None."""
    if day == "*" and weekday == "*":
        return _("Every day at %(time)s UTC", time=time)
    if day == "*" and weekday.upper() in ("1-5", "MON-FRI"):
        return _("Every weekday at %(time)s UTC", time=time)
    if day == "*" and _DAYS.match(weekday):
        return _("On days %(days)s of the week (0 = Sunday) at %(time)s UTC", days=weekday, time=time)
    if _NUMBER.match(day) and weekday == "*":
        return _("Every month on day %(day)s at %(time)s UTC", day=int(day), time=time)
    return None

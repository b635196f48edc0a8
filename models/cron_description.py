# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Cegid cron expression in words, in the reader's language and time zone (Cegid reads them in UTC)."""

import datetime
import re

import pytz

_NUMBER = re.compile(r"^\d{1,2}$")
_STEP = re.compile(r"^\*/(\d{1,2})$")
_DAYS = re.compile(r"^[0-7](?:[,-][0-7])*$")


def _plain(source, **kwargs):
    """The untranslated fallback of ``_``: Odoo's ``env._`` formatting, without a language."""
    return source % kwargs if kwargs else source


def describe_cron(expression, _=_plain, tz=None, now=None):
    """"0 2 * * *" -> "Every day at 02:00 UTC"; anything unusual comes back as it is.

    Cegid reads its cron expressions in UTC. With ``tz`` (the reader's time zone),
    the time is given in that zone as it is on ``now``'s day (default: today), with
    the UTC time as the reference: "Every day at 03:00 (Europe/Paris today; 02:00 UTC)"
    in winter, 04:00 in summer. When the local time falls on another day than the
    UTC one, a schedule tied to days of the week or of the month stays in UTC: its
    days would be wrong otherwise. ``_`` is the translation function (``env._``);
    its literal strings are the ones Odoo extracts for translation.
    """
    parts = (expression or "").split()
    if len(parts) != 5 or parts[3] != "*":
        return expression or ""
    minute, hour, day, _month, weekday = parts
    if not minute.isdigit() or int(minute) > 59:
        return expression
    clock = _Clock(tz, now, _)
    return _describe_hours(int(minute), hour, day, weekday, clock, _) or expression


def describe_utc_time(hour, minute, _=_plain, tz=None, now=None):
    """HH:MM UTC in the reader's time zone ``tz`` on ``now``'s day: "That is 03:00 in Europe/Paris today.".

    "" without a zone (or in UTC): the time is already said in UTC.
    """
    clock = _Clock(tz, now, _)
    if clock.zone is None:
        return ""
    local, _other_day, moves = clock.local(hour, minute)
    if moves:
        return _("That is %(local)s in %(zone)s today.", local=local, zone=clock.zone.zone)
    return _("That is %(local)s in %(zone)s.", local=local, zone=clock.zone.zone)


class _Clock:
    """The reader's time zone, for one day: the UTC times of a schedule said there."""

    def __init__(self, tz, now, _):
        self._ = _
        self.zone = _reader_zone(tz)
        now = now or datetime.datetime.now(datetime.timezone.utc)
        self.today = (now if now.tzinfo else now.replace(tzinfo=datetime.timezone.utc)).astimezone(pytz.utc).date()

    def whole_hours(self):
        """Whether the zone is a whole number of hours from UTC today (then a minute past the hour is the same)."""
        if self.zone is None:
            return True
        offset = self._utc(0, 0).astimezone(self.zone).utcoffset()
        return offset.total_seconds() % 3600 == 0

    def at(self, hour, minute, same_day=False):
        """"03:00 (Europe/Paris today; 02:00 UTC)" for 02:00 UTC, or "02:00 UTC".

        ``same_day``: the schedule names days, so it is said in UTC when the local
        time falls on another day.
        """
        _ = self._
        utc_time = f"{hour:02d}:{minute:02d}"
        if self.zone is None:
            return _("%(time)s UTC", time=utc_time)
        local, other_day, moves = self.local(hour, minute)
        if same_day and other_day:
            return _("%(time)s UTC", time=utc_time)
        if moves:
            return _("%(local)s (%(zone)s today; %(time)s UTC)", local=local, zone=self.zone.zone, time=utc_time)
        return _("%(local)s (%(zone)s; %(time)s UTC)", local=local, zone=self.zone.zone, time=utc_time)

    def local(self, hour, minute):
        """HH:MM UTC today in the zone: (local "HH:MM", whether on another day than in UTC, whether it moves with
        summer time)."""
        moment = self._utc(hour, minute)
        local = moment.astimezone(self.zone)
        return local.strftime("%H:%M"), local.date() != moment.date(), self._observes_dst()

    def _utc(self, hour, minute):
        return datetime.datetime.combine(self.today, datetime.time(hour, minute), tzinfo=pytz.utc)

    def _observes_dst(self):
        """Whether the zone's offset from UTC changes during this year (then the local time moves with it)."""
        offsets = {
            pytz.utc.localize(datetime.datetime(self.today.year, month, 1)).astimezone(self.zone).utcoffset()
            for month in (1, 4, 7, 10)
        }
        offsets.add(self._utc(0, 0).astimezone(self.zone).utcoffset())
        return len(offsets) > 1


def _reader_zone(tz):
    """The pytz zone named ``tz``; None for UTC, no zone or an unknown one."""
    if not tz:
        return None
    try:
        zone = pytz.timezone(tz)
    except pytz.UnknownTimeZoneError:
        return None
    return None if zone.zone in ("UTC", "Etc/UTC", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu") else zone


def _describe_hours(minute, hour, day, weekday, clock, _):
    """The description for a fixed minute, or None."""
    step = _STEP.match(hour)
    if day == "*" and weekday == "*" and (hour == "*" or step):
        if clock.whole_hours():
            if hour == "*":
                return _("Every hour at minute %(minute)s", minute=minute)
            return _("Every %(hours)s hours at minute %(minute)s", hours=int(step.group(1)), minute=minute)
        # a zone a half or quarter hour from UTC: the minute past the local hour differs
        if hour == "*":
            return _("Every hour at minute %(minute)s UTC", minute=minute)
        return _("Every %(hours)s hours at minute %(minute)s UTC", hours=int(step.group(1)), minute=minute)
    if not _NUMBER.match(hour) or int(hour) > 23:
        return None
    return _describe_days(int(hour), minute, day, weekday, clock, _)


def _describe_days(hour, minute, day, weekday, clock, _):
    """The description for a fixed time of day, or None."""
    if day == "*" and weekday == "*":
        return _("Every day at %(time)s", time=clock.at(hour, minute))
    if day == "*" and weekday.upper() in ("1-5", "MON-FRI"):
        return _("Every weekday at %(time)s", time=clock.at(hour, minute, same_day=True))
    if day == "*" and _DAYS.match(weekday):
        return _("On days %(days)s of the week (0 = Sunday) at %(time)s", days=weekday,
                 time=clock.at(hour, minute, same_day=True))
    if _NUMBER.match(day) and weekday == "*":
        return _("Every month on day %(day)s at %(time)s", day=int(day), time=clock.at(hour, minute, same_day=True))
    return None

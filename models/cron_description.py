# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A Cegid cron expression in words, in the reader's language and time zone (Cegid reads them in UTC)."""

import datetime
import re

import babel
import pytz
from babel.dates import get_day_names
from babel.lists import format_list

_NUMBER = re.compile(r"^\d{1,2}$")
_STEP = re.compile(r"^\*/(\d{1,2})$")
_DAYS = re.compile(r"^([0-7])(?:-([0-7]))?$")
WEEKDAYS = frozenset(range(1, 6))  # Monday to Friday; cron numbers Sunday 0 (and 7)


def _plain(source, **kwargs):
    """The untranslated fallback of ``_``: Odoo's ``env._`` formatting, without a language."""
    return source % kwargs if kwargs else source


def describe_cron(expression, _=_plain, tz=None, now=None, lang=None):
    """"0 2 * * *" -> "Every day at 02:00 UTC"; anything unusual comes back as it is.

    Cegid reads its cron expressions in UTC. With ``tz`` (the reader's time zone),
    the time is given in that zone as it is on ``now``'s day (default: today), with
    the UTC time as the reference: "Every day at 03:00 (Europe/Paris today; 02:00 UTC)"
    in winter, 04:00 in summer. When the local time falls on another day than the
    UTC one, the days of the week or of the month are those of the zone too
    (23:30 UTC on Mondays is "Every Tuesday at 00:30" in Paris); a day of the month
    whose next or previous day is not in every month stays in UTC. ``_`` is the
    translation function (``env._``), whose literal strings are the ones Odoo
    extracts for translation; ``lang`` (an Odoo language code) names the days.
    """
    parts = (expression or "").split()
    if len(parts) != 5 or parts[3] != "*":
        return expression or ""
    minute, hour, day, _month, weekday = parts
    if not minute.isdigit() or int(minute) > 59:
        return expression
    clock = _Clock(tz, now, _, lang)
    return _describe_hours(int(minute), hour, day, weekday, clock, _) or expression


def describe_utc_time(hour, minute, _=_plain, tz=None, now=None):
    """HH:MM UTC in the reader's time zone ``tz`` on ``now``'s day: "That is 03:00 in Europe/Paris today.".

    "" without a zone (or in UTC): the time is already said in UTC.
    """
    clock = _Clock(tz, now, _)
    if clock.zone is None:
        return ""
    local, moves = clock.local(hour, minute)
    if moves:
        return _("That is %(local)s in %(zone)s today.", local=local, zone=clock.zone.zone)
    return _("That is %(local)s in %(zone)s.", local=local, zone=clock.zone.zone)


class _Clock:
    """The reader's time zone, for one day: the UTC times of a schedule said there."""

    def __init__(self, tz, now, _, lang=None):
        self._ = _
        self.locale = _reader_locale(lang)
        self.zone = _reader_zone(tz)
        now = now or datetime.datetime.now(datetime.timezone.utc)
        self.today = (now if now.tzinfo else now.replace(tzinfo=datetime.timezone.utc)).astimezone(pytz.utc).date()

    def whole_hours(self):
        """Whether the zone is a whole number of hours from UTC today (then a minute past the hour is the same)."""
        if self.zone is None:
            return True
        offset = self._utc(0, 0).astimezone(self.zone).utcoffset()
        return offset.total_seconds() % 3600 == 0

    def at(self, hour, minute, utc=False):
        """"03:00 (Europe/Paris today; 02:00 UTC)" for 02:00 UTC, or "02:00 UTC" (without a zone, or ``utc``)."""
        _ = self._
        utc_time = f"{hour:02d}:{minute:02d}"
        if self.zone is None or utc:
            return _("%(time)s UTC", time=utc_time)
        local, moves = self.local(hour, minute)
        if moves:
            return _("%(local)s (%(zone)s today; %(time)s UTC)", local=local, zone=self.zone.zone, time=utc_time)
        return _("%(local)s (%(zone)s; %(time)s UTC)", local=local, zone=self.zone.zone, time=utc_time)

    def local(self, hour, minute):
        """HH:MM UTC today in the zone: (local "HH:MM", whether it moves with summer time)."""
        return self._utc(hour, minute).astimezone(self.zone).strftime("%H:%M"), self._observes_dst()

    def day_shift(self, hour, minute):
        """The local day less the UTC one at HH:MM UTC today: -1, 0 or 1 (0 without a zone)."""
        if self.zone is None:
            return 0
        return (self._utc(hour, minute).astimezone(self.zone).date() - self.today).days

    def day_names(self, days):
        """The names of ``days`` (cron numbers, 0 = Sunday), in the order given, in the reader's language."""
        names = get_day_names("wide", locale=self.locale)  # 0 = Monday
        return [names[(day - 1) % 7] for day in days]

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


def _reader_locale(lang):
    """The babel locale of Odoo language ``lang``; English for none or one babel does not know.

    Not Odoo's ``babel_locale_parse``: its fallback is the server process's locale, which differs from one server
    (and test machine) to the next.
    """
    try:
        return babel.Locale.parse(lang or "en_US")
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return babel.Locale.parse("en_US")


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
    if hour == "*/1":
        hour = "*"  # every hour: not "Every 1 hours"
    step = _STEP.match(hour)
    if step and (not int(step.group(1)) or 24 % int(step.group(1))):
        step = None  # */5 runs at 0, 5, 10, 15 and 20 h: not every 5 hours (20 h to 0 h is 4)
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
    shift = clock.day_shift(hour, minute)
    if day == "*":
        days = _weekdays(weekday)
        if days is None:
            return None
        return _describe_weekdays({(number + shift) % 7 for number in days}, clock.at(hour, minute), clock, _)
    if _NUMBER.match(day) and weekday == "*" and 1 <= int(day) <= 31:
        local_day = int(day) + shift
        if shift and not (int(day) <= 28 and 1 <= local_day <= 28):
            # a day not in every month, or the 1st's previous day: the same local day number each month it is not
            return _monthly(int(day), clock.at(hour, minute, utc=True), _)
        return _monthly(local_day, clock.at(hour, minute), _)
    return None


def _monthly(day, time, _):
    """Every month on ``day`` at ``time``: the 1st said apart (French writes "le 1er", then "le 2"); a day not in
    every month (29 to 31), which cron skips in the months without it, said so."""
    if day == 1:
        return _("Every month on the 1st at %(time)s", time=time)
    if day > 28:
        return _("On day %(day)s of every month that has one, at %(time)s", day=day, time=time)
    return _("Every month on day %(day)s at %(time)s", day=day, time=time)


def _weekdays(field):
    """The days of the week (0 = Sunday) a cron field names ("1-5", "MON-FRI", "1,3", "0-6"), or None."""
    if field.upper() == "MON-FRI":
        return set(WEEKDAYS)
    days = set()
    for part in field.split(","):
        found = _DAYS.match(part)
        if not found:
            return None
        first, last = int(found.group(1)), int(found.group(2) or found.group(1))
        if first > last:
            return None
        days.update(number % 7 for number in range(first, last + 1))
    return days


def _describe_weekdays(days, time, clock, _):
    """"Every weekday", "Every Monday and Wednesday", "Every week from Sunday to Thursday"... at ``time``."""
    if days == WEEKDAYS:
        return _("Every weekday at %(time)s", time=time)
    if len(days) == 7:
        return _("Every day at %(time)s", time=time)
    # a run of days, the week's end crossed or not (Sunday to Thursday), is said by its first and last days
    starts = [number for number in days if (number - 1) % 7 not in days]
    if len(days) >= 3 and len(starts) == 1:
        names = clock.day_names([(starts[0] + step) % 7 for step in range(len(days))])
        return _("Every week from %(first)s to %(last)s at %(time)s", first=names[0], last=names[-1], time=time)
    names = clock.day_names(sorted(days, key=lambda number: (number - 1) % 7))  # Monday first
    return _("Every %(days)s at %(time)s", days=format_list(names, locale=clock.locale), time=time)

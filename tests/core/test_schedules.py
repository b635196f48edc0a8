# Copyright 2026 is_cegid2odoo authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When a forced execution runs, and how Cegid dates are read and written."""

import datetime

import pytest

from cegid_data_access.cegid_api.schedules import (
    force_target,
    format_cegid_datetime,
    is_enabled,
    parse_cegid_datetime,
    scheduler_name,
    short_utc,
)
from cegid_data_access.errors import ConfigError

UTC = datetime.timezone.utc


def at(text):
    """An aware UTC datetime from "YYYY-MM-DD HH:MM[:SS]"."""
    fmt = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.datetime.strptime(text, fmt).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-28 10:07", "2026-11-28 10:15"),
        ("2026-11-28 10:12", "2026-11-28 10:30"),
        ("2026-11-28 10:10", "2026-11-28 10:15"),
        ("2026-11-28 10:10:01", "2026-11-28 10:30"),
        ("2026-11-28 10:00", "2026-11-28 10:15"),
        ("2026-11-28 10:55", "2026-11-28 11:00"),
        ("2026-11-28 10:56", "2026-11-28 11:15"),
        ("2026-11-28 23:58", "2026-11-29 00:15"),
        ("2026-11-30 23:50", "2026-12-01 00:00"),
        ("2026-02-28 23:56", "2026-03-01 00:15"),
        ("2028-02-28 23:56", "2028-02-29 00:15"),
        ("2026-12-31 23:51", "2027-01-01 00:00"),
        ("2026-12-31 23:59:59", "2027-01-01 00:15"),
    ],
)
def test_default_target_is_next_quarter_hour_five_minutes_ahead(now, expected):
    assert force_target(at(now)) == at(expected)


@pytest.mark.parametrize(
    ("now", "hh_mm", "expected"),
    [
        ("2026-11-28 10:07", "14:30", "2026-11-28 14:30"),
        ("2026-11-28 10:07", "06:00", "2026-11-29 06:00"),
        ("2026-11-28 10:07", "10:07", "2026-11-29 10:07"),
        ("2026-11-28 10:07", "10:08", "2026-11-28 10:08"),
        ("2026-11-28 10:07", "6:05", "2026-11-29 06:05"),
        ("2026-11-30 22:00", "01:00", "2026-12-01 01:00"),
        ("2026-12-31 23:00", "00:30", "2027-01-01 00:30"),
        ("2028-02-28 12:00", "00:00", "2028-02-29 00:00"),
    ],
)
def test_target_at_given_time_today_or_tomorrow(now, hh_mm, expected):
    assert force_target(at(now), hh_mm) == at(expected)


def test_target_converts_an_aware_local_now_to_utc():
    paris = datetime.timezone(datetime.timedelta(hours=1))
    now = datetime.datetime(2026, 11, 28, 11, 7, tzinfo=paris)  # 10:07 UTC
    assert force_target(now) == at("2026-11-28 10:15")
    assert force_target(now, "10:30") == at("2026-11-28 10:30")
    assert force_target(now).tzinfo == UTC


def test_one_digit_minutes_read_as_the_original_script_read_them():
    """It read int(hour), int(minute): a config.py's "6:0" forced at 06:00."""
    assert force_target(at("2026-11-28 10:07"), "12:3") == at("2026-11-28 12:03")
    assert force_target(at("2026-11-28 10:07"), "6:0") == at("2026-11-29 06:00")


@pytest.mark.parametrize("bad", ["24:00", "12:60", "1230", "12h30", "", "ab:cd", "12:", " :  ", "12:003", "١٢:30"])
def test_invalid_time_is_a_force_time_config_error(bad):
    if bad == "":
        assert force_target(at("2026-11-28 10:07"), bad) == at("2026-11-28 10:15")  # empty means default
        return
    with pytest.raises(ConfigError) as caught:
        force_target(at("2026-11-28 10:07"), bad)
    assert caught.value.setting == "force_time"


def test_format_cegid_datetime():
    assert format_cegid_datetime(at("2026-11-29 02:00")) == "2026-11-29T02:00:00.000Z"
    cest = datetime.timezone(datetime.timedelta(hours=2))
    assert format_cegid_datetime(datetime.datetime(2026, 7, 1, 4, 30, 15, 999999, tzinfo=cest)) == (
        "2026-07-01T02:30:15.000Z"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-29T02:00:00.1234567Z", datetime.datetime(2026, 11, 29, 2, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-29T02:00:00Z", datetime.datetime(2026, 11, 29, 2, tzinfo=UTC)),
        ("2026-11-29T02:00:00", datetime.datetime(2026, 11, 29, 2, tzinfo=UTC)),
        ("2026-11-29T03:00:00.5+01:00", datetime.datetime(2026, 11, 29, 2, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-28T21:00:00-0500", datetime.datetime(2026, 11, 29, 2, tzinfo=UTC)),
        ("2026-11-29T02:00:00.000Z", datetime.datetime(2026, 11, 29, 2, tzinfo=UTC)),
        (None, None),
        ("", None),
        ("tomorrow", None),
        ("2026-13-40T02:00:00Z", None),
        (12, None),
    ],
)
def test_parse_cegid_datetime(text, expected):
    assert parse_cegid_datetime(text) == expected


def test_round_trip_of_a_forced_date():
    moment = force_target(at("2026-11-28 10:07"))
    assert parse_cegid_datetime(format_cegid_datetime(moment)) == moment


def test_short_utc_name_and_enable():
    assert short_utc("2026-11-29T02:00:00.1234567Z") == "2026-11-29 02:00"
    assert short_utc(None) == "-"
    assert short_utc("soon") == "soon"
    assert scheduler_name({"query": {"name": "ECRITURE"}, "name": "other"}) == "ECRITURE"
    assert scheduler_name({"query": None, "name": "ANALYTIQ"}) == "ANALYTIQ"
    assert scheduler_name({}) == ""
    assert is_enabled({"enable": True}) and not is_enabled({"enable": False})
    assert is_enabled({"enable": "true"}) and not is_enabled({"enable": "false"}) and not is_enabled({})

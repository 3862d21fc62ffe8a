"""Partial dates: "2015", "2015-10" or "2015-10-06", kept with their precision.

A partial date stands for an interval of days: "2015-10" is 2015-10-01 .. 2015-10-31.
Stored values stay the strings as given. Comparisons use the interval's ends, written as
ISO strings so they order correctly as text (in Python and in Cypher alike):
  lo("2015-10") = "2015-10-01"   hi("2015-10") = "2015-10-31"
(hi pads with "-31" for any month: the string still sorts after every day of that month
and before the next, which is all a comparison needs.)

Rules used everywhere (documented in docs/model.md):
- ordering: by lo, then the less precise value first;
- "started by D" means lo(start) <= hi(D); "ended before D" means hi(end) < lo(D).
"""

from __future__ import annotations

import datetime as dt
import re

PARTIAL_DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")
# The same rule as JSON Schema, for the OpenAPI document: a year or a month by pattern
# (no year 0000, months 01-12), a day as a real calendar date.
PARTIAL_DATE_JSON_SCHEMA = {"anyOf": [
    {"pattern": r"^(?!0000)[0-9]{4}(-(0[1-9]|1[0-2]))?$"},
    {"format": "date"},
]}
_LO_PAD = "0000-01-01"
_HI_PAD = "9999-12-31"


def is_partial_date(value: str) -> bool:
    """True for a well-formed, real partial date (month 1-12, day valid for the month)."""
    if not PARTIAL_DATE.match(value):
        return False
    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
        elif len(value) == 7:
            dt.date.fromisoformat(value + "-01")
    except ValueError:
        return False
    return int(value[:4]) >= 1


def lo(value: str) -> str:
    """The first day the partial date can mean, as YYYY-MM-DD."""
    return value + _LO_PAD[len(value):]


def hi(value: str) -> str:
    """A YYYY-MM-DD string at or after the last day the partial date can mean."""
    return value + _HI_PAD[len(value):]


def precision(value: str) -> str:
    """year, month or day."""
    return {4: "year", 7: "month", 10: "day"}[len(value)]


def today() -> str:
    """Today's date in UTC, YYYY-MM-DD."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def now() -> str:
    """The current UTC time, ISO 8601 to the second: the stamp of writes and of key records."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def utc_moment(text: str) -> str:
    """An ISO 8601 date-time with an offset (`Z` too), as UTC to the second; ValueError if
    it is none (no offset: the moment would depend on the server's clock zone), or if in
    UTC it falls outside years 1 to 9999 (0001-01-01T00:00:00+05:00)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("needs an offset")
    try:
        return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
    except OverflowError:
        raise ValueError("outside years 1 to 9999 in UTC") from None


def expiry_problem(text: str) -> str | None:
    """Why `text` cannot be a key's expiry (not a date-time with an offset, or a moment
    already past: a key that would never work), or None if it can."""
    try:
        moment = utc_moment(text)
    except ValueError:
        return ("not an ISO 8601 date-time with an offset (years 1 to 9999 in UTC), e.g. "
                "2027-01-01T00:00:00Z")
    if moment <= now():
        return f"{moment} is past: the key would never work"
    return None

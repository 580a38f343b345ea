"""Times as editors read and type them: in the site's time zone, named, with UTC beside.

Publication times are stored in UTC; people schedule in the site's zone (settings.TIME_ZONE,
e.g. Europe/London), whose clocks change twice a year. A local time in the hour the clocks
skip does not exist and one in the hour they repeat is ambiguous: both are refused rather
than guessed.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f")


class InvalidLocalTime(ValueError):
    """A typed time that cannot be turned into one instant; the message says why."""


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def zone_name() -> str:
    return settings.TIME_ZONE


def _clock(dt: datetime) -> str:
    return f"{dt:%H:%M:%S}" if dt.second else f"{dt:%H:%M}"


def _date(dt: datetime) -> str:
    return f"{dt:%a} {dt.day} {dt:%b %Y}"


@dataclass(frozen=True)
class SiteTime:
    """One instant, described for people: `local` carries the zone's abbreviation (GMT/BST)."""

    instant: datetime
    local: str
    abbreviation: str
    zone: str
    utc: str

    @property
    def iso(self) -> str:
        return self.instant.astimezone(UTC).isoformat()

    def __str__(self) -> str:
        return f"{self.local} ({self.zone}), {self.utc}"


def describe(dt: datetime) -> SiteTime:
    local = dt.astimezone(zone())
    utc = dt.astimezone(UTC)
    utc_text = f"{_clock(utc)} UTC"
    if utc.date() != local.date():
        utc_text = f"{_date(utc)}, {utc_text}"
    return SiteTime(
        instant=dt,
        local=f"{_date(local)}, {_clock(local)} {local.tzname()}",
        abbreviation=local.tzname(),
        zone=zone_name(),
        utc=utc_text,
    )


def to_input_value(dt: datetime, *, seconds: bool = False) -> str:
    """The value of a datetime-local input showing `dt` in the site's zone."""
    return f"{dt.astimezone(zone()):%Y-%m-%dT%H:%M{':%S' if seconds else ''}}"


def parse_local(value: str) -> datetime:
    """Read a datetime-local value as a time in the site's zone; return an aware datetime."""
    text = (value or "").strip().replace(" ", "T", 1)
    if not text:
        raise InvalidLocalTime("Choose the date and time to publish at.")
    for fmt in INPUT_FORMATS:
        try:
            naive = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    else:
        raise InvalidLocalTime(
            f"“{value[:40]}” is not a date and time. Use the date picker, or type it as "
            f"YYYY-MM-DD HH:MM in {zone_name()} time."
        )
    tz = zone()
    earlier, later = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    when = f"{_clock(naive)} on {naive.day} {naive:%B %Y}"
    exists = earlier.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive
    if exists:
        raise InvalidLocalTime(
            f"{when} happens twice in {zone_name()}: the clocks go back from "
            f"{earlier.tzname()} to {later.tzname()} that night. Choose a time outside "
            f"that hour."
        )
    raise InvalidLocalTime(
        f"{when} does not exist in {zone_name()}: the clocks go forward from "
        f"{earlier.tzname()} to {later.tzname()} that night. Choose another time."
    )

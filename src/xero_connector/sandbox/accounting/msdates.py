"""Dates the way Xero's JSON carries them.

Xero writes timestamps as Microsoft JSON dates, ``/Date(1439434356790+0000)/`` (milliseconds since
the epoch, UTC), and document dates (an invoice's ``Date``) as the same form at midnight UTC of that
calendar day, beside an ISO ``DateString``. Clients send document dates as ``YYYY-MM-DD`` (a time
part and the ``/Date(...)/`` form are accepted too), meant in the organisation's timezone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EPOCH_DAY = date(1970, 1, 1)
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

# Xero's Windows-style timezone names for the seeded organisations, with a fixed offset to fall back
# on where the machine has no tz database.
_TIMEZONES: dict[str, tuple[str, int]] = {
    "AUSEASTERNSTANDARDTIME": ("Australia/Sydney", 10),
    "GMTSTANDARDTIME": ("Europe/London", 0),
    "EASTERNSTANDARDTIME": ("America/New_York", -5),
    "NEWZEALANDSTANDARDTIME": ("Pacific/Auckland", 12),
    "UTC": ("UTC", 0),
}


def ms_timestamp(ms: int) -> str:
    """``/Date(ms+0000)/`` for an instant given in epoch milliseconds."""
    return f"/Date({ms}+0000)/"


def ms_date(day: date) -> str:
    """``/Date(ms+0000)/`` for a calendar day (midnight UTC, as Xero writes document dates)."""
    return ms_timestamp((day - _EPOCH_DAY).days * 86_400_000)


def iso_date_string(day: date) -> str:
    """Xero's companion ``DateString``: ``YYYY-MM-DDT00:00:00``."""
    return f"{day.isoformat()}T00:00:00"


def parse_document_date(value: object) -> date | None:
    """A document date (``YYYY-MM-DD``, with or without a time, or ``/Date(ms)/``), else None."""
    if not isinstance(value, str):
        return None
    match = _MS_DATE.match(value)
    if match:
        return _EPOCH_DAY + timedelta(milliseconds=int(match.group(1)))
    try:
        return date.fromisoformat(value[:10]) if len(value) >= 10 else None
    except ValueError:
        return None


def ms_of(value: str) -> int | None:
    """Epoch milliseconds inside a ``/Date(...)/`` string."""
    match = _MS_DATE.match(value)
    return int(match.group(1)) if match else None


def parse_modified_since(header: str) -> int | None:
    """Epoch milliseconds from an ``If-Modified-Since`` header: ISO 8601 (as Xero's SDKs send it,
    UTC when no offset is given) or an RFC 1123 HTTP date. None when unparseable."""
    text = header.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def organisation_zone(xero_timezone: str) -> tzinfo:
    """The tz of a Xero timezone name (UTC for names the sandbox does not know)."""
    name, hours = _TIMEZONES.get(xero_timezone, ("UTC", 0))
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=hours))


def today_in(zone: tzinfo, epoch_seconds: float) -> date:
    """The calendar day in ``zone`` at sandbox time ``epoch_seconds``."""
    return datetime.fromtimestamp(epoch_seconds, zone).date()

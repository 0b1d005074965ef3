"""Xero's JSON values as Python values: ``/Date(...)/`` to aware datetimes, amounts to Decimal.

Xero writes instants as Microsoft JSON dates, ``/Date(1439434356790+0000)/`` (milliseconds since
the epoch; the offset, when present, says in which zone the instant was written and does not move
it), and document dates as the same form at midnight UTC of that calendar day. Amounts arrive as
JSON numbers: they are read from their text (``parse_float=Decimal`` in ``loads``), never through
a binary float.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-])?(\d{2})?(\d{2})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def loads(data: bytes | str) -> Any:
    """Parse a Xero JSON body with every non-integer number as a ``Decimal``."""
    return json.loads(data, parse_float=Decimal)


def is_ms_date(value: object) -> bool:
    return isinstance(value, str) and _MS_DATE.match(value) is not None


def parse_datetime(value: object) -> datetime | None:
    """An aware datetime from ``/Date(ms[+-hhmm])/`` or an ISO 8601 string; None for None.

    ISO strings without an offset (Xero's ``UpdatedDateUTC``-style strings) are taken as UTC.
    Raises ValueError for anything else.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    match = _MS_DATE.match(value)
    if match:
        moment = _EPOCH + timedelta(milliseconds=int(match.group(1)))
        sign, hours, minutes = match.group(2), match.group(3), match.group(4)
        if sign and hours:
            offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
            return moment.astimezone(timezone(offset if sign == "+" else -offset))
        return moment
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_date(value: object) -> date | None:
    """A document date (``/Date(ms)/`` at midnight UTC, or ``YYYY-MM-DD...``); None for None."""
    if value is None:
        return None
    if is_ms_date(value):
        moment = parse_datetime(value)
        assert moment is not None
        return moment.astimezone(UTC).date()
    if isinstance(value, str) and len(value) >= 10:
        return date.fromisoformat(value[:10])
    raise ValueError(f"not a Xero date: {value!r}")


def parse_amount(value: object) -> Decimal | None:
    """A Decimal from a JSON number or numeric string (floats through their shortest repr)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float | str):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"not an amount: {value!r}") from None
    raise ValueError(f"not an amount: {value!r}")


def format_modified_since(moment: datetime) -> str:
    """``If-Modified-Since`` as Xero's SDKs send it: ISO 8601 in UTC, to the second."""
    if moment.tzinfo is None:
        raise ValueError("If-Modified-Since needs an aware datetime")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")

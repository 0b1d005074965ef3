"""``return_url`` checks (no open redirect) and adding the outcome to its query."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

from xero_connector.errors import InvalidInput

MAX_RETURN_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, normalised; None if it has none.

    URLs with user info (``https://dash@evil.example``) have no acceptable origin.
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _unsafe_character(ch: str) -> bool:
    """Whitespace (U+00A0 and U+2003 included), controls and backslashes: never in a URL we send.

    A browser would strip or re-read them, so the URL checked would not be the one followed.
    """
    return ch.isspace() or ch == "\\" or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def check_return_url(url: str, allowed_origins: Iterable[str]) -> str:
    """Return ``url`` when its origin is one of ``allowed_origins``; 422 otherwise.

    The URL is checked exactly as it will be stored and redirected to: one with whitespace or
    control characters anywhere (leading or trailing ones included) is refused, not cleaned.
    """
    allowed = {origin_of(origin) for origin in allowed_origins} - {None}
    if len(url) > MAX_RETURN_URL_LENGTH or any(_unsafe_character(ch) for ch in url):
        raise InvalidInput("return_url is not acceptable")
    origin = origin_of(url)
    if origin is None or origin not in allowed:
        raise InvalidInput("return_url must point at one of the configured return URL origins")
    return url


OUTCOME_PARAMETERS = frozenset({"status", "connection_ids", "error"})


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` carrying the callback's outcome ``params`` (any fragment kept at the end).

    Outcome parameters the URL already has (``status``, ``connection_ids``, ``error``) are
    dropped, so the dashboard reads only ours; its other parameters stay exactly as they were.
    """
    parts = urlsplit(url)
    drop = OUTCOME_PARAMETERS | set(params)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.split("=", 1)[0]) not in drop
    ]
    extra = urlencode(params, safe=",")
    query = "&".join([*kept, extra])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

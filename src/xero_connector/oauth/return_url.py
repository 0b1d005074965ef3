"""``return_url`` checks (no open redirect) and adding the outcome to its query."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlencode, urlsplit, urlunsplit

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


def check_return_url(url: str, allowed_origins: Iterable[str]) -> str:
    """Return ``url`` when its origin is one of ``allowed_origins``; 422 otherwise."""
    allowed = {origin_of(origin) for origin in allowed_origins} - {None}
    if len(url) > MAX_RETURN_URL_LENGTH or any(ch in url for ch in "\r\n\t\\"):
        raise InvalidInput("return_url is not acceptable")
    origin = origin_of(url)
    if origin is None or origin not in allowed:
        raise InvalidInput("return_url must point at one of the configured return URL origins")
    return url


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` appended to its query (any fragment kept at the end)."""
    parts = urlsplit(url)
    extra = urlencode(params, safe=",")
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

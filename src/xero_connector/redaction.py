"""Mask secrets in anything that is about to be logged or stored as an audit detail.

This is the second net: code should never hand a secret to a logger in the first place. Fields
whose *name* looks secret are masked whole; string *values* that look like credentials (JWTs, our
API keys, ``Bearer`` headers, OAuth query parameters) are masked wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

_SECRET_NAME = re.compile(
    r"(token|secret|password|passwd|authorization|cookie|api_?key|credential|"
    r"code_verifier|verifier|nonce|private|^code$|^state$|^keys?$|keyring|assertion)",
    re.IGNORECASE,
)
_SECRET_VALUES = (
    # JSON Web Tokens (three base64url segments, the first a JSON header).
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    # Our API keys.
    re.compile(r"xck_[A-Za-z0-9_-]{8,}"),
    # HTTP authorization headers.
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
)
# The password of a URL's user info (``postgresql://user:password@host``, ``redis://:pw@host``).
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]*):[^@/\s]+@")
_SECRET_QUERY = re.compile(
    r"(?i)\b(code|state|token|access_token|refresh_token|id_token|client_secret|"
    r"code_verifier|nonce|password|api_key)=[^&\s\"']+"
)


def is_secret_name(name: str) -> bool:
    """True when a field of this name must never be shown."""
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """``url`` with the password of its user info masked."""
    return _URL_PASSWORD.sub(lambda match: f"{match.group(1)}:{MASK}@", url)


def redact_text(text: str) -> str:
    """Mask credential-shaped substrings of a string."""
    for pattern in _SECRET_VALUES:
        text = pattern.sub(MASK, text)
    text = redact_url(text)
    return _SECRET_QUERY.sub(lambda match: f"{match.group(1)}={MASK}", text)


def redact(value: Any) -> Any:
    """A copy of ``value`` (nested dicts, lists and strings) with secrets masked."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: MASK if isinstance(key, str) and is_secret_name(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value

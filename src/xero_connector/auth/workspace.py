"""The format of a ``workspace_id``: an opaque string of 1-128 characters ``[A-Za-z0-9._:-]``."""

from __future__ import annotations

import re

from xero_connector.errors import InvalidInput

WORKSPACE_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
_WORKSPACE_ID = re.compile(WORKSPACE_ID_PATTERN)


def is_valid_workspace_id(value: str) -> bool:
    """True for a well-formed workspace id."""
    return bool(_WORKSPACE_ID.fullmatch(value))


def check_workspace_id(value: str) -> str:
    """Return ``value`` when well formed; raise 422 otherwise."""
    if not is_valid_workspace_id(value):
        raise InvalidInput(
            "workspace_id must be 1-128 characters of letters, digits, '.', '_', ':' or '-'"
        )
    return value

"""Keys of ours that Xero stores and can search, so a record is found again after a lost answer.

- a contact's ``ContactNumber`` is its key (Xero: at most 50 characters);
- a sales invoice with a platform ``number`` is found by its ``InvoiceNumber`` (unique for ACCREC);
  one without is found by the key in brackets at the end of its ``Reference``;
- a bill (ACCPAY: Xero's ``Reference`` is for sales invoices only; a bill's printed reference is its
  ``InvoiceNumber``) carries the bracketed key at the end of its ``InvoiceNumber``;
- a bank transaction carries it at the end of its ``Reference``.

A key is ``xc-<6 hex of the connection>-<external id>``; an external id that is too long or has
characters a ``where`` filter would have to escape is shortened and given 16 hex of its sha256. The
connection part keeps two workspaces that connected the same organisation from finding each
other's documents.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

KEY_LENGTH = 50
_PLAIN = re.compile(r"^[A-Za-z0-9._:/-]+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._:/-]")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def record_key(connection_id: str, external_id: str) -> str:
    """The searchable key (at most 50 characters) of one record of one connection."""
    prefix = f"xc-{_sha(connection_id)[:6]}-"
    room = KEY_LENGTH - len(prefix)
    if _PLAIN.match(external_id) and len(external_id) <= room:
        return prefix + external_id
    readable = _UNSAFE.sub("_", external_id)[: room - 17]
    return f"{prefix}{readable}-{_sha(external_id)[:16]}"


def tagged(text: str | None, key: str, *, max_length: int = 255) -> str:
    """``text`` with ``[key]`` at its end (the form searched with ``Contains``), ``text`` cut so
    the whole fits in ``max_length`` (Xero's limit for references and bill numbers)."""
    if not text:
        return f"[{key}]"
    return f"{text[: max_length - len(key) - 3]} [{key}]"


@dataclass(frozen=True)
class SearchKey:
    """How to find a record's document in Xero: ``GET <resource>?where=<where>``."""

    resource: str
    field: str
    value: str
    exact: bool

    @property
    def where(self) -> str:
        """A Xero ``where`` expression (quotes and backslashes in the value escaped)."""
        value = self.value.replace("\\", "\\\\").replace('"', '\\"')
        if self.exact:
            return f'{self.field}=="{value}"'
        return f'{self.field}.Contains("{value}")'

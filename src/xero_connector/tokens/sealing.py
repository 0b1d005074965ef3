"""Seal a TokenSet into a grant row and open it again, through the vault.

The token set of grant ``G`` is sealed for ``xero_grants.token_ciphertext`` of row ``G`` (the vault
puts table, row id and column into the AEAD associated data), so a ciphertext copied to another
grant never opens. ``access_expires_at`` is written beside the ciphertext, in clear, so the refresh
cron can select due grants without decrypting anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from xero_connector.db.base import new_id
from xero_connector.db.models import XeroGrant
from xero_connector.tokens.errors import GrantShredded
from xero_connector.xero.tokenset import TokenSet

TABLE = "xero_grants"
COLUMN = "token_ciphertext"


class SealedEnvelope(Protocol):
    """What ``Vault.seal`` returns (``xero_connector.vault.Envelope`` satisfies it)."""

    @property
    def ciphertext(self) -> bytes: ...

    @property
    def data_key_wrapped(self) -> bytes: ...

    @property
    def kek_id(self) -> str: ...


class TokenVault(Protocol):
    """The two vault operations the token layer needs (``xero_connector.vault.Vault``)."""

    def seal(self, plaintext: bytes, *, table: str, row_id: str, column: str) -> SealedEnvelope: ...

    def open(self, envelope: Any, *, table: str, row_id: str, column: str) -> bytes: ...


@dataclass(frozen=True)
class StoredEnvelope:
    """The envelope read back from a row's three columns (same fields as the vault's Envelope)."""

    ciphertext: bytes = field(repr=False)
    data_key_wrapped: bytes = field(repr=False)
    kek_id: str


@dataclass(frozen=True)
class SealedTokens:
    """The column values of a sealed token set, ready for an UPDATE (see ``as_values``)."""

    token_ciphertext: bytes = field(repr=False)
    data_key_wrapped: bytes = field(repr=False)
    kek_id: str
    access_expires_at: datetime

    def as_values(self) -> dict[str, Any]:
        return {
            "token_ciphertext": self.token_ciphertext,
            "data_key_wrapped": self.data_key_wrapped,
            "kek_id": self.kek_id,
            "access_expires_at": self.access_expires_at,
        }


def seal_tokens(vault: TokenVault, grant_id: str, tokens: TokenSet) -> SealedTokens:
    """Seal ``tokens`` for grant ``grant_id``; a fresh data key every time."""
    envelope = vault.seal(tokens.to_bytes(), table=TABLE, row_id=grant_id, column=COLUMN)
    return SealedTokens(
        envelope.ciphertext, envelope.data_key_wrapped, envelope.kek_id, tokens.expires_at
    )


def seal_into(vault: TokenVault, grant: XeroGrant, tokens: TokenSet) -> None:
    """Seal ``tokens`` into ``grant`` (assigning its id first if it has none yet).

    Sets ``token_ciphertext``, ``data_key_wrapped``, ``kek_id`` and ``access_expires_at``. The
    caller flushes and commits. Use this when creating a grant (the OAuth callback); refreshes go
    through the token service, which writes with a compare-and-set on ``refresh_generation``.
    """
    if not grant.id:
        grant.id = new_id()
    sealed = seal_tokens(vault, grant.id, tokens)
    grant.token_ciphertext = sealed.token_ciphertext
    grant.data_key_wrapped = sealed.data_key_wrapped
    grant.kek_id = sealed.kek_id
    grant.access_expires_at = sealed.access_expires_at


def open_tokens(vault: TokenVault, grant: XeroGrant) -> TokenSet:
    """Decrypt the token set of ``grant``; ``GrantShredded`` once its keys were destroyed.

    A ciphertext that belongs to another row fails inside the vault (DecryptionError).
    """
    if grant.token_ciphertext is None or grant.data_key_wrapped is None or grant.kek_id is None:
        raise GrantShredded(grant.id)
    envelope = StoredEnvelope(grant.token_ciphertext, grant.data_key_wrapped, grant.kek_id)
    return TokenSet.from_bytes(vault.open(envelope, table=TABLE, row_id=grant.id, column=COLUMN))

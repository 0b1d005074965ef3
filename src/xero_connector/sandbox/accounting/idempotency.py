"""``Idempotency-Key`` on writes: a replay within the window gets the first answer back.

Keys are remembered per tenant with a fingerprint of the request (method, path, query, body). The
same key with a different request is refused with a 400. Keys longer than 128 characters are refused
too. Entries expire after ``window_seconds`` of sandbox time.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

MAX_KEY_LENGTH = 128


@dataclass(frozen=True, slots=True)
class Remembered:
    """The first answer to a key."""

    fingerprint: bytes
    status: int
    body: bytes
    expires_at: float


def fingerprint(method: str, path: str, query: str, body: bytes) -> bytes:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode()):
        digest.update(part)
        digest.update(b"\0")
    digest.update(body)
    return digest.digest()


class IdempotencyCache:
    """Remembered answers by (tenant, key), oldest first so expiry is a pop from the front."""

    def __init__(self, window_seconds: float) -> None:
        self.window_seconds = window_seconds
        self._entries: OrderedDict[tuple[str, str], Remembered] = OrderedDict()

    def clear(self) -> None:
        self._entries.clear()

    def _expire(self, now: float) -> None:
        while self._entries:
            key, entry = next(iter(self._entries.items()))
            if entry.expires_at > now:
                break
            del self._entries[key]

    def lookup(self, tenant_id: str, key: str, now: float) -> Remembered | None:
        self._expire(now)
        return self._entries.get((tenant_id, key))

    def remember(
        self, tenant_id: str, key: str, print_: bytes, status: int, body: bytes, now: float
    ) -> None:
        self._entries[(tenant_id, key)] = Remembered(
            print_, status, body, now + self.window_seconds
        )
        self._entries.move_to_end((tenant_id, key))

"""The identity side's composition: one object the routers share."""

from __future__ import annotations

from dataclasses import dataclass

from xero_connector.sandbox.identity.keys import SigningKey
from xero_connector.sandbox.identity.store import IdentityStore
from xero_connector.sandbox.identity.tokens import TokenService
from xero_connector.sandbox.world import World


@dataclass
class Identity:
    """World, identity store, signing key and token service of one sandbox."""

    world: World
    store: IdentityStore
    key: SigningKey
    tokens: TokenService

    @classmethod
    def create(cls, world: World) -> Identity:
        store = IdentityStore(world)
        key = SigningKey(kid=world.new_id().replace("-", "")[:20])
        return cls(world, store, key, TokenService(world, store, key))

    def reset(self) -> None:
        self.store.reset()

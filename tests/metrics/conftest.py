"""Metrics tests reuse the token fixtures (fresh database, vault, fake token endpoint)."""

from tests.tokens.conftest import (
    db_url,
    engine,
    fake,
    http,
    make_service,
    seed_grant,
    sessions,
    vault,
)

__all__ = ["db_url", "engine", "fake", "http", "make_service", "seed_grant", "sessions", "vault"]

"""A separate process with its own event loop and pool that asks for a grant's access token at
scheduled instants (used by the multi-process tests; not a test module).

Environment: XC_DB_URL, XC_KEYS, XC_SANDBOX, XC_GRANT, XC_START (epoch seconds), XC_ROUNDS,
XC_PERIOD, XC_CALLERS (concurrent callers per round), XC_HOLD_AFTER_CALL (seconds to sleep after
the token call returns, before storing: a window in which to kill the process).
Prints one JSON line: {"tokens": [...per round...], "errors": [...]} (token hashes, not tokens).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time

import httpx

from tests.tokens.sandbox_support import SandboxServer
from xero_connector.db.engine import make_engine, make_session_factory
from xero_connector.tokens.locks import PgAdvisoryGrantLocks
from xero_connector.tokens.refresh import RefreshPolicy
from xero_connector.tokens.service import TokenService
from xero_connector.vault import LocalKeyring, Vault
from xero_connector.xero.tokenset import TokenSet


class SlowAfterCall:
    def __init__(self, inner: object, hold: float) -> None:
        self._inner = inner
        self._hold = hold

    async def refresh(self, refresh_token: str) -> TokenSet:
        tokens: TokenSet = await self._inner.refresh(refresh_token)  # type: ignore[attr-defined]
        print(json.dumps({"token_call_done": True}), flush=True)
        await asyncio.sleep(self._hold)
        return tokens

    async def revoke(self, refresh_token: str) -> None:
        await self._inner.revoke(refresh_token)  # type: ignore[attr-defined]


async def main() -> None:
    env = os.environ
    engine = make_engine(env["XC_DB_URL"])
    async with httpx.AsyncClient() as http:
        identity = SandboxServer(env["XC_SANDBOX"]).identity(http)
        hold = float(env.get("XC_HOLD_AFTER_CALL", "0"))
        service = TokenService(
            session_factory=make_session_factory(engine),
            vault=Vault(LocalKeyring.from_setting(env["XC_KEYS"])),
            identity=SlowAfterCall(identity, hold) if hold else identity,
            locks=PgAdvisoryGrantLocks(engine, wait_seconds=30),
            policy=RefreshPolicy(grace_retry_pause_seconds=0.05),
        )
        grant_id = env["XC_GRANT"]
        start, period = float(env["XC_START"]), float(env.get("XC_PERIOD", "1"))
        rounds, callers = int(env.get("XC_ROUNDS", "1")), int(env.get("XC_CALLERS", "1"))
        seen: list[list[str]] = []
        errors: list[str] = []
        for index in range(rounds):
            await asyncio.sleep(max(0.0, start + index * period - time.time()))
            results = await asyncio.gather(
                *(service.access_token(grant_id) for _ in range(callers)), return_exceptions=True
            )
            seen.append(
                sorted(
                    {
                        hashlib.sha256(r.encode()).hexdigest()[:12]
                        for r in results
                        if isinstance(r, str)
                    }
                )
            )
            errors += [type(r).__name__ for r in results if isinstance(r, BaseException)]
        await identity.aclose()
    await engine.dispose()
    print(json.dumps({"tokens": seen, "errors": errors}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())

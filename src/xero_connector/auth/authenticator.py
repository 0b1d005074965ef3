"""Turn an ``Authorization`` header into a :class:`Caller`, or refuse with 401."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from xero_connector.auth.api_keys import looks_like_api_key, verify_api_key
from xero_connector.auth.caller import Caller
from xero_connector.auth.dashboard_jwt import DashboardJwtVerifier, InvalidJwt
from xero_connector.auth.policy import Role
from xero_connector.errors import Unauthenticated
from xero_connector.logs import get_logger

log = get_logger(__name__)


class Authenticator:
    """Knows every way a caller may authenticate: API keys always, JWTs when configured."""

    def __init__(self, jwt_verifier: DashboardJwtVerifier | None = None) -> None:
        self.jwt_verifier = jwt_verifier

    async def authenticate(self, session: AsyncSession, credential: str | None) -> Caller:
        """The caller presenting ``credential`` (the bearer token); 401 when absent or bad."""
        if not credential:
            raise Unauthenticated("a bearer credential (API key or dashboard JWT) is required")
        if looks_like_api_key(credential):
            row = await verify_api_key(session, credential)
            if row is None:
                raise Unauthenticated("the API key is unknown or revoked")
            return Caller(
                actor=f"api_key:{row.id}",
                role=Role(row.role),
                workspace_id=row.workspace_id,
                key_id=row.id,
            )
        if self.jwt_verifier is None:
            raise Unauthenticated("the credential is not a valid API key")
        try:
            claims = await self.jwt_verifier.verify(credential)
        except InvalidJwt as exc:
            log.info("jwt_rejected", reason=str(exc))
            raise Unauthenticated("the token is invalid or expired") from exc
        return Caller(
            actor=f"jwt:{claims.subject or claims.workspace_id}"[:200],
            role=Role.DASHBOARD,
            workspace_id=claims.workspace_id,
        )

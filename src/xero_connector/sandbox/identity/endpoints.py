"""Discovery, JWKS, ``/connect/token``, ``/connect/revocation`` and ``/connect/userinfo``.

Client authentication: HTTP Basic (``client_id:client_secret``, as Xero documents) or the
same pair in the form body. A bad or missing client answers 400 ``{"error":"invalid_client"}``:
Xero's identity server (IdentityServer) sends 400, not RFC 6749's 401; clients must cope.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import FormData

from xero_connector.sandbox.identity.authorize import KNOWN_SCOPES
from xero_connector.sandbox.identity.service import Identity
from xero_connector.sandbox.identity.token_faults import (
    next_refresh_fault,
    unavailable,
    withhold,
)
from xero_connector.sandbox.identity.tokens import OAuthError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def origin_of(request: Request) -> str:
    """The sandbox's own origin as the caller sees it (the issuer of every token)."""
    return str(request.base_url).rstrip("/")


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def authenticate_client(clients: dict[str, str], authorization: str | None, form: FormData) -> str:
    client_id: str | None
    secret: str | None
    if authorization and authorization[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client") from exc
        raw_id, sep, raw_secret = decoded.partition(":")
        if not sep:
            raise OAuthError("invalid_client")
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
    else:
        client_id, secret = _field(form, "client_id"), _field(form, "client_secret")
    expected = clients.get(client_id or "")
    if client_id is None or secret is None or expected is None:
        raise OAuthError("invalid_client")
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        raise OAuthError("invalid_client")
    return client_id


def build_identity_endpoints(identity: Identity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    world = identity.world

    def oauth_error(exc: OAuthError) -> JSONResponse:
        world.stats.token_errors[exc.error] += 1
        if exc.error == "invalid_grant":
            world.stats.invalid_grant[exc.grant_id or "unknown"] += 1
        return JSONResponse({"error": exc.error}, status_code=exc.status, headers=NO_STORE)

    @router.get("/.well-known/openid-configuration")
    async def discovery(request: Request) -> dict[str, Any]:
        origin = origin_of(request)
        return {
            "issuer": origin,
            "jwks_uri": f"{origin}/.well-known/openid-configuration/jwks",
            "authorization_endpoint": f"{origin}/identity/connect/authorize",
            "token_endpoint": f"{origin}/connect/token",
            "userinfo_endpoint": f"{origin}/connect/userinfo",
            "revocation_endpoint": f"{origin}/connect/revocation",
            "scopes_supported": sorted(KNOWN_SCOPES),
            "claims_supported": [
                "sub",
                "xero_userid",
                "email",
                "given_name",
                "family_name",
                "name",
                "preferred_username",
            ],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "request_parameter_supported": False,
        }

    @router.get("/.well-known/openid-configuration/jwks")
    async def jwks() -> dict[str, Any]:
        return identity.key.jwks()

    @router.post("/connect/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        grant_type = _field(form, "grant_type") or "missing"
        world.stats.token_calls[grant_type] += 1
        fault = next_refresh_fault(world) if grant_type == "refresh_token" else None
        if fault is not None:
            world.stats.faults[f"token_{fault}"] += 1
        if fault in ("500", "503"):
            return unavailable(int(fault))
        answer = token_answer(request, form, grant_type)
        if fault == "drop":
            return await withhold(request, world.config.hang_seconds)
        return answer

    def token_answer(request: Request, form: FormData, grant_type: str) -> Response:
        try:
            client_id = authenticate_client(
                world.config.clients, request.headers.get("authorization"), form
            )
            if grant_type == "authorization_code":
                body = identity.tokens.exchange_code(
                    client_id,
                    _field(form, "code") or "",
                    _field(form, "redirect_uri"),
                    _field(form, "code_verifier"),
                    origin_of(request),
                )
            elif grant_type == "refresh_token":
                body = identity.tokens.refresh(
                    client_id, _field(form, "refresh_token") or "", origin_of(request)
                )
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return oauth_error(exc)
        return JSONResponse(body, headers=NO_STORE)

    @router.post("/connect/revocation")
    async def revocation(request: Request) -> Response:
        form = await request.form()
        try:
            client_id = authenticate_client(
                world.config.clients, request.headers.get("authorization"), form
            )
            hint = _field(form, "token_type_hint")
            if hint not in (None, "refresh_token"):
                raise OAuthError("unsupported_token_type")
            identity.tokens.revoke(client_id, _field(form, "token") or "")
        except OAuthError as exc:
            return oauth_error(exc)
        return Response(status_code=200, headers=NO_STORE)

    @router.get("/connect/userinfo")
    async def userinfo(request: Request) -> Response:
        token = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        record = world.access_tokens.get(token)
        grant = identity.store.grants.get(record.grant_id) if record else None
        if record is None or grant is None or record.expires_at <= world.clock.now():
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        user = grant.user
        return JSONResponse(
            {
                "sub": user.subject,
                "xero_userid": user.user_id,
                "email": user.email,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "name": f"{user.given_name} {user.family_name}",
                "preferred_username": user.email,
            }
        )

    return router

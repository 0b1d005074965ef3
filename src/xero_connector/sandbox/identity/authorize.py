"""``/identity/connect/authorize`` and its pages: sign in, MFA, organisation picker, Allow/Cancel.

Form fields (documented in docs/sandbox.md): every page carries a hidden ``txn``; the sign-in
form posts ``email`` and ``password`` to ``/identity/connect/authorize/login``; the MFA form
posts ``code`` to ``.../mfa``; the consent form posts one ``tenant`` per chosen organisation
and ``action`` (``allow`` or ``cancel``) to ``.../consent``. Pages also answer
``X-Sandbox-Step`` and ``X-Sandbox-Txn`` headers so scripts need not parse HTML.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from xero_connector.sandbox.identity.pages import (
    error_line,
    error_page,
    organisation_choices,
    render,
)
from xero_connector.sandbox.identity.service import Identity
from xero_connector.sandbox.identity.store import AuthorizeRequest, LoginTransaction
from xero_connector.sandbox.identity.users import User, find_user

KNOWN_SCOPES = frozenset(
    {"openid", "profile", "email", "offline_access"}
    | {
        f"accounting.{area}{suffix}"
        for area in (
            "settings",
            "contacts",
            "transactions",
            "invoices",
            "banktransactions",
            "payments",
            "manualjournals",
            "attachments",
        )
        for suffix in ("", ".read")
    }
    | {"accounting.reports.read", "accounting.journals.read", "accounting.budgets.read"}
)

TxnField = Annotated[str, Form()]


def with_query(uri: str, params: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{query}"


def build_authorize_router(identity: Identity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    world, store, config = identity.world, identity.store, identity.world.config

    def redirect_back(request: AuthorizeRequest, status: int, **params: str | None) -> Response:
        location = with_query(request.redirect_uri, {**params, "state": request.state})
        return RedirectResponse(location, status_code=status)

    def current(txn: str) -> LoginTransaction | None:
        found = store.transactions.get(txn)
        if found is None or found.expires_at <= world.clock.now():
            store.transactions.pop(txn, None)
            return None
        return found

    def consent_page(txn: LoginTransaction, user: User, error: str | None = None) -> HTMLResponse:
        orgs = [world.organisations[t] for t in user.tenant_ids]
        return render(
            "consent",
            "Connect your organisation",
            step="consent",
            txn=txn.txn_id,
            raw={"error": error_line(error), "organisations": organisation_choices(orgs, set())},
            email=user.email,
            client_id=txn.request.client_id,
            scope=txn.request.scope,
        )

    def login_page(txn: LoginTransaction, email: str = "", error: str | None = None) -> Response:
        return render(
            "login",
            "Log in to Xero",
            step="login",
            txn=txn.txn_id,
            raw={"error": error_line(error)},
            email=email,
            client_id=txn.request.client_id,
        )

    def mfa_page(txn: LoginTransaction, user: User, error: str | None = None) -> Response:
        return render(
            "mfa",
            "Two-step authentication",
            step="mfa",
            txn=txn.txn_id,
            raw={"error": error_line(error)},
            email=user.email,
        )

    @router.get("/identity/connect/authorize")
    async def authorize(request: Request) -> Response:
        q = request.query_params
        client_id = q.get("client_id", "")
        if client_id not in config.clients:
            return error_page("unauthorized_client", "Unknown client or client not enabled.")
        redirect_uri = q.get("redirect_uri", "")
        parts = urlsplit(redirect_uri)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment:
            return error_page("invalid_request", "redirect_uri is missing or not an absolute URL.")
        if config.redirect_uris and redirect_uri not in config.redirect_uris:
            return error_page("invalid_request", "redirect_uri is not registered for this app.")
        scope = " ".join(q.get("scope", "").split())
        params = AuthorizeRequest(
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=q.get("state"),
            nonce=q.get("nonce"),
            code_challenge=q.get("code_challenge"),
        )
        if q.get("response_type") != "code":
            return redirect_back(params, 302, error="unsupported_response_type")
        scopes = set(scope.split())
        if "openid" not in scopes or not scopes <= KNOWN_SCOPES:
            return redirect_back(params, 302, error="invalid_scope")
        method = q.get("code_challenge_method")
        if (params.code_challenge or method) and (method != "S256" or not params.code_challenge):
            return redirect_back(params, 302, error="invalid_request")
        if config.auto_approve:
            user = find_user(config.auto_approve)
            if user is not None:
                code = identity.tokens.issue_code(params, user, user.tenant_ids)
                return redirect_back(params, 302, code=code, scope=scope)
        txn = LoginTransaction(
            secrets.token_urlsafe(16), params, world.clock.now() + config.login_seconds
        )
        store.transactions[txn.txn_id] = txn
        return login_page(txn)

    @router.post("/identity/connect/authorize/login")
    async def login(
        txn: TxnField, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = ""
    ) -> Response:
        found = current(txn)
        if found is None:
            return error_page("invalid_request", "This sign-in has expired; start again.")
        user = find_user(email)
        if user is None or "@" not in email or not hmac.compare_digest(password, user.password):
            return login_page(found, email, "Your email or password is incorrect.")
        found.user, found.needs_mfa = user, user.mfa_code is not None
        return mfa_page(found, user) if found.needs_mfa else consent_page(found, user)

    @router.post("/identity/connect/authorize/mfa")
    async def mfa(txn: TxnField, code: Annotated[str, Form()] = "") -> Response:
        found = current(txn)
        if found is None or found.user is None or found.user.mfa_code is None:
            return error_page("invalid_request", "No sign-in is waiting for a code.")
        if not hmac.compare_digest(code.strip(), found.user.mfa_code):
            return mfa_page(found, found.user, "That code is not valid.")
        found.needs_mfa = False
        return consent_page(found, found.user)

    @router.post("/identity/connect/authorize/consent")
    async def consent(
        txn: TxnField,
        action: Annotated[str, Form()] = "",
        tenant: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        found = current(txn)
        if found is None or found.user is None or found.needs_mfa:
            return error_page("invalid_request", "Sign in before choosing organisations.")
        user = found.user
        if action == "cancel":
            del store.transactions[txn]
            return redirect_back(found.request, 303, error="access_denied")
        if action != "allow":
            return consent_page(found, user, "Choose Allow access or Cancel.")
        chosen = tuple(t for t in user.tenant_ids if t in {x.lower() for x in tenant or []})
        if not chosen or len(chosen) != len(set(tenant or [])):
            return consent_page(found, user, "Select at least one of your organisations.")
        del store.transactions[txn]
        code = identity.tokens.issue_code(found.request, user, chosen)
        return redirect_back(found.request, 303, code=code, scope=found.request.scope)

    return router

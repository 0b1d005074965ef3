"""A browser on the Xero sandbox's consent pages: sign in, MFA, pick organisations, allow.

Each step posts the form a person would submit and checks the page it lands on (its
``X-Sandbox-Step``, that the hidden ``txn`` matches ``X-Sandbox-Txn``, what it shows). Redirects
are never followed blindly: the last step returns the URL the sandbox sends the browser to, and
the test decides what to do with it. Users, passwords and the MFA code are docs/sandbox.md's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx

AU = "a3b7c1d2-0000-4000-8000-000000000001"
UK = "a3b7c1d2-0000-4000-8000-000000000002"
US = "a3b7c1d2-0000-4000-8000-000000000003"
TENANT_NAMES = {AU: "Demo Company (AU)", UK: "Demo Company (UK)", US: "Demo Company (US)"}


@dataclass(frozen=True)
class SandboxUser:
    email: str
    password: str
    tenants: tuple[str, ...]
    mfa_code: str | None = None


ALICE = SandboxUser("alice@sandbox.test", "alice-password", (AU,))
BOB = SandboxUser("bob@sandbox.test", "bob-password", (AU, UK), mfa_code="246810")
CAROL = SandboxUser("carol@sandbox.test", "carol-password", (AU, UK, US))

_HIDDEN_TXN = re.compile(r'<input type="hidden" name="txn" value="([^"]+)">')
_TENANT_BOX = re.compile(r'<input type="checkbox" name="tenant" value="([^"]+)"[^>]*>\s*([^<]+)<')


def query_of(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (first value of each)."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _step(page: httpx.Response, expected: str) -> str:
    """Check that ``page`` is the ``expected`` step of one sign-in transaction; its txn."""
    assert page.status_code == 200, f"{expected} page: {page.status_code} {page.text[:300]}"
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-sandbox-step"] == expected, page.text[:500]
    match = _HIDDEN_TXN.search(page.text)
    assert match is not None, f"the {expected} page has no txn field"
    assert match.group(1) == page.headers["x-sandbox-txn"]
    return match.group(1)


@dataclass
class ConsentPages:
    """One sign-in transaction at the sandbox, driven step by step with form posts."""

    http: httpx.AsyncClient
    origin: str
    txn: str = ""

    async def open(self, authorize_url: str) -> httpx.Response:
        """Open the connect link: the sign-in page."""
        page = await self.http.get(authorize_url, follow_redirects=False)
        self.txn = _step(page, "login")
        assert 'name="email"' in page.text
        assert 'name="password"' in page.text
        return page

    async def sign_in(self, user: SandboxUser) -> httpx.Response:
        """Email and password: the MFA page for users with a code, else the organisation picker."""
        page = await self._post("login", email=user.email, password=user.password)
        if user.mfa_code is not None:
            assert _step(page, "mfa") == self.txn
            assert 'name="code"' in page.text
        else:
            self._check_picker(page, user)
        return page

    async def enter_mfa(self, user: SandboxUser) -> httpx.Response:
        assert user.mfa_code is not None
        page = await self._post("mfa", code=user.mfa_code)
        self._check_picker(page, user)
        return page

    async def decide(self, tenants: tuple[str, ...], *, action: str = "allow") -> str:
        """Allow (with the ticked organisations) or cancel; the redirect the browser is sent to."""
        answer = await self.http.post(
            f"{self.origin}/identity/connect/authorize/consent",
            data={"txn": self.txn, "tenant": list(tenants), "action": action},
            follow_redirects=False,
        )
        assert answer.status_code in (302, 303), answer.text[:500]
        return answer.headers["location"]

    async def _post(self, step: str, **fields: str) -> httpx.Response:
        return await self.http.post(
            f"{self.origin}/identity/connect/authorize/{step}",
            data={"txn": self.txn, **fields},
            follow_redirects=False,
        )

    def _check_picker(self, page: httpx.Response, user: SandboxUser) -> None:
        assert _step(page, "consent") == self.txn
        offered = {value: unescape(name).strip() for value, name in _TENANT_BOX.findall(page.text)}
        assert offered == {tenant: TENANT_NAMES[tenant] for tenant in user.tenants}
        assert 'value="allow"' in page.text
        assert 'value="cancel"' in page.text


async def consent_as(
    http: httpx.AsyncClient,
    authorize_url: str,
    user: SandboxUser,
    *,
    tenants: tuple[str, ...] | None = None,
    action: str = "allow",
) -> str:
    """Walk every page as ``user``; the URL the sandbox redirects the browser to (not followed).

    ``tenants`` defaults to all of the user's organisations.
    """
    parts = urlsplit(authorize_url)
    pages = ConsentPages(http, f"{parts.scheme}://{parts.netloc}")
    await pages.open(authorize_url)
    await pages.sign_in(user)
    if user.mfa_code is not None:
        await pages.enter_mfa(user)
    location = await pages.decide(user.tenants if tenants is None else tenants, action=action)
    assert query_of(location)["state"] == query_of(authorize_url)["state"]
    return location

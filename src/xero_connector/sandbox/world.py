"""The sandbox's shared state: configuration, clock, seeded organisations, issued access tokens,
counters. The identity side issues tokens into ``World.access_tokens``; the accounting side asks
``World.authorize`` which tenant a call may touch. Everything is in memory; randomness is seeded.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

from xero_connector.sandbox.windows import WindowKind


@dataclass(frozen=True)
class Organisation:
    """A seeded Xero organisation (a "tenant")."""

    tenant_id: str
    name: str
    country: str  # "AU", "GB", "US", ...
    timezone: str  # Xero's timezone name, e.g. "AUSEASTERNSTANDARDTIME"
    base_currency: str
    short_code: str
    tenant_type: str = "ORGANISATION"


ORGANISATIONS: tuple[Organisation, ...] = (
    Organisation(
        "a3b7c1d2-0000-4000-8000-000000000001",
        "Demo Company (AU)",
        "AU",
        "AUSEASTERNSTANDARDTIME",
        "AUD",
        "!au001",
    ),
    Organisation(
        "a3b7c1d2-0000-4000-8000-000000000002",
        "Demo Company (UK)",
        "GB",
        "GMTSTANDARDTIME",
        "GBP",
        "!uk002",
    ),
    Organisation(
        "a3b7c1d2-0000-4000-8000-000000000003",
        "Demo Company (US)",
        "US",
        "EASTERNSTANDARDTIME",
        "USD",
        "!us003",
    ),
)


@dataclass
class SandboxConfig:
    """Everything the ``sandbox`` command's flags set."""

    clients: dict[str, str] = field(default_factory=dict)  # client id -> secret
    grace_seconds: float = 1800.0
    time_scale: float = 1.0
    strict: bool = True
    auto_approve: str | None = None
    latency_ms: float = 0.0  # mean added latency (0 = none)
    latency_jitter_ms: float = 0.0
    fault_5xx: float = 0.0  # share of accounting calls answered 500/503
    fault_drop: float = 0.0  # share of writes applied but never answered
    fault_hang: float = 0.0  # share of calls that hang (for client timeouts)
    fault_token_drop: float = 0.0  # share of refresh calls applied but never answered
    fault_token_5xx: float = 0.0  # share of refresh calls answered 500/503, nothing applied
    seed: int = 0
    tenant_concurrency: int = 5
    tenant_per_minute: int = 60
    tenant_per_day: int = 5000
    app_per_minute: int = 10000
    limit_windows: WindowKind = "rolling"  # or "fixed" (see windows.py)
    access_token_seconds: int = 1800
    code_seconds: int = 300
    idempotency_seconds: float = 600.0
    max_body_bytes: int = 3_500_000
    refresh_token_seconds: float = 60 * 86400.0  # a refresh token unused this long expires
    login_seconds: float = 1800.0  # how long a sign-in/consent page transaction stays usable
    hang_seconds: float = 600.0  # real seconds a hung or dropped call is held before giving up
    redirect_uris: tuple[str, ...] = ()  # when set, the only redirect URIs authorize accepts

    def __repr__(self) -> str:
        # client secrets never appear in a repr
        return (
            f"SandboxConfig(clients={sorted(self.clients)}, grace_seconds={self.grace_seconds}, "
            f"time_scale={self.time_scale}, strict={self.strict}, seed={self.seed})"
        )


class SandboxClock:
    """Sandbox time: real time sped up by ``time_scale`` (rate-limit windows and grace use it)."""

    def __init__(self, time_scale: float = 1.0) -> None:
        self.time_scale = time_scale
        self._real_start = time.time()
        self._mono_start = time.monotonic()
        self._skipped = 0.0

    def now(self) -> float:
        """Sandbox epoch seconds."""
        elapsed = (time.monotonic() - self._mono_start) * self.time_scale
        return self._real_start + elapsed + self._skipped

    def advance(self, sandbox_seconds: float) -> None:
        """Jump sandbox time forward (tests: expire codes, grace periods, windows)."""
        self._skipped += sandbox_seconds

    def real_seconds(self, sandbox_seconds: float) -> float:
        return sandbox_seconds / self.time_scale


@dataclass
class AccessRecord:
    """What an issued access token may reach."""

    tenant_ids: frozenset[str]
    expires_at: float  # sandbox epoch seconds
    grant_id: str
    auth_event_id: str
    client_id: str = ""  # the app it was issued to (rate limits are per app)


@dataclass
class Stats:
    """Counters read by ``/_sandbox/stats``; tests assert on them."""

    calls: Counter[str] = field(default_factory=Counter)  # by "METHOD /path-template"
    calls_per_tenant: Counter[str] = field(default_factory=Counter)
    breaches: Counter[str] = field(default_factory=Counter)  # by problem: minute, day, ...
    schema_violations: list[dict[str, str]] = field(default_factory=list)
    token_calls: Counter[str] = field(default_factory=Counter)  # by grant_type
    rotations: Counter[str] = field(default_factory=Counter)  # by grant id
    invalid_grant: Counter[str] = field(default_factory=Counter)  # by grant id ("unknown" if none)
    # by kind: 500, 503, drop, hang (API); token_drop, token_500, token_503 (refresh calls)
    faults: Counter[str] = field(default_factory=Counter)
    grace_reuses: Counter[str] = field(default_factory=Counter)  # by grant id
    token_errors: Counter[str] = field(default_factory=Counter)  # by OAuth error code

    def as_dict(self) -> dict[str, object]:
        return {
            "calls": dict(self.calls),
            "calls_per_tenant": dict(self.calls_per_tenant),
            "breaches": dict(self.breaches),
            "breaches_total": sum(self.breaches.values()),
            "schema_violations": len(self.schema_violations),
            "schema_violation_samples": self.schema_violations[:20],
            "token_calls": dict(self.token_calls),
            "rotations": dict(self.rotations),
            "invalid_grant": dict(self.invalid_grant),
            "faults": dict(self.faults),
            "faults_total": sum(self.faults.values()),
            "grace_reuses": dict(self.grace_reuses),
            "token_errors": dict(self.token_errors),
        }


class AccessDenied(Exception):
    """An accounting call's credentials do not reach the tenant: status and Xero-shaped body."""

    def __init__(self, status: int, body: dict[str, object]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class World:
    """All sandbox state. One per sandbox app; ``reset`` returns to the seeded start."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock(config.time_scale)
        self.organisations = {org.tenant_id: org for org in ORGANISATIONS}
        self.reset()

    def reset(self) -> None:
        self.rng = random.Random(self.config.seed)  # noqa: S311  (simulation, not security)
        # ids (users' connections, auth events, grants) come from their own stream, so they do not
        # shift the fault sequence and a given seed replays the same ids
        self._ids = random.Random(f"{self.config.seed}:ids")  # noqa: S311
        # token-endpoint faults draw from a third stream, so turning them on leaves the API's
        # fault sequence as it was
        self.token_rng = random.Random(f"{self.config.seed}:token-faults")  # noqa: S311
        # faults a test asked for, applied to the next refresh calls in order ("drop", "500", ...)
        self.next_refresh_faults: deque[str] = deque()
        # and to the next API writes (PUT/POST) in order ("drop", "500", "503")
        self.next_write_faults: deque[str] = deque()
        self.stats = Stats()
        self.access_tokens: dict[str, AccessRecord] = {}
        # tenants a user disconnected "from inside Xero", by grant id
        self.disconnected: defaultdict[str, set[str]] = defaultdict(set)

    def new_id(self) -> str:
        """A deterministic (seeded) UUID4-shaped identifier."""
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def issue_test_token(
        self, tenant_ids: list[str], grant_id: str = "test", client_id: str = "test"
    ) -> str:
        """An opaque access token reaching ``tenant_ids`` (for benchmarks and direct seeding)."""
        token = secrets.token_urlsafe(32)
        self.access_tokens[token] = AccessRecord(
            frozenset(tenant_ids),
            self.clock.now() + self.config.access_token_seconds,
            grant_id,
            auth_event_id=secrets.token_hex(8),
            client_id=client_id,
        )
        return token

    def app_of(self, authorization: str | None) -> str:
        """The client id an API call's bearer token was issued to ("" for an unknown token)."""
        record = self.access_tokens.get((authorization or "").removeprefix("Bearer ").strip())
        return record.client_id if record is not None else ""

    def authorize(self, authorization: str | None, tenant_id: str | None) -> str:
        """The tenant an accounting call may touch, or AccessDenied shaped as Xero answers."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        record = self.access_tokens.get(token)
        if record is None or record.expires_at <= self.clock.now():
            raise AccessDenied(
                401,
                {
                    "Type": None,
                    "Title": "Unauthorized",
                    "Status": 401,
                    "Detail": "TokenExpired: token expired" if record else "TokenInvalid",
                },
            )
        # Tenant ids are GUIDs: matched case-insensitively, as the limiter counts them.
        tenant_id = tenant_id.strip().lower() if tenant_id else None
        if (
            not tenant_id
            or tenant_id not in record.tenant_ids
            or tenant_id in self.disconnected[record.grant_id]
        ):
            raise AccessDenied(
                403,
                {
                    "Type": None,
                    "Title": "Forbidden",
                    "Status": 403,
                    "Detail": "AuthenticationUnsuccessful",
                },
            )
        return tenant_id

"""The seeded test users of the sandbox's authorize pages (listed in docs/sandbox.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xero_connector.sandbox.world import ORGANISATIONS

_AU, _UK, _US = (org.tenant_id for org in ORGANISATIONS)


@dataclass(frozen=True)
class User:
    """A Xero user: sign-in credentials, optional MFA code, and the organisations they belong to."""

    user_id: str  # Xero's ``xero_userid``
    email: str
    password: str = field(repr=False)
    given_name: str
    family_name: str
    tenant_ids: tuple[str, ...]
    mfa_code: str | None = field(default=None, repr=False)

    @property
    def subject(self) -> str:
        """The OpenID ``sub``: a 32-hex identifier, as Xero's are."""
        return self.user_id.replace("-", "")

    @property
    def username(self) -> str:
        return self.email.split("@", 1)[0]


USERS: tuple[User, ...] = (
    User(
        "5c2f7b1e-0000-4000-9000-00000000a11c",
        "alice@sandbox.test",
        "alice-password",
        "Alice",
        "Able",
        (_AU,),
    ),
    User(
        "5c2f7b1e-0000-4000-9000-000000000b0b",
        "bob@sandbox.test",
        "bob-password",
        "Bob",
        "Baker",
        (_AU, _UK),
        mfa_code="246810",
    ),
    User(
        "5c2f7b1e-0000-4000-9000-00000000ca01",
        "carol@sandbox.test",
        "carol-password",
        "Carol",
        "Cole",
        (_AU, _UK, _US),
    ),
)


def find_user(name: str) -> User | None:
    """A user by email (case-insensitive) or by the part before the ``@`` (``--auto-approve``)."""
    wanted = name.strip().lower()
    for user in USERS:
        if wanted in (user.email, user.username):
            return user
    return None

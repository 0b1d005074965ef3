"""The sandbox with extra organisations, for benchmarks of many tenants.

    python bench/many_orgs_sandbox.py COUNT [sandbox flags...]

Adds COUNT Australian organisations ("Bench Company n") to the three the sandbox seeds, and a
seeded user ``bench`` (``--auto-approve bench``) who belongs to exactly those, then runs
``xero-connector sandbox`` with the remaining flags. Everything else is the sandbox as shipped:
each extra organisation gets its own ledger, chart and limits.
"""

from __future__ import annotations

import sys

from xero_connector.sandbox import world
from xero_connector.sandbox.identity import users

BENCH_USER = "bench"


def bench_organisations(count: int) -> tuple[world.Organisation, ...]:
    return tuple(
        world.Organisation(
            f"b3e7c1d2-0000-4000-8000-{n:012x}",
            f"Bench Company {n}",
            "AU",
            "AUSEASTERNSTANDARDTIME",
            "AUD",
            f"!b{n:04d}",
        )
        for n in range(count)
    )


def main() -> None:
    count, flags = int(sys.argv[1]), sys.argv[2:]
    extra = bench_organisations(count)
    world.ORGANISATIONS = world.ORGANISATIONS + extra
    user = users.User(
        "5c2f7b1e-0000-4000-9000-0000000be7c4",
        f"{BENCH_USER}@sandbox.test",
        "bench-password",
        "Bench",
        "Runner",
        tuple(org.tenant_id for org in extra),
    )
    users.USERS = (*users.USERS, user)
    from xero_connector.cli import app

    app(["sandbox", *flags])


if __name__ == "__main__":
    main()

"""The ``xero-connector`` command; each subcommand (group) has its own module here."""

from __future__ import annotations

import typer

from xero_connector.cli import (
    api_keys,
    connections,
    demo_data,
    keys,
    migrate,
    records,
    sandbox,
    serve,
    syncs,
    worker,
)

HELP = """Connect workspaces to Xero and stream their ledger into it: OAuth, an encrypted token
vault, the token lifecycle, mappings and an exactly-once sync.

Try it with `xero-connector dev`: everything in one process, on SQLite, with a built-in Xero
sandbox. In production run `migrate`, then `api` and `worker`, against Postgres and Redis.
Settings are XERO_CONNECTOR_* environment variables (see the README).
"""

# Plain help text (no rich panels: they cut long option names at 80 columns), and tracebacks
# without local variables, which may hold secrets.
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help=HELP,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
)
for module in (
    serve,
    worker,
    migrate,
    keys,
    api_keys,
    connections,
    syncs,
    records,
    demo_data,
    sandbox,
):
    module.register(app)


def main() -> None:
    app()

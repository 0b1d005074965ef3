"""The ``xero-connector`` command. Each subcommand group lives in its own module."""

from __future__ import annotations

import typer

from xero_connector.cli import keys, migrate, sandbox, worker

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
migrate.register(app)
keys.register(app)
sandbox.register(app)
worker.register(app)


def main() -> None:
    app()

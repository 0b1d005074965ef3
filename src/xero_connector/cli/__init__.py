"""The ``xero-connector`` command. Each subcommand group lives in its own module."""

from __future__ import annotations

import typer

from xero_connector.cli import api_keys, keys, migrate, sandbox, serve, worker

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
migrate.register(app)
keys.register(app)
api_keys.register(app)
serve.register(app)
sandbox.register(app)
worker.register(app)


def main() -> None:
    app()

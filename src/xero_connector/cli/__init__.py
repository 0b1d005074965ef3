"""The ``xero-connector`` command. Each subcommand group lives in its own module."""

from __future__ import annotations

import typer

from xero_connector.cli import api_keys, keys, migrate, sandbox, serve, worker

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
for module in (serve, worker, migrate, keys, api_keys, sandbox):
    module.register(app)


def main() -> None:
    app()

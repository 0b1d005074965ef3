"""What the operator commands print: aligned tables for a person, ``--json`` for a program."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

import typer
from pydantic import BaseModel

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def cell(value: Any) -> str:
    """A value as a table shows it (None as ``-``)."""
    if value is None:
        return "-"
    if isinstance(value, Mapping):
        return json.dumps(value, separators=(",", ":"), default=str)
    return str(value)


def print_table(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
    """``columns`` of ``rows`` as left-aligned columns under a header line."""
    cells = [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [
        max([len(column), *(len(line[i]) for line in cells)]) for i, column in enumerate(columns)
    ]
    for line in [list(columns), *cells]:
        typer.echo(
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
        )


def print_record(model: BaseModel) -> None:
    """One object as ``field  value`` lines."""
    fields = model.model_dump(mode="json")
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        typer.echo(f"{name.ljust(width)}  {cell(value)}")


def print_json(value: BaseModel | Mapping[str, Any]) -> None:
    """``value`` as JSON, the REST API's shape."""
    data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
    typer.echo(json.dumps(data, indent=2, default=str))

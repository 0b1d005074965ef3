"""Renders the authorize flow's HTML pages from ``sandbox/templates`` (``string.Template``; every
value is HTML-escaped here, so templates never see raw input)."""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path
from string import Template

from fastapi.responses import HTMLResponse

from xero_connector.sandbox.world import Organisation

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _template(name: str) -> Template:
    return Template((TEMPLATES / f"{name}.html").read_text(encoding="utf-8"))


def render(
    name: str,
    title: str,
    *,
    status: int = 200,
    step: str | None = None,
    txn: str | None = None,
    raw: dict[str, str] | None = None,
    **values: str,
) -> HTMLResponse:
    """The page ``name`` inside the layout. ``raw`` values are trusted HTML made by this module."""
    fields = {key: html.escape(value) for key, value in values.items()}
    fields.update(raw or {})
    if txn is not None:
        fields["txn"] = html.escape(txn)
    content = _template(name).safe_substitute(fields)
    page = _template("page").safe_substitute(title=html.escape(title), content=content)
    headers = {"Cache-Control": "no-store"}
    if step is not None:
        headers["X-Sandbox-Step"] = step  # for scripted clients: login, mfa, consent
    if txn is not None:
        headers["X-Sandbox-Txn"] = txn
    return HTMLResponse(page, status_code=status, headers=headers)


def error_line(message: str | None) -> str:
    return f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""


def organisation_choices(organisations: list[Organisation], checked: set[str]) -> str:
    """Checkboxes named ``tenant``; a user with a single organisation has it ticked already."""
    rows = []
    for org in organisations:
        tick = " checked" if org.tenant_id in checked or len(organisations) == 1 else ""
        tenant_id = html.escape(org.tenant_id)
        rows.append(
            f'    <label class="org"><input type="checkbox" name="tenant" value="{tenant_id}"'
            f"{tick}> {html.escape(org.name)}</label>"
        )
    return "\n".join(rows)


def error_page(error: str, detail: str, status: int = 400) -> HTMLResponse:
    return render(
        "error", "Something went wrong", status=status, step="error", error=error, detail=detail
    )

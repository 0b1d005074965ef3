"""The integration page ("Tools -> Integrations -> Xero"): static files served at ``/ui/``.

HTML, CSS and vanilla JS modules, no build step and nothing loaded from elsewhere. The page only
calls the public JSON API with a dashboard JWT, as a platform's own front end would; this module
only mounts the files (it reaches no database and no service).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"
UI_PATH = "/ui"


def mount_ui(app: FastAPI) -> None:
    """Serve the page's files at ``/ui/`` (``/ui/`` answers ``index.html``)."""
    app.mount(UI_PATH, StaticFiles(directory=STATIC_DIR, html=True), name="ui")

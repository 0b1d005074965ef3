"""The committed API contract, ``openapi.yaml``: render it from the app, deterministically.

Regenerate after changing a route::

    python -m xero_connector.api.contract > openapi.yaml
"""

from __future__ import annotations

import sys

import yaml

from xero_connector.main import create_app
from xero_connector.settings import Settings


class _PlainDumper(yaml.SafeDumper):
    """Writes repeated objects out in full instead of as YAML anchors and aliases."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def render_contract() -> str:
    """The app's OpenAPI document as YAML with sorted keys (independent of the environment)."""
    app = create_app(Settings.model_construct())
    return yaml.dump(
        app.openapi(),
        Dumper=_PlainDumper,
        sort_keys=True,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )


if __name__ == "__main__":
    sys.stdout.write(render_contract())

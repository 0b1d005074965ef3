"""The committed contract and the README's configuration table match the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from xero_connector.api.contract import render_contract
from xero_connector.config_table import current_table, render_settings_table

ROOT = Path(__file__).resolve().parents[1]


def test_openapi_yaml_is_the_apps_schema() -> None:
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == render_contract(), (
        "openapi.yaml is stale: run `python -m xero_connector.api.contract > openapi.yaml`"
    )


def test_the_contract_is_deterministic() -> None:
    assert render_contract() == render_contract()


def test_every_error_response_in_the_contract_is_a_problem() -> None:
    schema = yaml.safe_load(render_contract())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    # The callback is opened by a browser: its result page is HTML, errors too.
                    pages = ["text/html"] if path == "/v1/callback" else []
                    types = [kind for kind in response["content"] if kind not in pages]
                    assert types == ["application/problem+json"], (
                        f"{method.upper()} {path} {status}"
                    )
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_readme_configuration_table_is_generated_from_settings() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert current_table(readme) == render_settings_table(), (
        "README.md's configuration table is stale: "
        "run `python -m xero_connector.config_table --write README.md`"
    )


def _operation(method: str, path: str) -> dict[str, object]:
    operation: dict[str, object] = yaml.safe_load(render_contract())["paths"][path][method]
    return operation


def test_a_connection_by_id_documents_its_404() -> None:
    for method in ("get", "delete"):
        responses = _operation(method, "/v1/connections/{connection_id}")["responses"]
        assert "404" in responses, method  # type: ignore[operator]


def test_the_422_of_an_unbound_key_without_workspace_id_is_documented() -> None:
    for method, path in (("post", "/v1/connect"), ("get", "/v1/connections")):
        responses: Any = _operation(method, path)["responses"]
        assert "workspace_id" in responses["422"]["description"], path


def test_every_v1_operation_documents_its_503() -> None:
    for path, item in yaml.safe_load(render_contract())["paths"].items():
        if path.startswith("/v1"):
            for method, operation in item.items():
                assert "503" in operation["responses"], f"{method.upper()} {path}"

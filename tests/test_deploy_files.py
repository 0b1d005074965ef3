"""The Dockerfile, docker-compose.yml and deploy/k8s/ name only what exists.

No container engine runs here, so the files are parsed instead: every command and option they
run is one of the CLI's, every port is the one the command listens on, every probe or health
check asks a path the process serves, every XERO_CONNECTOR_* variable is a setting, and the
compose environment (defaults filled in) passes the same start-up checks as ``api``/``worker``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer
import yaml

from xero_connector.cli import app as cli_app
from xero_connector.errors import is_placeholder
from xero_connector.main import create_app
from xero_connector.sandbox.app import create_sandbox_app
from xero_connector.sandbox.world import SandboxConfig
from xero_connector.settings import Settings
from xero_connector.vault import generate_key_entry

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
PREFIX = "XERO_CONNECTOR_"
CONNECTOR_SERVICES = {"migrate", "api", "worker", "sandbox"}

SETTINGS = {f"{PREFIX}{name.upper()}" for name in Settings.model_fields}
CLI: Any = typer.main.get_command(cli_app)  # a click group (typer's own copy of click)


def route_paths(routes: list[Any], prefix: str = "") -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from route_paths(included.routes, prefix + getattr(route, "path", ""))
        elif hasattr(route, "path"):
            yield prefix + route.path


def paths_of(app: Any) -> set[str]:
    return set(route_paths(app.routes))


API_PATHS = paths_of(create_app(Settings.model_construct()))
SANDBOX_PATHS = paths_of(create_sandbox_app(SandboxConfig(strict=False)))
WORKER_PATHS = {"/metrics"}  # prometheus_client's server, XERO_CONNECTOR_WORKER_METRICS_PORT


def check_command(args: list[str]) -> dict[str, str]:
    """``args`` (after the entrypoint) run a real command with real options; their values."""
    name, *rest = args
    assert name in CLI.commands, f"{name!r} is not an xero-connector command"
    command = CLI.commands[name]
    options = {opt for param in command.params for opt in param.opts + param.secondary_opts}
    values: dict[str, str] = {}
    for i, arg in enumerate(rest):
        if arg.startswith("--"):
            assert arg in options, f"{name} has no option {arg}"
            values[arg] = rest[i + 1] if i + 1 < len(rest) else ""
    return values


def health_url(test: list[str]) -> str:
    [url] = [part for part in test if part.startswith("http://")]
    return url


def check_served(url: str, port: int, paths: set[str]) -> None:
    parts = urlsplit(url)
    assert parts.port == port, f"{url} asks another port than {port}"
    assert parts.path in paths, f"{parts.path} is not served"


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def json_form(value: str) -> list[str]:
    parsed = yaml.safe_load(value)
    assert isinstance(parsed, list), f"{value} is not in exec (JSON) form"
    return [str(part) for part in parsed]


def test_the_image_is_multi_stage_runs_unprivileged_and_defaults_to_the_api() -> None:
    steps = dockerfile_instructions()
    assert [kind for kind, _ in steps].count("FROM") >= 2
    [user] = [value for kind, value in steps if kind == "USER"]
    assert user not in {"root", "0"}
    [entrypoint] = [json_form(value) for kind, value in steps if kind == "ENTRYPOINT"]
    assert entrypoint == ["xero-connector"]
    [cmd] = [json_form(value) for kind, value in steps if kind == "CMD"]
    assert cmd[0] == "api"
    port = int(check_command(cmd)["--port"])
    [healthcheck] = [value for kind, value in steps if kind == "HEALTHCHECK"]
    check_served(health_url(json_form(healthcheck.split(" CMD ", 1)[1])), port, API_PATHS)
    exposed = {int(value) for kind, value in steps if kind == "EXPOSE"}
    assert port in exposed


# --- docker-compose.yml -------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's ``${NAME}``, ``${NAME:-default}`` and ``${NAME:?error}`` with ``given`` set."""

    def one(match: re.Match[str]) -> str:
        name, op = match["name"], match["op"]
        if name in given:
            return given[name]
        assert op != ":?", f"{name} is required and the test did not give it"
        return match["arg"] if op in (":-", "-") else ""

    return _INTERPOLATION.sub(one, value)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def connector_services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose()["services"]
    return {name: s for name, s in services.items() if name in CONNECTOR_SERVICES}


def test_compose_runs_the_whole_cluster_from_the_repository_root() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", *CONNECTOR_SERVICES}
    assert not (ROOT / "deploy" / "docker-compose.yml").exists()
    for name, service in connector_services().items():
        assert service["build"] == ".", name
        check_command(service["command"])


def test_every_compose_variable_is_a_setting() -> None:
    for name, service in connector_services().items():
        for variable in service.get("environment", {}):
            assert variable in SETTINGS, f"{name}: {variable} is no setting"
    text = (ROOT / "docker-compose.yml").read_text()
    for match in _INTERPOLATION.finditer(text):
        if match["name"].startswith(PREFIX):
            assert match["name"] in SETTINGS, match["name"]


def test_the_compose_environment_passes_the_scale_out_checks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = {"XERO_CONNECTOR_KEYS": generate_key_entry("compose")}
    environment = connector_services()["api"]["environment"]
    for variable in list(SETTINGS):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, interpolate(str(value), given))

    settings = Settings()
    settings.check_for_scale_out()
    assert settings.worker_metrics_port is not None
    sandbox = check_command(connector_services()["sandbox"]["command"])
    client_id, _, secret = sandbox["--client"].partition(":")
    assert settings.xero_client_id == client_id  # the sandbox accepts the app's credentials
    assert settings.xero_client_secret is not None
    assert settings.xero_client_secret.get_secret_value() == secret
    assert urlsplit(settings.xero_api_base).port == int(sandbox["--port"])


def published(service: dict[str, Any]) -> set[int]:
    ports = {int(str(p).rsplit(":", 1)[-1]) for p in service.get("ports", [])}
    return ports | {int(p) for p in service.get("expose", [])}


def test_compose_ports_and_health_checks_match_what_each_command_serves() -> None:
    services = connector_services()
    metrics_port = int(services["worker"]["environment"]["XERO_CONNECTOR_WORKER_METRICS_PORT"])
    listening = {
        "api": (int(check_command(services["api"]["command"])["--port"]), API_PATHS),
        "sandbox": (int(check_command(services["sandbox"]["command"])["--port"]), SANDBOX_PATHS),
        "worker": (metrics_port, WORKER_PATHS),
    }
    dockerfile_check = next(v for k, v in dockerfile_instructions() if k == "HEALTHCHECK")
    for name, (port, paths) in listening.items():
        assert published(services[name]) == {port}, name
        test = services[name].get("healthcheck", {}).get("test")
        url = (
            health_url(test)
            if test
            else health_url(json_form(dockerfile_check.split(" CMD ", 1)[1]))
        )
        check_served(url, port, paths)
    assert services["migrate"]["healthcheck"] == {"disable": True}


# --- deploy/k8s ---------------------------------------------------------------------------


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in manifests() if doc["kind"] == kind}


def containers() -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for kind in ("Deployment", "Job"):
        for name, doc in of_kind(kind).items():
            pod = doc["spec"]["template"]["spec"]
            for container in pod["containers"]:
                yield name, pod, container


def config_env() -> dict[str, str]:
    [config] = of_kind("ConfigMap").values()
    return {key: str(value) for key, value in config["data"].items()}


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    [image] = kustomization["images"]
    assert {c["image"] for _, _, c in containers()} == {image["name"]}


def test_the_manifests_run_the_api_the_worker_and_the_migration() -> None:
    commands = {container["args"][0] for _, _, container in containers()}
    assert commands == {"api", "worker", "migrate"}
    for name, pod, container in containers():
        check_command(container["args"])
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_every_variable_the_manifests_set_is_a_setting_and_no_secret_is_committed() -> None:
    [secret] = of_kind("Secret").values()
    for key in [*config_env(), *secret["stringData"]]:
        assert key in SETTINGS, key
    assert all(is_placeholder(value) for value in secret["stringData"].values())
    names = {"configMapRef": set(of_kind("ConfigMap")), "secretRef": set(of_kind("Secret"))}
    for name, _, container in containers():
        refs = container["envFrom"]
        assert {kind for ref in refs for kind in ref} == set(names), name
        for ref in refs:
            for kind, target in ref.items():
                assert target["name"] in names[kind], f"{name}: {kind} {target['name']}"


def probe_ports(container: dict[str, Any]) -> dict[str, int]:
    return {port["name"]: int(port["containerPort"]) for port in container.get("ports", [])}


def test_probes_ask_paths_the_containers_serve_on_their_ports() -> None:
    served = {"api": API_PATHS, "worker": WORKER_PATHS}
    for _, _, container in containers():
        command = container["args"][0]
        ports = probe_ports(container)
        if command == "api":
            assert set(ports.values()) == {int(check_command(container["args"])["--port"])}
            assert {"readinessProbe", "livenessProbe"} <= set(container)
        if command == "worker":
            assert set(ports.values()) == {int(config_env()[f"{PREFIX}WORKER_METRICS_PORT"])}
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if probe in container:
                get = container[probe]["httpGet"]
                assert get["path"] in served[command], f"{command} {probe} {get['path']}"
                assert get["port"] in ports, f"{command} {probe} port {get['port']}"


def template_labels(deployment: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def test_services_autoscalers_and_disruption_budgets_point_at_real_deployments() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == {"xero-connector-api", "xero-connector-worker"}
    for hpa in of_kind("HorizontalPodAutoscaler").values():
        assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
    assert {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind("HorizontalPodAutoscaler").values()
    } == set(deployments)
    budgets = [
        pdb["spec"]["selector"]["matchLabels"] for pdb in of_kind("PodDisruptionBudget").values()
    ]
    assert sorted(map(str, budgets)) == sorted(
        str(template_labels(d)) for d in deployments.values()
    )
    for service in of_kind("Service").values():
        [target] = [
            d for d in deployments.values() if template_labels(d) == service["spec"]["selector"]
        ]
        [container] = target["spec"]["template"]["spec"]["containers"]
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in probe_ports(container)


def test_shell_forms_are_not_used_for_commands() -> None:
    # Exec form only: a shell would word-split the options the checks above read.
    for _, _, container in containers():
        assert "command" not in container
        assert all(shlex.split(arg) == [arg] for arg in container["args"])

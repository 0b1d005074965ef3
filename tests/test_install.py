"""A non-editable install: the wheel alone, run from a folder that is not the checkout.

The wheel is installed with ``--no-deps`` into a fresh venv that finds its dependencies in this
environment's site-packages (a ``.pth`` line, which does not run this environment's editable
finder), so nothing is downloaded and ``xero_connector`` can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest

from tests.cli_helpers import ROOT, free_port, read_api_key, stop, wait_until_up

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and the built wheel
        [str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _installed_env() -> dict[str, str]:
    """A user's environment: no setting, no path into the checkout."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("XERO_CONNECTOR_") and key != "PYTHONPATH"
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin`` folder of a venv holding only the built wheel of this checkout."""
    base = tmp_path_factory.mktemp("install")
    project = base / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(
        ROOT / "src",
        project / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.db", "*.keyring"),
    )
    wheels = base / "dist"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "-w",
        wheels,
        project,
        cwd=base,
    )
    [wheel] = wheels.glob("xero_connector-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    bin_dir = venv / "bin"
    purelib = Path(
        _run(
            bin_dir / "python",
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            cwd=base,
        ).strip()
    )
    (purelib / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        bin_dir / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=base,
        env=_installed_env(),
    )
    return bin_dir


def test_the_installed_package_is_the_wheel_not_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    location = _run(
        installed / "python",
        "-c",
        "import xero_connector; print(xero_connector.__file__)",
        cwd=tmp_path,
        env=_installed_env(),
    )
    assert Path(location.strip()).is_relative_to(installed.parent)


def test_migrate_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    output = _run(installed / "xero-connector", "migrate", cwd=tmp_path, env=_installed_env())

    assert "newest schema" in output
    assert (tmp_path / "xero-connector.db").is_file()


def test_dev_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    process = subprocess.Popen(  # noqa: S603 - the installed console script
        [
            installed / "xero-connector",
            "dev",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
        ],
        cwd=tmp_path,
        env=_installed_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        key = read_api_key(process)
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        me = httpx.get(f"{base}/v1/me", headers={"Authorization": f"Bearer {key}"})
        ready = httpx.get(f"{base}/readyz")
    finally:
        stderr = stop(process)
    assert me.status_code == 200, stderr[-2000:]
    assert ready.status_code == 200

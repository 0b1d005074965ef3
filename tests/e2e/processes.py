"""Starting the real ``xero-connector`` commands as an operator would, and stopping them.

Output goes to files, not pipes: a long-lived server writing access logs into a pipe nobody reads
would block once the pipe fills. Every wait is bounded; every process is stopped by whoever
started it (``started`` does it in ``finally``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.cli_helpers import command_env, free_port

__all__ = [
    "Service",
    "command_env",
    "free_port",
    "run_command",
    "shell_env",
    "started",
    "started_shell",
    "wait_http",
]


@dataclass
class Service:
    """A running command whose stdout and stderr are kept in files."""

    name: str
    process: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def output(self) -> str:
        return self.stdout() + self.stderr()

    def wait_for_line(self, prefix: str, timeout: float = 60.0) -> str:
        """The rest of the first stdout line starting with ``prefix``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.stdout().splitlines():
                if line.startswith(prefix):
                    return line.removeprefix(prefix).strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"{self.name}: no line starting {prefix!r} (exit code {self.process.poll()})\n"
            f"{self.stderr()[-3000:]}"
        )

    def stop(self) -> None:
        """SIGTERM to its process group (its own session), then SIGKILL after a bounded wait."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def shell_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` with this interpreter's scripts directory (``xero-connector``) first on PATH."""
    scripts = str(Path(sys.executable).parent)
    return {**env, "PATH": f"{scripts}{os.pathsep}{env.get('PATH', '')}"}


def _launch(argv: list[str], *, cwd: Path, env: dict[str, str], name: str) -> Service:
    stdout_path, stderr_path = cwd / f"{name}.out", cwd / f"{name}.err"
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, module or shell line
            argv,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,  # so stop() reaches a shell's children too
        )
    return Service(name, process, stdout_path, stderr_path)


@contextmanager
def started(
    args: list[str], *, cwd: Path, env: dict[str, str], name: str | None = None
) -> Iterator[Service]:
    """Run ``xero-connector <args>`` for the duration of the block."""
    argv = [sys.executable, "-m", "xero_connector", *args]
    service = _launch(argv, cwd=cwd, env=env, name=name or args[0])
    try:
        yield service
    finally:
        service.stop()


@contextmanager
def started_shell(command: str, *, cwd: Path, env: dict[str, str], name: str) -> Iterator[Service]:
    """Run a shell command line (as a page of the docs shows it) for the duration of the block."""
    service = _launch(["bash", "-c", command], cwd=cwd, env=shell_env(env), name=name)
    try:
        yield service
    finally:
        service.stop()


def run_command(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 60.0) -> str:
    """Run a one-shot ``xero-connector <args>``; its stdout (fails on a non-zero exit)."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "xero_connector", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"xero-connector {args[0]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def wait_http(url: str, service: Service, timeout: float = 30.0) -> None:
    """Until ``url`` answers 200 (fails early when the service exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if service.process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(
        f"{service.name}: {url} did not answer 200 (exit code {service.process.poll()})\n"
        f"{service.stderr()[-3000:]}"
    )

"""docs/quickstart.md as the tests read it: its command blocks, moved onto this run's ports.

Each runnable block in the page follows a marker ``<!-- quickstart:NAME -->``. Tests run those
commands as they are written (through bash, with the installed ``xero-connector`` on PATH), only
with the ports 8000/8001 and the database URL replaced by this run's own.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.cli_helpers import ROOT
from tests.e2e.processes import shell_env

PAGE = ROOT / "docs" / "quickstart.md"
DOC_API, DOC_SANDBOX = 8000, 8001
DOC_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/xero_connector"

_MARKED_BLOCK = re.compile(r"<!-- quickstart:([a-z-]+) -->\n```sh\n(.*?)```", re.S)
_ANY_SH_BLOCK = re.compile(r"```sh\n")


def page_blocks() -> dict[str, list[str]]:
    """``{name: [command, ...]}``; a line ending in a backslash continues on the next."""
    text = PAGE.read_text()
    blocks = {
        name: [line for line in body.replace("\\\n", " ").splitlines() if line.strip()]
        for name, body in _MARKED_BLOCK.findall(text)
    }
    assert len(_ANY_SH_BLOCK.findall(text)) == len(blocks), "an sh block without a marker"
    return blocks


@dataclass
class Quickstart:
    """The page's commands for one run: its ports, and the database it uses instead."""

    api_port: int
    sandbox_port: int
    database_url: str = DOC_DATABASE_URL
    blocks: dict[str, list[str]] = field(default_factory=page_blocks)
    used: set[str] = field(default_factory=set)

    def commands(self, name: str) -> list[str]:
        self.used.add(name)
        return [self._localise(line) for line in self.blocks[name]]

    def command(self, name: str) -> str:
        (line,) = self.commands(name)
        return line

    def _localise(self, line: str) -> str:
        for doc, ours in ((DOC_API, self.api_port), (DOC_SANDBOX, self.sandbox_port)):
            line = line.replace(f"127.0.0.1:{doc}", f"127.0.0.1:{ours}")
            line = re.sub(rf"(--(?:sandbox-)?port) {doc}\b", rf"\g<1> {ours}", line)
        return line.replace(DOC_DATABASE_URL, self.database_url)

    def run(self, name: str, *, cwd: Path, env: dict[str, str]) -> str:
        """Run every command of block ``name`` in one bash; its stdout."""
        script = "set -euo pipefail\n" + "\n".join(self.commands(name))
        done = subprocess.run(  # noqa: S603 - the documented commands
            ["bash", "-c", script],  # noqa: S607
            cwd=cwd,
            env=shell_env(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"quickstart block {name} failed:\n{done.stderr[-3000:]}"
        return done.stdout

    def run_json(self, name: str, *, cwd: Path, env: dict[str, str]) -> Any:
        return json.loads(self.run(name, cwd=cwd, env=env))

    def exported(self, name: str, *, cwd: Path, env: dict[str, str]) -> dict[str, str]:
        """The ``XERO_CONNECTOR_*`` variables block ``name`` exports."""
        script = "\n".join(self.commands(name)) + "\nenv -0"
        done = subprocess.run(  # noqa: S603 - the documented commands
            ["bash", "-c", f"set -euo pipefail\n{script}"],  # noqa: S607
            cwd=cwd,
            env=shell_env(env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"quickstart block {name} failed:\n{done.stderr[-3000:]}"
        pairs = (entry.partition("=") for entry in done.stdout.split("\0") if entry)
        return {key: value for key, _, value in pairs if key.startswith("XERO_CONNECTOR_")}


DEV_BLOCKS = frozenset({"dev", "connect", "list", "disconnect", "show", "sandbox-state"})
SCALE_OUT_BLOCKS = frozenset(
    {
        "scale-out-env",
        "scale-out-sandbox",
        "scale-out-setup",
        "scale-out-api",
        "scale-out-worker",
        "connect",
        "list",
        "disconnect",
        "sandbox-stats",
        "sandbox-state",
    }
)

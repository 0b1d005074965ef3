"""A PostgreSQL cluster and a Redis server of the test's own, on free ports, which a fault test
may stop, kill, restart or flush without touching the machine's shared ones.

The cluster is made with ``initdb`` and run with ``pg_ctl`` (trust auth, loopback only, its socket
in its own directory). ``initdb`` refuses to run as root: as root the cluster belongs to the
``postgres`` user and every command runs through ``runuser``. Without the binaries (or, as root,
without a ``postgres`` user) the test is skipped, saying why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
import redis

from tests.e2e.processes import free_port
from xero_connector.db.migrate import upgrade

PG_OWNER = "postgres"


def _pg_bin() -> Path | None:
    """The directory of the newest installed ``initdb``/``pg_ctl``, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _major(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


@dataclass
class ThrowawayPostgres:
    """A running cluster of our own; ``admin_dsn`` reaches its ``postgres`` database."""

    bin_dir: Path
    data_dir: Path
    port: int
    as_user: str | None  # run the commands as this user (we are root), else as ourselves

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        argv = [str(self.bin_dir / tool), *args]
        if self.as_user is not None:
            argv = ["runuser", "-u", self.as_user, "--", *argv]
        done = subprocess.run(  # noqa: S603 - the installed PostgreSQL tools, our arguments
            argv, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{tool} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.data_dir} -c fsync=off -c max_connections=200"
        )
        log = str(self.data_dir / "server.log")
        self._run(
            "pg_ctl", "start", "-w", "-t", "90", "-D", str(self.data_dir), "-l", log, "-o", options
        )

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m fast`` ends every session at once (what a restart does to clients)."""
        self._run("pg_ctl", "stop", "-w", "-t", "90", "-m", mode, "-D", str(self.data_dir))

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()


@contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """initdb into a fresh directory, start the cluster; stop it and delete it afterwards."""
    bin_dir = _pg_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) to run a cluster of our own")
    as_user: str | None = None
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: initdb refuses to run as root")
        try:
            pwd.getpwnam(PG_OWNER)
        except KeyError:
            pytest.skip(f"running as root and there is no {PG_OWNER!r} user to own a cluster")
        as_user = PG_OWNER
    root = Path(tempfile.mkdtemp(prefix="xc-faults-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if as_user is not None:
        owner = pwd.getpwnam(as_user)
        for path in (root, data_dir):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    cluster = ThrowawayPostgres(bin_dir, data_dir, free_port(), as_user)
    try:
        cluster._run(
            "initdb",
            "-D",
            str(data_dir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class ThrowawayRedis:
    url: str
    process: subprocess.Popen[bytes]

    def flush(self) -> None:
        """FLUSHALL: every queued job, deferred slice, lease and limiter count is gone."""
        with redis.Redis.from_url(self.url) as client:
            client.flushall()


@contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    """A ``redis-server`` of our own (no persistence) on a free port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server binary to run a Redis of our own")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the installed redis-server, our arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with redis.Redis.from_url(url) as client:
                    client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server exited"
                assert time.monotonic() < deadline, "redis-server did not answer"
                time.sleep(0.05)
        yield ThrowawayRedis(url, process)
    finally:
        process.terminate()
        process.wait(10)


async def migrated_database(cluster: ThrowawayPostgres, name: str = "xero_connector") -> str:
    """Create database ``name`` in ``cluster`` and migrate it; its async URL."""
    admin = await asyncpg.connect(cluster.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = cluster.url(name)
    await upgrade(url)
    return url

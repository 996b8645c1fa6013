"""A real PostgreSQL server for the store tests, started by the test session itself.

Debian's ``postgresql`` package (``.ci/run`` installs it): ``initdb`` into a temporary
folder, ``postgres`` on a free port with its Unix socket in that folder (no TCP
listener), stopped by its PID at the end. ``initdb`` and ``postgres`` refuse to run
as root: as root they run as the ``postgres`` system user on folders it owns. A server
that cannot start fails the tests that need it (never a skip).
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

_counter = itertools.count(1)


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                           "apt-get install postgresql (.ci/run does)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL cluster in a temporary folder."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="budgetsim-pg-"))
        self.data, self.socket_dir = self.folder / "data", self.folder / "sock"
        self.socket_dir.mkdir()
        self.port = _free_port()
        self.log = self.folder / "server.log"
        self.as_user: list[str] = []
        if os.getuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        binaries = bin_dir()
        done = subprocess.run([*self.as_user, str(binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
                               "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                              capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        with open(self.log, "w") as log:  # the server keeps its own copy of the descriptor
            if self.as_user:
                shutil.chown(self.log, "postgres")
            self.process = subprocess.Popen(
                [*self.as_user, str(binaries / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-k", str(self.socket_dir), "-c", "listen_addresses=", "-c", "fsync=off",
                 "-c", "max_connections=50"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                engine = sa.create_engine(self.url("postgres"))
                with engine.connect() as connection:
                    connection.execute(sa.text("SELECT 1"))
                engine.dispose()
                return
            except sa.exc.OperationalError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start:\n{self.log.read_text()}")
                time.sleep(0.2)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={self.port}"

    def new_database(self) -> str:
        """A new empty database; its URL."""
        name = f"store_{os.getpid()}_{next(_counter)}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown of the postmaster, by the PID it wrote, then remove the folder."""
        pid_file = self.data / "postmaster.pid"
        if self.process is not None and self.process.poll() is None:
            try:
                pid = int(pid_file.read_text().split()[0])
                os.kill(pid, signal.SIGINT)
            except (OSError, ValueError, IndexError):
                self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

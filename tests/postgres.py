"""A throwaway PostgreSQL server for the tests: ``initdb`` in a temporary folder, on a free port.

PostgreSQL comes from Debian's packages (``.ci/run`` installs ``postgresql`` when it is missing); no
server needs to be running already. ``initdb`` refuses to run as root, so under root the cluster is
created and started as the packages' ``postgres`` user. The server listens on 127.0.0.1 only, trusts
local connections, and is stopped and deleted when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["fresh_database", "postgres_binaries", "throwaway_postgres"]

_USER = "postgres"


def postgres_binaries() -> Path:
    """Return the folder of PostgreSQL's server programs (initdb, pg_ctl).

    Raises
    ------
    FileNotFoundError
        If PostgreSQL's server is not installed; the message says how to install it.
    """
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise FileNotFoundError("PostgreSQL's server is not installed: apt-get install postgresql (.ci/run does)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """Run `command` as the postgres user when this process is root (initdb refuses root)."""
    return ["runuser", "-u", _USER, "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a PostgreSQL server for the duration of a ``with`` block; yield its SQLAlchemy URL.

    The URL names a database ``credit_scoring`` owned by the superuser ``postgres`` (no password,
    loopback only), for the psycopg 3 driver: ``postgresql+psycopg://postgres@127.0.0.1:PORT/credit_scoring``.
    """
    binaries = postgres_binaries()
    root = Path(tempfile.mkdtemp(prefix="throwaway-postgres-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        root.chmod(0o755)
        shutil.chown(data, _USER)
        shutil.chown(sockets, _USER)
    port = _free_port()
    log = root / "server.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(log, _USER)
    def run(program: str, *args: str, check: bool = True) -> None:
        subprocess.run(_as_server_user([str(binaries / program), *args]), check=check, capture_output=True,
                       timeout=120)

    try:
        run("initdb", "-D", str(data), "-U", _USER, "-A", "trust", "-E", "UTF8", "--no-sync")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
        try:
            run("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", _USER, "credit_scoring")
            yield f"postgresql+psycopg://{_USER}@127.0.0.1:{port}/credit_scoring"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop", check=False)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of `server_url`; yield its URL; drop it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

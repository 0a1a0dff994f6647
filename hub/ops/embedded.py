"""The embedded database: a SecantusDB server run as a child process.

With no ``PARLEY_MONGODB_URI``, ``parley serve`` starts ``secantusd-py`` on
127.0.0.1 with its data in ``<data dir>/db`` and publishes its address in
``<data dir>/db.json`` so that admin commands (and a second ``serve``) reach
the same server. A lock file holds the owner's pid; a lock whose process is
gone (a crash) is taken over. SecantusDB is GPL-2.0-only, so it always runs
as its own process and is never imported.

The server runs with ``--auth``: a user and password are generated once into
``<data dir>/db.credentials`` (0600) and provisioned by starting the server once
without auth, on 127.0.0.1 and a fresh port, just long enough to ``createUser``.
The data directory is 0700, the server runs under umask 077, and the address
file (which holds no secret: readers add the credentials) is 0600.

The server never outlives the process that started it, even when that process is
killed: on Linux the child asks the kernel for ``SIGTERM`` when its parent dies
(``prctl(PR_SET_PDEATHSIG)``, set between fork and exec; it fires when the *thread* that
started it ends, so start it from the main thread, as ``parley serve`` does). A
published server whose owner has died is therefore stopped and started afresh rather
than adopted (it is on its way out; every write was synced on commit).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, urlsplit

from pymongo import MongoClient
from pymongo.errors import OperationFailure

START_TIMEOUT = 20.0
CREDENTIALS = "db.credentials"
USER = "parley"
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when ``parent`` dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None

    def arm() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


class EmbeddedDatabaseError(RuntimeError):
    """The embedded server could not be started or reached."""


@dataclass
class EmbeddedServer:
    """A running SecantusDB child process (or a published one owned by another process)."""

    uri: str
    pid: int
    process: subprocess.Popen[bytes] | None = None
    data_dir: Path | None = None
    #: True when this process must stop the server on exit (it started or adopted it).
    owned: bool = False

    def stop(self) -> None:
        """Stop the server if this process owns it, and unpublish it."""
        if not self.owned:
            return
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        else:
            _terminate(self.pid)
        if self.data_dir is not None:
            with contextlib.suppress(FileNotFoundError):
                (self.data_dir / "db.json").unlink()
        self.owned = False


def _terminate(pid: int) -> None:
    """Stop a server this process adopted (it is not our child, so poll for its end)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """An exited process nobody has reaped yet (an adopted server whose parent died,
    in a container whose init does not reap): it counts as stopped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] == ["Z"]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


#: The clients' options for the embedded server. ``retryWrites=false``: with retryable
#: writes every write carries a transaction number and SecantusDB keeps a record of its
#: reply for 30 minutes, up to 10,000 of them, scanning the records on every write and
#: sorting them all once the cap is reached: the per-write cost grew from ~0.6 ms to
#: ~1.5 ms over the first 10,000 writes, then jumped to 6-8 ms (``docs/operations.md``,
#: "Database performance"; ``bench/step.py``). The server is on loopback, so the one
#: retry the driver would make on a dropped connection is seldom needed.
OPTIONS = "directConnection=true&retryWrites=false"


def _uri(port: int, password: str | None = None) -> str:
    if password is None:
        return f"mongodb://127.0.0.1:{port}/?{OPTIONS}"
    login = f"{USER}:{quote_plus(password)}@"
    return f"mongodb://{login}127.0.0.1:{port}/?{OPTIONS}&authSource=admin"


def _private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by this user only (0600), replacing it atomically."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def _credentials(data_dir: Path) -> dict[str, str]:
    """``{"password", "provisioned"?}``: the generated database password (made on first use)."""
    path = data_dir / CREDENTIALS
    try:
        found = json.loads(path.read_text())
        if isinstance(found, dict) and isinstance(found.get("password"), str):
            return found
    except (FileNotFoundError, ValueError):
        pass
    made = {"password": secrets.token_urlsafe(32)}
    _private_file(path, json.dumps(made))
    return made


def _password(data_dir: Path) -> str | None:
    try:
        found = json.loads((data_dir / CREDENTIALS).read_text())
    except (FileNotFoundError, ValueError):
        return None
    return found.get("password") if isinstance(found, dict) else None


def _secure(data_dir: Path) -> None:
    """The data directory and what the hub keeps in it: the hub's user's only."""
    os.chmod(data_dir, 0o700)
    for name in ("db", "db.json", "db.log", "db.lock", CREDENTIALS):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(data_dir / name, 0o700 if name == "db" else 0o600)


def published(data_dir: Path) -> EmbeddedServer | None:
    """The server published on this data directory, if it is alive.

    The returned server is not owned; ``start`` adopts one whose owner has died.
    """
    path = data_dir / "db.json"
    try:
        info = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    if _alive(int(info["pid"])) and _port_open(int(info["port"])):
        uri = _uri(int(info["port"]), _password(data_dir))
        server = EmbeddedServer(uri=uri, pid=int(info["pid"]))
        server.data_dir = data_dir
        return server
    return None


def _owner(data_dir: Path) -> int | None:
    try:
        owner = json.loads((data_dir / "db.json").read_text()).get("owner")
    except (FileNotFoundError, ValueError):
        return None
    return int(owner) if owner else None


def _owner_alive(data_dir: Path) -> bool:
    try:
        info = json.loads((data_dir / "db.json").read_text())
    except (FileNotFoundError, ValueError):
        return False
    owner = info.get("owner")
    return bool(owner) and owner != os.getpid() and _alive(int(owner))


def _daemon_command() -> list[str]:
    exe = Path(sys.executable).with_name("secantusd-py")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("secantusd-py")
    if found is None:
        raise EmbeddedDatabaseError("secantusd-py not found: install the secantusdb package")
    return [found]


def start(data_dir: Path, port: int | None = None) -> EmbeddedServer:
    """Start SecantusDB for ``data_dir``, or reuse the one already published there.

    The caller owns (and must ``stop``) a server it started. A published server whose
    owner has died (a killed ``serve``) is stopped first and a fresh one started.
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _secure(data_dir)
    # One process at a time decides whether to start the server: a command run while
    # `serve` is still starting waits here, then finds the published address.
    fd = os.open(data_dir / "db.lock", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _start_locked(data_dir, port)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _start_locked(data_dir: Path, port: int | None) -> EmbeddedServer:
    running = published(data_dir)
    if running is not None:
        if _owner_alive(data_dir):
            return running
        if _owner(data_dir) == os.getpid():  # this process started it already
            running.owned = True
            _publish(data_dir, running.pid, urlsplit(running.uri).port or 0)
            return running
        _terminate(running.pid)  # its owner died: it is stopping (or would linger): restart
    with contextlib.suppress(FileNotFoundError):  # a crashed server's stale address
        (data_dir / "db.json").unlink()
    credentials = _credentials(data_dir)
    if not credentials.get("provisioned"):
        _provision(data_dir, credentials["password"])
        _private_file(data_dir / CREDENTIALS, json.dumps({**credentials, "provisioned": True}))
    port = port or free_port()
    process = _launch(data_dir, port, auth=True)
    _publish(data_dir, process.pid, port)
    return EmbeddedServer(
        uri=_uri(port, credentials["password"]),
        pid=process.pid,
        process=process,
        data_dir=data_dir,
        owned=True,
    )


def _launch(data_dir: Path, port: int, auth: bool) -> subprocess.Popen[bytes]:
    """Start ``secantusd-py`` on 127.0.0.1:``port`` and wait until it listens."""
    storage_path = str(data_dir / "db")
    fd = os.open(data_dir / "db.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    log = os.fdopen(fd, "ab")
    cmd = [*_daemon_command(), "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--storage-path", storage_path, "--sync-on-commit", "--log-level", "WARNING"]
    cmd += ["--auth"] if auth else []
    process = subprocess.Popen(
        cmd,
        stdout=log,
        stderr=log,
        start_new_session=True,
        umask=0o077,
        preexec_fn=_die_with_parent(os.getpid()),  # only prctl between fork and exec
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while not _port_open(port):
        if process.poll() is not None:
            raise EmbeddedDatabaseError(
                f"secantusd-py exited with {process.returncode}; see {data_dir / 'db.log'}"
            )
        if time.monotonic() > deadline:
            process.kill()
            raise EmbeddedDatabaseError("secantusd-py did not start in time")
        time.sleep(0.05)
    with contextlib.suppress(FileNotFoundError):
        os.chmod(storage_path, 0o700)
    return process


def _provision(data_dir: Path, password: str) -> None:
    """Create (or reset) the hub's database user: the server runs once without auth, on
    loopback and a fresh port nobody else knows, only for this."""
    port = free_port()
    process = _launch(data_dir, port, auth=False)
    try:
        client: MongoClient[dict[str, Any]] = MongoClient(
            _uri(port), serverSelectionTimeoutMS=10000
        )
        with client:
            roles = [{"role": "root", "db": "admin"}]
            try:
                client.admin.command("createUser", USER, pwd=password, roles=roles)
            except OperationFailure as exc:
                if exc.code != 51003:  # the user exists (an interrupted provisioning)
                    raise
                client.admin.command("updateUser", USER, pwd=password, roles=roles)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _publish(data_dir: Path, pid: int, port: int) -> None:
    """The address file (0600; no password in it: readers add ``db.credentials``)."""
    info = {"pid": pid, "port": port, "uri": _uri(port), "owner": os.getpid()}
    _private_file(data_dir / "db.json", json.dumps(info))

"""A throwaway PostgreSQL cluster for fault-injection tests: its own data directory, port and socket directory.

The tests restart and stop it at will without touching the shared server the rest of the suite uses. As root
(CI) every server command runs as the ``postgres`` OS user (PostgreSQL refuses to run as root); as any other
user it runs as that user. Missing binaries raise: the fault tests fail, they never skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SERVER_USER = "postgres"


def find_bindir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: ``AGREEMENTS_PG_BINDIR``, the newest Debian install, or ``pg_config``."""
    candidates: list[str] = []
    if os.environ.get("AGREEMENTS_PG_BINDIR"):
        candidates.append(os.environ["AGREEMENTS_PG_BINDIR"])
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(found.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    for candidate in candidates:
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    raise RuntimeError(f"PostgreSQL server binaries (initdb, pg_ctl) not found; looked in {candidates or 'nothing'}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgCluster:
    """``initdb`` into a temporary directory, then ``start()``, ``stop()``, ``restart()`` and finally ``remove()``."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="agreements-pgcluster-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self.as_root:
            shutil.chown(self.root, user=SERVER_USER, group=None)
            os.chmod(self.root, 0o755)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync",
                  "--locale=C.UTF-8")  # fmt: skip

    # running server commands ---------------------------------------------------------------------------------

    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd=self.root, stdin=subprocess.DEVNULL
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr}{log}")
        return result

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the ``postgres`` database of this cluster."""
        return self.url_of("postgres")

    def url_of(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections (``pg_ctl -w``)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log), "-o", options)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: ``fast`` disconnects every client (their next statement fails), ``immediate`` crashes it."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-D", str(self.data), "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        """Stop then start again on the same port: every connection open before is broken."""
        self.stop(mode)
        self.start()

    def running(self) -> bool:
        """Whether the server process is up."""
        command = [str(self.bindir / "pg_ctl"), "status", "-D", str(self.data)]
        if self.as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        return subprocess.run(command, capture_output=True, timeout=30, cwd=self.root).returncode == 0

    def wait_ready(self, timeout: float = 60) -> None:
        """Poll until a TCP connection to the server is accepted."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def remove(self) -> None:
        """Stop the server (if running) and delete its directory."""
        try:
            if self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

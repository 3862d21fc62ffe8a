"""The local Neo4j: an embedded Neo4j Community engine in a JVM that the project starts.

tools/neo4j/pom.xml names the jars (fetched once from Maven Central into
tools/neo4j/target/lib); tools/neo4j/Launcher.java is run from source against them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kb.settings import PROJECT_ROOT, Settings

TOOLS_DIR = PROJECT_ROOT / "tools" / "neo4j"
LIB_DIR = TOOLS_DIR / "target" / "lib"
STAMP = LIB_DIR / ".pom-sha256"
JVM_FLAGS = (
    # the flags Neo4j's own server start script passes to the JVM
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
)


class LocalNeo4jError(RuntimeError):
    """The local Neo4j could not be fetched, started or stopped."""


def _pom_digest() -> str:
    return hashlib.sha256((TOOLS_DIR / "pom.xml").read_bytes()).hexdigest()


def jars_ready() -> bool:
    """True when the jars for the current pom.xml are already in place."""
    return STAMP.exists() and STAMP.read_text().strip() == _pom_digest()


def fetch_jars(quiet: bool = True) -> bool:
    """Fetch Neo4j's jars with Maven unless already there; returns True if it downloaded."""
    if jars_ready():
        return False
    mvn = shutil.which("mvn")
    if mvn is None:
        raise LocalNeo4jError("Maven (mvn) is not on PATH; install it (apt-get install maven)")
    if LIB_DIR.exists():
        shutil.rmtree(LIB_DIR)
    cmd = [mvn, "-B", "-f", str(TOOLS_DIR / "pom.xml"), "dependency:copy-dependencies",
           "-DoutputDirectory=target/lib", "-DincludeScope=runtime"]
    if quiet:
        cmd.insert(2, "-q")
    if subprocess.run(cmd, check=False).returncode != 0:
        raise LocalNeo4jError("mvn dependency:copy-dependencies failed (see its output above)")
    STAMP.write_text(_pom_digest())
    return True


def java_binary() -> str:
    """The java to run: $JAVA_HOME/bin/java if set, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    candidate = Path(home, "bin", "java") if home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise LocalNeo4jError("no java found: install a JDK 17 or newer, or set JAVA_HOME")
    return found


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class LocalNeo4j:
    """One local Neo4j instance: a data directory and a Bolt port."""

    data_dir: Path
    port: int
    heap_mb: int = 1024
    pagecache_mb: int = 512

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalNeo4j:
        """The instance described by KB_DATA_DIR, KB_NEO4J_BOLT_PORT and the memory settings."""
        return cls(settings.data_dir, settings.bolt_port, settings.neo4j_heap_mb,
                   settings.neo4j_pagecache_mb)

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "neo4j.log"

    def command(self, watch_stdin: bool = False) -> list[str]:
        """The java command line that runs the launcher."""
        cmd = [java_binary(), f"-Xms{self.heap_mb}m", f"-Xmx{self.heap_mb}m", *JVM_FLAGS,
               "-cp", str(LIB_DIR / "*"), str(TOOLS_DIR / "Launcher.java"),
               "--data", str(self.data_dir / "neo4j"), "--port", str(self.port),
               "--pagecache-mb", str(self.pagecache_mb)]
        if watch_stdin:
            cmd.append("--exit-on-stdin-eof")
        return cmd

    def pid(self) -> int | None:
        """The pid of the running launcher, or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def running(self) -> bool:
        """True when our launcher runs and its Bolt port answers."""
        return self.pid() is not None and port_open(self.port)

    def start(self, timeout: float = 180.0, watch_stdin: bool = False) -> subprocess.Popen[bytes]:
        """Start the JVM in its own session and wait for its READY line."""
        if not jars_ready():
            raise LocalNeo4jError("Neo4j jars are missing: run `kb neo4j fetch` (or make setup)")
        if port_open(self.port):
            raise LocalNeo4jError(f"port {self.port} is already in use (KB_NEO4J_BOLT_PORT)")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        log: IO[bytes] = self.log_file.open("ab")
        proc = subprocess.Popen(
            self.command(watch_stdin), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if watch_stdin else subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.pid_file.write_text(str(proc.pid))
        self._wait_ready(proc, offset, timeout)
        return proc

    def _wait_ready(self, proc: subprocess.Popen[bytes], offset: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.log_file.open("rb") as fh:
                fh.seek(offset)
                text = fh.read().decode("utf-8", "replace")
            if "READY " in text and port_open(self.port):
                return
            if proc.poll() is not None:
                raise LocalNeo4jError(f"Neo4j exited with {proc.returncode}:\n{text[-3000:]}")
            time.sleep(0.2)
        proc.kill()
        raise LocalNeo4jError(f"Neo4j was not ready after {timeout:.0f} s; see {self.log_file}")

    def stop(self, timeout: float = 90.0) -> bool:
        """SIGTERM the launcher (it flushes and shuts down) and wait; False if none ran."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                return True
            time.sleep(0.2)
        os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        raise LocalNeo4jError(f"Neo4j (pid {pid}) ignored SIGTERM for {timeout:.0f} s; killed")


def _alive(pid: int) -> bool:
    try:
        # reap it if it is our child, so a zombie does not look alive
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # a zombie (exited, not yet reaped by the process that started it) counts as gone
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[0] != "Z"

"""Real triple stores for the tests: Virtuoso Open Source (Debian's virtuoso-opensource) and
the Oxigraph server, each started in a temporary folder on free loopback ports and stopped after.

Virtuoso is started as ``virtuoso-t +configfile INI +foreground`` with an ini of its own whose
database, log and ports are the temporary folder's, never the system service's. A fresh
database has the DBA account ``dba``/``dba``, which the Graph Store Protocol endpoint
``/sparql-graph-crud-auth`` asks for with digest authentication.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from _server_support import free_port

VIRTUOSO_USER = "dba:dba"  # a fresh database's DBA account

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 8
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


def need(binary: str | None, what: str, install: str) -> str:
    """The binary's path; skip when it is absent here, fail when it is absent in CI (CI=true)."""
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {what} is missing: {install}")
        pytest.skip(f"{what} is not installed ({install})")
    return binary


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def virtuoso_version(binary: str) -> str:
    """``7.2.5.3229`` or the like, from ``virtuoso-t +version``."""
    done = subprocess.run([binary, "+version"], capture_output=True, text=True, timeout=30)
    for line in (done.stdout + done.stderr).splitlines():
        if line.startswith("Version "):
            return line.split()[1].split("-")[0]
    return "unknown"


class Virtuoso:
    """One virtuoso-t process on its own database in ``folder``."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.http_port = free_port()
        self.sql_port = free_port()
        self.ini = folder / "virtuoso.ini"
        self.ini.write_text(INI.format(dir=folder, sql_port=self.sql_port, http_port=self.http_port))
        self.proc: subprocess.Popen | None = None
        self.started_in = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def gsp(self) -> str:
        return self.url + "/sparql-graph-crud-auth"

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def start(self, wait: float = 120.0) -> None:
        start = time.monotonic()
        log = (self.folder / "stdout.log").open("ab")
        self.proc = subprocess.Popen([self.binary, "+configfile", str(self.ini), "+foreground"],
                                     cwd=self.folder, stdout=log, stderr=subprocess.STDOUT)
        while time.monotonic() - start < wait:
            if self.proc.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: {self.log_tail()}")
            if self.alive():
                self.started_in = time.monotonic() - start
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"virtuoso-t did not answer within {wait:g} s: {self.log_tail()}")

    def alive(self) -> bool:
        try:
            with urllib.request.urlopen(self.sparql + "?query=ASK%7B%7D", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def log_tail(self) -> str:
        path = self.folder / "virtuoso.log"
        return " | ".join(path.read_text(errors="replace").splitlines()[-5:]) if path.exists() else ""

    def wait_exit(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the process to end by itself (after a crashing query)."""
        if self.proc is not None:
            try:
                self.proc.wait(seconds)
            except subprocess.TimeoutExpired:
                pass

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is not None:
            self.proc = None
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None


class OxigraphServer:
    """``oxigraph serve`` on a fresh folder, without --union-default-graph unless asked."""

    def __init__(self, binary: str, folder: Path, union: bool = False) -> None:
        self.port = free_port()
        args = [binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{self.port}"]
        self.proc = subprocess.Popen(args + (["--union-default-graph"] if union else []),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

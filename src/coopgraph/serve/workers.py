"""Query workers: the processes SPARQL runs in, so that a query past its time limit can be stopped.

Why processes: pyoxigraph (0.5) has no timeout and no way to cancel a query once it runs. It
releases the GIL, so a thread can wait for it, but nothing stops it short of ending the process
it runs in. So every query the endpoint evaluates runs in a worker process, and a query over
its time limit is stopped by killing that worker with SIGKILL, through a pidfd where the kernel
has them, so a recycled process id is never hit. Its CPU and memory come back at once, and the
next query gets a fresh worker.

One build snapshot is served by::

    server (threads) --control socket--> zygote (one thread, holds the snapshot's Store)
         ^                                  |  fork, when the server asks
         +------- one socket each --------- worker, worker, ...

The zygote is a fresh interpreter started with :mod:`subprocess`. Forking the threaded server
itself could copy a lock that another thread holds. The server sends it the snapshot as N-Quads
bytes, dumped from the very graph the server answers that request's other questions with, so a
worker never sees another build than its request. The zygote loads them into an in-memory
Store, reports the quad count (the server checks it), freezes its heap for the garbage
collector, and from then on only forks. A fork takes about a millisecond and shares the store
copy-on-write, so a killed worker is cheap to replace and N workers do not cost N stores.

A worker answers one query at a time. It runs :func:`coopgraph.query.library.execute` with the row
limit and the deadline; the deadline is checked between rows, so a query that streams rows
stops by itself. It writes the result in the format the server negotiated and sends back the
bytes, which the server only relays. Safety nets for a server that dies without cleaning up:
the zygote exits when its control socket closes, an idle worker exits when its socket closes,
and a busy worker is ended by SIGALRM at its hard deadline plus a margin (the signal's default
action ends the process).
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from coopgraph.errors import CoopgraphError

ALARM_MARGIN = 5  # seconds past its deadline a busy worker ends itself if nobody killed it
START_TIMEOUT = 120.0  # seconds a zygote may take to start and load its snapshot
NICE = 19  # the CPU priority of a worker whose query runs long (lowest)


class WorkerError(CoopgraphError):
    """The query worker processes cannot be started or reached."""

    exit_code = 1


# -- what travels between the server and a worker ---------------------------------------------


@dataclass(frozen=True)
class Job:
    """One query for a worker: the text, the format per result kind, the row limit, the deadline.

    ``formats`` maps ``"SELECT"``, ``"ASK"`` and ``"GRAPH"`` to a :mod:`coopgraph.query.results`
    writer name, or to None when the client accepts no form of that kind (answered with 406).
    ``deadline`` is a :func:`time.monotonic` value: that clock is system-wide, so the server's
    deadline means the same instant in the worker.
    """

    text: str
    formats: dict[str, str | None]
    max_rows: int | None
    deadline: float


# An answer is ("ok", kind, body) or ("error", category, message); categories are the keys the
# server maps to HTTP statuses: timeout, too_large, refused, usage, query, not_acceptable, memory,
# internal.
Answer = tuple[str, str, Any]


class _StoreGraph:
    """What :func:`coopgraph.query.library.execute` needs from a graph on Oxigraph: the store itself."""

    def __init__(self, store: Any) -> None:
        self.oxigraph = store


def answer(graph: Any, job: Job) -> Answer:
    """Run one job on ``graph`` (anything with an ``oxigraph`` Store) and write its result.

    Every failure becomes an answer rather than an exception, so a worker never prints a
    traceback and the server always learns why.
    """
    from coopgraph.errors import QueryError, QueryTimeout, ResultTooLarge, UsageError
    from coopgraph.query.offline import NetworkRefused
    from coopgraph.query.library import execute
    from coopgraph.query.results import write

    try:
        result = execute(graph, job.text, engine="oxigraph", max_rows=job.max_rows, deadline=job.deadline)
        kind = "ASK" if result.kind == "ASK" else "GRAPH" if result.graph is not None else "SELECT"
        fmt = job.formats.get(kind)
        if fmt is None:
            return ("error", "not_acceptable", kind)
        return ("ok", kind, write(result, fmt).encode("utf-8"))
    except MemoryError:  # the worker's address-space limit, met in Python code
        return ("error", "memory", "")
    except QueryTimeout as e:
        return ("error", "timeout", str(e))
    except ResultTooLarge as e:
        return ("error", "too_large", str(e))
    except NetworkRefused as e:
        return ("error", "refused", str(e))
    except UsageError as e:
        return ("error", "usage", str(e))
    except QueryError as e:
        return ("error", "query", str(e))
    except Exception as e:  # a bug must reach the server as an answer, not kill the worker
        return ("error", "internal", f"{type(e).__name__}: {e}")


# -- framing on the control socket ----------------------------------------------------------


def _send_frame(sock: socket.socket, data: bytes) -> None:
    sock.sendall(struct.pack("!Q", len(data)))
    sock.sendall(data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = []
    while n:
        chunk = sock.recv(min(n, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the socket")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _recv_frame(sock: socket.socket) -> bytes:
    (n,) = struct.unpack("!Q", _recv_exact(sock, 8))
    return _recv_exact(sock, n)


# -- the zygote and its workers (run in the child processes) ----------------------------------


def zygote_main() -> None:
    """Entry point of a zygote process.

    ``sys.argv[1]`` is the control socket's descriptor, ``sys.argv[2]`` the memory (MiB) each
    worker may take beyond what it shares with the zygote, 0 for no limit.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle; it ends us
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps ended workers: no zombies
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    memory_mib = int(sys.argv[2])
    try:
        import pyoxigraph as ox

        store = ox.Store()
        store.load(_recv_frame(ctrl), format=ox.RdfFormat.N_QUADS)
        _prime(_StoreGraph(store))
    except EOFError:
        return
    except Exception as e:  # reported to the server, which names it in its error
        _send_frame(ctrl, pickle.dumps(("error", f"{type(e).__name__}: {e}")))
        return
    _send_frame(ctrl, pickle.dumps(("ready", len(store))))
    gc.collect()
    gc.freeze()  # the collector leaves the loaded objects alone, so forks keep sharing their pages
    while True:
        try:
            command = _recv_frame(ctrl)
        except (EOFError, OSError):
            return
        if command != b"fork":
            return
        mine, theirs = socket.socketpair()
        try:
            pid = os.fork()
        except OSError as e:
            mine.close()
            theirs.close()
            socket.send_fds(ctrl, [struct.pack("!q", -1)], [])
            _send_frame(ctrl, f"fork failed: {e.strerror or e}".encode())
            continue
        if pid == 0:  # the worker
            try:
                ctrl.close()
                mine.close()
                _limit_memory(memory_mib)
                _work(theirs, store)
            finally:
                os._exit(0)
        theirs.close()
        socket.send_fds(ctrl, [struct.pack("!q", pid)], [mine.fileno()])
        mine.close()


def _prime(graph: _StoreGraph) -> None:
    """Run one query of each kind, in every format, in the zygote: what that imports and caches
    is then shared by every fork, and a fresh worker's first query is as fast as its second."""
    from coopgraph.query.results import GRAPH_FORMATS

    deadline = time.monotonic() + 60
    for text, kind, formats in (("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "SELECT", ("json", "xml", "csv", "tsv")),
                                ("ASK { ?s ?p ?o }", "ASK", ("json", "xml", "csv", "tsv")),
                                ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "GRAPH", GRAPH_FORMATS)):
        for fmt in formats:
            answer(graph, Job(text, {kind: fmt}, 1, deadline))


def _limit_memory(mib: int) -> None:
    """Cap the worker's address space at its size now plus ``mib``: a query that needs more
    fails to allocate (Oxigraph then aborts the process) instead of exhausting the machine."""
    if mib <= 0:
        return
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as f:
            size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + mib * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, StopIteration, ValueError):  # no /proc (not Linux): the time limit still holds
        pass


def _work(sock: socket.socket, store: Any) -> None:
    """A worker's loop: one job in, one answer out, until the server closes the socket."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    conn = Connection(sock.detach())
    graph = _StoreGraph(store)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        signal.alarm(max(1, math.ceil(job.deadline - time.monotonic()) + ALARM_MARGIN))
        reply = answer(graph, job)
        signal.alarm(0)
        try:
            conn.send(reply)
        except OSError:
            return


# -- the server's side ----------------------------------------------------------------------


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        return None


class Worker:
    """One worker process as the server sees it: its pid and the socket to it."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.conn = Connection(fd)
        self._pidfd = _pidfd(pid)
        # close() can come from two threads at once (a request thread discarding its worker at the
        # deadline while the server stops and closes the pool): the descriptors are taken under
        # this lock and closed once; a second close of an fd number could hit a file opened since.
        self._close_lock = threading.Lock()
        self.jobs = 0
        self.niced = False
        self.started = time.monotonic()

    def ask(self, job: Job) -> None:
        """Send a job; the answer is read with :meth:`ready` and :meth:`answer`."""
        self.jobs += 1
        self.conn.send(job)

    def ready(self, seconds: float) -> bool:
        """True when an answer (or the end of the worker) arrived within ``seconds``.

        Also True when the socket was closed meanwhile (the pool closing at shutdown): then
        :meth:`answer` raises, as for a worker that ended.
        """
        try:
            return self.conn.poll(max(0.0, seconds))
        except OSError:
            return True

    def answer(self) -> Answer:
        """The answer; EOFError if the worker ended without one."""
        return self.conn.recv()

    def lower_priority(self) -> None:
        """Give the worker the lowest CPU priority, so short queries are served first.

        Only a privileged process can raise a priority again, so such a worker is not reused
        (:meth:`WorkerPool.checkin` ends it).
        """
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, NICE)
        except OSError:
            pass
        self.niced = True

    def exited(self, seconds: float = 0.0) -> bool:
        """True when the process has ended, waiting up to ``seconds``."""
        fd = self._pidfd
        if fd is not None:
            try:
                return bool(select.select([fd], [], [], seconds)[0])
            except (OSError, ValueError):  # closed meanwhile by another thread: that thread killed it
                return True
        deadline = time.monotonic() + seconds
        while True:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return True
            except OSError:
                return False
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def kill(self, wait: float = 2.0) -> bool:
        """End the process now (SIGKILL) and wait until it is gone; True if it is."""
        with self._close_lock:  # not while another thread closes the pidfd
            try:
                if self._pidfd is not None:
                    signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
                elif not self.conn.closed:  # closed: another thread has killed it already
                    os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        gone = self.exited(wait)
        self.close()
        return gone

    def close(self) -> None:
        """Close the socket; an idle worker then ends by itself. Safe to call twice, from two threads."""
        with self._close_lock:
            self.conn.close()
            fd, self._pidfd = self._pidfd, None
            if fd is not None:
                os.close(fd)


def _child_env() -> dict[str, str]:
    """The environment of a zygote: this one, with this coopgraph package first on the path."""
    import coopgraph

    env = dict(os.environ)
    root = str(Path(coopgraph.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


class _Zygote:
    """A started zygote: its process, its control socket and the thread relaying its stderr."""

    def __init__(self, dump: bytes, quads: int, log: Callable[[str], None], timeout: float, memory_mib: int) -> None:
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from coopgraph.serve.workers import zygote_main; zygote_main()", str(theirs.fileno()),
             str(memory_mib)],
            pass_fds=[theirs.fileno()], env=_child_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,  # no terminal signal reaches the workers
        )
        theirs.close()
        self.ctrl = ours
        self._stderr: list[str] = []
        self._relay = threading.Thread(target=self._drain, args=(log,), name="zygote-stderr", daemon=True)
        self._relay.start()
        try:
            ours.settimeout(timeout)
            _send_frame(ours, dump)
            status, value = pickle.loads(_recv_frame(ours))
            ours.settimeout(None)
        except (OSError, EOFError) as e:
            self.close()
            detail = self._stderr[-1] if self._stderr else type(e).__name__
            raise WorkerError(f"the query worker process did not start: {detail}") from None
        if status != "ready":
            self.close()
            raise WorkerError(f"the query worker process could not load the build: {value}")
        if value != quads:
            self.close()
            raise WorkerError(f"the query worker process loaded {value} quads, the server holds {quads}")

    def _drain(self, log: Callable[[str], None]) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self._stderr = [*self._stderr[-20:], line]
            log(f"query worker: {line}")

    def fork(self) -> Worker:
        """Ask for a new worker; OSError or EOFError if the zygote is gone."""
        _send_frame(self.ctrl, b"fork")
        self.ctrl.settimeout(10)
        try:
            data, fds, _flags, _addr = socket.recv_fds(self.ctrl, 8, 1)
            if len(data) < 8:
                raise EOFError("the zygote closed its socket")
            (pid,) = struct.unpack("!q", data)
            if pid < 0:
                raise OSError(_recv_frame(self.ctrl).decode("utf-8", "replace"))
        finally:
            self.ctrl.settimeout(None)
        return Worker(pid, fds[0])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def close(self) -> None:
        """Close the control socket (the zygote then exits) and reap it."""
        self.ctrl.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stderr is not None:
            self._relay.join(1)
            self.proc.stderr.close()


class WorkerPool:
    """The worker processes of one snapshot: a zygote, idle workers, and the busy ones.

    ``dump`` makes the snapshot's N-Quads bytes (again, if the zygote has to be restarted);
    ``quads`` is the count the zygote must report. A worker is reused for up to ``max_jobs``
    queries, then replaced, so that no worker's heap grows for the life of the server; each may
    take ``memory_mib`` beyond the memory it shares with the zygote (0: no limit).
    """

    def __init__(self, dump: Callable[[], bytes], quads: int, *, log: Callable[[str], None] | None = None,
                 max_jobs: int = 1000, memory_mib: int = 1024, start_timeout: float = START_TIMEOUT,
                 first_dump: bytes | None = None) -> None:
        self._dump = dump
        self.quads = quads
        self.memory_mib = memory_mib
        self._log = log or (lambda _m: None)
        self.max_jobs = max_jobs
        self._start_timeout = start_timeout
        self._lock = threading.Lock()  # the control socket and the lists below
        self._idle: list[Worker] = []
        self._busy: dict[int, Worker] = {}
        self._closed = False
        self._users = 0
        self._retired = False
        self.forked = 0
        self.killed = 0
        self.zygote_restarts = 0
        self._zygote = _Zygote(first_dump if first_dump is not None else dump(), quads, self._log, start_timeout,
                               memory_mib)

    # -- workers -----------------------------------------------------------------------------

    def checkout(self) -> Worker:
        """An idle worker, or a newly forked one; WorkerError if none can be had."""
        with self._lock:
            if self._closed:
                raise WorkerError("the server is shutting down")
            while self._idle:
                worker = self._idle.pop()
                if not worker.exited():
                    self._busy[worker.pid] = worker
                    return worker
                worker.close()
            worker = self._fork()
            self._busy[worker.pid] = worker
            return worker

    def _fork(self) -> Worker:
        try:
            worker = self._zygote.fork()
        except (OSError, EOFError) as e:  # the zygote died (or was killed): start another once
            self._log(f"query worker zygote lost ({type(e).__name__}: {e}); starting a new one")
            self._zygote.close()
            try:
                self._zygote = _Zygote(self._dump(), self.quads, self._log, self._start_timeout, self.memory_mib)
                self.zygote_restarts += 1
                worker = self._zygote.fork()
            except (OSError, EOFError) as e2:
                raise WorkerError(f"cannot start a query worker: {e2}") from None
        self.forked += 1
        return worker

    def checkin(self, worker: Worker) -> None:
        """Take back a worker that answered; it is ended instead if it must not be reused."""
        with self._lock:
            self._busy.pop(worker.pid, None)
            if self._closed or worker.niced or worker.jobs >= self.max_jobs:
                worker.close()
            else:
                self._idle.append(worker)

    def discard(self, worker: Worker, wait: float = 0.1) -> bool:
        """Kill a worker (its query overran, or it broke); True if the process is gone within ``wait``.

        SIGKILL ends the query at once, but the process still has to be scheduled to exit, and
        at the lowest priority on a busy machine that can take a second; it runs no query code
        meanwhile, so the caller need not wait for it.
        """
        with self._lock:
            self._busy.pop(worker.pid, None)
            self.killed += 1
        return worker.kill(wait)

    # -- lifetime ----------------------------------------------------------------------------

    def enter(self) -> None:
        """A request starts using this pool (see :meth:`retire`)."""
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        """A request is done with this pool; the last one out closes a retired pool."""
        with self._lock:
            self._users -= 1
            last = self._retired and self._users == 0
        if last:
            self.close()

    def retire(self) -> None:
        """A newer snapshot replaced this one: close now, or when the last request leaves."""
        with self._lock:
            self._retired = True
            idle = self._users == 0
        if idle:
            self.close()

    def close(self) -> None:
        """End every worker and the zygote; the pool answers no more queries."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, busy = self._idle, list(self._busy.values())
            self._idle, self._busy = [], {}
        for worker in idle:
            worker.close()
        for worker in busy:
            worker.kill(wait=1)
        self._zygote.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def pids(self) -> dict[str, list[int]]:
        """Process ids of the zygote and of the idle and busy workers (for /status and tests)."""
        with self._lock:
            return {"zygote": [self._zygote.pid], "idle": [w.pid for w in self._idle],
                    "busy": sorted(self._busy)}

"""Run queries in worker processes that can be killed: the time limit of the SPARQL endpoint.

rdflib cannot cancel a query running in a thread, and pyoxigraph offers no cancellation from Python, so every
query of the endpoint runs in a worker process that holds the store. A :class:`WorkerPool` keeps a few of them
(one per core, at least two, for long queries, and one more kept for quick queries, so that slow queries never
block quick ones); a query that outlives its time limit is stopped by killing its worker (SIGKILL), the client
gets an error status, and a fresh worker replaces the killed one in the background.

Each worker opens the store itself (a spawned process, so no state is shared with the server's event loop),
answers ``ready`` with the store's size and data version, then serves jobs one at a time: guard, execute,
serialise (:func:`handle_job`). Workers also

* for the local stores, move into their own network namespace where the kernel allows it
  (:func:`isolate_network`): Oxigraph's own HTTP client could not reach anything even if the guard let a
  ``SERVICE`` through; the ``ready`` message says whether it worked (``network_isolated``);
* refuse network access from Python inside the process (an audit hook: ``socket.connect``,
  ``socket.getaddrinfo`` and ``urllib.Request`` raise);
* switch off rdflib's loading of graphs named in dataset clauses (``SPARQL_LOAD_GRAPHS``);
* cap their address space (``RLIMIT_AS``), so a query that would exhaust memory fails alone.

>>> from pathlib import Path
>>> import nibs_graph
>>> from nibs_graph.sparql.stores import StoreSpec, open_store
>>> store = open_store(StoreSpec(data=Path(nibs_graph.__file__).parent.parent / "tests" / "data" / "tiny"))
>>> reply = handle_job(store, Job("ASK { ?t nibs:increases HGNC:1033 }", accept="text/csv"))
>>> reply.status, reply.content_type, reply.body.decode().split()
(200, 'text/csv; charset=utf-8', ['_askResult', 'true'])
>>> handle_job(store, Job("CLEAR ALL")).status
403
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from ..errors import NibsGraphError, QueryError, StoreError
from .formats import (
    GRAPH_FORMATS,
    MEDIA_TYPES,
    RESULTS_FORMATS,
    Unrepresentable,
    choose_format,
    content_type,
)
from .guard import QueryRefused
from .stores import OxigraphStore, Store, StoreSpec, open_store

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_QUICK_TIMEOUT",
    "Job",
    "Reply",
    "WorkerPool",
    "default_pool_size",
    "handle_job",
]

log = logging.getLogger("nibs_graph.sparql")

#: Address-space cap of one worker process, in MiB (0: no cap).
DEFAULT_MEMORY_MB = 4096
#: Seconds after which a running query counts as long (see :class:`WorkerPool`).
DEFAULT_QUICK_TIMEOUT = 2.0
#: The ``nice`` increment of a worker running a long query.
LONG_QUERY_NICENESS = 10


def default_pool_size() -> int:
    """One worker per core, at least two.

    >>> default_pool_size() >= 2
    True
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 2
    return max(2, cores)


@dataclass(frozen=True)
class Job:
    """One query for a worker.

    Attributes
    ----------
    query:
        The SPARQL text as received.
    accept:
        The request's ``Accept`` header (content negotiation happens once the query form is known).
    fmt:
        A format name or media type that overrides ``accept`` (``--format``, ``format=`` / ``output=``).
    max_rows:
        The result-size cap.
    max_bytes:
        The query-size cap.
    base:
        The base IRI relative IRIs in the query resolve against (the endpoint's URL).
    """

    query: str
    accept: str | None = None
    fmt: str | None = None
    max_rows: int | None = None
    max_bytes: int | None = None
    base: str | None = None

    def encode(self) -> bytes:
        """The job as JSON (what the server sends a worker; nothing in it is code).

        >>> Job.decode(Job("ASK {}", max_rows=5).encode()) == Job("ASK {}", max_rows=5)
        True
        """
        fields = {name: getattr(self, name) for name in _JOB_FIELDS}
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")

    @classmethod
    def decode(cls, data: bytes) -> Job:
        """Read :meth:`encode`'s bytes back; ``ValueError`` if they are not a job."""
        fields = json.loads(data.decode("utf-8", "surrogatepass"))
        if not isinstance(fields, dict) or not isinstance(fields.get("query"), str):
            raise ValueError("not a job")
        texts = {name: fields.get(name) for name in ("accept", "fmt", "base")}
        numbers = {name: fields.get(name) for name in ("max_rows", "max_bytes")}
        if any(v is not None and not isinstance(v, str) for v in texts.values()) or any(
            v is not None and type(v) is not int for v in numbers.values()
        ):
            raise ValueError("not a job")
        return cls(fields["query"], **texts, **numbers)


_JOB_FIELDS = ("query", "accept", "fmt", "max_rows", "max_bytes", "base")


@dataclass(frozen=True)
class Reply:
    """A worker's answer: an HTTP status, a content type and a body (an error message for errors)."""

    status: int
    content_type: str
    body: bytes
    form: str | None = None

    def encode(self) -> bytes:
        """The reply as a worker sends it: a 4-byte length, a JSON head, then the body as it is (no pickle).

        >>> Reply.decode(Reply(200, "text/csv", b"a,b", form="SELECT").encode())
        Reply(status=200, content_type='text/csv', body=b'a,b', form='SELECT')
        """
        head = json.dumps([self.status, self.content_type, self.form]).encode("ascii")
        return struct.pack("!I", len(head)) + head + self.body

    @classmethod
    def decode(cls, data: bytes) -> Reply:
        """Read :meth:`encode`'s bytes back; ``ValueError`` if they are not a reply."""
        if len(data) < 4:
            raise ValueError("a reply too short")
        (size,) = struct.unpack_from("!I", data)
        status, ctype, form = json.loads(data[4 : 4 + size].decode("ascii"))
        if not isinstance(status, int) or not isinstance(ctype, str):
            raise ValueError("not a reply")
        return cls(status, ctype, data[4 + size :], form=form if isinstance(form, str) else None)

    @classmethod
    def error(cls, status: int, message: str) -> Reply:
        """A plain-text error reply.

        >>> Reply.error(503, "busy").body
        b'Error 503: busy\\n'
        """
        return cls(status, "text/plain; charset=utf-8", f"Error {status}: {message}\n".encode())

    @property
    def message(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")


def handle_job(store: Store, job: Job) -> Reply:
    """Guard, run and serialise one query against ``store``; every failure becomes an error reply.

    Status codes: 200; 400 malformed, ``SERVICE``, unknown ``FROM`` graph, too many results or failed evaluation;
    403 update; 406 no acceptable format, or a character the format cannot carry; 413 query too long; 502 remote
    endpoint failure; 503 out of memory; 500 anything else (the message never carries a traceback or a file path).
    """
    try:
        checked = store.check(job.query, max_bytes=job.max_bytes)
    except QueryRefused as exc:
        return Reply.error(exc.status, str(exc))
    except RecursionError:
        return Reply.error(400, "the query is nested too deeply for the parser")
    fmt = choose_format(job.accept, job.fmt, checked.kind)
    if fmt is None:
        formats = GRAPH_FORMATS if checked.kind == "graph" else RESULTS_FORMATS
        offered = ", ".join(MEDIA_TYPES[f] for f in formats)
        asked = job.fmt or job.accept
        return Reply.error(406, f"a {checked.form} result cannot be served as {asked!r}; available: {offered}")
    try:
        body = store.answer(checked, fmt, max_rows=job.max_rows, base=job.base)
    except QueryRefused as exc:
        return Reply.error(exc.status, str(exc))
    except Unrepresentable as exc:
        return Reply.error(406, str(exc))
    except QueryError as exc:
        return Reply.error(400, str(exc))
    except StoreError as exc:
        return Reply.error(502, str(exc))
    except NibsGraphError as exc:
        return Reply.error(500, str(exc))
    except MemoryError:
        return Reply.error(503, "the query needed more memory than a query worker may use")
    except RecursionError:
        return Reply.error(400, "the query is nested too deeply to evaluate")
    except Exception as exc:  # never a traceback to the client
        log.exception("query failed")
        return Reply.error(500, f"the query failed ({type(exc).__name__})")
    return Reply(200, content_type(fmt), body, form=checked.form)


# ---------------------------------------------------------------------------------------------- worker process


def _block_network(allowed_url: str | None) -> None:
    """Install an audit hook that refuses network access from Python code in this process.

    With ``allowed_url`` (a remote store) only ``urllib`` requests to that exact URL pass.
    """

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "urllib.Request":
            if allowed_url is None or str(args[0]) != allowed_url:
                raise PermissionError(f"network access refused in a query worker: {args[0]}")
        elif allowed_url is None and event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
            raise PermissionError("network access refused in a query worker")

    sys.addaudithook(hook)


def isolate_network() -> bool:
    """Move this process into new user and network namespaces (Linux), where no network exists but loopback.

    A line below the guard that holds for code the audit hook cannot see: Oxigraph's Rust HTTP client (what
    ``SERVICE`` would use) cannot reach any other process, not even one on 127.0.0.1 of the host. Must run while
    the process has one thread. Returns False where the kernel does not allow it (then the guard is the line).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        clone_newuser, clone_newnet = 0x10000000, 0x40000000
        return bool(libc.unshare(clone_newuser | clone_newnet) == 0)
    except (OSError, AttributeError):
        return False


def _limit_memory(megabytes: int) -> None:
    if megabytes <= 0:
        return
    try:
        import resource

        limit = megabytes * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):  # not on this platform
        pass


def _open_in_worker(spec: StoreSpec) -> Store:
    if spec.kind == "oxigraph":
        return OxigraphStore(str(spec.location), read_only=True)  # built by the parent
    return open_store(spec)


def worker_main(conn: Any, spec: StoreSpec, memory_mb: int) -> None:
    """The body of a worker process: open the store, say ``ready``, then answer jobs until told to stop.

    Messages are length-prefixed frames (``multiprocessing.connection``'s framing): JSON for ``ready`` and the
    jobs (:meth:`Job.encode`), a JSON head and the raw body for replies (:meth:`Reply.encode`), an empty frame to
    stop.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops its workers
    try:
        isolated = spec.kind != "remote" and isolate_network()
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
        store = _open_in_worker(spec)
        info = {
            "pid": os.getpid(),
            "triples": store.triple_count(),
            "data_version": store.data_version(),
            "network_isolated": isolated,
        }
        _block_network(str(spec.location) if spec.kind == "remote" else None)
        if spec.kind != "oxigraph":  # RocksDB reserves address space of its own
            _limit_memory(memory_mb)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    except BaseException as exc:
        message = str(exc) if isinstance(exc, NibsGraphError) else f"{type(exc).__name__}: {exc}"
        with contextlib.suppress(OSError):
            conn.send_bytes(json.dumps({"failed": message}).encode())
        return
    conn.send_bytes(json.dumps({"ready": info}).encode())
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if not data:
            return
        try:
            job = Job.decode(data)
        except (ValueError, TypeError):
            reply = Reply.error(500, "the query worker received a message it cannot read")
        else:
            reply = handle_job(store, job)
        try:
            conn.send_bytes(reply.encode())
        except (OSError, ValueError):
            return


def _frame(payload: bytes) -> bytes:
    """``payload`` with the length prefix ``multiprocessing.connection.Connection.recv_bytes`` reads.

    >>> _frame(b"abc")
    b'\\x00\\x00\\x00\\x03abc'
    """
    if len(payload) > 0x7FFFFFFF:
        return struct.pack("!iQ", -1, len(payload)) + payload
    return struct.pack("!i", len(payload)) + payload


class _FrameReader:
    """Collects one length-prefixed frame from a non-blocking socket as the event loop reports it readable."""

    def __init__(self, sock: socket.socket, done: asyncio.Future[bytes]) -> None:
        self.sock = sock
        self.done = done
        self.buffer = bytearray()
        self.size: int | None = None

    def readable(self) -> None:
        if self.done.done():
            return
        try:
            while True:
                chunk = self.sock.recv(1 << 18)
                if not chunk:
                    self.done.set_exception(EOFError("the query worker closed its connection"))
                    return
                self.buffer += chunk
                if len(chunk) < 1 << 18:
                    break
        except (BlockingIOError, InterruptedError):
            pass
        except OSError as exc:
            self.done.set_exception(exc)
            return
        if self.size is None:
            if len(self.buffer) < 4:
                return
            (size,) = struct.unpack_from("!i", self.buffer)
            header = 4
            if size == -1:
                if len(self.buffer) < 12:
                    return
                (size,) = struct.unpack_from("!Q", self.buffer, 4)
                header = 12
            del self.buffer[:header]
            self.size = size
        if len(self.buffer) >= self.size:
            self.done.set_result(bytes(self.buffer[: self.size]))


class _Worker:
    """One worker process (``python -m nibs_graph.sparql.worker FD``) and its end of a socket pair.

    The process is started afresh (not forked from the server, not spawned through ``multiprocessing``, which
    would import the server's main module again); the store spec is its first message (the only pickle, sent by
    the server to its own child). The server's end of the socket is non-blocking once the worker is ready: jobs
    are written and replies read by the event loop itself.
    """

    def __init__(self, spec: StoreSpec, memory_mb: int) -> None:
        import pickle
        import subprocess
        from pathlib import Path

        parent, child = socket.socketpair()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "nibs_graph.sparql.worker", str(child.fileno())],
                pass_fds=(child.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            child.close()
        self.sock = parent
        self.sock.sendall(_frame(pickle.dumps((spec, memory_mb))))
        self.info: dict[str, Any] = {}
        self.niced = False

    def lower_priority(self) -> None:
        """Give the process a lower CPU priority (``nice`` +10), so that quick queries keep their speed."""
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, LONG_QUERY_NICENESS)
            self.niced = True

    def is_alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def _read_frame(self, deadline: float) -> bytes:
        """One frame, blocking until ``deadline`` (``time.monotonic``); ``TimeoutError`` or ``EOFError``."""

        def exactly(n: int) -> bytes:
            data = bytearray()
            while len(data) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
                chunk = self.sock.recv(n - len(data))
                if not chunk:
                    raise EOFError
                data += chunk
            return bytes(data)

        (size,) = struct.unpack("!i", exactly(4))
        if size == -1:
            (size,) = struct.unpack("!Q", exactly(8))
        return exactly(size)

    def wait_ready(self, timeout: float) -> None:
        """Block until the worker has opened its store; raise :class:`StoreError` if it could not."""
        try:
            message = json.loads(self._read_frame(time.monotonic() + timeout))
        except TimeoutError:
            self.kill()
            raise StoreError(f"a query worker did not open the store within {timeout:g} s") from None
        except (EOFError, OSError, ValueError):
            self.kill()
            raise StoreError("a query worker stopped while opening the store") from None
        if not isinstance(message, dict) or not isinstance(message.get("ready"), dict):
            self.kill()
            failure = message.get("failed") if isinstance(message, dict) else None
            raise StoreError(f"a query worker could not open the store: {failure}")
        self.info = message["ready"]
        self.sock.setblocking(False)

    async def send(self, job: Job) -> None:
        """Hand ``job`` to the worker (the event loop writes it)."""
        await asyncio.get_running_loop().sock_sendall(self.sock, _frame(job.encode()))

    def kill(self) -> None:
        """Stop the process now (SIGKILL) and reap it."""
        with contextlib.suppress(Exception):
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(5)
        with contextlib.suppress(Exception):
            self.sock.close()

    def stop(self) -> None:
        """Ask the process to finish, then make sure it has."""
        with contextlib.suppress(Exception):
            self.sock.settimeout(1.0)
            self.sock.sendall(_frame(b""))
            self.process.wait(2)
        self.kill()


class WorkerPool:
    """A pool of worker processes holding the store; :meth:`run` answers one :class:`Job` within a time limit.

    Parameters
    ----------
    spec:
        The store every worker opens (an Oxigraph folder must already be built: :func:`ensure_oxigraph`).
    size:
        Workers that may run long queries (default: one per core, at least two).
    quick:
        Further workers kept free for quick queries (default 1): a query that runs longer than ``quick_timeout``
        is *long*; at most ``size`` long queries run at once, and a query that becomes long when ``size`` others
        already are is stopped (503). A quick query therefore always finds a worker while long ones run.
    quick_timeout:
        Seconds after which a running query counts as long. Its worker gets a lower CPU priority (so quick
        queries keep their speed on a busy machine) and is replaced once it has answered.
    memory_mb:
        Address-space cap of each worker (memory and remote stores), in MiB; 0 for none.
    start_timeout:
        Seconds a worker may take to open its store.

    Examples
    --------
    >>> async def demo(spec):
    ...     pool = WorkerPool(spec, size=2)
    ...     await pool.astart()
    ...     try:
    ...         return (await pool.run(Job("ASK { ?s ?p ?o }"), timeout=30)).body
    ...     finally:
    ...         await pool.aclose()
    >>> import asyncio, nibs_graph
    >>> from pathlib import Path
    >>> asyncio.run(demo(StoreSpec(data=Path(nibs_graph.__file__).parent.parent / "tests" / "data" / "tiny")))
    b'{"head":{},"boolean":true}'
    """

    def __init__(
        self,
        spec: StoreSpec,
        *,
        size: int | None = None,
        quick: int = 1,
        quick_timeout: float = DEFAULT_QUICK_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        start_timeout: float = 300.0,
    ) -> None:
        self.spec = spec
        self.size = size if size and size > 0 else default_pool_size()
        self.quick = max(0, quick)
        self.quick_timeout = quick_timeout
        self.long_running = 0
        self.memory_mb = memory_mb
        self.start_timeout = start_timeout
        self.info: dict[str, Any] = {}
        self.stopped = 0
        self.refused = 0
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        self._started: list[_Worker] | None = None

    # -- starting and stopping

    def _spawn(self) -> _Worker:
        worker = _Worker(self.spec, self.memory_mb)
        with self._lock:
            self._all.add(worker)
        try:
            worker.wait_ready(self.start_timeout)
        except StoreError:
            with self._lock:
                self._all.discard(worker)
            raise
        return worker

    def start(self) -> list[_Worker]:
        """Start every worker and wait until all have opened the store (blocking).

        Raises
        ------
        StoreError
            When a worker cannot open the store (the message says why); no worker is left running.
        """
        started = [_Worker(self.spec, self.memory_mb) for _ in range(self.workers)]
        with self._lock:
            self._all.update(started)
        try:
            for worker in started:
                worker.wait_ready(self.start_timeout)
        except StoreError:
            for worker in started:
                worker.kill()
            with self._lock:
                self._all.difference_update(started)
            raise
        self.info = dict(started[0].info)
        self._started = started
        return started

    async def astart(self) -> None:
        """Make the pool serve from a running event loop (workers start in a thread unless already started)."""
        started = self._started if self._started is not None else await asyncio.to_thread(self.start)
        self._started = None
        self._idle = asyncio.Queue()
        for worker in started:
            self._idle.put_nowait(worker)

    async def aclose(self) -> None:
        """Stop every worker."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        await asyncio.gather(*(asyncio.to_thread(w.stop) for w in workers))

    @property
    def workers(self) -> int:
        """Worker processes the pool keeps: ``size`` plus ``quick``."""
        return self.size + self.quick

    @property
    def idle(self) -> int:
        """Workers waiting for a job."""
        return self._idle.qsize() if self._idle is not None else 0

    @property
    def alive(self) -> int:
        """Worker processes running (busy, idle or starting)."""
        with self._lock:
            return sum(1 for w in self._all if w.is_alive())

    @property
    def pids(self) -> list[int]:
        """Process ids of the running workers."""
        with self._lock:
            return sorted(w.process.pid for w in self._all if w.is_alive())

    # -- running

    def _retire(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its replacement in the background."""
        with self._lock:
            self._all.discard(worker)
        worker.kill()
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._replace())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self) -> None:
        delay = 1.0
        while not self._closed:
            try:
                worker = await asyncio.to_thread(self._spawn)
            except StoreError as exc:
                log.error("could not start a replacement query worker: %s; retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            if self._closed:
                await asyncio.to_thread(worker.stop)
                return
            assert self._idle is not None
            self._idle.put_nowait(worker)
            return

    async def _reply(self, worker: _Worker, timeout: float) -> Reply:
        """Wait for ``worker``'s reply; ``TimeoutError`` after ``timeout`` s, or ``_TooManyLong`` (see the class).

        The event loop reads the reply itself (:class:`_FrameReader`); two timers (the quick timeout, then the
        time limit) settle the same future with an error instead.
        """
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[bytes] = loop.create_future()
        fd = worker.sock.fileno()
        loop.add_reader(fd, _FrameReader(worker.sock, ready).readable)
        long = False
        timer: asyncio.TimerHandle | None = None

        def expire() -> None:
            if not ready.done():
                ready.set_exception(TimeoutError())

        def quick_over() -> None:
            nonlocal long, timer
            if ready.done():
                return
            if self.long_running >= self.size:
                ready.set_exception(_TooManyLong())
                return
            long = True
            self.long_running += 1
            worker.lower_priority()
            timer = loop.call_later(max(0.0, timeout - self.quick_timeout), expire)

        if self.quick and self.quick_timeout < timeout:
            timer = loop.call_later(self.quick_timeout, quick_over)
        else:
            timer = loop.call_later(timeout, expire)
        try:
            data = await ready
        finally:
            if timer is not None:
                timer.cancel()
            loop.remove_reader(fd)
            if long:
                self.long_running -= 1
        return Reply.decode(data)

    async def run(self, job: Job, *, timeout: float, queue_timeout: float | None = None) -> Reply:
        """Answer ``job`` in a worker; stop it (503) if it takes longer than ``timeout`` seconds.

        Waiting for a free worker is bounded by ``queue_timeout`` (default: ``timeout``; 503, the pool is busy).
        A query that becomes long while ``size`` long queries run is stopped at ``quick_timeout`` (503). Never
        raises for a query's sake: every outcome is a :class:`Reply`.
        """
        if self._idle is None:
            raise RuntimeError("the worker pool is not started")
        wait = timeout if queue_timeout is None else queue_timeout
        try:
            if self._idle.empty():
                worker = await asyncio.wait_for(self._idle.get(), wait)
            else:  # what Queue.get would do, without a task and a timer
                worker = self._idle.get_nowait()
        except TimeoutError:
            self.refused += 1
            return Reply.error(503, f"all {self.workers} query workers stayed busy for {wait:g} s; try again later")
        started = time.perf_counter()
        try:
            await worker.send(job)
            reply = await self._reply(worker, timeout)
        except TimeoutError:
            self.stopped += 1
            self._retire(worker)
            log.warning("query stopped after %.1f s (time limit %g s)", time.perf_counter() - started, timeout)
            return Reply.error(503, f"the query was stopped after {timeout:g} s (this endpoint's time limit)")
        except _TooManyLong:
            self.stopped += 1
            self._retire(worker)
            log.warning("query stopped after %g s: %d long queries already running", self.quick_timeout, self.size)
            return Reply.error(
                503,
                f"the query was stopped after {self.quick_timeout:g} s: {self.size} long queries are already "
                f"running and the other workers are kept for quick queries; try again later",
            )
        except (EOFError, OSError, ValueError):
            self._retire(worker)
            return Reply.error(500, "the query worker stopped unexpectedly (the query may need too much memory)")
        except BaseException:  # cancelled (client gone, server stopping): the worker may still be busy
            self._retire(worker)
            raise
        if worker.niced:  # it cannot be given its priority back: a fresh worker takes its place
            self._retire(worker)
        else:
            self._idle.put_nowait(worker)
        return reply


class _TooManyLong(Exception):
    """A query became long while the pool's quota of long queries was taken."""


def _main(argv: list[str]) -> None:
    """Entry point of a worker process: ``python -m nibs_graph.sparql.worker FD``."""
    from multiprocessing.connection import Connection

    conn = Connection(int(argv[1]))  # reads the frames _Worker writes
    try:
        spec, memory_mb = conn.recv()
    except (EOFError, OSError):
        return
    worker_main(conn, spec, memory_mb)


if __name__ == "__main__":
    # run the module's own copy (not __main__'s): one Job and Reply class
    from nibs_graph.sparql.worker import _main as worker_entry

    worker_entry(sys.argv)

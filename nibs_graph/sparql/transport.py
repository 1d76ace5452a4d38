"""The endpoint's HTTP connections: read deadlines, connection caps and a log that slow or hostile clients cannot flood.

uvicorn has no deadline for reading a request (its keep-alive timer is reset by every byte received), so a client
that sends its headers, or a body shorter than its ``Content-Length``, one byte at a time would hold a connection,
and a file descriptor, forever. :func:`guarded_protocol` wraps uvicorn's h11 protocol with

* a **header deadline**: the request line and headers must be complete ``header_timeout`` seconds after the
  connection opened (or after the previous answer on a kept-alive connection), else ``408`` and the connection is
  closed;
* a **body deadline**: the whole body (``Content-Length`` or chunked) must arrive ``body_timeout`` seconds after
  the headers, else the connection is closed; the same time bounds a client that stops reading its answer;
* a **cap on open connections**, in total and per client address: a connection over either cap is answered
  ``503`` at once, its request never parsed: the answer is sent with the write side shut and what the client
  still sends is dropped until it closes (at most 2 s), so the 503 is not lost to a reset.

Every such event is one log line; :class:`RepeatFilter` lets at most a few lines of the same kind through per
minute and counts the rest, so the log grows at a bounded rate whatever a client sends.

>>> limits = ConnectionLimits(header_timeout=5, max_connections=100, max_connections_per_client=10)
>>> protocol = guarded_protocol(limits)
>>> protocol.limits.body_timeout, protocol.registry.total
(10.0, 0)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

__all__ = [
    "ConnectionLimits",
    "RepeatFilter",
    "base_url",
    "guarded_protocol",
    "listen",
    "log_config",
    "raise_file_limit",
    "serve",
    "uvicorn_config",
]

log = logging.getLogger("nibs_graph.sparql")

#: Descriptors kept free for the listening socket, the workers' pipes, logs and the store.
FILE_RESERVE = 64
#: Connections the kernel queues before the server accepts them (uvicorn's default).
BACKLOG = 2048
#: The scope extension the protocol sets when it closes a connection itself (the application then logs nothing).
CLOSED_BY_SERVER = "nibs_graph.closed_by_server"


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send a request and how many connections it may hold.

    Attributes
    ----------
    header_timeout:
        Seconds for the request line and headers, from the connection's opening (or the previous answer).
    body_timeout:
        Seconds for the whole request body, from the end of the headers; also how long a client may leave an
        answer unread once the server's send buffer is full.
    max_connections:
        Open connections in total; more are answered 503 and closed.
    max_connections_per_client:
        Open connections from one client address; more are answered 503 and closed.
    """

    header_timeout: float = 10.0
    body_timeout: float = 10.0
    max_connections: int = 1024
    max_connections_per_client: int = 64


class _Registry:
    """Open connections, in total and per client address."""

    def __init__(self) -> None:
        self.total = 0
        self.by_address: dict[str, int] = {}

    def admit(self, address: str, limits: ConnectionLimits) -> str | None:
        """Count a new connection, or say which cap it is over (and count nothing)."""
        if self.total >= limits.max_connections:
            return f"the server has {self.total} open connections (--max-connections {limits.max_connections})"
        held = self.by_address.get(address, 0)
        if held >= limits.max_connections_per_client:
            cap = limits.max_connections_per_client
            return f"this address has {held} open connections (--max-connections-per-client {cap})"
        self.total += 1
        self.by_address[address] = held + 1
        return None

    def release(self, address: str) -> None:
        self.total -= 1
        left = self.by_address.get(address, 1) - 1
        if left > 0:
            self.by_address[address] = left
        else:
            self.by_address.pop(address, None)


def _plain(status: str, message: str, *extra: str) -> bytes:
    body = f"Error {status.split()[0]}: {message}\n".encode()
    head = [f"HTTP/1.1 {status}", "Content-Type: text/plain; charset=utf-8", f"Content-Length: {len(body)}"]
    head += [*extra, "Connection: close", "", ""]
    return "\r\n".join(head).encode("ascii") + body


def guarded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with read deadlines and connection caps (one class, and one count, per server).

    Pass it to uvicorn as ``http=``; :func:`uvicorn_config` does.
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    registry = _Registry()

    class GuardedH11Protocol(H11Protocol):
        """One HTTP/1.1 connection with deadlines; see the module's documentation."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._address = self.client[0] if self.client else "unknown"
            self._timer: asyncio.TimerHandle | None = None
            self._phase = ""
            refusal = registry.admit(self._address, limits)
            self._admitted = refusal is None
            if refusal is not None:
                log.warning("refused a connection from %s: %s", self._address, refusal)
                self._refuse(_plain("503 Service Unavailable", f"too many connections: {refusal}", "Retry-After: 5"))
                return
            self._update_phase()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel()
            if getattr(self, "_admitted", False):
                self._admitted = False
                registry.release(self._address)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if not self._admitted:  # a refused connection: what it sends is read and dropped (see _refuse)
                return
            super().data_received(data)
            self._update_phase()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._update_phase()

        def pause_writing(self) -> None:
            super().pause_writing()
            self._arm(limits.body_timeout, "write")

        def resume_writing(self) -> None:
            super().resume_writing()
            if self._phase == "write":
                self._cancel()
                self._phase = ""
                self._update_phase()

        # -- deadlines

        def _update_phase(self) -> None:
            if self.transport.is_closing() or self._phase == "write":
                return
            state = self.conn.their_state
            phase = "headers" if state is h11.IDLE else "body" if state is h11.SEND_BODY else "done"
            if phase == self._phase:
                return
            self._cancel()
            self._phase = phase
            if phase == "headers":
                self._arm(limits.header_timeout, phase)
            elif phase == "body":
                self._arm(limits.body_timeout, phase)

        def _arm(self, seconds: float, phase: str) -> None:
            self._cancel()
            self._phase = phase
            self._timer = self.loop.call_later(seconds, self._expired, phase, seconds)

        def _cancel(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _expired(self, phase: str, seconds: float) -> None:
            self._timer = None
            if self.transport.is_closing():
                return
            what = {
                "headers": "request headers not received",
                "body": "request body not received",
                "write": "answer not read",
            }[phase]
            log.warning("closed a connection from %s: %s within %g s", self._address, what, seconds)
            answer = None
            if self.cycle is not None and phase != "headers":
                scope: dict[str, Any] = self.cycle.scope  # type: ignore[assignment]
                scope.setdefault("extensions", {})[CLOSED_BY_SERVER] = what
            if phase == "write":  # nothing more will be read: drop what is buffered
                self.transport.abort()
                return
            if self.cycle is None or not self.cycle.response_started:
                answer = _plain("408 Request Timeout", f"{what} within {seconds:g} s")
            self._close(answer)

        def _refuse(self, answer: bytes) -> None:
            """Answer and close a connection never admitted, without losing the answer.

            Closing a socket whose received bytes were never read makes the kernel send a reset and drop what was
            not yet sent, so a client that had already sent its request would see a reset, not the 503. Instead
            the answer is sent with the write side shut; what the client still sends is read and dropped until it
            closes (then the transport closes itself), or for at most 2 s.
            """
            transport = self.transport
            transport.write(answer)
            if transport.can_write_eof():
                transport.write_eof()
            else:
                transport.close()
            self.loop.call_later(2.0, transport.abort)

        def _close(self, answer: bytes | None) -> None:
            transport = self.transport
            if answer is not None and not transport.get_write_buffer_size():
                transport.write(answer)
            transport.close()
            # close() waits for the answer to be sent; a client that reads nothing must not hold the socket
            self.loop.call_later(2.0, transport.abort)

    GuardedH11Protocol.limits = limits  # type: ignore[attr-defined]
    GuardedH11Protocol.registry = registry  # type: ignore[attr-defined]
    return GuardedH11Protocol


# ---------------------------------------------------------------------------------------------- logging


class RepeatFilter(logging.Filter):
    """Let at most ``burst`` records of one kind (logger and message template) through per ``window`` seconds.

    The rest are counted; the next record of that kind let through says how many were left out. The log thus
    grows at a bounded rate however often a client triggers a message.

    >>> f = RepeatFilter(burst=2, window=60)
    >>> records = [logging.LogRecord("x", logging.WARNING, "", 0, "closed %s", ("a",), None) for _ in range(5)]
    >>> [f.filter(r) for r in records]
    [True, True, False, False, False]
    >>> f.suppressed
    3
    """

    def __init__(self, burst: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self.clock = clock
        self.suppressed = 0
        self._kinds: dict[tuple[str, str], list[float]] = {}  # kind -> [window start, records let through, left out]

    def filter(self, record: logging.LogRecord) -> bool:
        now = self.clock()
        kind = (record.name, str(record.msg)[:200])
        state = self._kinds.get(kind)
        if state is None or now - state[0] >= self.window:
            left_out = int(state[2]) if state is not None else 0
            if len(self._kinds) > 1000:  # bounded memory: forget old kinds
                self._kinds.clear()
            self._kinds[kind] = [now, 1, 0]
            if left_out:
                record.msg = f"{record.msg} [{left_out} more like this left out in the last {self.window:g} s]"
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        self.suppressed += 1
        return False

    def unreported(self) -> list[tuple[str, int]]:
        """Message templates with lines left out since their last line, and how many (to say so at shutdown).

        >>> f = RepeatFilter(burst=1)
        >>> [f.filter(logging.LogRecord("x", logging.WARNING, "", 0, "closed %s", (i,), None)) for i in range(3)]
        [True, False, False]
        >>> f.unreported()
        [('closed %s', 2)]
        """
        return [(kind[1], int(state[2])) for kind, state in self._kinds.items() if state[2]]


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging set-up, with every server logger (uvicorn, asyncio, nibs_graph) behind :class:`RepeatFilter`.

    >>> log_config()["handlers"]["default"]["filters"]
    ['repeat']
    """
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"repeat": {"()": RepeatFilter}},
        "formatters": {
            "default": {"()": "uvicorn.logging.DefaultFormatter", "fmt": "%(levelprefix)s %(message)s"},
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["repeat"],
            },
        },
        "loggers": {
            name: {"handlers": ["default"], "level": upper, "propagate": False}
            for name in ("uvicorn", "uvicorn.access", "asyncio", "nibs_graph")
        },
    }


# ---------------------------------------------------------------------------------------------- running


def raise_file_limit(limits: ConnectionLimits) -> ConnectionLimits:
    """Raise this process's open-file limit for ``limits.max_connections``; lower the cap if the limit cannot be.

    Returns the limits to use (``max_connections`` at most the file limit minus :data:`FILE_RESERVE`).
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - not on this platform
        return limits
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + FILE_RESERVE
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < wanted:
        cap = max(1, soft - FILE_RESERVE)
        log.warning(
            "the open-file limit is %d: --max-connections lowered from %d to %d", soft, limits.max_connections, cap
        )
        per_client = min(limits.max_connections_per_client, cap)
        return replace(limits, max_connections=cap, max_connections_per_client=per_client)
    return limits


def uvicorn_config(
    app: Any, limits: ConnectionLimits, *, log_level: str = "info", configure_logging: bool = True
) -> uvicorn.Config:
    """A uvicorn configuration serving ``app`` through :func:`guarded_protocol`, logging with :func:`log_config`.

    ``configure_logging=False`` leaves the process's logging as it is (for a server inside another program).
    """
    import uvicorn

    return uvicorn.Config(
        app,
        http=guarded_protocol(limits),
        log_config=log_config(log_level) if configure_logging else None,
        log_level=log_level,
        access_log=False,
        server_header=False,
        lifespan="on",
    )


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: any free port); ``OSError`` if it cannot be.

    Connections wait in the socket's backlog until :func:`serve` starts answering them.

    >>> sock = listen("127.0.0.1", 0)
    >>> base_url(sock).startswith("http://127.0.0.1:")
    True
    >>> sock.close()
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    """``http://HOST:PORT`` of a bound socket."""
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if sock.family == socket.AF_INET6 else f"http://{host}:{port}"


def serve(app: Any, sock: socket.socket, limits: ConnectionLimits) -> None:
    """Serve ``app`` on the bound socket ``sock`` until interrupted (raising the file limit first if needed)."""
    import uvicorn

    limits = raise_file_limit(limits)
    server = uvicorn.Server(uvicorn_config(app, limits))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        _report_left_out()


def _report_left_out() -> None:
    """Say, once, how many lines of each kind the log filter left out since the last one it let through."""
    for handler in logging.getLogger("nibs_graph").handlers:
        for found in handler.filters:
            if isinstance(found, RepeatFilter):
                for template, count in found.unreported():
                    log.info("%d more lines like %r were left out of the log", count, template[:120])

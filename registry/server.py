"""`registry serve` with several workers: one parent that loads the app once and forks the
workers from it, and replaces any worker that dies.

uvicorn's own supervisor starts each worker as a new interpreter that imports and builds
everything again (4-8 s on a busy machine before a replacement answers). Forked from a parent
that has already built the app, a worker only runs the app's start-up (the live status
listener) and serves: a SIGKILLed worker answers again within a fraction of a second. The parent
never opens a database connection, a socket to Redis or a thread before it forks (the app's
lifespan does that in each worker), so nothing is shared that must not be.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

log = logging.getLogger("registry.server")

# A worker that exits within this long of its start, this many times in a row, is failing at
# start-up (a port taken, a broken setting): the parent stops instead of forking for ever.
QUICK_EXIT_SECONDS = 5.0
QUICK_EXITS_TO_GIVE_UP = 5
# How long workers get to finish the requests they hold on SIGTERM before they are killed.
GRACE_SECONDS = 30.0
POLL_SECONDS = 0.05
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def prepare_multiprocess(folder: Path) -> None:
    """Before prometheus_client is first imported (it picks its mode then), and so before the
    app is loaded: an empty folder where each worker writes its figures for /metrics to add up
    (a restart begins at zero, as Prometheus expects of a restarted target)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


class Supervisor:
    """Forks `workers` processes that each serve `config`'s app on one shared socket."""

    def __init__(
        self,
        config: uvicorn.Config,
        workers: int,
        *,
        on_loaded: Callable[[int], None],
        on_exit: Callable[[int], None],
    ) -> None:
        self.config = config
        self.workers = workers
        self.on_loaded = on_loaded  # told the parent's pid once the app is loaded in it
        self.on_exit = on_exit  # told each worker's pid once it is gone (its metrics)
        self.children: dict[int, float] = {}  # pid -> when it was started
        self.stopping = False
        self.quick_exits = 0

    def run(self) -> int:
        # Loaded here, in the parent: imported modules, built routes, templates and keys are
        # inherited by every worker forked below (copy on write).
        self.config.load()
        self.on_loaded(os.getpid())
        sock = self.config.bind_socket()
        previous = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS}
        try:
            for _ in range(self.workers):
                self._fork(sock)
            log.info("serving with %d workers (parent %d)", self.workers, os.getpid())
            status = self._watch(sock)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._end_workers()
            sock.close()
        return status

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _fork(self, sock: socket.socket) -> None:
        pid = os.fork()
        if pid == 0:  # the worker: whatever happens, it ends here, never in the parent's loop
            status = 1
            try:
                for sig in STOP_SIGNALS:
                    signal.signal(sig, signal.SIG_DFL)
                server = uvicorn.Server(self.config)
                server.run(sockets=[sock])
                status = 0 if server.started else 3  # uvicorn's status for a failed start
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                os._exit(status)
        self.children[pid] = time.monotonic()

    def _watch(self, sock: socket.socket) -> int:
        """Until a stop signal: each worker that exits is reported and replaced at once."""
        while not self.stopping:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid, status = 0, 0
            if pid == 0 or pid not in self.children:
                time.sleep(POLL_SECONDS)
                continue
            started = self.children.pop(pid)
            self.on_exit(pid)
            log.warning("worker %d ended (%s); starting another", pid, _how(status))
            if time.monotonic() - started < QUICK_EXIT_SECONDS:
                self.quick_exits += 1
                if self.quick_exits >= QUICK_EXITS_TO_GIVE_UP:
                    log.error("workers keep failing at start-up; stopping")
                    return 1
            else:
                self.quick_exits = 0
            if not self.stopping:
                self._fork(sock)
        return 0

    def _end_workers(self) -> None:
        """SIGTERM (uvicorn finishes the requests in flight), then SIGKILL after the grace."""
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while self.children and time.monotonic() < deadline:
            for pid in list(self.children):
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0] == 0:
                        continue
                self.children.pop(pid)
                self.on_exit(pid)
            time.sleep(POLL_SECONDS)
        for pid in self.children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self.on_exit(pid)
        self.children.clear()


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"

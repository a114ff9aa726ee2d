"""The access log: one preformatted line per response, written without the logging machinery.

uvicorn's access log builds a LogRecord, runs the filters and a formatter and flushes stdout for
every request: about a tenth of the verify API's CPU (docs/benchmarks.md). This writes the same
facts as one line built by hand, cleaned like every other log line (logfilter.clean), and writes
the lines a few times a second, together, rather than one write per line (an unbuffered stdout,
PYTHONUNBUFFERED as containers often set it, would otherwise make each line a system call).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import TextIO

from litestar.enums import ScopeType
from litestar.types import HTTPResponseStartEvent, HTTPScope, Scope

from registry.web.logfilter import clean

# How long a line may wait in the buffer: a tail -f still reads it at once, to a person.
FLUSH_SECONDS = 0.2


class AccessLog:
    """`at_start` writes `<time> <client> - "<method> <target> HTTP/<v>" <status>`."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._second = -1
        self._stamp = ""
        self._flush_pending = False
        self._lines: list[str] = []

    def _now(self) -> str:
        # One strftime per second rather than one per line.
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))
        return self._stamp

    def at_start(self, message: HTTPResponseStartEvent, scope: Scope) -> None:
        """At a response's start (registry.app.on_response_start)."""
        if scope["type"] == ScopeType.HTTP:
            self.write(scope, message["status"])

    def write(self, scope: HTTPScope, status: int) -> None:
        client = scope.get("client")
        where = f"{client[0]}:{client[1]}" if client else "-"
        target = _target(scope)
        version = scope.get("http_version", "1.1")
        self._lines.append(
            f'{self._now()} {where} - "{scope["method"]} {target} HTTP/{version}" {status}\n'
        )
        if not self._flush_pending:
            self._flush_pending = True
            try:
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self.flush)
            except RuntimeError:  # no event loop (a synchronous test client's thread)
                self.flush()

    def flush(self) -> None:
        self._flush_pending = False
        lines, self._lines = self._lines, []
        # A closed or broken stream loses log lines, never requests.
        with contextlib.suppress(OSError, ValueError):
            self.stream.write("".join(lines))
            self.stream.flush()


# Targets that cleaning leaves as they are, by path and query: most requests ask for a path asked
# for before (the verify API, /health), and cleaning is two regular expressions. One that
# cleaning changes (a wallet key, a control character) is never kept: no capability stays in
# memory. Emptied when full, so bounded.
_CLEAN: dict[tuple[str, bytes], str] = {}
_TARGETS_KEPT = 1024


def _target(scope: HTTPScope) -> str:
    """The path the router saw (decoded, so that `/%77allet/<key>` is redacted too) and the
    query, cleaned like every other log line: no wallet key, control characters escaped."""
    path: str = scope.get("path", "")
    query: bytes = scope.get("query_string", b"")
    key = (path, query)
    cleaned = _CLEAN.get(key)
    if cleaned is None:
        target = f"{path}?{query.decode('latin-1')}" if query else path
        cleaned = clean(target)
        if cleaned == target:
            if len(_CLEAN) >= _TARGETS_KEPT:
                _CLEAN.clear()
            _CLEAN[key] = cleaned
    return cleaned

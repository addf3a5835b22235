"""Small generic helpers shared by the benchmarks (no Django imports at module level).

- `CallCounter`: counts API calls by observing the clients' one-log-line-per-call contract.
- `measure`: wall time and tracemalloc peak of one callable.
- `max_rss_mb`, `machine_summary`: process and machine facts for the report.
- `markdown_table`, `docs_section_update`: print results and keep docs/benchmarks.md current.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import platform
import re
import resource
import sys
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
# "Picqer GET /api/v1/products?offset=100 -> 200 in 23 ms": HttpClient._log's format.
_CALL_LINE = re.compile(r"^(\S+) ([A-Z]+) ")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class CallCounter(logging.Handler):
    """Counts HTTP calls per (service, method) from the `sync.http` log lines, which
    HttpClient writes once per request, whatever thread sends it. Use as a context
    manager; it raises the logger to INFO while installed and restores it after."""

    def __init__(self, logger_name: str = "sync.http") -> None:
        super().__init__(level=logging.INFO)
        self.counts: Counter[tuple[str, str]] = Counter()
        # time.time() of the first and last call per (service, "read"/"write")
        self.first_at: dict[tuple[str, str], float] = {}
        self.last_at: dict[tuple[str, str], float] = {}
        self._logger = logging.getLogger(logger_name)
        self._lock_counts = threading.Lock()
        self._saved: tuple[int, bool] | None = None

    def emit(self, record: logging.LogRecord) -> None:
        match = _CALL_LINE.match(record.getMessage())
        if match:
            kind = (match.group(1), "write" if match.group(2) in WRITE_METHODS else "read")
            with self._lock_counts:
                self.counts[(match.group(1), match.group(2))] += 1
                self.first_at.setdefault(kind, record.created)
                self.last_at[kind] = record.created

    def __enter__(self) -> CallCounter:
        self._saved = (self._logger.level, self._logger.propagate)
        self._logger.setLevel(logging.INFO)
        self._logger.propagate = False  # count, do not print 10,000 lines
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.level, self._logger.propagate = self._saved

    def calls(self, service: str, methods: frozenset[str] | None = None) -> int:
        """Calls to `service` ("Picqer", "PrestaShop"), optionally of some methods only."""
        return sum(
            n
            for (svc, method), n in self.counts.items()
            if svc == service and (methods is None or method in methods)
        )

    def reset(self) -> None:
        with self._lock_counts:
            self.counts.clear()
            self.first_at.clear()
            self.last_at.clear()


@dataclass
class Measured:
    """What `measure` returns: the callable's result and its cost."""

    result: Any
    seconds: float
    traced_peak_mb: float


def measure(fn: Callable[[], Any], *, traced: bool = True) -> Measured:
    """Run `fn` once: wall time (monotonic) and tracemalloc's peak during the call (MB).
    Starts tracemalloc if needed and resets its peak, so calls are measured alike.
    `traced=False` runs without tracemalloc (its hooks slow allocation-heavy code, which
    would skew a comparison of wall times); the peak is then 0."""
    if not traced:
        started = time.monotonic()
        result = fn()
        return Measured(result, time.monotonic() - started, 0.0)
    if not tracemalloc.is_tracing():
        tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.monotonic()
    result = fn()
    seconds = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    return Measured(result, seconds, peak / 2**20)


class GcPauses:
    """Collections of each generation of the cyclic garbage collector while installed (a
    context manager): how many, and their seconds in all and at most. Every thread of the
    process waits while one runs."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self.longest = [0.0, 0.0, 0.0]
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        generation, took = info["generation"], time.perf_counter() - self._started
        self.count[generation] += 1
        self.seconds[generation] += took
        self.longest[generation] = max(self.longest[generation], took)

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        return ", ".join(
            f"generation {g}: {self.count[g]} ({self.seconds[g]:.2f} s, longest "
            f"{self.longest[g] * 1000:.0f} ms)"
            for g in range(3)
        )


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is KiB on Linux)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / (2**20 if sys.platform == "darwin" else 2**10)


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident set size (VmHWM of /proc/<pid>/status, MB); 0.0 where /proc is absent."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) / 1024 if found else 0.0


def load_average() -> str:
    """'1.02 0.87 0.80' (1, 5, 15 minutes), as uptime shows it."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_summary() -> str:
    """'2 cores, Linux 6.1 x86_64, Python 3.11.7, 2026-01-20' for the report."""
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.release().split('-')[0]} "
        f"{platform.machine()}, Python {platform.python_version()}, "
        f"{dt.date.today().isoformat()}"
    )


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (also readable printed to a terminal)."""
    lines = [
        "| " + " | ".join(str(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def docs_section_update(title: str, body: str, *, path: Path = DOCS) -> None:
    """Replace the `## {title}` section of docs/benchmarks.md (up to the next `## `
    heading) with `body`, or append it; other sections are left untouched."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.write_text(text)

"""Which project files a flow runs: the measure behind docs/architecture.md's flow tables.

A profile hook (`sys.setprofile`, and `threading.setprofile` for threads started inside the
flow, e.g. the stock writers) notes the file of every Python function called while the
flow runs. Only the project's own code counts: not the tests, the sandbox emulator, the
virtualenv or the migrations.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOT_COUNTED = ("tests/", "sandbox/", ".venv/", "benchmarks/")
# What every flow runs on and a reader learns once (docs/architecture.md, "the shared
# foundation"): the vendor packages and the HTTP base, configuration models with their
# encrypted fields, the activity log, publishing and leases, the task base, the settings.
FOUNDATION = (
    "sync/http/",
    "sync/picqer/",
    "sync/prestashop/",
    "prestapicqer/models.py",
    "prestapicqer/fields.py",
    "sync/activity.py",
    "sync/jobs.py",
    "sync/leases.py",
    "sync/tasks/base.py",
    "config/",
)


class FlowTrace:
    """`with FlowTrace() as trace: …` then `trace.files`: project files, relative, sorted."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def _profile(self, frame: FrameType, event: str, arg: Any) -> None:
        # A module body running is an import, not the flow: production imports everything
        # before the first task or request (the worker at start, config/warmup.py for web).
        if event == "call" and frame.f_code.co_name != "<module>":
            self._seen.add(frame.f_code.co_filename)

    def __enter__(self) -> FlowTrace:
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]

    @property
    def own_files(self) -> list[str]:
        """The files of the flow itself: `files` without the shared foundation."""
        return [name for name in self.files if not name.startswith(FOUNDATION)]

    @property
    def files(self) -> list[str]:
        root = f"{ROOT}/"
        relative = (name.removeprefix(root) for name in self._seen if name.startswith(root))
        return sorted(
            name
            for name in relative
            if name.endswith(".py")
            and not name.startswith(NOT_COUNTED)
            and "/migrations/" not in name
        )

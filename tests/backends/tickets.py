"""The ticket fixture (``benchmarks/fixtures/tickets.py``), shared by the structured-output tests and benchmark."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "fixtures" / "tickets.py"


def load_tickets() -> ModuleType:
    """The fixture module, registered as ``tickets`` (so ``Ticket`` is importable as ``tickets:Ticket``)."""
    if "tickets" in sys.modules:
        return sys.modules["tickets"]
    spec = importlib.util.spec_from_file_location("tickets", PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tickets"] = module
    spec.loader.exec_module(module)
    return module

"""The core never loads a user interface: proven in a fresh interpreter, not by intention."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "queue_db.store",
    "queue_db.deliveries.claim",
    "queue_db.deliveries.settle",
    "channels.registry",
    "publisher.service.posts",
    "publisher.service.channels",
    "publisher.engine.delivery",
    "publisher.engine.runner",
    "publisher.guidelines",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_no_ui_library(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = sorted(m for m in ('textual', 'typer', 'rich') if m in sys.modules); "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert out == "", f"{module} pulled in {out}"

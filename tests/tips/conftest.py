"""Fixtures for tips and cadences: a context on each real database, outbox channels, tip files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from publisher.context import Context
from tests.helpers import add_outbox, make_context

#: A Friday before the spring clock change in Europe/Ljubljana (29 March 2026).
BEFORE_SPRING = datetime(2026, 3, 27, 6, 0, tzinfo=UTC)


@pytest.fixture
def ctx(db_url: str, tmp_path: Path) -> Iterator[Context]:
    context = make_context(db_url, "ana")
    add_outbox(context, "csirt", tmp_path / "outbox" / "csirt")
    add_outbox(context, "csirt-mast", tmp_path / "outbox" / "csirt-mast")
    context.clock = lambda: BEFORE_SPRING
    yield context
    context.close()


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write a file into the test's folder and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


FIVE_TIPS = """\
- text: Turn on two-step login for your email.
  tags: [accounts]
- text: Update your phone when it asks; updates fix holes attackers use.
- text: An unexpected invoice with a link? Call the sender on a number you know.
  tags: [phishing]
- text: Use a password manager, so every account has its own password.
- text: Back up your files to a drive you unplug afterwards.
"""

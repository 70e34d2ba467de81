"""Builders the inbox tests share: a database channel on a double, streams, a clock."""

from __future__ import annotations

from typing import Any

import pytest

from publisher.context import Context
from publisher.service import channels
from tests.fakes.server import FakeAPI

PREFIX = "OYEZ_INBOX"


def add_network(
    ctx: Context, double: FakeAPI, monkeypatch: pytest.MonkeyPatch, name: str = "net", **extra: Any
) -> None:
    """A channel ``name`` in the database that speaks to ``double`` with its fake credentials."""
    for key, value in double.environ(PREFIX).items():
        monkeypatch.setenv(key, value)
    settings = {**double.channel_settings(prefix=PREFIX, timeout=10.0), **extra}
    channels.add_channel(ctx, name, double.kind, settings)

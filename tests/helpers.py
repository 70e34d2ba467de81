"""Small builders the tests share."""

from __future__ import annotations

from pathlib import Path

from publisher.config import Settings
from publisher.service import channels
from publisher.service.context import Context, open_context


def make_context(db_url: str, actor: str = "alex", **settings: object) -> Context:
    return open_context(db_url, actor, settings=Settings(database_url=db_url, **settings))  # type: ignore[arg-type]


def add_outbox(ctx: Context, name: str, folder: Path) -> None:
    channels.add_channel(ctx, name, "outbox", {"path": str(folder)})

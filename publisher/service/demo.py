"""The demo sandbox: a SQLite file and outbox channels in one folder, with posts due soon."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from publisher.context import Context, open_context
from publisher.context.settings import Settings
from publisher.service import channels, posts, slots

DEMO_POSTS = [
    (
        "council",
        "Bin collections move to Saturday this week because of the bank holiday. "
        "Check your day: https://example.org/bins ^CB",
    ),
    (
        "council",
        "The library on Market Street reopens on Monday with longer hours. "
        "Come and see the new children's corner! ^AL",
    ),
    (
        "csirt",
        "Tip: turn on multi-factor authentication for your email today. It stops most "
        "account takeovers. #CyberSafe",
    ),
    (
        "council",
        "Roadworks on Bridge Road start at 7am tomorrow. Buses 4 and 7 divert via "
        "Station Lane. ^CB",
    ),
    (
        "csirt",
        "Tip: an unexpected invoice with a link? Don't click. Call the sender on a number "
        "you already know. #CyberSafe",
    ),
]

#: Something for the sign-off and compose screens to show beside the due posts.
REVIEW_TEXT = (
    "Council tax bills go out next week. Questions? Call the team on 020 7946 0018 "
    "or read https://example.org/counciltax ^CB"
)
DRAFT_TEXT = "Our new website is live!!! Have a look at http://example.org/new"


@dataclass
class Sandbox:
    folder: Path
    url: str
    outboxes: dict[str, Path]


def create_sandbox(
    folder: Path, *, spacing_seconds: float = 8.0
) -> tuple[Context, Sandbox, list[int]]:
    """Make (or reuse) a sandbox in ``folder`` and queue the demo posts, due within a minute."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'oyez-demo.db'}"
    settings = Settings(database_url=url)
    ctx = open_context(url, "alex", migrate=True, settings=settings)
    outboxes = {"council": folder / "outbox" / "council", "csirt": folder / "outbox" / "csirt"}
    existing = {c.name for c in channels.list_channels(ctx)}
    for name, path in outboxes.items():
        if name not in existing:
            channels.add_channel(ctx, name, "outbox", {"path": str(path)}, timezone="Europe/London")
    now = ctx.clock()
    ids = []
    for i, (channel, text) in enumerate(DEMO_POSTS):
        ctx.actor = "alex"
        view = posts.create_post(
            ctx, text, [channel], at=now + timedelta(seconds=5 + i * spacing_seconds)
        )
        posts.submit_post(ctx, view.id)
        ctx.actor = "sam"
        posts.approve_post(ctx, view.id)
        ids.append(view.id)
    ctx.actor = "alex"
    return ctx, Sandbox(folder=folder, url=url, outboxes=outboxes), ids


def add_screen_extras(ctx: Context) -> None:
    """What the TUI's other screens show in a sandbox: posting slots for the calendar,
    a post waiting for sign-off and a draft (once, however often the sandbox is reused)."""
    for name in ("council", "csirt"):
        slots.set_slots(ctx, name, "mon-sun", "09:00,12:30,17:00")
    existing = {p.text for p in posts.list_posts(ctx, states=["draft", "in_review"])}
    if REVIEW_TEXT not in existing:
        posts.submit_post(ctx, posts.create_post(ctx, REVIEW_TEXT, ["council"]).id)
    if DRAFT_TEXT not in existing:
        posts.create_post(ctx, DRAFT_TEXT, ["council", "csirt"])

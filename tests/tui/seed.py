"""A small, fixed queue for the screen snapshots: one post in each interesting state."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from publisher.context import Context
from publisher.engine.delivery import Deliverer
from publisher.service import channels, posts
from publisher.sources.tips import cadences, pools
from queue_db import channels as channel_db
from queue_db.tables import Delivery, Event
from tests.tui.conftest import SLOTS, Clock

#: A fixed folder, so the links of sent posts read the same in every run.
OUTBOX = Path(tempfile.gettempdir()) / "oyez-tui-snapshots"


def seed(ctx: Context, clock: Clock) -> None:
    """council and csirt with slots, ops that refuses long posts; posts in every state."""
    shutil.rmtree(OUTBOX, ignore_errors=True)  # a file left by an earlier run reads as sent
    channels.add_channel(ctx, "council", "outbox", {"path": str(OUTBOX / "council")})
    channels.add_channel(ctx, "csirt", "outbox", {"path": str(OUTBOX / "csirt")})
    channels.add_channel(ctx, "ops", "outbox", {"path": str(OUTBOX / "ops")})
    with ctx.store.begin() as tx:
        channel_db.change(tx, channel_db.by_name(tx, "council").id, slots=SLOTS)
        channel_db.change(
            tx, channel_db.by_name(tx, "csirt").id, slots={"wed": ["10:00"], "thu": ["10:00"]}
        )

    def approved(text: str, to: list[str]) -> int:
        ctx.actor = "alex"
        post = posts.create_post(ctx, text, to)
        posts.submit_post(ctx, post.id)
        ctx.actor = "sam"
        posts.approve_post(ctx, post.id)
        ctx.actor = "alex"
        return post.id

    sent = approved("Bin collections move to Saturday this week. ^CB", ["council"])
    posts.schedule_post(ctx, sent, clock.now + timedelta(minutes=1))
    failed = approved("Planned maintenance tonight from 22:00 to 23:30 on the portal.", ["ops"])
    posts.schedule_post(ctx, failed, clock.now + timedelta(minutes=1))
    # The limit is lowered after sign-off (checks would catch it before), so delivery refuses it.
    channels.change_channel(ctx, "ops", {"max_length": "40"})
    clock.advance(minutes=2)
    engine = Deliverer(ctx, "snapshot")
    engine.run_once()
    engine.close()

    later = approved("The library on Market Street reopens on Monday. ^AL", ["council"])
    posts.schedule_post(ctx, later, clock.now.replace(hour=12, minute=30))
    tip = approved("Tip: turn on multi-factor authentication today. #CyberSafe", ["csirt"])
    posts.schedule_post(ctx, tip, clock.now.replace(hour=10) + timedelta(days=1))
    approved("Roadworks on Bridge Road start at 7am tomorrow. ^CB", ["council"])

    review = posts.create_post(ctx, "Questions? Call the team on 020 7946 0018 today.", ["council"])
    posts.submit_post(ctx, review.id)
    rejected = posts.create_post(ctx, "The pool is shut.", ["council"])
    posts.submit_post(ctx, rejected.id)
    ctx.actor = "sam"
    posts.reject_post(ctx, rejected.id, "Say which pool, and until when")
    ctx.actor = "alex"
    posts.create_post(
        ctx, "Our new website is live!!! http://example.org/new", ["council", "csirt"]
    )
    for text in (
        "Tip: turn on multi-factor authentication for your email. #CyberSafe",
        "Tip: an unexpected invoice with a link? Call the sender first. #CyberSafe",
        "Tip: update your phone today; updates fix holes attackers use. #CyberSafe",
    ):
        pools.add_tip(ctx, "safety", text)
    cadences.add_cadence(
        ctx,
        "weekday-tips",
        pool="safety",
        cron="0 9,15 * * mon-fri",
        timezone="UTC",
        channels=["csirt"],
    )
    with ctx.store.begin() as tx:
        # The audit log and the engine stamp the wall clock; pin them for the snapshots.
        tx.session.execute(update(Event).values(at=clock.now))
        tx.session.execute(update(Delivery).values(updated_at=clock.now))

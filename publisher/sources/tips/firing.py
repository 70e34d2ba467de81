"""Firing a cadence: one post per (cadence, fire time), however many workers fire it.

A firing first claims its tip in the rotation ledger under the post's source
key (``cadence:<id>:<fire time UTC>``), in a transaction whose first write is
the pool row, so firings on one pool take turns and agree on the rotation. A
second worker finds the claim and stops; a worker that died between claim and
post leaves a claim without a post, which the next firing of that key finishes.

The post goes through the lifecycle as the ``oyez`` user: submitted (the
guideline checks run with source ``tip``), then approved on behalf of whoever
signed the tip off at import, and scheduled at the fire time. A post with
error findings is never approved here: ``guidelines.automated_errors`` says
whether it waits in review ("hold") or is cancelled ("drop").
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from publisher.context import Context, cron
from publisher.context.times import zone
from publisher.engine.producers import Producer
from publisher.errors import OyezError
from publisher.service import checks, posts
from publisher.service.views import PostView
from publisher.sources.base import (
    BOT,
    create_once,
    existing_post_id,
    hold_or_drop,
    submit_draft,
)
from publisher.sources.tips.cadences import history_size, trigger_for
from publisher.sources.tips.pools import is_active
from publisher.sources.tips.rotation import from_ledger
from queue_db import channels as channel_db
from queue_db import tips as tip_db
from queue_db.errors import Conflict
from queue_db.types import as_utc

log = logging.getLogger("oyez.tips")
#: Claims retried when two firings on one pool collide.
_ATTEMPTS = 3


@dataclass(frozen=True)
class _Claim:
    served_id: int
    post_id: int | None
    tip_id: int
    text: str
    variants: dict[str, str]
    media: list[dict[str, str]]
    approved_by: str | None


#: How far back ``oyez run --once`` looks for a firing not made yet.
CATCH_UP = timedelta(hours=1)


def source_key(cadence_id: int, fire_time: datetime) -> str:
    return f"cadence:{cadence_id}:{fire_time.astimezone(UTC):%Y%m%dT%H%M}"


def _claim(ctx: Context, cadence_id: int, pool_id: int, key: str, at: datetime) -> _Claim | None:
    for attempt in range(_ATTEMPTS):
        try:
            with ctx.store.begin() as tx:
                tip_db.lock_pool(tx, pool_id, ctx.clock())
                served = tip_db.served_by_key(tx, key)
                if served is None:
                    if tip_db.cadence_by_id(tx, cadence_id) is None:
                        _gone(cadence_id, at)  # removed since this firing read it
                        return None
                    tips = tip_db.tips(tx, pool_id)
                    rotation = from_ledger(
                        pool_id, *tip_db.ledger_state(tx, pool_id, history_size(tips))
                    )
                    choice = rotation.choose(
                        t.id for t in tips if t.id is not None and is_active(t, at)
                    )
                    if choice is None:
                        tx.log(
                            BOT, "cadence_skipped", cadence_id=cadence_id, reason="no active tip"
                        )
                        return None
                    served = tip_db.add_served(
                        tx,
                        pool_id=pool_id,
                        round=choice[1],
                        tip_id=choice[0],
                        cadence_id=cadence_id,
                        source_key=key,
                        fire_at=at,
                    )
                tip = tip_db.tip(tx, served.tip_id)
                assert served.id is not None
                return _Claim(
                    served.id,
                    served.post_id,
                    served.tip_id,
                    tip.text,
                    dict(tip.variants),
                    list(tip.media),
                    tip.approved_by,
                )
        except Conflict:
            # Another firing claimed this key or this tip first: look again.
            if attempt == _ATTEMPTS - 1:
                raise
    return None


def _make_post(
    ctx: Context, claim: _Claim, key: str, channels: list[str], at: datetime
) -> tuple[int, bool]:
    """Create, submit and (if signed off) approve the tip's post: (post id, made by this call)."""
    bot = replace(ctx, actor=BOT)

    def make() -> int:
        return posts.create_post(
            bot,
            claim.text,
            channels,
            at=at,
            media=claim.media,
            source="tip",
            source_key=key,
            variants=claim.variants,
        ).id

    post_id, made = create_once(ctx, key, make)

    def in_review(view: PostView) -> None:
        if checks.has_errors(view.findings):
            _on_errors(bot, post_id, key)
        elif claim.approved_by:
            posts.approve_post(replace(ctx, actor=claim.approved_by), post_id)
            with ctx.tx() as tx:
                tx.log(claim.approved_by, "tip_signoff", post_id=post_id, tip=claim.tip_id)

    submit_draft(bot, post_id, in_review)
    return post_id, made


def _on_errors(bot: Context, post_id: int, key: str) -> None:
    action = hold_or_drop(bot, post_id, "tip")
    if action == "tip_dropped":
        reason = "error findings (guidelines.automated_errors = drop)"
    else:
        reason = "error findings: waits in review for a person"
    with bot.tx() as tx:
        tx.log(BOT, action, post_id=post_id, reason=reason)
    log.warning("tip post %s (%s): %s", post_id, key, reason)


def _gone(cadence_id: int, at: datetime) -> None:
    log.info("cadence %d was removed: nothing to post for %s", cadence_id, at.isoformat())


def fires_at(cadence_cron: str, timezone: str, at: datetime) -> bool:
    """Whether ``at`` is a fire time of the schedule ``cadence_cron`` in ``timezone``."""
    first = next(cron.upcoming(cadence_cron, zone(timezone), (), at - timedelta(seconds=1)), None)
    return first is not None and first.astimezone(UTC) == at


def fire_cadence(ctx: Context, cadence_id: int, fire_time: datetime) -> int:
    """Make the post of one firing; return 1 if this call made it, 0 otherwise.

    Idempotent by (cadence, fire time): a paused cadence, a skip date, an empty
    pool or a firing already made all return 0, and so does a cadence removed
    since the daemon read the cadences, or a fire time its schedule, edited
    since, no longer has.
    """
    at = fire_time.astimezone(UTC)
    key = source_key(cadence_id, at)
    with ctx.tx() as tx:
        cadence = tip_db.cadence_by_id(tx, cadence_id)
        if cadence is None:
            _gone(cadence_id, at)
            return 0
        if cadence.paused:
            return 0
        if not fires_at(cadence.cron, cadence.timezone, at):
            # Armed under a schedule edited since (a daemon re-arms within 30 s):
            # the firing belongs to the old schedule, so it posts nothing.
            log.info("cadence %s: %s is not on its schedule now; nothing posted", cadence.name, at)
            return 0
        if at.astimezone(zone(cadence.timezone)).date().isoformat() in cadence.skip_dates:
            tx.log(
                BOT, "cadence_skipped", cadence=cadence.name, at=at.isoformat(), reason="skip date"
            )
            return 0
        for name in cadence.channels:
            channel_db.by_name(tx, name)  # a removed channel fails here, before a tip is used up
    claim = _claim(ctx, cadence_id, cadence.pool_id, key, at)
    if claim is None or claim.post_id is not None:
        return 0
    try:
        post_id, made = _make_post(ctx, claim, key, list(cadence.channels), at)
    except OyezError:
        if existing_post_id(ctx, key) is None:
            with ctx.tx() as tx:
                tip_db.release_claim(tx, claim.served_id)
        raise
    with ctx.tx() as tx:
        tip_db.set_served_post(tx, claim.served_id, post_id)
    return 1 if made else 0


def catch_up(ctx: Context, cadence_id: int, now: datetime) -> int:
    """Make the latest firing due by ``now`` (within :data:`CATCH_UP`), if not made yet.

    For ``oyez run --once``: only the latest, so a machine that was off posts
    one tip, not every one it missed; never one from before the cadence existed.
    """
    with ctx.tx() as tx:
        cadence = tip_db.cadence_by_id(tx, cadence_id)
        if cadence is None or cadence.paused:
            return 0
        spec, tz = cadence.cron, cadence.timezone
        since = max(now - CATCH_UP, as_utc(cadence.created_at))
    latest = None
    for moment in cron.upcoming(spec, zone(tz), (), since):
        if moment > now:
            break
        latest = moment
    return 0 if latest is None else fire_cadence(ctx, cadence_id, latest)


def _firer(cadence_id: int) -> Callable[[Context, datetime], int]:
    def fire(ctx: Context, fire_time: datetime) -> int:
        return fire_cadence(ctx, cadence_id, fire_time)

    return fire


def _catcher(cadence_id: int) -> Callable[[Context, datetime], int]:
    def catch(ctx: Context, now: datetime) -> int:
        return catch_up(ctx, cadence_id, now)

    return catch


def producers(ctx: Context) -> list[Producer]:
    """One producer per running cadence, on a crontab trigger in the cadence's zone."""
    out: list[Producer] = []
    with ctx.tx() as tx:
        rows = [c for c, _ in tip_db.cadences(tx, active_only=True)]
    for cadence in rows:
        assert cadence.id is not None
        try:
            trig = trigger_for(cadence)
        except OyezError as exc:
            log.error("cadence %s cannot be scheduled: %s", cadence.name, exc)
            continue
        out.append(
            Producer(
                id=f"cadence:{cadence.name}",
                trigger=trig,
                fire=_firer(cadence.id),
                version=f"{cadence.id}:{cadence.cron}:{cadence.timezone}",
                catch_up=_catcher(cadence.id),
            )
        )
    return out

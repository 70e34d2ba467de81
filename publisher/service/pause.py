"""Pausing: the crisis pause of everything, and pausing one channel.

During a crisis pause nothing scheduled goes out except urgent posts (posts
marked urgent, or of a source in ``delivery.urgent_sources``, e.g. ticket
updates). A post that misses its time while paused follows its source's grace
rule when delivery resumes: it goes out late, or expires if it is past its
grace period. Every pause and resume is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import InvalidInput
from queue_db import channels as channel_db
from queue_db import settings as shared
from queue_db.channels import ChannelRecord
from queue_db.deliveries import read
from queue_db.store import Tx

MAX_REASON = 500


@dataclass(frozen=True)
class PauseState(JSONView):
    """A crisis pause: why, by whom, since when."""

    reason: str
    by: str
    at: datetime

    @classmethod
    def of(cls, value: dict[str, Any]) -> PauseState:
        return cls(
            reason=str(value.get("reason", "")),
            by=str(value.get("by", "")),
            at=datetime.fromisoformat(str(value["at"])),
        )


@dataclass(frozen=True)
class Resumed:
    """What resuming let loose: deliveries now overdue, and how many of those will expire."""

    overdue: int
    expiring: int
    was_paused: bool = True


def _reason(reason: str | None, default: str) -> str:
    text = " ".join((reason or "").split())
    if len(text) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters")
    return text or default


def crisis(ctx: Context) -> PauseState | None:
    """The crisis pause in force, or None."""
    with ctx.tx() as tx:
        value = shared.crisis(tx)
    return PauseState.of(value) if value else None


def pause_all(ctx: Context, reason: str) -> PauseState:
    """Stop every scheduled post from going out, at once, except urgent ones."""
    text = _reason(reason, "")
    if not text:
        raise InvalidInput(
            "a crisis pause needs a reason: --reason TEXT (it goes in the audit log)"
        )
    state = PauseState(reason=text, by=ctx.actor, at=ctx.clock())
    with ctx.tx() as tx:
        shared.set_crisis(tx, {"all": True, **state.to_dict()})
        tx.log(ctx.actor, "paused", scope="all", reason=text)
    return state


#: What a crisis pause holds and what it lets through, in the words every interface uses.
CRISIS_HOLDS = "scheduled posts are held; urgent posts (e.g. ticket updates) still go out"


def resume_preview(ctx: Context) -> Resumed:
    """What :func:`resume_all` would let loose now, without resuming anything."""
    with ctx.tx() as tx:
        if shared.crisis(tx) is None:
            return Resumed(0, 0, was_paused=False)
        overdue, expiring = read.overdue(tx, ctx.clock())
    return Resumed(overdue, expiring)


def resume_all(ctx: Context) -> Resumed:
    """End the crisis pause. Harmless when there is none (``was_paused`` says)."""
    now = ctx.clock()
    with ctx.tx() as tx:
        current = shared.crisis(tx)
        if current is None:
            return Resumed(0, 0, was_paused=False)
        shared.set_crisis(tx, None)
        overdue, expiring = read.overdue(tx, now)
        tx.log(
            ctx.actor,
            "resumed",
            scope="all",
            paused_since=current.get("at"),
            overdue=overdue,
            expiring=expiring,
        )
    return Resumed(overdue, expiring)


def pause_channel(ctx: Context, name: str, reason: str | None = None) -> None:
    """Stop one channel; deliveries to it wait (and may expire) until it is resumed."""
    text = _reason(reason, f"paused by {ctx.actor}")
    with ctx.tx() as tx:
        pause_in(tx, ctx.actor, channel_db.by_name(tx, name), text)


def pause_in(tx: Tx, actor: str, channel: ChannelRecord, reason: str) -> None:
    """Pause ``channel`` inside a transaction the caller holds, and log why."""
    channel_db.pause(tx, channel.id, reason)
    tx.log(
        actor, "paused", scope="channel", channel_id=channel.id, name=channel.name, reason=reason
    )


def resume_channel(ctx: Context, name: str) -> Resumed:
    """Let a paused channel (by a person, or by refused credentials) deliver again."""
    now = ctx.clock()
    with ctx.tx() as tx:
        channel = channel_db.by_name(tx, name)
        if not channel.paused:
            return Resumed(0, 0, was_paused=False)
        channel_db.unpause(tx, channel.id)
        overdue, expiring = read.overdue(tx, now, channel.id)
        tx.log(
            ctx.actor,
            "resumed",
            scope="channel",
            channel_id=channel.id,
            name=name,
            was=channel.paused_reason,
            overdue=overdue,
            expiring=expiring,
        )
    return Resumed(overdue, expiring)

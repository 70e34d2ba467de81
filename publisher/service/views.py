"""Plain, frozen views of rows, for every interface to show. No secrets in them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from publisher.context.serialise import NOT_JSON, JSONView, as_key
from queue_db.channels import ChannelRecord
from queue_db.deliveries import DeliveryRecord
from queue_db.metrics import Latest, Sample
from queue_db.posts import PostRecord


@dataclass(frozen=True)
class MetricsView(JSONView):
    """A delivery's latest public figures; ``None`` where the network gives none (or not yet)."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None
    collected_at: datetime | None = None

    @classmethod
    def of(cls, latest: Latest | Sample | None) -> MetricsView:
        if latest is None:
            return cls()
        return cls(
            likes=latest.likes,
            reposts=latest.reposts,
            replies=latest.replies,
            quotes=latest.quotes,
            impressions=latest.impressions,
            collected_at=latest.collected_at,
        )


@dataclass(frozen=True)
class DeliveryView(JSONView):
    channel: str
    kind: str
    state: str
    due_at: datetime | None
    attempts: int
    last_error: str | None
    remote_id: str | None
    remote_url: str | None
    sent_at: datetime | None
    metrics: MetricsView = field(default_factory=MetricsView)
    #: Every collection of its figures, oldest first: to chart them over the post's life.
    metrics_history: tuple[MetricsView, ...] = ()

    @classmethod
    def of(
        cls,
        delivery: DeliveryRecord,
        channel: ChannelRecord,
        latest: Latest | None = None,
        history: Sequence[Sample] = (),
    ) -> DeliveryView:
        return cls(
            channel=channel.name,
            kind=channel.kind,
            state=delivery.state,
            due_at=delivery.due_at,
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            remote_id=delivery.remote_id,
            remote_url=delivery.remote_url,
            sent_at=delivery.sent_at,
            metrics=MetricsView.of(latest),
            metrics_history=tuple(map(MetricsView.of, history)),
        )


@dataclass(frozen=True)
class PostView(JSONView):
    id: int
    text: str
    state: str
    scheduled_at: datetime | None
    author: str
    source: str
    created_at: datetime
    findings: tuple[dict[str, Any], ...] = ()
    override_reason: str | None = None
    review_comment: str | None = None
    #: The sign-offs as stored (comma-separated names); the JSON lists them as ``approved_by``.
    approved_by: str | None = field(default=None, metadata=NOT_JSON)
    signed_off_by: tuple[str, ...] = field(default=(), metadata=as_key("approved_by"))
    urgent: bool = False
    media: tuple[dict[str, str], ...] = ()
    deliveries: tuple[DeliveryView, ...] = field(default_factory=tuple)

    @classmethod
    def of(
        cls,
        post: PostRecord,
        deliveries: list[tuple[DeliveryRecord, ChannelRecord]],
        reach: Mapping[int, Latest] | None = None,
        history: Mapping[int, Sequence[Sample]] | None = None,
    ) -> PostView:
        reach, history = reach or {}, history or {}
        return cls(
            id=post.id,
            text=post.text,
            state=post.state,
            scheduled_at=post.scheduled_at,
            author=post.author,
            source=post.source,
            created_at=post.created_at,
            findings=tuple(post.findings),
            override_reason=post.override_reason,
            review_comment=post.review_comment,
            approved_by=post.approved_by,
            signed_off_by=tuple(n for n in (post.approved_by or "").split(",") if n),
            urgent=post.urgent,
            media=tuple(post.media),
            deliveries=tuple(
                DeliveryView.of(d, c, reach.get(d.id), history.get(d.id, ())) for d, c in deliveries
            ),
        )

    @property
    def channels(self) -> list[str]:
        return [d.channel for d in self.deliveries]

    @property
    def worst_finding(self) -> str | None:
        order = {"suggestion": 0, "warning": 1, "error": 2}
        worst = max((order.get(str(f.get("severity")), 0) for f in self.findings), default=None)
        return None if worst is None else {v: k for k, v in order.items()}[worst]

"""What the Facebook channel reads back: its posts by time (reconciliation) and their figures.

``graph`` is facebook-sdk's ``GraphAPI`` with a :class:`~channels.facebook_graph.GraphSession`:
every failure arrives here already typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from channels.base import Figures, Rendered
from channels.errors import OutcomeUnknown
from channels.facebook_graph import GraphPages, MissingObject, graph_time
from channels.matching import same_text

#: Reconciliation starts this long before the attempt, for the clocks' disagreement.
CLOCK_SKEW = timedelta(seconds=60)
#: What one Graph call takes: ``/feed`` and ``/comments`` pages, ``ids=`` lists.
MAX_PAGE = 100
MAX_IDS = 50
_POST_FIELDS = "id,message,created_time"
#: Totals only (``limit(0)``: no reaction or comment objects come back).
METRIC_FIELDS = (
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)


def find_by_time(
    graph: Any,
    page_id: str,
    rendered: Rendered,
    since: datetime | None,
    *,
    page_size: int,
    budget: int,
) -> str | None:
    """The id of the post (or comment) ``rendered`` made, paging back to ``since``.

    Posts are read from ``/{page}/published_posts`` with ``since`` (Graph's
    time-based paging); a reply from its parent's comments, newest first.
    Either way reading stops once an item older than ``since`` less
    :data:`CLOCK_SKEW` is seen or the edge ends. Without ``since``, one page.
    Raises :class:`OutcomeUnknown` when ``budget`` calls do not reach back so far.
    """
    start = None if since is None else since - CLOCK_SKEW
    args = {"fields": _POST_FIELDS, "limit": str(min(page_size, MAX_PAGE))}
    if rendered.reply_to:
        node, edge = rendered.reply_to, "comments"
        args |= {"order": "reverse_chronological", "filter": "toplevel"}
    else:
        node, edge = page_id, "published_posts"
        if start is not None:
            args["since"] = str(int(start.timestamp()))

    def fetch(call: Mapping[str, str]) -> Mapping[str, Any]:
        body: Mapping[str, Any] = graph.get_connections(node, edge, **call)
        return body

    pages = GraphPages(fetch, args, 1 if start is None else budget)
    for items in pages:
        for item in items:
            if same_text(str(item.get("message") or ""), rendered.text):
                return str(item["id"])
        made = [graph_time(item.get("created_time")) for item in items]
        if start is not None and any(when is not None and when < start for when in made):
            return None  # covered: everything older is from before the attempt
    if start is not None and pages.more:
        raise OutcomeUnknown(
            f"Facebook: could not look back to {start:%Y-%m-%d %H:%M:%S} UTC: more than "
            f"{pages.calls * min(page_size, MAX_PAGE)} posts since; look at the Page"
        )
    return None


def figures_of(
    get_objects: Callable[[Sequence[str]], Mapping[str, Any]], remote_ids: Sequence[str]
) -> dict[str, Figures]:
    """Figures of every id still there, :data:`MAX_IDS` a call; a gone id is left out.

    Graph fails a whole ``ids=`` call when one id is gone (#803, naming it);
    the named ids are dropped and the call made again, and when none can be
    named the batch is read one id at a time.
    """
    ids = list(dict.fromkeys(remote_ids))
    found: dict[str, Figures] = {}
    for first in range(0, len(ids), MAX_IDS):
        batch = ids[first : first + MAX_IDS]
        while batch:
            try:
                body = get_objects(batch)
            except MissingObject as exc:
                named = [
                    i for i in batch if re.search(rf"(?<![\w]){re.escape(i)}(?![\w])", exc.message)
                ]
                if not named:
                    found |= _one_by_one(get_objects, batch)
                    break
                batch = [i for i in batch if i not in named]
                continue
            found |= {str(k): figures(v) for k, v in body.items() if isinstance(v, Mapping)}
            break
    return found


def _one_by_one(
    get_objects: Callable[[Sequence[str]], Mapping[str, Any]], ids: Sequence[str]
) -> dict[str, Figures]:
    found: dict[str, Figures] = {}
    for object_id in ids:
        try:
            body = get_objects([object_id])
        except MissingObject:
            continue
        found |= {str(k): figures(v) for k, v in body.items() if isinstance(v, Mapping)}
    return found


def figures(post: Mapping[str, Any]) -> Figures:
    """Reactions (all kinds), comments and shares; a field Graph left out is ``None``."""

    def total(edge: str) -> int | None:
        summary = (
            (post.get(edge) or {}).get("summary") if isinstance(post.get(edge), Mapping) else None
        )
        value = summary.get("total_count") if isinstance(summary, Mapping) else None
        return value if isinstance(value, int) else None

    shares = post.get("shares")
    count = shares.get("count") if isinstance(shares, Mapping) else None
    return Figures(
        likes=total("reactions"),
        replies=total("comments"),
        reposts=count if isinstance(count, int) else None,
    )

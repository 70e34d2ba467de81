"""The reach section of ``oyez report``: terminal tables, and HTML with inline SVG charts.

The HTML needs nothing from outside the page (no scripts, fonts or images):
charts are inline SVG whose ``<title>`` elements are the tooltips, each
figure named as its network names it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from publisher.service.reach import WEEKDAYS, Group, Reach, Timing, TopPost

ENGAGEMENT_COLOUR, POSTS_COLOUR = "#d62728", "#1f77b4"


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _figure_cells(group: Group) -> list[str]:
    return [f"{_number(f.total)} / {_number(f.median)}" for f in group.figures]


def _group_table(title: str, groups: Sequence[Group]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold underline")
    for heading in ("", "sent", "measured", "likes", "reposts", "replies", "quotes", "impressions"):
        table.add_column(heading, justify="left" if not heading else "right")
    for g in groups:
        table.add_row(g.name, str(g.posts_sent), str(g.measured), *_figure_cells(g))
    return table


def _own_names(groups: Sequence[Group]) -> list[str]:
    """``mastodon counts favourites as likes, boosts as reposts`` for each renaming network."""
    out = []
    for g in groups:
        renamed = [f"{f.label} as {f.name}" for f in g.figures if f.label != f.name]
        if renamed:
            out.append(f"  {g.name} ({g.kind}) counts {', '.join(renamed)}")
    return out


def print_reach(reach: Reach, out: Console) -> None:
    out.print()
    out.print(Text("Reach (sum / median; — where the network gives no such figure)", style="bold"))
    if not reach.channels:
        out.print(Text("  nothing published in this period", style="dim"))
        return
    out.print(_group_table("per channel", reach.channels))
    for line in _own_names(reach.channels):
        out.print(Text(line, style="dim"), soft_wrap=True)
    out.print(_group_table("per source", reach.sources))
    out.print(Text("top posts", style="bold underline"))
    for post in reach.top:
        out.print(
            Text(f"  {post.engagement:>6}  post {post.post_id} on {post.channel}: ")
            + Text(post.text[:60]),
            soft_wrap=True,
        )
    out.print(Text("posts sent / engagement per week", style="bold underline"))
    for week in reach.weeks:
        out.print(
            f"  {week.week.isoformat()}  {week.posts:>5}  {week.engagement:>7}", highlight=False
        )
    for timing in reach.timing:
        best = sorted(
            ((m, h) for h, (_, m) in enumerate(timing.by_hour) if m is not None), reverse=True
        )[:3]
        if best:
            hours = ", ".join(f"{h:02d}:00 ({m:.1f})" for m, h in best)
            out.print(f"  {timing.channel}: best hours {hours} {timing.timezone}", highlight=False)


# -- HTML ---------------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text))


def _html_table(title: str, groups: Sequence[Group]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("", "sent", "measured", "likes", "reposts", "replies", "quotes", "impressions")
    )
    rows = []
    for g in groups:
        cells = "".join(
            f'<td title="{_e(f.label)}: sum / median over {f.reported}">'
            f"{_number(f.total)} / {_number(f.median)}</td>"
            for f in g.figures
        )
        names = ", ".join(f"{f.label}" for f in g.figures if f.label != f.name)
        label = _e(g.name) + (f" <small>({_e(names)})</small>" if names else "")
        rows.append(f"<tr><th>{label}</th><td>{g.posts_sent}</td><td>{g.measured}</td>{cells}</tr>")
    return f"<h3>{_e(title)}</h3><table><tr>{head}</tr>{''.join(rows)}</table>"


def weekly_svg(reach: Reach) -> str:
    """Bars of posts sent per week, and a line of their engagement, on their own scales."""
    weeks = reach.weeks
    width, height, left, bottom = 820, 240, 50, 40
    if not weeks:
        return ""
    step = (width - left - 20) / len(weeks)
    top_posts = max(w.posts for w in weeks) or 1
    top_engaged = max(w.engagement for w in weeks) or 1
    plot = height - bottom - 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Posts sent and engagement per week">'
        "<title>Posts sent and engagement per week</title>",
        f'<rect x="{left}" y="6" width="10" height="10" fill="{POSTS_COLOUR}"/>'
        f'<text x="{left + 14}" y="15" font-size="12">posts sent</text>'
        f'<rect x="{left + 100}" y="6" width="10" height="10" fill="{ENGAGEMENT_COLOUR}"/>'
        f'<text x="{left + 114}" y="15" font-size="12">engagement (likes, reposts, replies, '
        "quotes, as each network counts them)</text>",
    ]
    points = []
    for i, w in enumerate(weeks):
        x = left + i * step
        h = plot * w.posts / top_posts
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{height - bottom - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{POSTS_COLOUR}">'
            f"<title>week of {w.week.isoformat()}: {w.posts} posts sent, "
            f"{w.engagement} engagement</title></rect>"
        )
        y = height - bottom - plot * w.engagement / top_engaged
        points.append(f"{x + step / 2:.1f},{y:.1f}")
        if len(weeks) <= 26 or i % 4 == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
                f'text-anchor="middle">{w.week:%d %b}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{ENGAGEMENT_COLOUR}" '
        'stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(post: TopPost, width: int = 120, height: int = 24) -> str:
    """A small line of one post's engagement at each collection; each point's tooltip
    gives when it was read and the figure. Empty if it was never read with a figure."""
    points = [p for p in post.engagement_history if p.engagement is not None]
    if not points:
        return ""
    start, end = points[0].collected_at, points[-1].collected_at
    span = (end - start).total_seconds() or 1.0
    top = max(p.engagement or 0 for p in points) or 1
    xy = [
        (
            3 + (width - 6) * (p.collected_at - start).total_seconds() / span,
            height - 3 - (height - 6) * (p.engagement or 0) / top,
        )
        for p in points
    ]
    dots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{ENGAGEMENT_COLOUR}">'
        f"<title>{p.collected_at:%Y-%m-%d %H:%M} UTC: engagement {p.engagement}</title></circle>"
        for p, (x, y) in zip(points, xy, strict=True)
    )
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    return (
        f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="engagement of post {post.post_id} on {_e(post.channel)} over time">'
        f'<polyline points="{line}" fill="none" stroke="{ENGAGEMENT_COLOUR}" stroke-width="1.5"/>'
        f"{dots}</svg>"
    )


def _heat_row(label: str, cells: Sequence[tuple[int, float | None]], names: Sequence[str]) -> str:
    top = max((m for _, m in cells if m is not None), default=0.0) or 1.0
    out = [f"<tr><th>{_e(label)}</th>"]
    for name, (n, mean) in zip(names, cells, strict=True):
        shade = 0 if mean is None else round(40 + 200 * mean / top)
        colour = "#eee" if mean is None else f"rgb(255,{255 - shade},{255 - shade})"
        tip = f"{name}: no posts" if mean is None else f"{name}: {mean:.1f} per post over {n}"
        out.append(f'<td style="background:{colour}" title="{_e(tip)}">{_number(mean)}</td>')
    return "".join(out) + "</tr>"


def _timing_html(timings: Sequence[Timing]) -> str:
    hours = [f"{h:02d}" for h in range(24)]
    rows = [
        "<h3>Engagement per post by hour of day</h3><table class=heat><tr><th></th>"
        + "".join(f"<th>{h}</th>" for h in hours)
        + "</tr>"
    ]
    rows += [_heat_row(f"{t.channel} ({t.timezone})", t.by_hour, hours) for t in timings]
    rows.append("</table><h3>Engagement per post by weekday</h3><table class=heat><tr><th></th>")
    rows.append("".join(f"<th>{d}</th>" for d in WEEKDAYS) + "</tr>")
    rows += [_heat_row(t.channel, t.by_weekday, WEEKDAYS) for t in timings]
    rows.append("</table>")
    return "".join(rows)


def reach_html(reach: Reach) -> str:
    """The reach section as HTML (tables and inline SVG), for the report page."""
    if not reach.channels:
        return "<section><h2>Reach</h2><p>nothing published in this period</p></section>"
    top = "".join(
        f"<li>{p.engagement} · post {p.post_id} on {_e(p.channel)}: "
        + (f'<a href="{_e(p.url)}">{_e(p.text[:80])}</a>' if p.url else _e(p.text[:80]))
        + f" {sparkline_svg(p)}</li>"
        for p in reach.top
    )
    return (
        "<section><h2>Reach</h2><p>Sum / median of each figure, named as each network "
        "names it; — where a network gives no such figure (impressions are never added "
        "across networks that do not report them).</p>"
        + _html_table("Per channel", reach.channels)
        + _html_table("Per source", reach.sources)
        + f"<h3>Top posts</h3><ol>{top}</ol>"
        + "<h3>Posts sent and engagement per week</h3>"
        + weekly_svg(reach)
        + _timing_html(reach.timing)
        + "</section>"
    )


REACH_STYLE = (
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;"
    "padding:2px 6px;font-size:12px;text-align:right}th:first-child{text-align:left}"
)

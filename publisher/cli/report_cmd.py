"""``oyez report``: the report as terminal charts, a self-contained HTML page, or a PNG.

Every format draws the same charts (:func:`publisher.service.report.charts`,
which the TUI draws too), laid out once in pixels for SVG and PNG, or in
character cells for the terminal. The PNG is drawn with Pillow, which needs
no browser.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from publisher.cli.common import console, emit_json, json_text, state
from publisher.cli.export_cmd import SinceOpt, UntilOpt, parse_period, replacing
from publisher.cli.report_reach import REACH_STYLE, print_reach, reach_html
from publisher.errors import InvalidInput
from publisher.service.reach import Reach, build_reach
from publisher.service.report import Chart, Report, build_report, charts, period

FORMATS = ("text", "html", "png")
#: The HTML report loads nothing: no scripts, fonts, images or styles from elsewhere.
CSP = "default-src 'none'; style-src 'unsafe-inline'"
WIDTH, LABEL_W, NOTE_W, ROW_H, TITLE_H = 820, 170, 150, 22, 34


# -- terminal ------------------------------------------------------------------------------


def print_text(report: Report, out: Console = console) -> None:
    width = max(20, min(out.width, 120) - 24 - 18)
    out.print(Text("oyez report", style="bold"), Text(period(report), style="dim"))
    for chart in charts(report):
        out.print()
        out.print(Text(chart.title, style="bold underline"))
        if chart.legend:
            legend = Text("  ")
            for name, colour in chart.legend:
                legend.append("■ ", style=colour).append(name + "  ")
            out.print(legend)
        if not chart.bars:
            out.print(Text(f"  {chart.empty}", style="dim"))
        for bar in chart.bars:
            line = Text(f"  {bar.label[:22]:<22} ")
            for value, colour in bar.segments:
                line.append("█" * round(width * value / (chart.scale or 1)), style=colour)
            out.print(line.append(f" {bar.note}"), soft_wrap=True)
    if report.inbox:
        out.print()
        out.print(Text("Inbox items per stream (now)", style="bold underline"))
        for stream, states in report.inbox.items():
            counts = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
            out.print(Text(f"  {stream[:22]:<22} {counts}"))


def write_text(report: Report, path: Path, reach: Reach | None = None) -> None:
    """The terminal report as plain text (no colour codes), 100 columns wide."""
    with path.open("w", encoding="utf-8") as fh:
        out = Console(file=fh, width=100, no_color=True, highlight=False)
        print_text(report, out)
        if reach is not None:
            print_reach(reach, out)


# -- pixels: one layout, drawn as SVG or PNG ---------------------------------------------

Shape = tuple[str, float, float, float, float, str, str]  # kind, x, y, w|size, h, colour, text


def layout(chart: Chart) -> tuple[list[Shape], int]:
    shapes: list[Shape] = [("text", 8, 22, 16, 0, "#222", chart.title)]
    y = TITLE_H
    if chart.legend:
        x, y = 8.0, y + 6
        for name, colour in chart.legend:
            shapes += [
                ("rect", x, y - 10, 10, 10, colour, ""),
                ("text", x + 14, y, 12, 0, "#444", name),
            ]
            x += 24 + 7 * len(name)
        y += 16
    if not chart.bars:
        shapes.append(("text", 8, y + 14, 13, 0, "#777", chart.empty))
        return shapes, y + 26
    room = WIDTH - LABEL_W - NOTE_W - 16
    for bar in chart.bars:
        shapes.append(("text", 8, y + 15, 12, 0, "#333", bar.label[:26]))
        x = float(LABEL_W)
        for value, colour in bar.segments:
            w = room * value / (chart.scale or 1)
            if w > 0:
                shapes.append(("rect", x, y + 4, w, ROW_H - 6, colour, ""))
            x += w
        shapes.append(("text", x + 6, y + 15, 12, 0, "#333", bar.note))
        y += ROW_H
    return shapes, y + 10


def svg(chart: Chart) -> str:
    shapes, height = layout(chart)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{html.escape(chart.title)}">'
    ]
    for kind, x, y, size, h, colour, text in shapes:
        if kind == "rect":
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{size:.1f}" height="{h:.1f}" fill="{colour}"/>'
            )
        else:
            weight = ' font-weight="bold"' if size >= 16 else ""
            parts.append(
                f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.0f}" fill="{colour}"{weight}>'
                f"{html.escape(text)}</text>"
            )
    return "\n".join([*parts, "</svg>"])


def to_html(report: Report, reach: Reach | None = None) -> str:
    body = "\n".join(f"<section>{svg(chart)}</section>" for chart in charts(report))
    if reach is not None:
        body += "\n" + reach_html(reach)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        # Self-contained: a browser refuses (and reports) anything the page would fetch.
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        "<title>oyez report</title><style>body{font-family:system-ui,sans-serif;margin:2em;"
        "color:#222}section{margin:1.5em 0}svg{font-family:system-ui,sans-serif}"
        f"{REACH_STYLE}</style>"
        f"</head><body><h1>oyez report</h1><p>{html.escape(period(report))}</p>\n{body}\n"
        "</body></html>\n"
    )


def to_png(report: Report, path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont  # deferred: only PNG needs Pillow

    laid = [layout(chart) for chart in charts(report)]
    height = 60 + sum(h for _, h in laid)
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)
    fonts: dict[float, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}

    def font(size: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return fonts.setdefault(size, ImageFont.load_default(size=size))

    draw.text((8, 28), "oyez report", fill="#222", font=font(20), anchor="ls")
    draw.text((8, 48), period(report), fill="#666", font=font(12), anchor="ls")
    top = 60
    for shapes, h in laid:
        for kind, x, y, size, rect_h, colour, text in shapes:
            if kind == "rect":
                draw.rectangle((x, top + y, x + size, top + y + rect_h), fill=colour)
            else:
                draw.text((x, top + y), text, fill=colour, font=font(size), anchor="ls")
        top += h
    image.save(path, format="PNG")


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        ctx: typer.Context,
        since: SinceOpt = None,
        until: UntilOpt = None,
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="text, html or png.", metavar="FORMAT")
        ] = "text",
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="The file to write.", metavar="FILE")
        ] = None,
        as_json: Annotated[
            bool,
            typer.Option("--json", help="The numbers as JSON (to --output FILE if given)."),
        ] = False,
    ) -> None:
        """Posts per channel per day, on-time rate, failures, cadences, ticket posts and reach
        (figures collected from the networks, per channel, source, week and hour)."""
        if fmt not in FORMATS:
            raise InvalidInput(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
        if as_json and fmt != "text":
            raise InvalidInput(f"--json gives the numbers, --format {fmt} the charts: pick one")
        if fmt == "png" and output is None:
            raise InvalidInput("--format png needs --output FILE")
        context = state(ctx).open()
        bounds = parse_period(context, since, until)
        data = build_report(context, *bounds)
        reach = build_reach(context, *bounds)
        numbers = {**data.to_dict(), "reach": reach.to_dict()}
        if output is None:
            if as_json:
                emit_json(numbers)
            elif fmt == "text":
                print_text(data)
                print_reach(reach, console)
            else:
                typer.echo(to_html(data, reach), nl=False)
            return
        with replacing(output) as partial:
            if as_json:
                partial.write_text(json_text(numbers), encoding="utf-8")
            elif fmt == "text":
                write_text(data, partial, reach)
            elif fmt == "html":
                partial.write_text(to_html(data, reach), encoding="utf-8")
            else:
                to_png(data, partial)
        console.print(f"wrote the report to {output}", highlight=False)

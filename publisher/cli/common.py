"""What every command shares: opening the context, printing JSON, one-line errors."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.text import Text

from publisher.context.controls import strip_controls
from publisher.errors import InvalidInput

if TYPE_CHECKING:
    from publisher.context import Context

console = Console()
err_console = Console(stderr=True)

#: ``--json``: print JSON instead of text.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
#: ``--to``: the channels a source posts to; read it with :func:`split_names`.
ChannelsOpt = Annotated[
    str, typer.Option("--to", help="Channels, comma-separated.", metavar="CH[,CH…]")
]


@dataclass
class State:
    """Options of the root command, shared by every sub-command."""

    db: str | None = None
    actor: str | None = None
    _ctx: Context | None = field(default=None, repr=False)

    def open(self, actor: str | None = None, *, migrate: bool = False) -> Context:
        if self._ctx is None:
            from publisher.context import open_context  # deferred: start-up time

            self._ctx = open_context(self.db, actor or self.actor, migrate=migrate)
        elif actor:
            from publisher.context import act_as

            act_as(self._ctx, actor)
        return self._ctx

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None


_current: State | None = None


def state(ctx: typer.Context) -> State:
    global _current
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State()
    _current = root.obj
    return root.obj


def current_state() -> State:
    """The root command's state, for helpers that get no typer context."""
    return _current or State()


def json_text(data: Any) -> str:
    """The JSON every ``--json`` prints: indented, UTF-8 as is, ending in a newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def emit_json(data: Any) -> None:
    sys.stdout.write(json_text(data))


def say_error(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    say_error(message)
    raise typer.Exit(code)


def split_names(value: str | None) -> list[str]:
    """``--to a,b`` → ``["a", "b"]``; absent → ``[]``; given but empty is an error."""
    if value is None:
        return []
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise InvalidInput("--to needs at least one channel name")
    return names


def shown(text: object) -> Text:
    """Text from the database as the terminal may print it: no markup, no control characters.

    Stored text predating the strip at every way in may still carry ESC or BEL;
    a ``Text`` is never read as Rich markup, so ``[bold]`` stays literal.
    """
    return Text(strip_controls("" if text is None else str(text)))

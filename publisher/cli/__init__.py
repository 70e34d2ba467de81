"""The ``oyez`` command line: one module per command group, all calling the service layer.

Service errors become one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from publisher.cli import channels_cmd, check, db_cmd, demo_cmd, posts_cmd, run_cmd, tui_cmd
from publisher.cli import engine_cmd as engine_cmd
from publisher.cli import export_cmd as export_cmd
from publisher.cli import feeds_cmd as feeds_cmd
from publisher.cli import import_cmd as import_cmd
from publisher.cli import report_cmd as report_cmd
from publisher.cli import serve_cmd as serve_cmd
from publisher.cli import tickets_cmd as tickets_cmd
from publisher.cli import tips_cmd as tips_cmd
from publisher.cli.common import current_state, fail, state
from publisher.errors import OyezError
from publisher.guidelines import Target


class OyezGroup(TyperGroup):
    """The root group: turns service errors into one clear line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OyezError as exc:
            fail(str(exc), exc.exit_code)
        finally:
            obj = ctx.obj
            if obj is not None and hasattr(obj, "close"):
                obj.close()


app = typer.Typer(
    cls=OyezGroup,
    name="oyez",
    help="oyez: a guideline-checked posting queue that publishes exactly once.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default: $OYEZ_DATABASE_URL, else a SQLite file "
            "in your data folder).",
            metavar="URL",
        ),
    ] = None,
    actor: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who you are in the audit log (default: $OYEZ_USER, else your login name).",
            metavar="USER",
        ),
    ] = None,
) -> None:
    st = state(ctx)
    st.db = db
    st.actor = actor


db_cmd.register(app)
channels_cmd.register(app)
posts_cmd.register(app)
feeds_cmd.register(app)
tips_cmd.register(app)
tickets_cmd.register(app)
serve_cmd.register(app)
run_cmd.register(app)
engine_cmd.register(app)
demo_cmd.register(app)
tui_cmd.register(app)
export_cmd.register(app)
import_cmd.register(app)
report_cmd.register(app)


def _check_targets(names: list[str]) -> list[Target]:
    """``--to`` values: channel kinds, else channels configured in the database."""
    from channels.registry import kinds
    from publisher.service.channels import get_channel

    known = set(kinds())
    if all(name in known for name in names):
        return check.kind_targets(names)
    targets = []
    try:
        context = current_state().open()
        for name in names:
            kind = name if name in known else get_channel(context, name).kind
            targets.append(Target(name=name, kind=kind))
    except OyezError as exc:
        raise ValueError(str(exc)) from None
    return targets


check.register(app, resolve_targets=_check_targets)


def main() -> None:
    app()

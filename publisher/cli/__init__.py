"""The ``oyez`` command line: one module per command group, all calling the service layer.

Service errors become one line on stderr and a non-zero exit, never a traceback.

Start-up is kept short by loading only the command module a call needs:
:data:`COMMANDS` maps each top-level command to its module, and :func:`main`
registers just that one (all of them for ``--help`` or an unknown word).
``publisher.cli.app`` is the full application, built on first use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from publisher.cli.common import current_state, fail, say_error, state
from publisher.errors import OyezError

if TYPE_CHECKING:
    from publisher.guidelines import Target

#: Top-level command → the module under publisher.cli that registers it.
COMMANDS: dict[str, str] = {
    "init": "db_cmd",
    "db": "db_cmd",
    "channels": "channels_cmd",
    "post": "posts_cmd",
    "feeds": "feeds_cmd",
    "listen": "listen_cmd",
    "inbox": "inbox_cmd",
    "tips": "tips_cmd",
    "cadence": "tips_cmd",
    "tickets": "tickets_cmd",
    "serve": "serve_cmd",
    "run": "run_cmd",
    "slots": "slots_cmd",
    "pause": "pause_cmd",
    "resume": "pause_cmd",
    "status": "status_cmd",
    "demo": "demo_cmd",
    "tui": "tui_cmd",
    "export": "export_cmd",
    "prune-drafts": "export_cmd",
    "import": "import_cmd",
    "report": "report_cmd",
    "metrics": "metrics_cmd",
    "check": "check",
    "users": "users_cmd",
}
#: Root options that take a value (so the command word can be found after them).
_VALUED_ROOT_OPTIONS = ("--db", "--as")


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


def _root(
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
            help="Who you are in the audit log (default: $OYEZ_USER, else your login name). "
            "On PostgreSQL you are your database login: only an admin may give another name.",
            metavar="USER",
        ),
    ] = None,
) -> None:
    st = state(ctx)
    st.db = db
    st.actor = actor


def _check_targets(names: list[str]) -> list[Target]:
    """``--to`` values: channel kinds, else channels configured in the database (with their limits)."""
    from channels.registry import kinds
    from publisher.cli import check
    from publisher.service.compose import channel_targets

    known = set(kinds())
    if all(name in known for name in names):
        return check.kind_targets(names)
    try:
        context = current_state().open()
        configured = {
            t.name: t for t in channel_targets(context, [n for n in names if n not in known])
        }
    except OyezError as exc:
        raise ValueError(str(exc)) from None
    return [
        configured[name] if name in configured else check.kind_targets([name])[0] for name in names
    ]


def make_app(modules: Sequence[str] | None = None) -> typer.Typer:
    """The CLI with the given command modules (default: every one)."""
    from publisher.cli import help_style

    help_style.apply()
    application = typer.Typer(
        cls=OyezGroup,
        name="oyez",
        help="oyez: a guideline-checked posting queue that publishes exactly once.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(_root)
    wanted = modules if modules is not None else list(dict.fromkeys(COMMANDS.values()))
    for name in dict.fromkeys(wanted):
        module = importlib.import_module(f"publisher.cli.{name}")
        if name == "check":
            module.register(application, resolve_targets=_check_targets)
        else:
            module.register(application)
    return application


def command_word(argv: Sequence[str]) -> str | None:
    """The top-level command in ``argv``, skipping root options and their values."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in _VALUED_ROOT_OPTIONS:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def __getattr__(name: str) -> Any:
    if name == "app":
        application = make_app()
        globals()["app"] = application
        return application
    raise AttributeError(name)


def main() -> None:
    word = command_word(sys.argv[1:])
    module = COMMANDS.get(word or "")
    application = make_app([module] if module else None)
    try:
        result = application(standalone_mode=False)
    except Exception as exc:
        # Typer vendors click privately, so its usage errors are recognised by shape:
        # a wrong type or a missing argument becomes one line, like every other error.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            if type(exc).__name__ == "NoArgsIsHelpError":
                sys.stdout.write(exc.format_message() + "\n")
                sys.exit(0)
            hint = f"oyez {word} --help" if word in COMMANDS else "oyez --help"
            say_error(f"{exc.format_message()} (see {hint})")
            sys.exit(int(exc.exit_code))
        if type(exc).__name__ == "Abort":
            say_error("aborted")
            sys.exit(1)
        raise
    sys.exit(result if isinstance(result, int) else 0)

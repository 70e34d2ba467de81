"""How ``--help`` names things: plain words, no ``<bool>`` or ``{POST_ID}``.

Typer's rich help shows a flag's type as ``<bool>`` and wraps a required
argument in braces on the usage line; neither tells a reader anything and the
braces read as template syntax. Flags show no type; a required argument is its
bare name (optional ones keep their ``[…]``); an argument with a metavar shows
no ``<int>`` beside it.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperArgument, TyperOption


def _option_type(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag and not self.metavar:
        return None
    return _plain_option_type(self, ctx)


def _argument_type(self: TyperArgument, ctx: Any) -> str | None:
    if self.metavar is not None:
        return None
    return _plain_argument_type(self, ctx)


def _argument_usage(self: TyperArgument) -> str:
    name = self.display_name_raw
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


_plain_option_type = TyperOption.display_type_rich
_plain_argument_type = TyperArgument.display_type_rich


def apply() -> None:
    """Use these names in every help page (idempotent)."""
    TyperOption.display_type_rich = _option_type  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _argument_type  # type: ignore[method-assign,assignment]
    TyperArgument._usage_display_name = _argument_usage  # type: ignore[method-assign]

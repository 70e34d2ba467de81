"""Control characters: the one place text from people and networks is cleaned as it enters.

C0 and C1 controls (ESC, BEL, NUL, CSI …) make a terminal clear its screen or
move its cursor, and PostgreSQL refuses NUL outright. Every way in (feeds,
ticket events from the CLI and the webhook, CSV import, ``post new``/``edit``,
a paste in the TUI) calls :func:`strip_controls`; where a NUL means the input
is not text at all (an identifier, a webhook field) :func:`refuse_nul` says so.
"""

from __future__ import annotations

import re

from publisher.errors import InvalidInput

#: C0 controls but tab and line feed (carriage returns go: a line ends with \n), DEL, C1.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without C0/C1 control characters; newline and tab are kept."""
    return _CONTROL.sub("", text)


def refuse_nul(text: str, what: str) -> str:
    """``text`` unchanged, or :class:`InvalidInput` naming ``what`` if it holds a NUL byte."""
    if "\x00" in text:
        raise InvalidInput(f"{what} holds a NUL byte (\\0): refused")
    return text

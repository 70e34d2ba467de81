"""Frozen records: how rows leave :mod:`queue_db`.

Each noun module declares a frozen dataclass with the fields callers may rely
on and builds it with :func:`record_of`. Nothing above ``queue_db`` holds a
row, so nothing above it can change one behind the noun module's back.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any, TypeVar

R = TypeVar("R")


@cache
def _names(cls: type[Any]) -> tuple[str, ...]:  # classes are hashable
    return tuple(f.name for f in fields(cls))


def record_of(cls: type[R], row: object) -> R:
    """A ``cls`` record of ``row``: each of the record's fields read from the row by name."""
    names: tuple[str, ...] = _names(cls)  # type: ignore[arg-type]
    return cls(**{name: getattr(row, name) for name in names})

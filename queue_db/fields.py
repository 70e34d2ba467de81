"""Field builders the tables share: JSON values and UTC times.

Each call makes a new column, so one builder serves any number of fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from queue_db.types import JSONType, UTCDateTime, utcnow


def json_field(default: Any = None) -> Any:
    """A JSON column that is never NULL; ``default`` may be a factory (``list``, ``dict``)."""
    return Field(
        default_factory=(lambda: default() if callable(default) else default),
        sa_column=Column(JSONType, nullable=False),
    )


def time_field(nullable: bool = True, index: bool = False) -> Any:
    """An aware UTC time, None until set."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def now_field(index: bool = False) -> Any:
    """An aware UTC time that is never NULL, set to now when the row is made."""
    return Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=index)
    )

"""Errors of the persistence layer. Their messages are one line a person can act on."""

from __future__ import annotations


def first_line(error: object) -> str:
    """An exception as one line for a person; its type name if its text is blank."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class StoreError(Exception):
    """Base of every queue_db error."""


class DatabaseURLError(StoreError):
    """The database URL is malformed or names an unsupported database."""


class DatabaseUnavailable(StoreError):
    """The database cannot be reached or opened."""


class SchemaOutOfDate(StoreError):
    """The database has not been migrated to this version of oyez."""


class NotFound(StoreError):
    """A row that was asked for by id or name does not exist."""


class Conflict(StoreError):
    """A unique name or key is already taken, or a row changed underneath us."""


class Refused(StoreError):
    """The database refused the statement for this login (SQLSTATE 42501): a grant or the sign-off trigger."""


class WrongState(StoreError):
    """A row is not in a state that allows the change; ``state`` is the one it is in."""

    def __init__(self, state: str, why: str = "") -> None:
        super().__init__(f"it is {state}" + (f": {why}" if why else ""))
        self.state = state

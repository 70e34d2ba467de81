"""Who may do what: the people (PostgreSQL logins) oyez knows and their roles.

No ``from __future__ import annotations`` here: SQLModel reads the annotations
at class creation.
"""

from datetime import datetime

from sqlmodel import Field, SQLModel

from queue_db.fields import json_field, now_field


class OyezUser(SQLModel, table=True):
    """A login and its role: ``author``, ``approver``, ``admin`` or ``service``.

    ``channels`` are the channel names an approver signs off for (empty: all).
    On PostgreSQL a trigger on ``post`` reads this table (see migration r001).
    """

    __tablename__ = "oyez_user"

    login: str = Field(primary_key=True, max_length=63)
    role: str = Field(max_length=16)
    channels: list[str] = json_field(list)
    added_by: str = Field(max_length=128)
    added_at: datetime = now_field()

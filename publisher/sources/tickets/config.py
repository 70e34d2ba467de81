"""Where ticket posts go and how: channels, templates, coalescing, urgency, sign-off mode.

Ticket posts need no sign-off by default (``auto``): ops push them as things
happen. ``review`` sends each one to an approver first, whatever
``approval.auto_sources`` says; the thread still goes out in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from publisher.context import Context
from publisher.context.times import iso
from publisher.errors import InvalidInput
from publisher.sources.tickets import templates
from queue_db import channels as channel_db
from queue_db import tickets as ticket_db
from queue_db.tickets import TicketConfigRecord

MODES = ("auto", "review")
MAX_COALESCE = 24 * 3600
DEFAULT_COALESCE = 60


@dataclass(frozen=True)
class ConfigView:
    channels: tuple[str, ...]
    template: str
    update_template: str
    closing_template: str
    coalesce_seconds: int
    urgent: bool
    mode: str
    status_map: dict[str, str]
    link_template: str
    updated_by: str
    updated_at: datetime
    #: Whether ticket posts go out during a crisis pause: ``urgent``, or
    #: ``ticket`` listed in ``delivery.urgent_sources`` (which wins).
    through_crisis: bool = False

    @classmethod
    def of(cls, row: TicketConfigRecord, urgent_sources: Sequence[str]) -> ConfigView:
        return cls(
            channels=tuple(row.channels),
            template=row.template,
            update_template=row.update_template,
            closing_template=row.closing_template,
            coalesce_seconds=row.coalesce_seconds,
            urgent=row.urgent,
            mode=row.mode,
            status_map=dict(row.status_map),
            link_template=row.link_template,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            through_crisis=row.urgent or "ticket" in urgent_sources,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": list(self.channels),
            "template": self.template,
            "update_template": self.update_template,
            "closing_template": self.closing_template,
            "coalesce_seconds": self.coalesce_seconds,
            "urgent": self.urgent,
            "mode": self.mode,
            "status_map": self.status_map,
            "link_template": self.link_template,
            "updated_by": self.updated_by,
            "updated_at": iso(self.updated_at),
            "through_crisis_pause": self.through_crisis,
        }


def get_config(ctx: Context) -> ConfigView | None:
    with ctx.tx() as tx:
        row = ticket_db.config(tx)
        return ConfigView.of(row, ctx.settings.delivery.urgent_sources) if row else None


def configure(
    ctx: Context,
    *,
    channels: Sequence[str] | None = None,
    template: str | None = None,
    update_template: str | None = None,
    closing_template: str | None = None,
    coalesce_seconds: int | None = None,
    urgent: bool | None = None,
    mode: str | None = None,
    status_map: Mapping[str, str] | None = None,
    link_template: str | None = None,
) -> ConfigView:
    """Set what is given and keep the rest; the first configuration needs channels.

    ``status_map`` adds to the words already mapped.
    """
    if mode is not None and mode not in MODES:
        raise InvalidInput(f"--mode must be auto or review, not {mode!r}")
    if coalesce_seconds is not None and not 0 <= coalesce_seconds <= MAX_COALESCE:
        raise InvalidInput(f"--coalesce must be between 0 and {MAX_COALESCE} seconds")
    given = {
        "template": (template, "template"),
        "update_template": (update_template, "update template"),
        "closing_template": (closing_template, "closing template"),
    }
    # ``is not None``: an empty template is refused, not silently ignored.
    checked = {
        key: templates.check_template(value, what)
        for key, (value, what) in given.items()
        if value is not None
    }
    if link_template is not None:
        templates.check_link_template(link_template)
    names = list(dict.fromkeys(c.strip() for c in channels)) if channels is not None else None
    with ctx.tx() as tx:
        for name in names or []:
            channel_db.by_name(tx, name)
        row = ticket_db.config(tx)
        values: dict[str, Any] = {}
        if row is None:
            if not names:
                raise InvalidInput("ticket posts need channels: oyez tickets config --to CH[,CH…]")
            values.update(
                channels=names,
                template=templates.FIRST,
                update_template=templates.UPDATE,
                closing_template=templates.CLOSING,
                coalesce_seconds=DEFAULT_COALESCE,
            )
        elif names is not None:
            if not names:
                raise InvalidInput("--to needs at least one channel name")
            values["channels"] = names
        values.update(checked)
        if coalesce_seconds is not None:
            values["coalesce_seconds"] = coalesce_seconds
        if urgent is not None:
            values["urgent"] = urgent
        if mode is not None:
            values["mode"] = mode
        if status_map:
            values["status_map"] = {**(row.status_map if row else {}), **status_map}
        if link_template is not None:
            values["link_template"] = link_template
        row = ticket_db.save_config(tx, **values, updated_by=ctx.actor, updated_at=ctx.clock())
        view = ConfigView.of(row, ctx.settings.delivery.urgent_sources)
        tx.log(ctx.actor, "ticket_config", **view.to_dict())
        return view

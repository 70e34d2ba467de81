"""Live channel clients, built once per channel row and reused across deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable

from channels import registry
from channels.base import Channel as ChannelImpl
from publisher.context import Context
from queue_db.channels import ChannelRecord

log = logging.getLogger("oyez.engine")


#: Builds a live client for a channel row.
Builder = Callable[[ChannelRecord], ChannelImpl]


class ChannelPool:
    """One client per channel; rebuilt when the channel's kind or settings change.

    ``build`` defaults to the entry-point registry with credentials from the
    context's environment; tests may pass their own.
    """

    def __init__(self, ctx: Context, build: Builder | None = None) -> None:
        self.ctx = ctx
        self._build = build or self._from_registry
        self._live: dict[int, tuple[str, ChannelImpl]] = {}

    def _from_registry(self, row: ChannelRecord) -> ChannelImpl:
        return registry.build(row.kind, row.settings, self.ctx.environ)

    def get(self, row: ChannelRecord) -> ChannelImpl:
        """The client for ``row``; raises :class:`channels.errors.ChannelError` if it cannot be built."""
        assert row.id is not None
        fingerprint = row.kind + repr(sorted(row.settings.items()))
        cached = self._live.get(row.id)
        if cached and cached[0] == fingerprint:
            return cached[1]
        if cached:
            self._close(cached[1])
        channel = self._build(row)
        self._live[row.id] = (fingerprint, channel)
        return channel

    def close(self) -> None:
        for _, channel in self._live.values():
            self._close(channel)
        self._live.clear()

    @staticmethod
    def _close(channel: ChannelImpl) -> None:
        try:
            channel.close()
        except Exception:  # closing must never stop the daemon
            log.exception("closing a channel client failed")

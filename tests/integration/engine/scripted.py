"""A channel whose every call follows a script: the engine's error policy, call by call.

It is not a network double (those live in ``tests/fakes``); it lets a test say
"the next publish raises RateLimited" or "publish records the post, then the
answer is lost" without any HTTP, so the policy tests stay exact and fast.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from channels.base import ChannelSettings, Limits, Receipt, Rendered
from channels.errors import ChannelError
from channels.length import char_length

#: What a scripted step does: raise this error, optionally after publishing.
Step = tuple[str, ChannelError | None]


@dataclass
class ScriptedNetwork:
    """The far side: what was published, and what the next calls will do."""

    published: list[Rendered] = field(default_factory=list)
    publish_steps: deque[Step] = field(default_factory=deque)
    find_steps: deque[ChannelError] = field(default_factory=deque)
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Called inside publish, before anything happens (e.g. to block).
    on_publish: Callable[[Rendered], None] | None = None
    #: The next this many finds miss what was published (a search not caught up yet).
    misses: int = 0
    #: What the channel says its look-back is (None: it finds any post).
    lookback: int | None = None

    def fail(self, error: ChannelError, *, after_publishing: bool = False, times: int = 1) -> None:
        for _ in range(times):
            self.publish_steps.append(("after" if after_publishing else "before", error))

    def texts(self) -> list[str]:
        with self.lock:
            return [r.text for r in self.published]


class ScriptedChannel:
    kind: ClassVar[str] = "scripted"
    settings_model: ClassVar[type[ChannelSettings]] = ChannelSettings

    def __init__(self, network: ScriptedNetwork) -> None:
        self.network = network

    @property
    def limits(self) -> Limits:
        return Limits(max_length=500, count=char_length, threads=True)

    def publish(self, rendered: Rendered) -> Receipt:
        net = self.network
        if net.on_publish is not None:
            net.on_publish(rendered)
        with net.lock:
            net.calls.append("publish")
            step = net.publish_steps.popleft() if net.publish_steps else ("ok", None)
            if step[0] == "before" and step[1] is not None:
                raise step[1]
            net.published.append(rendered)
            remote = str(len(net.published))
        if step[0] == "after" and step[1] is not None:
            raise step[1]
        return Receipt(remote_id=remote, remote_url=f"https://scripted.test/{remote}")

    @property
    def lookback(self) -> int | None:
        return self.network.lookback

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        net = self.network
        with net.lock:
            net.calls.append("find")
            if net.find_steps:
                raise net.find_steps.popleft()
            if net.misses:
                net.misses -= 1
                return None
            for index, done in enumerate(net.published, start=1):
                if done.delivery_key == rendered.delivery_key:
                    return Receipt(remote_id=str(index))
        return None

    def delete(self, receipt: Receipt) -> None:
        return None

    def check_credentials(self) -> str:
        return "scripted"

    def close(self) -> None:
        return None

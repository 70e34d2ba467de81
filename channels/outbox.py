"""The ``outbox`` channel: each delivered post becomes a file in a local folder.

It needs no account, so the demo and the tests run anywhere. Publishing is
idempotent by delivery key: the file name is derived from it, so a retry of the
same delivery finds the file that is already there.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from pydantic import Field

from channels.base import ChannelSettings, Limits, Receipt, Rendered
from channels.errors import ConfigError, PermanentError, Retryable, os_reason
from channels.length import char_length


class OutboxSettings(ChannelSettings):
    #: The folder posts are written into; created if missing.
    path: str = "outbox"
    #: Longest post accepted, in characters.
    max_length: int = Field(default=5000, ge=1)


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in key)


class OutboxChannel:
    kind: ClassVar[str] = "outbox"
    settings_model: ClassVar[type[ChannelSettings]] = OutboxSettings

    def __init__(self, settings: OutboxSettings, environ: Mapping[str, str]) -> None:
        if not settings.path:
            raise ConfigError("outbox channel needs path=DIR")
        self.settings = settings
        self.folder = Path(settings.path).expanduser()

    @property
    def limits(self) -> Limits:
        return Limits(max_length=self.settings.max_length, count=char_length)

    def _file(self, key: str) -> Path:
        return self.folder / f"{_safe(key)}.json"

    def publish(self, rendered: Rendered) -> Receipt:
        target = self._file(rendered.delivery_key)
        if target.exists():
            found = self.find_existing(rendered)
            if found is not None:
                return found
        if not self.limits.fits(rendered.text):
            raise PermanentError(f"post is longer than {self.settings.max_length} characters")
        document = {
            "delivery_key": rendered.delivery_key,
            "text": rendered.text,
            "reply_to": rendered.reply_to,
            "media": [{"path": str(m.path), "alt": m.alt} for m in rendered.media],
            "published_at": datetime.now(UTC).isoformat(),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a crash never leaves half a post behind.
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document, handle, ensure_ascii=False, indent=2)
            os.replace(tmp, target)
        except OSError as exc:
            raise Retryable(f"cannot write to outbox {self.folder}: {os_reason(exc)}") from None
        return Receipt(remote_id=target.stem, remote_url=target.resolve().as_uri())

    @property
    def lookback(self) -> int | None:
        return None  # finds a post by its file, however old

    def find_existing(self, rendered: Rendered) -> Receipt | None:
        target = self._file(rendered.delivery_key)
        if not target.exists():
            return None
        return Receipt(remote_id=target.stem, remote_url=target.resolve().as_uri())

    def delete(self, receipt: Receipt) -> None:
        target = self.folder / f"{_safe(receipt.remote_id)}.json"
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise Retryable(f"cannot delete {target}: {os_reason(exc)}") from None

    def check_credentials(self) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create outbox folder {self.folder}: {os_reason(exc)}"
            ) from None
        if not os.access(self.folder, os.W_OK):
            raise ConfigError(f"outbox folder {self.folder} is not writable")
        return f"outbox at {self.folder}"

    def close(self) -> None:
        return None

"""Settings: environment (``OYEZ_…``, nested with ``__``), then a TOML file, then defaults.

The file is ``$OYEZ_CONFIG`` or ``oyez.toml`` in the user's config folder.
Credentials never live here: channels name environment variables or keyring entries.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir
from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def config_path() -> Path:
    return Path(os.environ.get("OYEZ_CONFIG") or Path(user_config_dir("oyez")) / "oyez.toml")


class ApprovalSettings(BaseModel):
    #: May the author of a post approve it themselves?
    allow_self: bool = False
    #: Sources whose posts skip sign-off and are approved on submission.
    auto_sources: list[str] = Field(default_factory=lambda: ["ticket"])
    #: Channels that never need sign-off (e.g. an internal webhook).
    auto_channels: list[str] = Field(default_factory=list)
    #: People whose replies to inbox items skip sign-off (still checked: a reply
    #: with an error finding waits for an approver). Default: every reply is reviewed.
    replies_without_review: list[str] = Field(default_factory=list)


class GuidelineSettings(BaseModel):
    #: A guideline pack (TOML) extending the default pack; empty for the default.
    pack: str = ""
    #: Region for phone numbers written without a country code.
    phone_region: str = "GB"
    #: What automated sources do with error findings: "hold" in review, or "drop".
    automated_errors: str = "hold"


class DeliverySettings(BaseModel):
    #: Minutes after which a late post of this source expires instead of going out;
    #: absent means it never expires.
    grace_minutes: dict[str, int] = Field(
        default_factory=lambda: {"tip": 120, "feed": 24 * 60, "ticket": 6 * 60}
    )
    #: Give up on a delivery after this many attempts.
    max_attempts: int = 8
    #: Seconds a worker holds a claimed delivery before others treat it as crashed.
    lease_seconds: int = 120
    #: Longest backoff between retries, in seconds.
    max_backoff_seconds: int = 3600
    #: Sources whose posts may go out during a crisis pause.
    urgent_sources: list[str] = Field(default_factory=lambda: ["ticket"])


class ArchiveSettings(BaseModel):
    #: Days after which an untouched draft may be pruned by ``oyez prune-drafts``
    #: (nothing is ever pruned automatically, and nothing that was sent is pruned).
    draft_retention_days: int = Field(default=365, ge=1)


class FeedSettings(BaseModel):
    #: May feeds (and ticket feeds) fetch loopback, private, link-local, multicast,
    #: reserved or unspecified addresses? Off: a feed, or a redirect, pointing
    #: inside the network is refused (server-side request forgery).
    allow_private_addresses: bool = False
    #: May feeds read ``file://`` URLs? Off: any local file (or a FIFO that would
    #: hang the worker) stays out of reach.
    allow_files: bool = False


class InboxSettings(BaseModel):
    #: Days an inbox item is kept after it was collected; older ones are purged.
    keep_days: int = Field(default=90, ge=1)
    #: A stream's last hour is a spike when it holds more than this many times
    #: the stream's average hour of the day before...
    spike_factor: float = Field(default=3.0, gt=1)
    #: ...and at least this many items (a quiet stream's two replies are no spike).
    spike_min: int = Field(default=10, ge=1)
    #: A webhook channel that is sent a post when a stream spikes (empty: none).
    #: The alert needs no sign-off and is urgent: a crisis pause does not hold it.
    spike_channel: str = ""


class MetricsSettings(BaseModel):
    #: Minutes after sending at which a post's public figures are collected
    #: (+1 h, +24 h, +7 days); after the last one it is not asked for again.
    collect_after_minutes: list[int] = Field(default_factory=lambda: [60, 24 * 60, 7 * 24 * 60])
    #: Days after sending in which `oyez metrics collect` still asks for a post's figures.
    window_days: int = Field(default=7, ge=1)
    #: Seconds between the daemon's looks for figures that are due.
    every_seconds: float = Field(default=300.0, gt=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OYEZ_", env_nested_delimiter="__", extra="ignore")

    #: The queue database; empty for the SQLite file in the user's data folder.
    database_url: str = ""
    #: Who you are in the audit log when --as is not given (else the OS user).
    user: str = ""
    #: The time zone times are shown in.
    timezone: str = "UTC"
    approval: ApprovalSettings = Field(default_factory=ApprovalSettings)
    guidelines: GuidelineSettings = Field(default_factory=GuidelineSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )


def load_settings() -> Settings:
    return Settings()

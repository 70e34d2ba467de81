"""Fixtures for the channel tests: the local API doubles and channels built on them."""

from tests.fakes.fixtures import (  # noqa: F401
    bluesky_channel,
    bluesky_double,
    facebook_channel,
    facebook_double,
    harness,
    linkedin_channel,
    linkedin_double,
    mastodon_channel,
    mastodon_double,
    network,
    webhook_channel,
    webhook_double,
    x_channel,
    x_double,
)

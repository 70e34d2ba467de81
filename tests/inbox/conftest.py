"""Fixtures for the inbox tests: the API doubles and a database with channels on them."""

from tests.fakes.fixtures import (  # noqa: F401
    facebook_double,
    mastodon_double,
    webhook_double,
    x_double,
)

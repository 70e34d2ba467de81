"""The Channel contract (tests/channels/test_contract.py), against the real Bluesky stack."""

import pytest

from tests.channels.test_contract import *  # noqa: F403

pytestmark = pytest.mark.real_bluesky

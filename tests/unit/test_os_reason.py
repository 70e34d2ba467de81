"""An OS error's reason reads as words in every message, never as "None"."""

from __future__ import annotations

import errno

import pytest

from channels.errors import os_reason as channel_reason
from publisher.errors import os_reason


@pytest.mark.parametrize("reason", [os_reason, channel_reason])
def test_an_os_error_gives_its_reason_and_one_without_a_code_gives_its_text(
    reason: object,
) -> None:
    assert callable(reason)
    assert reason(OSError(errno.EACCES, "Permission denied")) == "Permission denied"
    assert reason(OSError("the share went away")) == "the share went away"
    assert reason(TimeoutError()) == "TimeoutError"

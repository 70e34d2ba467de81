"""``oyez run`` delivers to every network through its real client library and records the receipt."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.fixtures import DOUBLES, start_double
from tests.fakes.server import FakeAPI
from tests.helpers import oyez

PREFIX = "OYEZ_E2E"
#: Public identifiers (a page id, a handle) may show; these may not.
SECRET_SUFFIXES = ("TOKEN", "SECRET", "PASSWORD", "KEY", "URL")


@pytest.fixture(params=sorted(DOUBLES))
def double(request: pytest.FixtureRequest) -> Iterator[FakeAPI]:
    d = start_double(request.param)
    yield d
    d.stop()


def add_channel(db: str, double: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in double.environ(PREFIX).items():
        monkeypatch.setenv(key, value)
    settings = double.channel_settings(prefix=PREFIX)
    args = [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]
    code, _, err = oyez(db, "channels", "add", "net", "--kind", double.kind, *args)
    assert code == 0, err


def test_run_delivers_through_the_real_library_and_records_id_and_url(
    db_url: str, double: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_channel(db_url, double, monkeypatch)
    code, out, err = oyez(
        db_url,
        "post",
        "new",
        "Library opens late today #news",
        "--to",
        "net",
        "--at",
        "2020-01-01T00:00:00Z",
    )
    assert code == 0, err
    pid = out.strip()
    oyez(db_url, "post", "submit", pid)
    assert oyez(db_url, "post", "approve", pid, actor="sam")[0] == 0
    code, _, err = oyez(db_url, "run", "--once")
    assert code == 0, err
    shown = json.loads(oyez(db_url, "post", "show", pid, "--json")[1])
    delivery = shown["deliveries"][0]
    assert shown["state"] == "sent", delivery
    assert delivery["remote_id"]
    if double.kind != "webhook":  # a webhook message has no public address
        assert delivery["remote_url"]
    assert any("Library opens late today" in text for text in double.texts())


def test_channels_check_passes_with_good_credentials(
    db_url: str, double: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_channel(db_url, double, monkeypatch)
    code, out, err = oyez(db_url, "channels", "check", "net")
    assert code == 0, err
    assert "credentials work" in out


def test_channels_check_names_the_missing_variables_in_one_line(
    db_url: str, double: FakeAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_channel(db_url, double, monkeypatch)
    for key in double.environ(PREFIX):
        monkeypatch.delenv(key)
    code, out, err = oyez(db_url, "channels", "check", "net")
    assert code != 0
    assert "missing credentials" in err
    # Every required variable (a double's environ may add optional ones).
    assert all(f"{PREFIX}_{name}" in err for name in double.credentials())
    assert "Traceback" not in err + out


def test_secrets_never_reach_json_output_or_the_audit_log(
    db_url: str, double: FakeAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    add_channel(db_url, double, monkeypatch)
    pid = oyez(db_url, "post", "new", "Hello", "--to", "net", "--at", "2020-01-01T00:00:00Z")[
        1
    ].strip()
    oyez(db_url, "post", "submit", pid)
    oyez(db_url, "post", "approve", pid, actor="sam")
    oyez(db_url, "run", "--once")
    seen = "".join(
        oyez(db_url, *args)[1]
        for args in (
            ["channels", "list", "--json"],
            ["post", "show", pid, "--json"],
            ["post", "history", pid, "--json"],
        )
    )
    secrets = {k: v for k, v in double.environ(PREFIX).items() if k.endswith(SECRET_SUFFIXES)}
    assert secrets
    for secret in secrets.values():
        assert secret not in seen

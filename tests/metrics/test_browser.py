"""The HTML report with its reach charts, viewed in a real headless Chromium.

Skips when Chromium is not installed, unless ``OYEZ_REQUIRE_BROWSER=1`` (CI),
which turns the skip into a failure. Console messages are read from
Chromium's own log (``--enable-logging=stderr``): the page has no script, and
its Content-Security-Policy makes any attempt to load something from
elsewhere a console error, so any console line at all is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from publisher.context import Context
from tests.helpers import oyez

pytestmark = pytest.mark.browser

#: Generous: a starved CI machine starts Chromium slowly; this bounds a hang, not speed.
BROWSER_TIMEOUT = 120


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    message = "no headless browser installed (apt-get install chromium)"
    if os.environ.get("OYEZ_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (OYEZ_REQUIRE_BROWSER=1)")
    pytest.skip(message)


def render(page: Path, shot: Path, profile: Path) -> list[str]:
    """Render ``page`` to the PNG ``shot``; return the console lines Chromium logged."""
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1000,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_catches_a_page_that_errs(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src '
        '\'none\'"><p>x</p><img src="http://127.0.0.1:9/x.png">',
        encoding="utf-8",
    )

    console = render(page, tmp_path / "bad.png", tmp_path / "profile")

    assert any("Content Security Policy" in line for line in console)


def test_the_html_report_renders_in_a_browser_with_no_console_errors(
    db_url: str, measured: Context, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    code, _, err = oyez(db_url, "report", "--format", "html", "-o", str(page))
    assert code == 0, err
    shot = tmp_path / "report.png"

    console = render(page, shot, tmp_path / "profile")

    assert console == []
    assert shot.stat().st_size > 0
    with Image.open(shot) as image:
        assert image.size == (1000, 2400)
        # Something was drawn: the page is not one flat colour.
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 2

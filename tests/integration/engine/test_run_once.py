"""``oyez run --once`` does what a daemon would have done by now: cadences, feeds, deliveries.

A cron-driven install runs it every few minutes and needs no daemon: the
latest due firing of each cadence is made and delivered (once, however often
it runs), and a due feed is polled.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from publisher.context import open_context
from publisher.context.settings import Settings
from publisher.service import posts
from queue_db.tables import Cadence
from queue_db.types import utcnow
from tests.helpers import cli_add_outbox, oyez, set_columns

TIPS = "- Tip: your bank never asks for a code.\n- Turn on two-step login today.\n"


def test_run_once_fires_the_due_cadence_and_delivers_it_once(db_url: str, tmp_path: Path) -> None:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    (tmp_path / "tips.yaml").write_text(TIPS, encoding="utf-8")
    assert oyez(db_url, "tips", "import", str(tmp_path / "tips.yaml"), "--pool", "p")[0] == 0
    code, _, err = oyez(
        db_url, "cadence", "add", "often", "--pool", "p", "--cron", "*/5 * * * *",
        "--tz", "UTC", "--to", "news",
    )  # fmt: skip
    assert code == 0, err
    ctx = open_context(db_url, "alex", settings=Settings(database_url=db_url))
    try:
        # Added a day ago, so a firing fell due within the last five minutes.
        set_columns(ctx, Cadence, 1, created_at=utcnow() - timedelta(days=1))
        for _ in range(2):
            code, _, err = oyez(db_url, "run", "--once")
            assert code == 0, err
        tips = posts.list_posts(ctx, source="tip")
    finally:
        ctx.close()
    assert [p.state for p in tips] == ["sent"]  # the latest firing only, made once
    assert len(list((tmp_path / "out").iterdir())) == 1

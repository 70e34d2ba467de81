"""Control characters: stripped where text enters, never printed raw by the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from queue_db.tables import Post
from tests.helpers import cli_add_outbox, oyez

HOSTILE = "Bins\x1b[2J on\x07 Saturday\x9b1m \x00end"


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    return db_url


def test_post_new_and_edit_strip_control_characters_but_keep_newlines_and_tabs(db: str) -> None:
    code, out, err = oyez(db, "post", "new", HOSTILE + "\n\tsigned", "--to", "news")
    assert code == 0, err
    post_id = out.strip()
    code, out, _ = oyez(db, "post", "show", post_id, "--json")
    assert '"Bins[2J on Saturday1m end\\n\\tsigned"' in out
    assert oyez(db, "post", "edit", post_id, "New\x1b]0;pwned\x07 text")[0] == 0
    code, out, _ = oyez(db, "post", "show", post_id, "--json")
    assert "\\u001b" not in out
    assert "New]0;pwned text" in out


def test_post_list_and_show_never_print_raw_escapes_from_the_database(db: str) -> None:
    code, out, err = oyez(db, "post", "new", "placeholder", "--to", "news")
    post_id = int(out)
    # Text stored before the strip existed, written straight into the table.
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        conn.execute(
            sa.update(Post.__table__)  # type: ignore[arg-type]
            .where(Post.__table__.c.id == post_id)  # type: ignore[attr-defined]
            .values(text="Hi\x1b[2J\x07 [bold]there[/bold]", author="al\x1bex")
        )
    engine.dispose()
    for args in (["post", "list"], ["post", "show", str(post_id)]):
        code, out, err = oyez(db, *args)
        assert code == 0, err
        assert "\x1b" not in out
        assert "\x07" not in out
        assert "[bold]there[/bold]" in out  # markup shown literally, not obeyed


def test_a_ticket_event_from_the_cli_is_stripped_and_listed_safely(db: str) -> None:
    assert oyez(db, "tickets", "config", "--to", "news")[0] == 0
    code, _, err = oyez(
        db, "tickets", "event", "--id", "TT-1", "--status", "open", "--title", "Down\x1b[2J\x07 now"
    )
    assert code == 0, err
    code, out, err = oyez(db, "tickets", "list")
    assert code == 0, err
    assert "\x1b" not in out
    assert "Down[2J now" in out


def test_a_csv_row_with_a_nul_byte_is_a_named_bad_row_in_the_dry_run(
    db: str, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("text,channels,at\nFine row,news,\nBad\x00row,news,\n", encoding="utf-8")
    code, out, err = oyez(db, "import", str(plan), "--dry-run")
    assert code != 0
    assert "line 3" in out + err
    assert "NUL" in out + err
    code, out, err = oyez(db, "import", str(plan))
    assert code != 0
    assert "Traceback" not in out + err

"""``oyez post approve ID [ID ...]``: each post on its own, one refusal stops no other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import cli_add_outbox, oyez


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    cli_add_outbox(db_url, "news", tmp_path / "out")
    return db_url


def _in_review(db: str, text: str) -> str:
    post_id = oyez(db, "post", "new", text, "--to", "news")[1].strip()
    assert oyez(db, "post", "submit", post_id)[0] == 0
    return post_id


def test_several_posts_are_approved_in_one_command(db: str) -> None:
    ids = [_in_review(db, f"Bins move on day {n}.") for n in range(1, 4)]
    code, out, err = oyez(db, "post", "approve", *ids, actor="sam")
    assert code == 0, err
    assert out.splitlines() == [f"post {i} is approved" for i in ids]


def test_a_refused_post_is_named_and_the_others_are_still_approved(db: str) -> None:
    first = _in_review(db, "Library reopens on Monday.")
    draft = oyez(db, "post", "new", "Still a draft.", "--to", "news")[1].strip()
    last = _in_review(db, "Roadworks start tomorrow.")
    code, out, err = oyez(db, "post", "approve", first, draft, "999", last, actor="sam")
    assert code == 1
    assert out.splitlines() == [f"post {first} is approved", f"post {last} is approved"]
    assert f"cannot approve post {draft}" in err
    assert "no post with id 999" in err
    shown = json.loads(oyez(db, "post", "show", draft, "--json")[1])
    assert shown["state"] == "draft"

"""Who may sign off, on a real PostgreSQL with several login roles (each its own connection)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace

import psycopg
import pytest

from publisher.context import Context, open_context
from publisher.context.settings import ApprovalSettings, Settings
from publisher.errors import PermissionDenied
from publisher.service import channels, posts, users
from tests.pg import PostgresServer
from tests.roles.conftest import STRANGER, url_of

pytestmark = pytest.mark.postgres
Connect = Callable[..., Context]


def in_review(ctx: Context, to: list[str]) -> int:
    post = posts.create_post(ctx, "The road is closed on Monday", to)
    return posts.submit_post(ctx, post.id).id


def raw(team_db: str, login: str) -> psycopg.Connection[tuple[object, ...]]:
    """A plain connection as ``login``: no oyez in the way."""
    return psycopg.connect(url_of(team_db, login).replace("+psycopg", ""), autocommit=True)


def test_the_author_cannot_approve_their_own_post(connect: Connect) -> None:
    alice = connect("oy_alice")
    post_id = in_review(alice, ["news"])
    with pytest.raises(PermissionDenied, match="oy_alice wrote post"):
        posts.approve_post(alice, post_id)


@pytest.mark.parametrize("how", ["--as", "OYEZ_USER"])
def test_a_login_that_is_not_an_admin_cannot_act_under_another_name(
    connect: Connect, how: str
) -> None:
    alice = connect("oy_alice")
    post_id = in_review(alice, ["news"])
    given = {"actor": "oy_bob"} if how == "--as" else {"user": "oy_bob"}
    with pytest.raises(PermissionDenied, match=f"{how} 'oy_bob' refused"):
        connect("oy_alice", **given)
    assert posts.get_post(alice, post_id).state == "in_review"


def test_an_approver_of_another_channel_cannot_approve(connect: Connect) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    with pytest.raises(PermissionDenied, match="oy_carol is not an approver of news"):
        posts.approve_post(connect("oy_carol"), post_id)


def test_the_approver_of_the_channel_approves_and_the_audit_log_names_them(
    connect: Connect,
) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    bob = connect("oy_bob")
    view = posts.approve_post(bob, post_id)
    assert view.state == "approved"
    assert view.to_dict()["approved_by"] == ["oy_bob"]
    approved = [e for e in posts.post_history(bob, post_id) if e["action"] == "approved"]
    assert [e["actor"] for e in approved] == ["oy_bob"]


def test_a_post_for_two_channels_needs_an_approver_of_each(connect: Connect) -> None:
    post_id = in_review(connect("oy_alice"), ["news", "tips"])
    with pytest.raises(PermissionDenied, match="not an approver of tips"):
        posts.approve_post(connect("oy_bob"), post_id)
    assert posts.approve_post(connect("oy_erin"), post_id).state == "approved"


def test_a_two_sign_off_channel_needs_two_different_approvers(connect: Connect) -> None:
    channels.change_channel(connect("postgres"), "tips", {"approvals": "2"})
    post_id = in_review(connect("oy_alice"), ["tips"])
    carol = connect("oy_carol")
    first = posts.approve_post(carol, post_id)
    assert first.state == "in_review"
    assert first.to_dict()["approved_by"] == ["oy_carol"]
    with pytest.raises(PermissionDenied, match="already signed off"):
        posts.approve_post(carol, post_id)
    second = posts.approve_post(connect("oy_dave"), post_id)
    assert second.state == "approved"
    assert second.to_dict()["approved_by"] == ["oy_carol", "oy_dave"]


def test_the_database_refuses_one_approver_on_a_two_sign_off_channel(
    connect: Connect, team_db: str
) -> None:
    channels.change_channel(connect("postgres"), "tips", {"approvals": "2"})
    post_id = in_review(connect("oy_alice"), ["tips"])
    with (
        raw(team_db, "oy_carol") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="needs 2 different approvers"),
    ):
        conn.execute(
            "UPDATE post SET state = 'approved', approved_by = 'oy_carol' WHERE id = %s",
            (post_id,),
        )


def test_the_authors_plain_update_of_the_state_is_refused_by_the_database(
    connect: Connect, team_db: str
) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    with raw(team_db, "oy_alice") as conn:
        for change in (
            "state = 'approved', approved_by = 'oy_bob'",
            "state = 'scheduled'",
            "approved_by = 'oy_bob'",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="wrote post"):
                conn.execute(f"UPDATE post SET {change} WHERE id = %s", (post_id,))
    assert posts.get_post(connect("oy_alice"), post_id).state == "in_review"


def test_the_authors_update_through_psql_is_refused(
    connect: Connect, team_db: str, logins: PostgresServer
) -> None:
    psql = shutil.which("psql") or str(logins.bindir / "psql")
    post_id = in_review(connect("oy_alice"), ["news"])
    database = team_db.rsplit("/", 1)[1]
    done = subprocess.run(
        [psql, "-h", "127.0.0.1", "-p", str(logins.port), "-U", "oy_alice", "-d", database,
         "-v", "ON_ERROR_STOP=1", "-c", f"UPDATE post SET state = 'approved' WHERE id = {post_id}"],
        capture_output=True, text=True, env={"PGPASSWORD": "pw-oy_alice"}, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "oy_alice wrote post" in done.stderr
    assert posts.get_post(connect("oy_alice"), post_id).state == "in_review"


def test_an_approver_cannot_change_the_text_of_a_signed_off_post_directly(
    connect: Connect, team_db: str
) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    posts.approve_post(connect("oy_bob"), post_id)
    with raw(team_db, "oy_alice") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE post SET text = 'Something else' WHERE id = %s", (post_id,))


def test_users_add_by_a_non_admin_is_refused(connect: Connect, team_db: str) -> None:
    with pytest.raises(PermissionDenied, match="oy_bob is approver, not an admin"):
        users.add_user(connect("oy_bob"), STRANGER, "approver")
    with raw(team_db, "oy_bob") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(
            "INSERT INTO oyez_user (login, role, channels, added_by, added_at) "
            "VALUES ('oy_bob', 'admin', '[]', 'oy_bob', now())"
        )


def test_a_login_no_admin_added_cannot_approve(connect: Connect) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    users.add_user(connect("postgres"), STRANGER, "author")
    with pytest.raises(PermissionDenied, match="is an author and may not approve"):
        posts.approve_post(connect(STRANGER), post_id)
    users.remove_user(connect("postgres"), STRANGER)
    assert [u.login for u in users.list_users(connect("postgres"))].count(STRANGER) == 0


def test_an_admin_may_act_for_someone_and_the_audit_log_records_both(connect: Connect) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    admin = connect("postgres", actor="sam")
    posts.approve_post(admin, post_id)
    (event,) = [e for e in posts.post_history(admin, post_id) if e["action"] == "approved"]
    assert event["actor"] == "sam"
    assert event["detail"]["login"] == "postgres"


def test_the_service_login_signs_off_source_posts_but_not_a_persons(connect: Connect) -> None:
    svc = connect("oy_svc")  # the daemon: feeds write as feed:NAME and sign off as oyez
    feed, system = replace(svc, actor="feed:blog"), replace(svc, actor="oyez")
    made = posts.create_post(feed, "New on the blog", ["news"], source="feed")
    posts.submit_post(feed, made.id)
    view = posts.approve_post(system, made.id)
    assert view.state == "approved"
    (event,) = [e for e in posts.post_history(svc, made.id) if e["action"] == "approved"]
    assert (event["actor"], event["detail"]["login"]) == ("oyez", "oy_svc")
    post_id = in_review(connect("oy_alice"), ["news"])
    with pytest.raises(PermissionDenied, match="which a person wrote"):
        posts.approve_post(svc, post_id)


def test_the_author_cannot_make_an_unsigned_post_due_or_sent_directly(
    connect: Connect, team_db: str
) -> None:
    post_id = in_review(connect("oy_alice"), ["news"])
    with raw(team_db, "oy_alice") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="before it is signed off"):
            conn.execute(
                "UPDATE delivery SET next_attempt_at = now() WHERE post_id = %s", (post_id,)
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="wrote post"):
            conn.execute("UPDATE post SET state = 'failed' WHERE id = %s", (post_id,))


def test_an_override_of_error_findings_needs_an_approver(connect: Connect) -> None:
    alice = connect("oy_alice")
    post = posts.create_post(alice, "Call Jo on 07700 900123 today.", ["news"])
    post_id = posts.submit_post(alice, post.id).id
    assert any(f["severity"] == "error" for f in posts.get_post(alice, post_id).findings)
    with pytest.raises(PermissionDenied):
        posts.approve_post(alice, post_id, override="it is the press office line")
    with pytest.raises(PermissionDenied, match="not an approver of news"):
        posts.approve_post(connect("oy_carol"), post_id, override="it is the press office line")
    view = posts.approve_post(connect("oy_bob"), post_id, override="it is the press office line")
    assert (view.state, view.override_reason) == ("approved", "it is the press office line")


def test_only_an_admin_changes_how_many_sign_offs_a_channel_needs(
    connect: Connect, team_db: str
) -> None:
    with pytest.raises(PermissionDenied, match="only an admin"):
        channels.change_channel(connect("oy_bob"), "tips", {"approvals": "2"})
    channels.change_channel(connect("postgres"), "tips", {"approvals": "2"})
    with (
        raw(team_db, "oy_alice") as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="only an admin"),
    ):
        conn.execute("UPDATE channel SET settings = '{}' WHERE name = 'tips'")


def test_a_channel_needing_no_sign_off_still_waits_for_an_approver_on_postgresql(
    team_db: str,
) -> None:
    url = url_of(team_db, "oy_alice")
    settings = Settings(database_url=url, approval=ApprovalSettings(auto_channels=["news"]))
    alice = open_context(url, settings=settings)
    try:
        post_id = in_review(alice, ["news"])
        assert posts.get_post(alice, post_id).state == "in_review"
    finally:
        alice.close()

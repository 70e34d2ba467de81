"""Importing tip pools from YAML and CSV: all or nothing, every bad row with its line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import IllegalTransition, InvalidInput
from publisher.sources.tips import pools
from publisher.sources.tips.importer import TipImportError
from queue_db import events as audit
from tests.tips.conftest import FIVE_TIPS

Write = Callable[[str, str], Path]


def test_yaml_pool_is_imported_with_tags_variants_media_and_windows(
    ctx: Context, write: Write, tmp_path: Path
) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "mfa.png").write_bytes(b"\x89PNG fake")
    path = write(
        "tips.yaml",
        """\
tips:
  - text: Turn on two-step login.
    tags: [accounts, "#mfa"]
    variants: {csirt: "Turn on 2-step login. #CyberSafe"}
    media: [{path: img/mfa.png, alt: A phone showing a login code}]
    valid_from: 2026-10-01T00:00:00+02:00
    valid_until: 2026-11-01T00:00:00+01:00
  - text: Back up your files.
""",
    )
    result = pools.import_tips(ctx, path, "awareness")
    assert len(result.added) == 2
    assert result.approved_by == "ana"
    first, second = pools.list_tips(ctx, "awareness")
    assert first.tags == ("accounts", "mfa")
    assert first.variants == {"csirt": "Turn on 2-step login. #CyberSafe"}
    assert first.media[0]["alt"] == "A phone showing a login code"
    assert Path(first.media[0]["path"]).is_absolute()
    assert first.valid_from is not None
    assert first.valid_from.isoformat() == "2026-09-30T22:00:00+00:00"
    assert first.status == "out of window"  # the context's clock is in March
    assert second.status == "active"


def test_csv_pool_is_imported_with_variant_columns(ctx: Context, write: Write) -> None:
    path = write(
        "tips.csv",
        'text,tags,variant:csirt\n"Lock your screen, always.",office;habits,Lock it. #CyberSafe\n'
        "Check links before you click.,,\n",
    )
    result = pools.import_tips(ctx, path, "office")
    assert len(result.added) == 2
    views = pools.list_tips(ctx, "office")
    assert views[0].text == "Lock your screen, always."
    assert views[0].tags == ("office", "habits")
    assert views[0].variants == {"csirt": "Lock it. #CyberSafe"}
    assert views[1].variants == {}


def test_bad_yaml_rows_are_all_reported_with_lines_and_nothing_is_imported(
    ctx: Context, write: Write
) -> None:
    path = write(
        "tips.yaml",
        """\
- text: A good tip.
- text: ""
- text: Another good tip.
  valid_from: 2026-10-01T09:00:00
- text: A good tip.
- text: Media without words.
  media: [{path: nowhere.png, alt: x}]
- txt: typo
""",
    )
    with pytest.raises(TipImportError) as info:
        pools.import_tips(ctx, path, "awareness")
    problems = dict(info.value.problems)
    assert sorted(problems) == [2, 3, 5, 6, 8]
    assert "empty" in problems[2]
    assert "no offset" in problems[3]
    assert "same text as the tip on line 1" in problems[5]
    assert "does not exist" in problems[6]
    assert "unknown field" in problems[8]
    assert "tips.yaml:3:" in str(info.value)
    assert pools.list_tips(ctx) == []


def test_bad_csv_rows_report_the_line_where_each_row_starts(ctx: Context, write: Write) -> None:
    path = write(
        "tips.csv",
        'text,valid_until\n"A tip that spans\ntwo lines",\n,\nGood tip,2026-13-01T00:00Z\n',
    )
    with pytest.raises(TipImportError) as info:
        pools.import_tips(ctx, path, "awareness")
    assert [line for line, _ in info.value.problems] == [5]
    assert "valid_until" in info.value.problems[0][1]
    assert pools.list_tips(ctx) == []


def test_csv_with_an_unknown_column_is_refused_on_line_one(ctx: Context, write: Write) -> None:
    path = write("tips.csv", "text,colour\nA tip,blue\n")
    with pytest.raises(TipImportError, match=r"tips.csv:1: .*unknown column\(s\): colour"):
        pools.import_tips(ctx, path, "awareness")


def test_yaml_syntax_error_is_reported_with_its_line(ctx: Context, write: Write) -> None:
    path = write("tips.yaml", "- text: one\n- text: [unclosed\n- text: three\n")
    with pytest.raises(TipImportError, match=r"tips.yaml:\d: not valid YAML"):
        pools.import_tips(ctx, path, "awareness")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tips.txt", "text", "are .yaml, .yml or .csv"),
        ("tips.yaml", "just: a mapping", "expected a list of tips"),
        ("tips.yaml", "[]", "holds no tips"),
        ("tips.csv", "", "empty"),
    ],
)
def test_unusable_files_are_refused(
    ctx: Context, write: Write, name: str, content: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        pools.import_tips(ctx, write(name, content), "awareness")


def test_missing_file_is_refused(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        pools.import_tips(ctx, tmp_path / "nope.yaml", "awareness")


def test_importing_again_adds_only_new_tips(ctx: Context, write: Write) -> None:
    path = write("tips.yaml", FIVE_TIPS)
    assert len(pools.import_tips(ctx, path, "awareness").added) == 5
    path.write_text(FIVE_TIPS + "- text: A sixth tip.\n", encoding="utf-8")
    again = pools.import_tips(ctx, path, "awareness")
    assert len(again.added) == 1
    assert again.skipped == 5


def test_import_signs_tips_off_in_the_audit_log_unless_for_review(
    ctx: Context, write: Write
) -> None:
    pools.import_tips(ctx, write("a.yaml", "- text: Signed off.\n"), "signed")
    pools.import_tips(ctx, write("b.yaml", "- text: Needs review.\n"), "open", approve=False)
    by_pool = {v.pool: v.approved_by for v in pools.list_tips(ctx)}
    assert by_pool == {"signed": "ana", "open": None}
    with ctx.tx() as tx:
        events = [e for e in audit.for_post(tx) if e.action == "tips_imported"]
    assert {(e.actor, e.detail["approved_by"]) for e in events} == {("ana", "ana"), ("ana", None)}


def test_add_and_retire_a_tip(ctx: Context) -> None:
    view = pools.add_tip(ctx, "awareness", "Lock your screen.", tags=["office"])
    assert view.status == "active"
    with pytest.raises(InvalidInput, match="already has a tip with this text"):
        pools.add_tip(ctx, "awareness", "Lock your screen.")
    retired = pools.retire_tip(ctx, view.id)
    assert retired.status == "retired"
    with pytest.raises(IllegalTransition, match="already retired"):
        pools.retire_tip(ctx, view.id)


def test_a_refused_add_writes_nothing_to_the_audit_log(ctx: Context) -> None:
    pools.add_tip(ctx, "awareness", "Lock your screen.")
    with pytest.raises(InvalidInput, match="already has a tip with this text"):
        pools.add_tip(ctx, "awareness", "Lock your screen.")
    with ctx.tx() as tx:
        imported = [e.detail["added"] for e in audit.for_post(tx) if e.action == "tips_imported"]
    assert imported == [1]


def test_bad_pool_name_is_refused(ctx: Context) -> None:
    with pytest.raises(InvalidInput, match="pool name"):
        pools.add_tip(ctx, "Bad Name", "A tip.")


def test_a_yaml_list_of_plain_strings_imports_and_a_colon_stays_in_the_text(
    ctx: Context, write: Write
) -> None:
    path = write(
        "tips.yaml",
        """\
- Tip: your bank never asks for a code.
- Turn on two-step login for your email today.
- "Quoted: still a string."
- text: A mapping tip still works.
  tags: [mfa]
""",
    )
    result = pools.import_tips(ctx, path, "plain")
    assert len(result.added) == 4
    assert [t.text for t in pools.list_tips(ctx, "plain")] == [
        "Tip: your bank never asks for a code.",
        "Turn on two-step login for your email today.",
        "Quoted: still a string.",
        "A mapping tip still works.",
    ]

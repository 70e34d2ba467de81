"""The Checker API the rest of oyez calls: findings, ordering, lengths, severities."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from channels.base import Limits
from channels.length import x_length, x_link_bound, x_upper_bound
from publisher.guidelines import (
    Checker,
    Finding,
    LengthInfo,
    RecentIndex,
    Severity,
    Target,
    has_errors,
    load_pack,
    worst,
)
from tests.unit.guidelines.conftest import X, rules_of


def test_findings_are_sorted_by_position_with_1_based_line_and_column(
    default_checker: Checker,
) -> None:
    text = "Hello\nSee http://council.gov.uk and call\n020 7946 0958!"
    findings = default_checker.check(text, targets=X)
    assert [f.start for f in findings] == sorted(f.start for f in findings)
    https, phone = findings
    assert (https.rule, https.line, https.column) == ("https", 2, 5)
    assert (phone.rule, phone.line, phone.column) == ("personal-data", 3, 1)


def test_finding_to_dict_has_the_documented_keys() -> None:
    finding = Finding("r", Severity.WARNING, "m", 0, 3, 1, 1, "fix")
    assert finding.to_dict() == {
        "rule": "r",
        "severity": "warning",
        "message": "m",
        "start": 0,
        "end": 3,
        "line": 1,
        "column": 1,
        "fix": "fix",
    }


def test_severities_are_ordered_and_has_errors_looks_for_error_level() -> None:
    assert Severity.SUGGESTION < Severity.WARNING < Severity.ERROR
    assert max([Severity.WARNING, Severity.ERROR, Severity.SUGGESTION]) is Severity.ERROR
    warn = Finding("r", Severity.WARNING, "m", 0, 1, 1, 1)
    err = Finding("r", Severity.ERROR, "m", 0, 1, 1, 1)
    assert not has_errors([warn])
    assert has_errors([warn, err])
    assert worst([]) is None
    assert worst([warn, err]) is Severity.ERROR


def test_a_clean_post_has_no_findings(default_checker: Checker) -> None:
    text = "Garden waste collections restart on Monday. Check your day: https://council.gov.uk/bins"
    assert default_checker.check(text, targets=X) == []


def test_lengths_use_each_channels_counter_and_explicit_limits(default_checker: Checker) -> None:
    text = "Read https://council.gov.uk/" + "x" * 100
    small = Target(name="tiny", kind="webhook", limits=Limits(max_length=50, count=len))
    lengths = default_checker.lengths(text, [*X, Target("town", "mastodon"), small])
    assert lengths == {
        "x": LengthInfo(length=28, limit=280, valid=True),
        "town": LengthInfo(length=28, limit=500, valid=True),
        "tiny": LengthInfo(length=len(text), limit=50, valid=False),
    }
    assert rules_of(default_checker.check(text, targets=[small])) == ["length"]


def test_recent_posts_may_be_passed_as_texts_or_as_a_prebuilt_index(
    default_checker: Checker,
) -> None:
    recent = ["Road closed on High Street for resurfacing until Friday evening."]
    post = "Road closed on High Street for resurfacing until Friday evening!"
    index = default_checker.index_recent(recent)
    assert isinstance(index, RecentIndex)
    assert rules_of(default_checker.check(post, targets=X, recent=recent)) == ["near-duplicate"]
    assert rules_of(default_checker.check(post, targets=X, recent=index)) == ["near-duplicate"]
    assert default_checker.recent_days == 14


def test_unknown_sources_and_regions_are_refused() -> None:
    checker = Checker(load_pack(None))
    with pytest.raises(ValueError, match="unknown source"):
        checker.check("hi", source="carrier-pigeon")
    with pytest.raises(ValueError, match="unknown phone region"):
        Checker(load_pack(None), phone_region="XX")


_SAMPLES = [
    "plain ascii text",
    "see gov.uk and bbc.co.uk now",
    "https://例え.テスト and https://x.org/a?b=c",
    "Café naïve résumé © ™ ‼",
    "👩‍💻🏴󠁧󠁢󠁳󠁣󠁴󠁿🙋🏽 emoji",
    "日本語のテキスト",
    "a\r\nb\r\nc",
    "e\u0301 and \u0958",
    "http://a.co,b.co;c.co",
    "https://t.co.zzzz and a.com.b.com",
    "xyz://www.council.gov.uk/x.pdf www.example.org",
    "see https://www.council.gov.uk/bins?utm_source=x\r\n#CCBins",
]


def test_the_cheap_x_bounds_never_undercount_x() -> None:
    rng = random.Random(7)
    pieces = [*_SAMPLES, " ", "x", "#tag", "@who", "t.co", ".", "-", "/"]
    texts = list(_SAMPLES)
    for _ in range(300):
        texts.append("".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))))
    for text in texts:
        exact = x_length(text)
        assert x_upper_bound(text) >= exact, text
        assert x_link_bound(text) >= exact, text


def test_the_guidelines_package_imports_no_user_interface() -> None:
    code = (
        "import sys, publisher.guidelines as g\n"
        "c = g.Checker(g.load_pack(None))\n"
        "c.check('hello http://x.org 020 7946 0958 ' + 'word ' * 30, [g.Target('x', 'x')])\n"
        "bad = [m for m in ('typer', 'rich', 'textual', 'publisher.cli', 'publisher.tui')"
        " if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

"""The shipped example pack behaves as its comments say."""

from __future__ import annotations

from publisher.guidelines import Checker, Severity, Target
from tests.unit.guidelines.conftest import X, rules_of

MASTODON = [Target(name="town", kind="mastodon")]


def test_posts_on_x_must_end_with_the_authors_initials(council_checker: Checker) -> None:
    assert "signoff" not in rules_of(council_checker.check("Bins out tonight. ^CB", targets=X))
    findings = council_checker.check("Bins out tonight.", targets=X)
    (signoff,) = [f for f in findings if f.rule == "signoff"]
    assert signoff.severity is Severity.ERROR
    assert signoff.message == "End the post with your initials, e.g. ^CB"


def test_the_initials_rule_is_for_x_only(council_checker: Checker) -> None:
    assert "signoff" not in rules_of(council_checker.check("Bins out tonight.", targets=MASTODON))


def test_jargon_is_a_warning(council_checker: Checker) -> None:
    findings = council_checker.check("Going forward we leverage synergy. ^CB", targets=X)
    jargon = [(f.severity, f.message) for f in findings if f.rule == "jargon"]
    assert jargon == [
        (Severity.WARNING, "Avoid “Going forward”"),
        (Severity.WARNING, "Avoid “leverage”"),
        (Severity.WARNING, "Avoid “synergy”"),
    ]


def test_house_terms_are_suggestions_with_a_fix(council_checker: Checker) -> None:
    findings = council_checker.check("Use the log-in link in your e-mail. ^CB", targets=X)
    assert [(f.rule, f.severity, f.fix) for f in findings] == [
        ("house-terms", Severity.SUGGESTION, "log in"),
        ("house-terms", Severity.SUGGESTION, "email"),
    ]


def test_campaign_tags_start_with_cc_and_at_most_two_tags(council_checker: Checker) -> None:
    assert council_checker.check("Recycle more #CCRecycle #CCBins ^CB", targets=X) == []
    findings = council_checker.check("Recycle more #CCRecycle #CCBins #CCFood ^CB", targets=X)
    assert [(f.rule, f.severity) for f in findings] == [("tags", Severity.WARNING)]
    findings = council_checker.check("Recycle more #recycle ^CB", targets=X)
    assert [(f.rule, f.fix) for f in findings] == [("campaign-tags", "#CCRecycle")]


def test_the_default_rules_still_apply_underneath(council_checker: Checker) -> None:
    findings = council_checker.check("Call 020 7946 0958 now ^CB", targets=X)
    assert rules_of(findings) == ["personal-data"]

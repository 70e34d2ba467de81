"""Every rule kind: a post that passes and one that fails."""

from __future__ import annotations

from publisher.guidelines import Checker, Target
from tests.unit.guidelines.conftest import X, only, rules_of


def test_banned_terms_match_whole_words_in_any_case_across_line_breaks() -> None:
    checker = only('[[rule]]\nid = "b"\nkind = "banned"\nterms = ["going forward", "leverage"]\n')
    assert checker.check("We lever the agenda and move forward.") == []
    text = "Leverage it,\ngoing\nforward."
    found = checker.check(text)
    assert [text[f.start : f.end] for f in found] == ["Leverage", "going\nforward"]
    assert found[1].line == 2
    assert found[1].column == 1
    assert found[0].message == "Avoid “Leverage”"


def test_banned_terms_may_be_regular_expressions() -> None:
    checker = only(
        '[[rule]]\nid = "b"\nkind = "banned"\nregex = true\nterms = ["click\\\\s+here"]\n'
    )
    assert checker.check("Read more on our site") == []
    assert rules_of(checker.check("Click   here to read")) == ["b"]


def test_preferred_terms_offer_the_preferred_word_as_fix_keeping_capitals() -> None:
    checker = only(
        '[[rule]]\nid = "p"\nkind = "preferred"\nswap = { "e-mail" = "email", "log-in" = "log in" }\n'
    )
    assert checker.check("Send an email, then log in.") == []
    found = checker.check("E-mail us after the log-in.")
    assert [(f.fix, f.message) for f in found] == [
        ("Email", "Prefer “email” to “E-mail”"),
        ("log in", "Prefer “log in” to “log-in”"),
    ]


def test_count_hashtags_points_at_the_tags_past_the_limit() -> None:
    checker = only('[[rule]]\nid = "c"\nkind = "count"\nwhat = "hashtags"\nmax = 2\n')
    assert checker.check("#one #two and an anchor https://x.org/#three") == []
    text = "#one #two #three #four"
    (finding,) = checker.check(text)
    assert text[finding.start : finding.end] == "#three #four"
    assert finding.message == "4 hashtags; at most 2"


def test_count_mentions_ignores_email_addresses() -> None:
    checker = only('[[rule]]\nid = "c"\nkind = "count"\nwhat = "mentions"\nmax = 1\n')
    assert checker.check("Thanks @ana, mail jo@example.org") == []
    assert rules_of(checker.check("Thanks @ana and @bo@mastodon.social")) == ["c"]


def test_count_exclamation_marks_and_links_and_minimums() -> None:
    bangs = only('[[rule]]\nid = "c"\nkind = "count"\nwhat = "exclamation_marks"\nmax = 1\n')
    assert bangs.check("Bins collected today!") == []
    assert rules_of(bangs.check("Bins collected today!!")) == ["c"]
    links = only('[[rule]]\nid = "c"\nkind = "count"\nwhat = "links"\nmin = 1\n')
    assert links.check("More at https://council.example/bins") == []
    (finding,) = links.check("More on our website")
    assert finding.message == "0 links; at least 1"


def test_signoff_must_end_posts_on_the_named_channels_only() -> None:
    checker = only(
        '[[rule]]\nid = "s"\nkind = "signoff"\npattern = \'\\^[A-Z]{2}$\'\nchannels = ["x"]\n'
        'suggest = " ^CB"\n'
    )
    mastodon = [Target(name="m", kind="mastodon")]
    assert checker.check("Roadworks on High St. ^CB\n", targets=X) == []
    assert checker.check("Roadworks on High St.", targets=mastodon) == []
    text = "Roadworks on High St."
    (finding,) = checker.check(text, targets=X)
    assert text[finding.start : finding.end] == "St."
    assert finding.fix == "St. ^CB"
    assert finding.message == "Posts on x must end with a sign-off"


def test_hashtag_prefix_flags_tags_without_it_and_suggests_the_prefixed_tag() -> None:
    checker = only(
        '[[rule]]\nid = "h"\nkind = "hashtag_prefix"\nprefix = "#CC"\nexempt = ["#StaySafe"]\n'
    )
    assert checker.check("Bins out tonight #CCBins #StaySafe") == []
    (finding,) = checker.check("Bins out tonight #recycling")
    assert finding.fix == "#CCRecycling"


def test_tone_bounds_apply_per_source_and_tips_are_unbounded_by_default() -> None:
    checker = only(
        '[[rule]]\nid = "t"\nkind = "tone"\nbounds = { manual = { min = -0.5 }, feed = { max = 0.5 } }\n'
    )
    grim = "Attackers are exploiting a critical vulnerability; stolen passwords, fraud and theft."
    assert checker.check("Thanks for recycling, it really helps.") == []
    assert rules_of(checker.check(grim)) == ["t"]
    assert checker.check(grim, source="tip") == []
    assert rules_of(checker.check("Wonderful, amazing, brilliant news!", source="feed")) == ["t"]


def test_default_pack_does_not_fail_a_csirt_tip_on_tone(default_checker: Checker) -> None:
    tip = (
        "Warning: criminals are exploiting a critical flaw to steal passwords. "
        "Attack, breach and fraud risk is severe. Patch now: https://csirt.example/adv/42"
    )
    assert "tone" not in rules_of(default_checker.check(tip, targets=X, source="tip"))
    assert "tone" in rules_of(default_checker.check(tip, targets=X, source="manual"))


def test_shouting_flags_mostly_capitals_and_long_runs_of_capital_words() -> None:
    checker = only('[[rule]]\nid = "sh"\nkind = "shouting"\n')
    assert checker.check("NHS and CSIRT advice: update your phone today #SOS") == []
    assert rules_of(checker.check("BINS WILL NOT BE COLLECTED ON MONDAY")) == ["sh"]
    text = "Please read: DO NOT CLICK THE LINK in that email."
    (finding,) = checker.check(text)
    assert text[finding.start : finding.end] == "DO NOT CLICK THE LINK"


def test_links_https_only_offers_the_https_link() -> None:
    checker = only('[[rule]]\nid = "l"\nkind = "links"\n')
    assert checker.check("See https://council.example/bins.") == []
    text = "See http://council.example/bins."
    (finding,) = checker.check(text)
    assert text[finding.start : finding.end] == "http://council.example/bins"
    assert finding.fix == "https://council.example/bins"


def test_links_allowed_and_denied_domains() -> None:
    allowed = only('[[rule]]\nid = "l"\nkind = "links"\nallow_domains = ["council.example"]\n')
    assert allowed.check("https://www.council.example/a") == []
    assert rules_of(allowed.check("https://evil.example/a")) == ["l"]
    denied = only('[[rule]]\nid = "l"\nkind = "links"\ndeny_domains = ["bit.ly"]\n')
    assert denied.check("https://council.example/a") == []
    assert denied.check("https://bit.ly/3xyz")[0].message == "Links to bit.ly are not allowed"


def test_links_require_tracking_parameters_with_a_fix_when_values_are_known() -> None:
    checker = only(
        '[[rule]]\nid = "l"\nkind = "links"\nrequire_params = ["utm_source"]\n'
        'param_values = { utm_source = "social" }\nparams_domains = ["council.example"]\n'
    )
    assert checker.check("https://council.example/a?utm_source=x https://other.example/") == []
    (finding,) = checker.check("Read https://council.example/a?id=3 now")
    assert finding.fix == "https://council.example/a?id=3&utm_source=social"
    assert finding.message == "Link lacks tracking parameter utm_source"


def test_length_uses_each_channels_counter_and_points_past_the_limit() -> None:
    checker = only('[[rule]]\nid = "len"\nkind = "length"\n')
    mastodon = Target(name="town", kind="mastodon")
    text = "a" * 300
    assert checker.check(text, targets=[mastodon]) == []
    (finding,) = checker.check(text, targets=[*X, mastodon])
    assert (finding.start, finding.end) == (280, 300)
    assert finding.message == "Too long for x: 300 of 280 characters"


def test_length_on_bluesky_counts_bytes_as_well_as_graphemes() -> None:
    checker = only('[[rule]]\nid = "len"\nkind = "length"\nchannels = ["one-post"]\n')
    # A Bluesky channel threads long posts, so the limit is checked where nothing threads:
    # the limits of a Bluesky channel with threading switched off.
    from dataclasses import replace

    from channels.length import bluesky_limits

    single = Target(
        name="one-post", kind="bluesky", limits=replace(bluesky_limits(), threads=False)
    )
    text = "निंः" * 300  # 300 graphemes, 3,600 bytes: the PDS refuses it
    (finding,) = checker.check(text, targets=[single])
    assert finding.message == "Too long for one-post: 3600 of 3000 bytes (300 characters)"
    assert checker.check("निंः" * 250, targets=[single]) == []


def test_a_long_post_for_a_channel_that_threads_is_no_error_when_every_part_fits() -> None:
    checker = only('[[rule]]\nid = "len"\nkind = "length"\n')
    bluesky = Target(name="council-bsky", kind="bluesky")
    sentences = "The pool on Mill Lane is shut until Friday for repairs. " * 12  # 672 graphemes
    assert checker.check(sentences, targets=[bluesky]) == []
    assert checker.check("निंः" * 300, targets=[bluesky]) == []  # bytes split too
    (finding,) = checker.check(sentences, targets=X)  # X refuses it: one post, too long
    assert finding.message.startswith("Too long for x:")


def test_length_counts_links_as_x_does() -> None:
    checker = only('[[rule]]\nid = "len"\nkind = "length"\n')
    url = "https://council.gov.uk/" + "p" * 300
    assert checker.check(f"Read {url}", targets=X) == []


def test_length_may_be_tightened_per_channel() -> None:
    checker = only('[[rule]]\nid = "len"\nkind = "length"\nmax = { x = 100 }\n')
    assert checker.check("a" * 100, targets=X) == []
    assert checker.check("a" * 101, targets=X)[0].message == "Too long for x: 101 of 100 characters"


def test_readability_grades_long_posts_only() -> None:
    checker = only('[[rule]]\nid = "r"\nkind = "readability"\nmax_grade = 8\n')
    plain = (
        "We collect the bins on Monday. Put them out by seven. Thank you for your help with this."
    )
    dense = (
        "Notwithstanding contemporaneous infrastructural reconfiguration, municipal "
        "administrative responsibilities concerning environmental sustainability "
        "considerations necessitate comprehensive interdepartmental collaboration "
        "regarding implementation methodologies and organisational accountability frameworks."
    )
    assert checker.check(plain) == []
    assert checker.check("Notwithstanding contemporaneous infrastructural reconfiguration.") == []
    (finding,) = checker.check(dense)
    assert finding.message.startswith("Hard to read: grade ")


def test_near_duplicates_of_recent_posts_are_flagged() -> None:
    checker = only('[[rule]]\nid = "d"\nkind = "near_duplicate"\nthreshold = 0.7\n')
    recent = [
        "Garden waste collections restart on Monday 3 March. Check your day: https://council.example/bins?utm_source=x",
        "Library opening hours change from April.",
    ]
    fresh = "The leisure centre pool is closed for repairs this weekend."
    repost = "Garden waste collections restart on Monday 3 March! Check your day: https://council.example/bins?utm_source=y"
    assert checker.check(fresh, recent=recent) == []
    (finding,) = checker.check(repost, recent=recent)
    assert finding.message.startswith("100% like a post sent in the last 14 days")
    assert checker.check(repost) == []


def test_hidden_unicode_flags_bidi_controls_and_zero_width_inside_words() -> None:
    checker = only('[[rule]]\nid = "u"\nkind = "hidden_unicode"\n')
    assert checker.check("Café 👩‍💻 naïve") == []  # a joiner between emoji is fine
    text = "pay\u200bpal invoice \u202etxt.exe"
    found = checker.check(text)
    assert [(f.start, f.end, f.fix) for f in found] == [(3, 4, ""), (16, 17, "")]
    assert "U+200B ZERO WIDTH SPACE" in found[0].message
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in found[1].message


def test_rules_can_be_limited_to_sources_and_custom_messages_quote_the_match() -> None:
    checker = only(
        '[[rule]]\nid = "b"\nkind = "banned"\nterms = ["asap"]\nsources = ["feed"]\n'
        'message = "Spell out {match}"\n'
    )
    assert checker.check("Reply ASAP", source="manual") == []
    assert checker.check("Reply ASAP", source="feed")[0].message == "Spell out ASAP"

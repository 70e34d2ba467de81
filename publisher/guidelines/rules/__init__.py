"""The rule kinds a pack may use, by the name a ``[[rule]]`` table gives as ``kind``."""

from __future__ import annotations

from typing import Any

from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings
from publisher.guidelines.rules.counts import CountRule, HashtagPrefixRule
from publisher.guidelines.rules.duplicates import NearDuplicateRule, RecentIndex
from publisher.guidelines.rules.hidden_unicode import HiddenUnicodeRule
from publisher.guidelines.rules.length import LengthRule
from publisher.guidelines.rules.links import LinksRule
from publisher.guidelines.rules.personal_data import PersonalDataRule
from publisher.guidelines.rules.readability import ReadabilityRule
from publisher.guidelines.rules.signoff import SignoffRule
from publisher.guidelines.rules.terms import BannedRule, PreferredRule
from publisher.guidelines.rules.tone import ShoutingRule, ToneRule

RuleType = type[Rule[Any]]

#: kind -> rule class; each class names its options model as ``options_model``.
KINDS: dict[str, RuleType] = {
    cls.kind: cls
    for cls in (
        BannedRule,
        PreferredRule,
        CountRule,
        HashtagPrefixRule,
        SignoffRule,
        ToneRule,
        ShoutingRule,
        PersonalDataRule,
        LinksRule,
        LengthRule,
        ReadabilityRule,
        NearDuplicateRule,
        HiddenUnicodeRule,
    )
}

__all__ = ["KINDS", "Hit", "RecentIndex", "Rule", "RuleOptions", "RuleType", "Settings"]

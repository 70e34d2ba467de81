"""Loading packs: the default pack, inheritance by id, and one-line errors saying where."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.guidelines import (
    BUILTIN_PACKS,
    Checker,
    PackError,
    Severity,
    builtin_pack,
    load_pack,
    loads_pack,
)
from publisher.guidelines.rules import KINDS


def test_default_pack_makes_personal_data_hidden_unicode_and_length_errors() -> None:
    pack = load_pack(None)
    severity = {r.id: r.severity for r in pack.rules}
    kinds = {r.kind: r.severity for r in pack.rules}
    assert kinds["personal_data"] is Severity.ERROR
    assert kinds["hidden_unicode"] is Severity.ERROR
    assert kinds["length"] is Severity.ERROR
    assert severity["shouting"] is Severity.WARNING
    assert severity["https"] is Severity.WARNING
    assert severity["near-duplicate"] is Severity.WARNING


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_every_built_in_pack_loads_and_compiles(name: str) -> None:
    Checker(builtin_pack(name))


def test_a_pack_switches_a_default_rule_off_by_id(tmp_path: Path) -> None:
    path = tmp_path / "org.toml"
    path.write_text('[pack]\nextends = "default"\n\n[[rule]]\nid = "tone"\nenabled = false\n')
    pack = load_pack(path)
    tone = pack.rule("tone")
    assert tone is not None
    assert not tone.enabled
    assert "tone" not in {r.id for r in pack.enabled_rules}
    assert len(pack.rules) == len(load_pack(None).rules)


def test_overriding_a_rule_by_id_merges_keys_over_the_parent() -> None:
    pack = loads_pack(
        '[pack]\nextends = "default"\n[[rule]]\nid = "shouting"\nseverity = "error"\n'
    )
    shouting = pack.rule("shouting")
    assert shouting is not None
    assert shouting.severity is Severity.ERROR
    assert shouting.kind == "shouting"


def test_a_rule_with_a_known_id_and_another_kind_replaces_it() -> None:
    pack = loads_pack(
        '[pack]\nextends = "default"\n[[rule]]\nid = "tags"\nkind = "banned"\nterms = ["x"]\n'
    )
    tags = pack.rule("tags")
    assert tags is not None
    assert tags.kind == "banned"


def test_extends_a_pack_by_relative_path(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_text(
        '[pack]\nextends = "default"\n[[rule]]\nid = "j"\nkind = "banned"\nterms = ["synergy"]\n'
    )
    (tmp_path / "team.toml").write_text('[pack]\nname = "Team"\nextends = "base.toml"\n')
    pack = load_pack(tmp_path / "team.toml")
    assert pack.name == "Team"
    assert pack.rule("j") is not None
    assert pack.rule("length") is not None


def test_every_kind_has_an_options_model_that_refuses_unknown_keys() -> None:
    for kind, cls in KINDS.items():
        assert cls.kind == kind
        assert cls.options_model.model_config.get("extra") == "forbid"


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[[rule]\nid = 1", "org.toml: malformed TOML: "),
        (
            '[[rule]]\nid = "x"\nkind = "nope"\n',
            "org.toml: rule 'x' (#1): key 'kind': unknown kind 'nope' (known: ",
        ),
        (
            '[[rule]]\nid = "a"\nkind = "banned"\nterms = ["a"]\n'
            '[[rule]]\nid = "s"\nkind = "signoff"\npattern = "(["\n',
            "org.toml: rule 's' (#2): key 'pattern': bad regular expression '(['",
        ),
        (
            '[[rule]]\nid = "b"\nkind = "banned"\nterms = ["a"]\ncolour = "red"\n',
            "org.toml: rule 'b' (#1): key 'colour': unknown key",
        ),
        (
            '[[rule]]\nid = "b"\nkind = "banned"\nregex = true\nterms = ["ok", "(bad"]\n',
            "org.toml: rule 'b' (#1): key 'terms': bad regular expression '(bad'",
        ),
        (
            '[[rule]]\nid = "t"\nkind = "tone"\nbounds = { tips = { min = -1 } }\n',
            "org.toml: rule 't' (#1): key 'bounds.tips.[key]': ",
        ),
        (
            '[[rule]]\nid = "c"\nkind = "count"\nwhat = "hashtags"\n',
            "org.toml: rule 'c' (#1): give 'min', 'max' or both",
        ),
        (
            '[[rule]]\nkind = "banned"\n',
            "org.toml: rule (#1): key 'id': every rule needs a string id",
        ),
        ('[[rule]]\nid = "n"\n', "org.toml: rule 'n' (#1): a new rule needs a kind"),
        ('[pack]\nextends = "nowhere"\n', "org.toml: key 'pack.extends': cannot extend 'nowhere'"),
        ('[pack]\nnmae = "x"\n', "org.toml: key 'pack.nmae': unknown key in [pack]"),
        ('[rules]\nid = "x"\n', "org.toml: key 'rules': unknown top-level key"),
        (
            '[[rule]]\nid = "a"\nkind = "banned"\nterms = ["a"]\n'
            '[[rule]]\nid = "a"\nkind = "banned"\nterms = ["b"]\n',
            "org.toml: rule 'a' (#2): a second rule with this id",
        ),
    ],
)
def test_pack_errors_are_one_line_saying_where(tmp_path: Path, toml: str, expected: str) -> None:
    path = tmp_path / "org.toml"
    path.write_text(toml)
    with pytest.raises(PackError) as caught:
        load_pack(path)
    message = str(caught.value).replace(str(tmp_path) + "/", "")
    assert message.startswith(expected), message
    assert "\n" not in message


def test_a_missing_pack_file_is_a_pack_error(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="cannot read"):
        load_pack(tmp_path / "absent.toml")


def test_packs_extending_each_other_in_a_loop_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('[pack]\nextends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('[pack]\nextends = "a.toml"\n')
    with pytest.raises(PackError, match="loop"):
        load_pack(tmp_path / "a.toml")

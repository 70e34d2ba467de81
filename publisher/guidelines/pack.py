"""Guideline packs: TOML files of ``[[rule]]`` tables, validated into typed options.

A pack may ``extends = "default"`` (or another built-in pack, or a path
relative to itself). Its rules are layered over the parent's by id: a table
with a known id and no different ``kind`` is merged key by key over the
parent's (so ``id = "tone"`` with ``enabled = false`` switches tone off);
a table with a new id, or a different kind, replaces or adds the rule.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from publisher.guidelines.errors import PackError
from publisher.guidelines.routes import Route, parse_route
from publisher.guidelines.rules import KINDS, RuleOptions

#: Packs that ship with oyez, by the name ``extends`` uses.
BUILTIN_PACKS: tuple[str, ...] = ("default", "example-council")

_PACK_KEYS = {"name", "extends", "description"}
_TOP_KEYS = {"pack", "rule", "route"}


@dataclass(frozen=True)
class Pack:
    """A loaded pack: every rule after inheritance, enabled or not, in pack order."""

    name: str
    origin: str
    rules: tuple[RuleOptions, ...]
    #: Inbox routing (``[[route]]`` tables): a parent pack's first, then this pack's.
    routes: tuple[Route, ...] = ()

    @property
    def enabled_rules(self) -> tuple[RuleOptions, ...]:
        return tuple(r for r in self.rules if r.enabled)

    def rule(self, rule_id: str) -> RuleOptions | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class _Raw:
    table: dict[str, Any]
    origin: str
    index: int


def load_pack(path: Path | None = None) -> Pack:
    """Load the pack at ``path``, or the default pack when ``path`` is ``None``.

    Raises :class:`PackError` (one line: file, rule, key) for anything wrong with it.
    """
    if path is None:
        return builtin_pack("default")
    origin = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read: {exc.__class__.__name__}: {exc}", origin=origin) from None
    routes: list[_Raw] = []
    name, raws = _resolve(text, origin, path.parent, (str(path.resolve()),), routes)
    return _pack(name, origin, raws, routes)


def loads_pack(text: str, *, origin: str = "<string>", base: Path | None = None) -> Pack:
    """Load a pack from TOML text; ``base`` is where a relative ``extends`` path starts."""
    routes: list[_Raw] = []
    name, raws = _resolve(text, origin, base, (origin,), routes)
    return _pack(name, origin, raws, routes)


def builtin_pack_text(name: str) -> str:
    return resources.files("publisher.guidelines").joinpath(f"packs/{name}.toml").read_text("utf-8")


def builtin_pack(name: str) -> Pack:
    """A pack that ships with oyez, by name (see :data:`BUILTIN_PACKS`)."""
    if name not in BUILTIN_PACKS:
        raise PackError(
            f"no built-in pack of this name (known: {', '.join(BUILTIN_PACKS)})", origin=name
        )
    origin = f"{name}.toml (built in)"
    routes: list[_Raw] = []
    pack_name, raws = _resolve(builtin_pack_text(name), origin, None, (name,), routes)
    return _pack(pack_name, origin, raws, routes)


def _pack(name: str, origin: str, raws: list[_Raw], routes: list[_Raw]) -> Pack:
    return Pack(
        name=name,
        origin=origin,
        rules=tuple(_validate(r) for r in raws),
        routes=tuple(parse_route(r.table, r.origin, r.index) for r in routes),
    )


def _resolve(
    text: str, origin: str, base: Path | None, seen: tuple[str, ...], routes: list[_Raw]
) -> tuple[str, list[_Raw]]:
    """Name and merged raw rules of a pack; ``seen`` ends with this pack's own identity.

    The ``[[route]]`` tables of the pack and its parents are appended to ``routes``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"malformed TOML: {exc}", origin=origin) from None
    for key in data:
        if key not in _TOP_KEYS:
            raise PackError(
                "unknown top-level key (use [pack], [[rule]] and [[route]])", origin=origin, key=key
            )
    header = data.get("pack", {})
    if not isinstance(header, dict):
        raise PackError("must be a table", origin=origin, key="pack")
    for key in header:
        if key not in _PACK_KEYS:
            raise PackError("unknown key in [pack]", origin=origin, key=f"pack.{key}")
    name = header.get("name", origin)
    extends = header.get("extends")
    if not isinstance(name, str) or (extends is not None and not isinstance(extends, str)):
        raise PackError("must be a string", origin=origin, key="pack.name/extends")
    rules = data.get("rule", [])
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise PackError("must be an array of tables ([[rule]])", origin=origin, key="rule")

    own_routes = data.get("route", [])
    if not isinstance(own_routes, list) or not all(isinstance(r, dict) for r in own_routes):
        raise PackError("must be an array of tables ([[route]])", origin=origin, key="route")
    merged: dict[str, _Raw] = {}
    if extends:
        merged = {_rule_id(r): r for r in _parent(extends, origin, base, seen, routes)}
    routes.extend(_Raw(t, origin, i) for i, t in enumerate(own_routes, start=1))
    own: set[str] = set()
    for index, table in enumerate(rules, start=1):
        rule_id = table.get("id")
        if not isinstance(rule_id, str) or not rule_id:
            raise PackError("every rule needs a string id", origin=origin, index=index, key="id")
        if rule_id in own:
            raise PackError("a second rule with this id", origin=origin, rule=rule_id, index=index)
        own.add(rule_id)
        parent = merged.get(rule_id)
        if parent is not None and table.get("kind", parent.table.get("kind")) == parent.table.get(
            "kind"
        ):
            merged[rule_id] = _Raw({**parent.table, **table}, origin, index)
        elif "kind" not in table:
            raise PackError("a new rule needs a kind", origin=origin, rule=rule_id, index=index)
        else:
            merged[rule_id] = _Raw(dict(table), origin, index)
    return name, list(merged.values())


def _parent(
    extends: str, origin: str, base: Path | None, seen: tuple[str, ...], routes: list[_Raw]
) -> list[_Raw]:
    path = Path(extends)
    if not path.is_absolute() and base is not None:
        path = base / path
    ident = extends if extends in BUILTIN_PACKS else str(path.resolve())
    if ident in seen:
        raise PackError("packs extend each other in a loop", origin=origin, key="pack.extends")
    if extends in BUILTIN_PACKS:
        parent_origin = f"{extends}.toml (built in)"
        return _resolve(builtin_pack_text(extends), parent_origin, None, (*seen, ident), routes)[1]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        known = ", ".join(BUILTIN_PACKS)
        raise PackError(
            f"cannot extend {extends!r} (built-in packs: {known}): {exc.__class__.__name__}",
            origin=origin,
            key="pack.extends",
        ) from None
    return _resolve(text, str(path), path.parent, (*seen, ident), routes)[1]


def _rule_id(raw: _Raw) -> str:
    return str(raw.table["id"])


def _validate(raw: _Raw) -> RuleOptions:
    rule_id = _rule_id(raw)
    kind = raw.table.get("kind")
    cls = KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        known = ", ".join(sorted(KINDS))
        raise PackError(
            f"unknown kind {kind!r} (known: {known})",
            origin=raw.origin,
            rule=rule_id,
            index=raw.index,
            key="kind",
        )
    try:
        return cls.options_model.model_validate(raw.table)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or None
        problem = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        problem = problem.removeprefix("Value error, ")
        raise PackError(
            problem, origin=raw.origin, rule=rule_id, index=raw.index, key=key
        ) from None

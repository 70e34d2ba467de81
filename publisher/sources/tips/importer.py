"""Reading tips from YAML or CSV: every bad row reported with its line, all or nothing.

YAML is a list of tips (or ``{tips: [...]}``); each tip is a plain string::

    - Tip: your bank never asks for a code.
    - Turn on two-step login for your email today.

or, with more than its text, a mapping::

    - text: Turn on two-step login for your email today.
      tags: [accounts, mfa]
      variants: {x: "Turn on 2-step login today. #CyberSafe"}
      media: [{path: img/mfa.png, alt: "A phone showing a login code"}]
      valid_from: 2026-10-01T00:00:00+02:00
      valid_until: 2026-11-01T00:00:00+01:00

CSV has a header row with ``text`` and optionally ``tags`` (separated by ``;``
or ``,``), ``valid_from``, ``valid_until``, ``media`` and ``alt``, and
``variant:CHANNEL`` columns. Media paths are relative to the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from publisher.context.times import parse_when
from publisher.errors import InvalidInput, os_reason

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TIPS = 10_000
MAX_TEXT = 5_000
MAX_TAGS = 20
FIELDS = ("text", "tags", "variants", "media", "valid_from", "valid_until")
CSV_FIELDS = ("text", "tags", "media", "alt", "valid_from", "valid_until")
_TARGET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TAG = re.compile(r"^[\w-]{1,64}$")


@dataclass(frozen=True)
class TipDraft:
    """A checked tip, ready to store."""

    text: str
    tags: list[str] = field(default_factory=list)
    variants: dict[str, str] = field(default_factory=dict)
    media: list[dict[str, str]] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    line: int = 0


class TipImportError(InvalidInput):
    """Some rows of a tip file are bad; nothing was imported. One line per problem."""

    def __init__(self, source: str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {source}:{line}: {message}" for line, message in problems)
        super().__init__(f"{len(problems)} problem(s) in {source}; nothing was imported:\n{lines}")


class _Bad(Exception):
    """One problem with one row."""


# -- fields ----------------------------------------------------------------------------


def _text(value: Any, what: str = "text") -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{what} is empty" if not value else f"{what} must be text")
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise _Bad(f"{what} is longer than {MAX_TEXT} characters")
    return text


def _tags(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = re.split(r"[;,]", value) if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _Bad("tags must be a list or a ';'-separated string")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise _Bad("each tag must be text")
        tag = item.strip().lstrip("#")
        if not tag:
            continue
        if not _TAG.match(tag):
            raise _Bad(f"tag {item!r} may hold only letters, digits, '_' and '-'")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise _Bad(f"more than {MAX_TAGS} tags")
    return tags


def _variants(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Bad("variants must map a channel name or kind to its text")
    out: dict[str, str] = {}
    for key, text in value.items():
        if not isinstance(key, str) or not _TARGET.match(key):
            raise _Bad(f"variant key {key!r} is not a channel name or kind")
        out[key] = _text(text, f"variant {key!r}")
    return out


def _media(value: Any, base: Path) -> list[dict[str, str]]:
    if value is None or value == "":
        return []
    items = [value] if isinstance(value, Mapping) else value
    if not isinstance(items, list):
        raise _Bad("media must be a list of {path, alt}")
    out: list[dict[str, str]] = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("path"), str):
            raise _Bad("each media item needs a path")
        alt = item.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            raise _Bad(f"media {item['path']!r} needs alt text (read aloud by screen readers)")
        path = (base / str(item["path"])).expanduser()
        if not path.is_file():
            raise _Bad(f"media file {item['path']!r} does not exist")
        out.append({"path": str(path.resolve()), "alt": alt.strip()})
    return out


def _when(value: Any, what: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise _Bad(f"{what} has no offset: add one (e.g. +01:00) or Z")
        return value
    if isinstance(value, date):
        raise _Bad(f"{what} {value.isoformat()} needs a time and offset, e.g. {value}T00:00+01:00")
    if not isinstance(value, str):
        raise _Bad(f"{what} must be an ISO 8601 time")
    try:
        return parse_when(value)
    except InvalidInput as exc:
        raise _Bad(f"{what}: {exc}") from None


def draft(raw: Mapping[str, Any], base: Path, line: int = 0) -> TipDraft:
    """Check one tip's fields; raise :class:`InvalidInput` with one line on the first problem."""
    try:
        return _draft(raw, base, line)
    except _Bad as exc:
        raise InvalidInput(str(exc)) from None


def _draft(raw: Mapping[str, Any], base: Path, line: int) -> TipDraft:
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        raise _Bad(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    valid_from = _when(raw.get("valid_from"), "valid_from")
    valid_until = _when(raw.get("valid_until"), "valid_until")
    if valid_from and valid_until and valid_until <= valid_from:
        raise _Bad("valid_until is not after valid_from")
    return TipDraft(
        text=_text(raw.get("text")),
        tags=_tags(raw.get("tags")),
        variants=_variants(raw.get("variants")),
        media=_media(raw.get("media"), base),
        valid_from=valid_from,
        valid_until=valid_until,
        line=line,
    )


# -- files -----------------------------------------------------------------------------


def _yaml_rows(text: str, source: str) -> Iterator[tuple[int, Any]]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TipImportError(source, [(where, f"not valid YAML: {problem}")]) from None
    finally:
        loader.dispose()
    if isinstance(data, dict) and isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "tips":
                node, data = value_node, data.get("tips")
                break
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise TipImportError(source, [(1, "expected a list of tips (or a mapping with 'tips:')")])
    for item_node, item in zip(node.value, data, strict=True):
        yield item_node.start_mark.line + 1, _plain_tip(text, item_node, item)


def _looks_like_field(key: object) -> bool:
    """A misspelt field name (``txt``), reported as one rather than taken as text."""
    import difflib

    return bool(difflib.get_close_matches(str(key).lower(), FIELDS, n=1, cutoff=0.7))


def _plain_tip(text: str, node: yaml.Node, item: Any) -> Any:
    """A plain string is a tip's text; so is a line YAML reads as a one-key mapping.

    ``- Tip: your bank never asks for a code.`` is a mapping to YAML, but to the
    person who wrote it a sentence: a one-line mapping whose single key is no
    tip field (nor a misspelling of one) is taken back as the text it was
    written as.
    """
    if isinstance(item, str):
        return {"text": item}
    if (
        isinstance(item, dict)
        and isinstance(node, yaml.MappingNode)
        and len(item) == 1
        and not any(key in FIELDS or _looks_like_field(key) for key in item)
        and not node.flow_style
    ):
        written = text[node.start_mark.index : node.end_mark.index].strip()
        ((_, value),) = item.items()
        if "\n" not in written and (isinstance(value, str | int | float) or value is None):
            return {"text": written}
    return item


def _csv_rows(text: str, source: str) -> Iterator[tuple[int, Any]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise TipImportError(source, [(1, "the file is empty")]) from None
    columns = [h.strip().lower() for h in header]
    bad = [c for c in columns if c not in CSV_FIELDS and not c.startswith("variant:")]
    if "text" not in columns or bad:
        raise TipImportError(
            source,
            [
                (
                    1,
                    f"header needs a 'text' column; unknown column(s): {', '.join(bad) or 'none'} "
                    f"(known: {', '.join(CSV_FIELDS)}, variant:CHANNEL)",
                )
            ],
        )
    start = reader.line_num + 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                yield line, _Bad(f"{len(row)} cells but the header has {len(columns)}")
                continue
            values = dict(zip(columns, row, strict=False))
            yield line, _from_csv(values)
    except csv.Error as exc:
        raise TipImportError(source, [(reader.line_num, f"not valid CSV: {exc}")]) from None


def _from_csv(values: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {
        k: v for k, v in values.items() if k in ("text", "tags", "valid_from", "valid_until")
    }
    variants = {k[len("variant:") :]: v for k, v in values.items() if k.startswith("variant:")}
    variants = {k.strip(): v for k, v in variants.items() if v.strip()}
    if variants:
        raw["variants"] = variants
    if values.get("media", "").strip():
        raw["media"] = [{"path": values["media"].strip(), "alt": values.get("alt", "")}]
    elif values.get("alt", "").strip():
        raw["media"] = [{"alt": values["alt"]}]
    return raw


def read_tips(path: Path) -> list[TipDraft]:
    """Read and check every tip in ``path``; raise :class:`TipImportError` listing every bad row."""
    source = path.name
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".csv"):
        raise InvalidInput(f"{source}: tip files are .yaml, .yml or .csv")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(f"{source} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{source} is not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {os_reason(exc)}") from None
    rows = _csv_rows(text, source) if suffix == ".csv" else _yaml_rows(text, source)
    drafts: list[TipDraft] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for line, item in rows:
        if len(drafts) + len(problems) >= MAX_TIPS:
            problems.append((line, f"more than {MAX_TIPS} tips in one file"))
            break
        try:
            if isinstance(item, _Bad):
                raise item
            if not isinstance(item, Mapping):
                raise _Bad("a tip must be a mapping with at least 'text'")
            tip = _draft(item, path.parent, line)
        except _Bad as exc:
            problems.append((line, str(exc)))
            continue
        if tip.text in first_line:
            problems.append((line, f"same text as the tip on line {first_line[tip.text]}"))
            continue
        first_line[tip.text] = line
        drafts.append(tip)
    if problems:
        raise TipImportError(source, problems)
    if not drafts:
        raise InvalidInput(f"{source} holds no tips")
    return drafts

"""One way every view becomes JSON: ``--json`` output, the HTTP API, exports of settings.

A frozen dataclass view inherits :class:`JSONView` and gets ``to_dict()``:
its fields by name, times as ISO 8601, enums as their values, nested views
and tuples turned the same way. A field can leave the JSON out
(``field(metadata=NOT_JSON)``) or go by another name (``metadata=as_key("x")``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

#: ``field(metadata=NOT_JSON)``: the field stays out of ``to_dict()``.
NOT_JSON: Mapping[str, Any] = {"json": False}


def as_key(name: str) -> Mapping[str, Any]:
    """``field(metadata=as_key("x"))``: the field appears in ``to_dict()`` as ``x``."""
    return {"json": name}


def as_json(value: Any) -> Any:
    """``value`` as plain JSON types (dict, list, str, int, float, bool, None)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_dict()
        return _fields(value)
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [as_json(v) for v in value]
    return value


def _fields(view: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(view):
        key = f.metadata.get("json", f.name)
        if key is False:
            continue
        out[str(key)] = as_json(getattr(view, f.name))
    return out


class JSONView:
    """Mixin for frozen dataclass views: ``to_dict()`` by :func:`as_json`'s rules."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return _fields(self)

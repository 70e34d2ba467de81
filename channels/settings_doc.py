"""Each channel kind's settings as a person reads them: name, default and meaning.

The meaning is the ``#:`` comment above the field in the settings model, so
the help a user sees is the one the code carries.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from channels.base import ChannelSettings

_FIELD = re.compile(r"^\s*(\w+)\s*:")
_DOC = re.compile(r"^\s*#:\s?(.*)$")


@dataclass(frozen=True)
class SettingDoc:
    name: str
    default: str
    meaning: str


def _comments(model: type[ChannelSettings]) -> dict[str, str]:
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        if not (isinstance(cls, type) and issubclass(cls, ChannelSettings)):
            continue
        try:
            lines = inspect.getsource(cls).splitlines()
        except (OSError, TypeError):
            continue
        pending: list[str] = []
        for line in lines:
            doc = _DOC.match(line)
            if doc:
                pending.append(doc.group(1).strip())
                continue
            field = _FIELD.match(line)
            if field and pending:
                found[field.group(1)] = " ".join(pending).replace("``", "`")
            pending = []
    return found


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined:
        return "(required)"
    if info.default is None or info.default == "":
        return "(unset)"
    return str(info.default)


def settings_doc(model: type[ChannelSettings]) -> list[SettingDoc]:
    """Every setting of ``model``, in declaration order (the shared ones first)."""
    comments = _comments(model)
    return [
        SettingDoc(name, _default(info), comments.get(name, ""))
        for name, info in model.model_fields.items()
    ]

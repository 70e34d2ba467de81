"""Reading a CSV file of posts for import: its encoding, its header and its rows.

The file is read line by line (never whole), decoded as UTF-8 with a byte
order mark dropped; the delimiter is guessed from the header; ``--map``
renames or drops columns. What a row means is checked by :mod:`bulk_import`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from publisher.errors import InvalidInput, os_reason

COLUMNS = ("text", "channels", "at", "media", "alt")
REQUIRED = ("text", "channels")


def parse_map(pairs: Iterable[str]) -> dict[str, str]:
    """``--map "Message=text,Networks=channels"`` → {file column: oyez column}.

    An empty target (``Notes=``) drops that column.
    """
    mapping: dict[str, str] = {}
    for pair in (p for value in pairs for p in value.split(",") if p.strip()):
        source, sep, target = pair.partition("=")
        target = target.strip().lower()
        if not sep or not source.strip():
            raise InvalidInput(f"--map {pair!r} is not FILE_COLUMN=COLUMN")
        if target and target not in COLUMNS:
            raise InvalidInput(f"--map target {target!r} is not one of {', '.join(COLUMNS)}")
        mapping[source.strip().lower()] = target
    return mapping


def open_file(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {os_reason(exc)}") from None


def _lines(path: Path) -> Iterator[str]:
    """The file's lines, decoded as UTF-8 (a byte order mark is dropped); bad bytes are refused."""
    with open_file(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"{path.name} is not UTF-8 text (line {number}): "
                    "save it as 'CSV UTF-8' and import it again"
                ) from None


def _header(path: Path, first: str, mapping: dict[str, str]) -> tuple[list[str], str]:
    delimiter = max((",", ";", "\t"), key=first.count)
    names = [n.strip().lower() for n in next(csv.reader([first], delimiter=delimiter))]
    for source in mapping:
        if source not in names:
            raise InvalidInput(f"--map names column {source!r}, which {path.name} does not have")
    columns = [mapping.get(n, n) for n in names]
    unknown = [n for n, c in zip(names, columns, strict=True) if c and c not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"{path.name} has unknown column(s) {', '.join(map(repr, unknown))}: "
            f"expected {', '.join(COLUMNS)} (rename with --map 'Yours=text', drop with 'Yours=')"
        )
    kept = [c for c in columns if c]
    duplicated = sorted({c for c in kept if kept.count(c) > 1})
    if duplicated:
        raise InvalidInput(f"{path.name} has column(s) {', '.join(duplicated)} more than once")
    missing = [c for c in REQUIRED if c not in kept]
    if missing:
        raise InvalidInput(f"{path.name} has no {' or '.join(missing)} column")
    return columns, delimiter


def records(path: Path, mapping: dict[str, str]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line, cells by column) per row, or (line, problem) for a row of the wrong shape."""
    lines = _lines(path)
    first, header_line = next(lines, None), 1
    while first is not None and not first.strip():
        first, header_line = next(lines, None), header_line + 1
    if first is None:
        raise InvalidInput(f"{path.name} is empty: expected a header row ({', '.join(COLUMNS)})")
    columns, delimiter = _header(path, first, mapping)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        line = header_line + reader.line_num + 1  # the header was read before the reader
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, f"not valid CSV: {exc}"
            return
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            yield line, f"has {len(cells)} cells but the header has {len(columns)}"
            continue
        yield line, {c: v for c, v in zip(columns, cells, strict=False) if c}

"""The shape holds: no SQL above queue_db, and each table written by its own module.

import-linter pins the order of the layers; these tests pin what a contract
cannot see: calls on a session and SQL statements built outside their owner.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SQL_LIBRARIES = ("sqlalchemy", "sqlmodel", "sqlite3", "psycopg")


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", _modules("publisher"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_above_queue_db_imports_a_database_library(path: Path) -> None:
    bad = sorted(name for name in _imports(path) if name.split(".")[0] in SQL_LIBRARIES)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: SQL belongs in queue_db"


@pytest.mark.parametrize(
    "path",
    _modules("publisher"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_module_above_queue_db_touches_a_session_or_a_table(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert ".session" not in text, f"{path.relative_to(ROOT)} uses a session"
    tables = [
        n for n in _imports(path) if n == "queue_db.tables" or n.startswith("queue_db.tables.")
    ]
    assert not tables, f"{path.relative_to(ROOT)} imports table classes: use the records"


#: Which queue_db modules may write each table (an UPDATE, INSERT or DELETE of it).
WRITERS = {
    "Delivery": {
        "queue_db/deliveries/claim.py",
        "queue_db/deliveries/lease.py",
        "queue_db/deliveries/settle.py",
        "queue_db/deliveries/plan.py",
    },
    "Post": {"queue_db/posts.py", "queue_db/post_batches.py"},
    "Channel": {"queue_db/channels.py"},
    "Event": {"queue_db/events.py"},
    "Feed": {"queue_db/feeds.py"},
    "FeedEntry": {"queue_db/feeds.py"},
    "TipPool": {"queue_db/tips.py"},
    "Tip": {"queue_db/tips.py"},
    "Cadence": {"queue_db/tips.py"},
    "TipServed": {"queue_db/tips.py"},
    "Ticket": {"queue_db/tickets.py"},
    "TicketEvent": {"queue_db/tickets.py"},
    "TicketPost": {"queue_db/tickets.py"},
    "TicketConfig": {"queue_db/tickets.py"},
    "TicketFeed": {"queue_db/tickets.py"},
    "Stream": {"queue_db/streams.py"},
    "InboxItem": {"queue_db/inbox.py"},
    "InboxLink": {"queue_db/inbox.py"},
    "MetricSample": {"queue_db/metrics.py"},
    "DeliveryReach": {"queue_db/metrics.py"},
}
#: ``update(T)``, ``insert(T)``, ``delete(T)`` statements and ``add(T(...))`` of a new row.
_WRITE = re.compile(r"\b(update|insert|delete|add)\((\w+)[)(]")


@pytest.mark.parametrize("table", sorted(WRITERS))
def test_each_core_table_is_written_by_its_own_module_only(table: str) -> None:
    writers = set()
    for path in _modules("queue_db"):
        if "migrations" in path.parts:
            continue
        for _verb, name in _WRITE.findall(path.read_text(encoding="utf-8")):
            if name == table:
                writers.add(str(path.relative_to(ROOT)))
    assert writers <= WRITERS[table], (
        f"{table} is written outside its module: {writers - WRITERS[table]}"
    )

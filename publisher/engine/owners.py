"""Who holds a lease: a dispatcher's name, and which names belong to processes gone."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence


def worker_name() -> str:
    """``host:pid:tag``: unique per dispatcher, and says where its process ran."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed child nobody has reaped yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def dead_owners(owners: Sequence[str], me: str) -> list[str]:
    """Lease owners that ran on this host in a process that no longer exists.

    Their leases need not run out before their deliveries are reconciled. A
    reused pid only makes us wait for the lease, which is the safe side.
    """
    host, pid = socket.gethostname(), os.getpid()
    dead = []
    for owner in owners:
        parts = owner.rsplit(":", 2)
        if owner == me or len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if int(parts[1]) != pid and _process_gone(int(parts[1])):
            dead.append(owner)
    return dead

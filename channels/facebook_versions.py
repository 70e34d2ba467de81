"""Graph API versions: when each was released and, where Meta has said, when it goes.

From Meta's changelog (developers.facebook.com/docs/graph-api/changelog/versions).
A version is available for about two years after release; oyez warns on age
(see :class:`~channels.base.CredentialReport`) so nobody meets the retirement
date unannounced. Add a row when Meta releases a version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class GraphVersion:
    released: date
    #: When Meta retires it; ``None`` while Meta has not said.
    retires: date | None = None


GRAPH_VERSIONS: dict[str, GraphVersion] = {
    "v26.0": GraphVersion(date(2026, 7, 29)),
    "v25.0": GraphVersion(date(2026, 2, 18), date(2028, 7, 29)),
    "v24.0": GraphVersion(date(2025, 10, 8), date(2028, 2, 18)),
    "v23.0": GraphVersion(date(2025, 5, 29), date(2027, 10, 8)),
    "v22.0": GraphVersion(date(2025, 1, 21), date(2027, 5, 20)),
    "v21.0": GraphVersion(date(2024, 10, 2), date(2027, 1, 21)),
    "v20.0": GraphVersion(date(2024, 5, 21), date(2026, 9, 24)),
    "v19.0": GraphVersion(date(2024, 1, 23), date(2026, 5, 21)),
    "v18.0": GraphVersion(date(2023, 9, 12), date(2026, 1, 26)),
    "v17.0": GraphVersion(date(2023, 5, 23), date(2025, 9, 12)),
    "v16.0": GraphVersion(date(2023, 2, 2), date(2025, 5, 14)),
    "v15.0": GraphVersion(date(2022, 9, 15), date(2024, 11, 20)),
}
#: The newest version this table knows: the default a channel pins.
NEWEST = max(GRAPH_VERSIONS, key=lambda v: GRAPH_VERSIONS[v].released)


def version_warnings(version: str, today: date) -> tuple[str, ...]:
    """Plain warnings about a pinned version: unknown here, or past its retirement."""
    known = GRAPH_VERSIONS.get(version)
    if known is None:
        return (
            f"Graph {version} is not in oyez's table of versions (newest known: {NEWEST}); "
            "its age cannot be told",
        )
    if known.retires is not None and known.retires <= today:
        return (
            f"Graph {version} was retired on {known.retires:%d %b %Y}: "
            f"set graph_version={NEWEST} (oyez channels set NAME --set graph_version={NEWEST})",
        )
    return ()

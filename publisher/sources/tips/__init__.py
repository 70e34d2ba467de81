"""Safety tips: pools of tips posted on cadences (crontab in a time zone), without repeats.

The daemon imports this module (it is in ``SOURCE_MODULES``) and schedules
:func:`producers`: one trigger per running cadence.
"""

from __future__ import annotations

from publisher.sources.tips.firing import fire_cadence, producers

__all__ = ["fire_cadence", "producers"]

"""Imports every table module, so ``SQLModel.metadata`` is complete.

Each feature keeps its tables in its own module; add new modules here.
"""

from __future__ import annotations

import queue_db.feeds_models
import queue_db.tickets_models
import queue_db.tips_models  # noqa: F401
from queue_db import models  # noqa: F401

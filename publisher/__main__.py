"""``python -m publisher``: the ``oyez`` command line (used where no console script is installed)."""

from __future__ import annotations

from publisher.cli import main

if __name__ == "__main__":
    main()

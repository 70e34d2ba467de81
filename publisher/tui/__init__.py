"""The terminal UI: ``oyez tui``. Calls the service layer only; no SQL, no network code."""

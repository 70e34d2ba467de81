"""The UI-free operations of oyez. The CLI, the TUI and the HTTP API all call these."""

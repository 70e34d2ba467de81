"""The daemon: claiming due deliveries, publishing them, retrying and reconciling."""

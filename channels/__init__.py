"""Channels: one module per network behind the :class:`~channels.base.Channel` protocol.

Nothing here imports ``queue_db`` or ``publisher``: a channel knows how to talk to
one network and nothing about queues, databases or user interfaces.
"""

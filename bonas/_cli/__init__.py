"""Internals of the ``bonas`` command (not public API)."""

"""Test helpers that ship with bonas, for bonas's own tests and for plug-in authors.

:mod:`bonas.testing.surrogates` holds the conformance suite every surrogate must pass.
"""

from __future__ import annotations

__all__: list[str] = []

"""A griffe extension for the API pages: a docstring's ``Example:`` section is an example.

bonas' docstrings head their doctests ``Example:`` (they are run by ``pytest
--doctest-modules``); griffe's Google-style parser knows only the plural, ``Examples:``, and
would render the singular as prose. This reads the one as the other, so the API reference shows
the doctests as code. mkdocs.yml loads it (``extensions:`` of the python handler).
"""

from __future__ import annotations

import re
from typing import Any

from griffe import Extension, Object

_SINGULAR = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)


class ExampleSections(Extension):
    """Rename the ``Example:`` section of every docstring to ``Examples:`` when it is loaded."""

    def on_instance(self, *, obj: Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = _SINGULAR.sub(r"\1Examples:", obj.docstring.value)

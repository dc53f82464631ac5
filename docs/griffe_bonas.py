"""A griffe extension for the API pages: bonas' docstrings read as they are meant.

Three habits of the docstrings that griffe's Google-style parser does not know:

* doctests are headed ``Example:`` (run by ``pytest --doctest-modules``); griffe knows only the
  plural, ``Examples:``, and would render the singular as prose. The one is read as the other,
  so the pages show the doctests as code;
* constants are documented by ``#:`` comments above them (Sphinx's form), which griffe does
  not read: they become the constants' docstrings;
* cross-references are Sphinx roles (``:class:`~bonas.spaces.base.SearchSpace```,
  ``:meth:`propose```). Each becomes an optional mkdocs-autorefs link: a link where the target
  is documented on the site, plain code where it is not (Optuna's classes, private helpers).
  Names without a module are looked up from the object whose docstring holds them.

mkdocs.yml loads it (``extensions:`` of the python handler).
"""

from __future__ import annotations

import html
import re
from typing import Any

from griffe import Docstring, Extension, Module, Object

_SINGULAR = re.compile(r"^(\s*)Example:[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`(~?)([^`]+)`")
_TITLED = re.compile(r"(.+?)\s*<([^>]+)>")
_ABSOLUTE = ("bonas", "optuna", "numpy", "torch", "botorch", "gpytorch", "networkx", "np", "nx")


def _identifier(obj: Object, target: str) -> str:
    """The full path that ``target``, written in the docstring of ``obj``, most likely names."""
    head = target.split(".")[0]
    if head in _ABSOLUTE:
        return target
    scopes = [obj] if obj.is_class or obj.is_module else []
    scopes += [p for p in (obj.parent, obj.module) if p is not None and p not in scopes]
    for scope in scopes:
        if head in scope.members:
            return f"{scope.path}.{target}"
    return f"{obj.module.path}.{target}"


def _objects(obj: Object) -> list[Object]:
    """``obj`` and every object defined under it (aliases, i.e. imported names, left out)."""
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found += _objects(member)
    return found


def _comment_docstring(obj: Object) -> Docstring | None:
    """The ``#:`` comment lines just above an attribute (Sphinx's form of its docstring)."""
    lines, lineno = obj.module.lines, obj.lineno
    if not obj.is_attribute or lineno is None or not lines:
        return None
    text: list[str] = []
    k = lineno - 2  # the line above the assignment, 0-based
    while k >= 0 and lines[k].strip().startswith("#:"):
        text.insert(0, lines[k].strip()[2:].strip())
        k -= 1
    return Docstring("\n".join(text), lineno=k + 2, parent=obj) if text else None


def _rewrite(obj: Object) -> None:
    if obj.docstring is None:
        obj.docstring = _comment_docstring(obj)
    docstring = obj.docstring
    if docstring is None:
        return

    def link(match: re.Match[str]) -> str:
        short, target = match.group(1), match.group(2).strip()
        titled = _TITLED.fullmatch(target)  # :meth:`title <target>`
        if titled:
            shown, target = titled.group(1).strip(), titled.group(2).strip()
        else:
            shown = target.rsplit(".", 1)[-1] if short else target
        identifier = html.escape(_identifier(obj, target), quote=True)
        return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'

    text = _SINGULAR.sub(r"\1Examples:", docstring.value)
    docstring.value = _ROLE.sub(link, text)


class BonasDocstrings(Extension):
    """Rewrite the ``Example:`` headings and Sphinx roles of every docstring of a package,
    once the package is loaded (so that names defined further down are found)."""

    def on_package(self, *, pkg: Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            _rewrite(obj)

"""``python -m bonas`` is the ``bonas`` command."""

from __future__ import annotations

from bonas.cli import main

raise SystemExit(main())

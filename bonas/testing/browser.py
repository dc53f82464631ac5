"""The flags a headless Chromium needs here: no display, no sandbox as root, and no network
of its own (the machine reaches nothing but the package registries)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["HEADLESS_CHROMIUM_FLAGS", "headless_chromium_flags"]

#: Every flag but the profile folder.
HEADLESS_CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1200,2400",
)


def headless_chromium_flags(profile: str | Path) -> list[str]:
    """:data:`HEADLESS_CHROMIUM_FLAGS` with a fresh ``--user-data-dir`` (``profile``).

    Example:
        >>> headless_chromium_flags("/tmp/p")[-1]
        '--user-data-dir=/tmp/p'
    """
    return [*HEADLESS_CHROMIUM_FLAGS, f"--user-data-dir={profile}"]

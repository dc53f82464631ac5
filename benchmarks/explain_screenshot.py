"""The screenshot of ``bonas report --html`` for the README's main job, in headless Chromium.

    python benchmarks/explain_screenshot.py

Runs, in a fresh temporary folder, exactly the README's main job and the report::

    bonas search nb201 --dataset cifar10 --trials 100
    bonas report --html --out report

then opens ``report/report.html`` in headless Chromium (the Debian packages ``chromium`` and
``chromium-driver``, driven by selenium, with the browser test's flags and a 1200 × 2400
window), fails if the browser logged an error, and saves the page to
``docs/results/explain_report.png``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bonas.testing.browser import headless_chromium_flags

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "results" / "explain_report.png"
COMMANDS = (
    ["search", "nb201", "--dataset", "cifar10", "--trials", "100", "--quiet"],
    ["report", "--html", "--out", "report"],
)


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as work:
        for args in COMMANDS:
            print("bonas", " ".join(args), flush=True)
            subprocess.run([sys.executable, "-m", "bonas", *args], cwd=work, env=env, check=True)
        page = Path(work) / "report" / "report.html"
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("BONAS_CHROMIUM", "/usr/bin/chromium")
        for flag in headless_chromium_flags(Path(work) / "profile"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(
            options=options, service=Service(executable_path="/usr/bin/chromedriver")
        )
        try:
            driver.get(page.as_uri())
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
            if errors:
                raise SystemExit(f"the browser logged errors: {errors}")
            driver.save_screenshot(str(OUT))
        finally:
            driver.quit()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

from __future__ import annotations

import os

# One thread per test process: the suite runs on 2-core machines, next to other work.
os.environ.setdefault("OMP_NUM_THREADS", "1")

"""Payment terminal tests: the ZVT and nexo emulators (real sockets, a real pty) live here and
are shared with the UI and reliability suites (they put this folder on ``sys.path``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for helper_dir in (HERE, HERE.parent, HERE.parent / "integration"):
    if str(helper_dir) not in sys.path:
        sys.path.insert(0, str(helper_dir))

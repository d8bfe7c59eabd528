"""Named crash points for the crash-matrix test: ``CONSTELLATION_CRASH_AT=<point>`` makes the
process kill itself with SIGKILL when it reaches that point, as a power cut or an OOM killer
would (no cleanup, no except/finally). Unset in every real run; reaching a point costs one
environment lookup.

Points: ``after-land``, ``transform-written`` (tables written, manifest not yet), ``after-publish``,
``load-before-commit`` (inside the load transaction, every statement run), ``after-load-commit``.
"""

from __future__ import annotations

import os
import signal

ENV = "CONSTELLATION_CRASH_AT"


def crash_point(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)

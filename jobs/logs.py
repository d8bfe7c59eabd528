"""Logging policy shared by every entry point.

Third-party libraries log a line per connection, retry and credential lookup at DEBUG; with
``--log-level DEBUG`` they would bury the job's own lines (and botocore's DEBUG output includes
request details nobody asked for). So they stay at WARNING unless the user names them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

THIRD_PARTY_LOGGERS = ("urllib3", "requests", "botocore", "boto3", "s3transfer", "py4j")
# py4j logs every JVM call with its arguments at DEBUG, a JDBC password among them: it stays at
# WARNING even when named (no log level may print a secret).
NEVER_VERBOSE = ("py4j",)


def quiet_third_party_loggers(requested: Iterable[str] = (), *, level: int = logging.WARNING) -> list[str]:
    """Set the noisy libraries' loggers to ``level`` (WARNING), except those the user asked for by
    name in ``requested`` (e.g. ``["urllib3"]``, or ``"urllib3.connectionpool"`` for one module:
    the caller sets that logger's own level, which wins over its quieted parent).

    Returns the names quieted, so the caller can log what it did."""
    asked = {name.strip() for name in requested if name and name.strip()}
    quieted = []
    for name in THIRD_PARTY_LOGGERS:
        if name not in NEVER_VERBOSE and (name in asked or any(name.startswith(f"{parent}.") for parent in asked)):
            continue
        logging.getLogger(name).setLevel(level)
        quieted.append(name)
    return quieted

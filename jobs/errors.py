"""One readable line for any failure: the root cause, not the wrapper.

Spark and JDBC failures arrive wrapped ("An error occurred while calling o75.load", a Spark job
aborted because a task failed because …): the line a user can act on is the innermost Java
exception's ("PSQLException: FATAL: password authentication failed for user "etl"", "No space
left on device"). The full trace stays available at DEBUG.
"""

from __future__ import annotations

MAX_LINE = 500


def _java_root(java) -> str | None:
    try:
        root, seen = java, 0
        while root.getCause() is not None and seen < 20:
            root, seen = root.getCause(), seen + 1
        message = root.getMessage()
        return f"{root.getClass().getSimpleName()}: {message}" if message else root.getClass().getName()
    except Exception:  # the gateway may be gone: fall back to the Python text
        return None


def one_line(exc: BaseException) -> str:
    """The root cause of ``exc`` as one line (at most 500 characters)."""
    java = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
    text = (_java_root(java) if java is not None else None) or str(exc)
    if java is None and exc.__cause__ is not None and not str(exc).strip():
        return one_line(exc.__cause__)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    return first[:MAX_LINE]

"""Source kinds, one module each, shared by every pipeline (DESIGN.md §9):

- ``files``: a folder or ``s3://`` prefix of vendor files: find them, copy them unchanged into the
  raw zone with size and sha256, read delimited files as text with an explicit schema.
- ``postgres``: a PostgreSQL database: settings and secret lookup, partitioned Spark JDBC
  extracts, watermark state for incremental extraction.
- ``http``: an HTTP API: a session with retries, backoff and a rate limit, every response landed
  byte for byte with its request metadata, resumable page checkpoints.

A pipeline picks its sources and configures them; it does not implement them.
"""


class InputError(Exception):
    """A source's input is missing, empty, unreachable or not in the expected layout (exit 3)."""

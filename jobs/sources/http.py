"""The HTTP source: an API fetched page by page, every response landed byte for byte.

What a pipeline gets (DESIGN.md §1, §9):

- ``HttpSettings``: timeouts, bounded retries with backoff, ``Retry-After``, a client-side rate
  limit, default and secret headers. Secret header values (API keys) never appear in a repr, a
  log line or an error message: only their names do.
- ``HttpClient``: a ``requests.Session`` with urllib3's ``Retry`` mounted on its adapter (so
  retries, backoff and ``Retry-After`` are the libraries' well-tested code), timeouts on every
  request and a token bucket in front of every attempt, retries included (the server counts
  those too). When it gives up it raises ``HttpSourceError``: one line with the method, the URL,
  the last status or the network cause, and the number of attempts.
- ``fetch_to_lake``: streams one response body unchanged into the raw zone (atomically: a failed
  or truncated body leaves nothing) before anything parses it, and returns its ``InputFile``
  (request URL, size, sha256, time received, status).
- ``Checkpoint`` and ``paginate``: resumable extraction. A process killed mid-way starts again
  where it stopped and does not fetch a recorded page again.

Checkpoint layout: one small JSON document per request key, ``<checkpoint>/<key>.json`` (a key
``202001/2800308/page=1`` becomes the file ``202001/2800308/page=1.json``). Recording a page is
one atomic write of a few hundred bytes, whatever the number of pages already landed: a single
index rewritten after each of the ~5,570 monthly requests would cost O(n^2) bytes, and on S3 a
PUT of a growing object each time. A file per key also cannot be half-updated (each is written
whole, by rename locally, by one PUT on S3), and two keys never contend for the same object. The
cost moves to opening a checkpoint: one listing, plus one small read per recorded key when
``inputs()`` builds the landing, which happens once per run.

A page that was landed but not yet recorded when the process died is fetched again on resume
and overwrites the same raw file (the landing is atomic, so the result is as if it had been
fetched once).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import MappingProxyType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    IncompleteRead,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.retry import Retry

from jobs import lake
from jobs.config import ConfigError
from jobs.manifest import InputFile
from jobs.sources import InputError

log = logging.getLogger(__name__)

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRIES = 10  # a job that retries more than this is waiting on an outage, not a hiccup
CREDENTIAL_STATUSES = (401, 403)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9=+,.\-]*(/[A-Za-z0-9][A-Za-z0-9=+,.\-]*)*$")
_EXCERPT = 200


class HttpSourceError(InputError):
    """An HTTP source gave up on a request. ``str()`` is one line: method, URL, cause, attempts."""

    def __init__(self, message: str, *, method: str, url: str, status: int | None = None,
                 attempts: int | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status = status
        self.attempts = attempts


# ---- settings ----


@dataclass(frozen=True)
class HttpSettings:
    """How to talk to one API. Validated when built, so a bad value fails before any request.

    ``secret_headers`` (e.g. ``{"chave-api-dados": key}``) are sent with every request like
    ``headers`` but are left out of the repr; errors and logs name them, never show them. Their
    values come from the environment or a secret store, never from a file."""

    base_url: str = ""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries_total: int = 5
    backoff_factor: float = 1.0  # urllib3: 0 s, then factor * 2**(n-1) s between attempts
    backoff_max: float = 60.0
    retry_statuses: tuple[int, ...] = RETRY_STATUSES
    respect_retry_after: bool = True
    retry_after_max: float = 300.0  # a longer Retry-After is waited this long, not hours
    requests_per_minute: float | None = None  # None: no client-side limit
    burst: int = 1  # requests allowed back to back before the rate applies
    headers: Mapping[str, str] = field(default_factory=dict)
    secret_headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    user_agent: str = "constellation-batch/1 (scheduled data pipeline)"
    chunk_size: int = 1024 * 1024  # bytes read and written at a time when landing a body

    def __post_init__(self) -> None:
        if self.base_url and not re.match(r"^https?://[^/\s]+", self.base_url):
            raise ConfigError(f"HttpSettings.base_url must start with http:// or https://, got {self.base_url!r}")
        for name in ("connect_timeout", "read_timeout"):
            _positive(name, getattr(self, name))
        if not isinstance(self.retries_total, int) or not 0 <= self.retries_total <= MAX_RETRIES:
            raise ConfigError(f"HttpSettings.retries_total must be an integer from 0 to {MAX_RETRIES}, "
                              f"got {self.retries_total!r}")
        for name in ("backoff_factor", "backoff_max"):
            value = getattr(self, name)
            if not _is_number(value) or value < 0:
                raise ConfigError(f"HttpSettings.{name} must be a number of seconds >= 0, got {value!r}")
        _positive("retry_after_max", self.retry_after_max)
        if isinstance(self.retry_statuses, str | bytes) or not isinstance(self.retry_statuses, Iterable):
            raise ConfigError(f"HttpSettings.retry_statuses must be a list of 4xx/5xx status codes, "
                              f"got {self.retry_statuses!r}")
        object.__setattr__(self, "retry_statuses", tuple(self.retry_statuses))
        if bad := [s for s in self.retry_statuses if not isinstance(s, int) or not 400 <= s <= 599]:
            raise ConfigError(f"HttpSettings.retry_statuses: {bad} are not 4xx/5xx status codes")
        if refused := [s for s in self.retry_statuses if s in CREDENTIAL_STATUSES]:
            raise ConfigError(f"HttpSettings.retry_statuses must not contain {refused}: refused credentials "
                              "do not get better by asking again")
        if self.requests_per_minute is not None:
            _positive("requests_per_minute", self.requests_per_minute)
        if not isinstance(self.burst, int) or self.burst < 1:
            raise ConfigError(f"HttpSettings.burst must be an integer >= 1, got {self.burst!r}")
        if not isinstance(self.chunk_size, int) or self.chunk_size < 1:
            raise ConfigError(f"HttpSettings.chunk_size must be a positive integer, got {self.chunk_size!r}")
        if not self.user_agent or "\n" in self.user_agent or "\r" in self.user_agent:
            raise ConfigError("HttpSettings.user_agent must be a non-empty single line")
        _check_headers("headers", self.headers, show_values=True)
        _check_headers("secret_headers", self.secret_headers, show_values=False)
        if overlap := sorted({h.lower() for h in self.headers} & {h.lower() for h in self.secret_headers}):
            raise ConfigError(f"HttpSettings: header(s) {overlap} are in both headers and secret_headers")
        # frozen means frozen: a caller's dict changed later must not change these settings
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        object.__setattr__(self, "secret_headers", MappingProxyType(dict(self.secret_headers)))

    @property
    def secret_header_names(self) -> tuple[str, ...]:
        return tuple(self.secret_headers)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(name: str, value: object) -> None:
    if not (_is_number(value) and value > 0):
        raise ConfigError(f"HttpSettings.{name} must be a positive number, got {value!r}")


def _check_headers(setting: str, headers: Mapping[str, str], *, show_values: bool) -> None:
    if not isinstance(headers, Mapping):
        raise ConfigError(f"HttpSettings.{setting} must be a mapping of header name to value")
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ConfigError(f"HttpSettings.{setting}: {name!r} is not a valid header name")
        shown = repr(value) if show_values else "(value not shown)"
        if not isinstance(value, str) or "\n" in value or "\r" in value:
            raise ConfigError(f"HttpSettings.{setting}[{name!r}] must be a single-line string {shown}")
        if not show_values and not value.strip():
            raise ConfigError(f"HttpSettings.{setting}[{name!r}] is empty: the secret it should hold was not "
                              "found (check the environment variable or secret it is read from)")


# ---- rate limit ----


class TokenBucket:
    """At most ``requests_per_minute`` on average, ``burst`` back to back.

    Each ``acquire`` takes a token; tokens come back at rate/60 per second up to ``burst``. When
    none is left the caller sleeps until one is due. Clock and sleep are injectable so tests
    check the exact waits without waiting."""

    def __init__(self, requests_per_minute: float, *, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = requests_per_minute / 60.0  # tokens per second
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until it is due; returns the seconds slept."""
        with self._lock:
            now = self._clock()
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1.0  # reserve it now, so concurrent callers queue behind each other
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


# ---- client ----


class _Retry(Retry):
    """urllib3's Retry, plus: every retry waits for the rate limiter and is logged with the full
    URL and what went wrong (urllib3 itself logs status retries only at DEBUG)."""

    before_attempt: Callable[[], object] | None = None

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.before_attempt = self.before_attempt
        return retry

    def increment(self, method: str | None = None, url: str | None = None, response: Any = None,
                  error: Exception | None = None, _pool: Any = None, _stacktrace: Any = None) -> _Retry:
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        where = f"{_pool.scheme}://{_pool.host}:{_pool.port}{url}" if _pool is not None and url else (url or "?")
        cause = f"status {response.status}" if response is not None and response.status else _cause(error)
        try:
            wait = retry.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        except Exception:  # an unparsable Retry-After: urllib3 reports it when it sleeps
            wait = None
        log.warning("%s %s: %s; retry %d of %d in %.1f s", method, where, cause, len(retry.history),
                    len(retry.history) + (retry.total or 0), wait or retry.get_backoff_time())
        return retry

    def sleep(self, response: Any = None) -> None:
        super().sleep(response)
        if self.before_attempt is not None:
            self.before_attempt()


class _Session(requests.Session):
    """A session that does not forward secret headers to another host on a redirect: requests
    strips ``Authorization`` there, but knows nothing of an API's own key header."""

    secret_names: tuple[str, ...] = ()

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:
        super().rebuild_auth(prepared_request, response)
        if self.should_strip_auth(response.request.url, prepared_request.url):
            for name in self.secret_names:
                prepared_request.headers.pop(name, None)


class HttpClient:
    """One API's session: retries, timeouts, rate limit, headers. Use one client per thread.

    ``get`` returns a response whose body was read completely (2xx/3xx); ``stream`` yields one
    whose body is read in chunks by ``iter_content``. Both raise ``HttpSourceError`` on every
    failure: status >= 400 after the retries, a timeout, a refused connection, a cut body."""

    def __init__(self, settings: HttpSettings, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.limiter = (TokenBucket(settings.requests_per_minute, burst=settings.burst, clock=clock, sleep=sleep)
                        if settings.requests_per_minute else None)
        self._secrets = tuple(v for v in settings.secret_headers.values() if v)
        session = _Session()
        session.secret_names = settings.secret_header_names
        session.headers["User-Agent"] = settings.user_agent
        session.headers.update(settings.headers)
        session.headers.update(settings.secret_headers)
        retry = _Retry(
            total=settings.retries_total, connect=None, read=None, redirect=None, status=None, other=None,
            allowed_methods=frozenset({"GET", "HEAD"}), status_forcelist=frozenset(settings.retry_statuses),
            backoff_factor=settings.backoff_factor, backoff_max=settings.backoff_max,
            respect_retry_after_header=settings.respect_retry_after, retry_after_max=settings.retry_after_max,
            raise_on_status=False,  # give the last response back: our error names its status and attempts
            raise_on_redirect=False,
        )
        retry.before_attempt = self.limiter.acquire if self.limiter else None
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self.session = session

    def __repr__(self) -> str:
        return f"HttpClient({self.settings!r})"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def url(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> str:
        """The full request URL, query string included (what errors and landings name)."""
        return requests.Request("GET", self._absolute(path_or_url), params=params).prepare().url or path_or_url

    def get(self, path_or_url: str, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None) -> requests.Response:
        """GET and read the whole body; ``response.content`` / ``.json()`` are ready to use."""
        with self.stream(path_or_url, params, headers) as response:
            body = b"".join(self.iter_content(response))
        response._content = body  # requests' own cache of the body: .content/.text/.json() use it
        return response

    @contextmanager
    def stream(self, path_or_url: str, params: Mapping[str, Any] | None = None,
               headers: Mapping[str, str] | None = None) -> Iterator[requests.Response]:
        """GET with the body not yet read: read it with ``iter_content`` inside the block."""
        request = self.session.prepare_request(
            requests.Request("GET", self._absolute(path_or_url), params=params, headers=headers))
        url = request.url or path_or_url
        env = self.session.merge_environment_settings(url, {}, True, None, None)  # proxies, CA bundle
        if self.limiter:
            self.limiter.acquire()
        log.debug("GET %s", url)
        try:
            response = self.session.send(request, timeout=(self.settings.connect_timeout, self.settings.read_timeout),
                                         allow_redirects=True, **env)
        except requests.RequestException as exc:
            raise self._error("GET", url, self._describe(exc), attempts=self._attempts_after(exc)) from exc
        try:
            self._check_status("GET", url, response)
            yield response
        finally:
            response.close()

    def iter_content(self, response: requests.Response) -> Iterator[bytes]:
        """The body in chunks, as sent (after undoing any Content-Encoding such as gzip). A body
        cut short (fewer bytes than Content-Length, a broken chunked stream) or a stalled read
        raises ``HttpSourceError``: a short body must never pass for a complete one."""
        url = response.request.url or response.url
        received = 0
        try:
            for chunk in response.iter_content(chunk_size=self.settings.chunk_size):
                received += len(chunk)
                yield chunk
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
                requests.exceptions.ContentDecodingError) as exc:
            incomplete = _find(exc, IncompleteRead)
            got = incomplete.partial if isinstance(incomplete, IncompleteRead) else received
            why = "the connection closed early" if incomplete else self._describe(exc)
            raise self._error("GET", url, f"response body cut short: got {got} bytes{_declared(response)} ({why})",
                              attempts=_attempts(response), status=response.status_code) from exc
        declared = response.headers.get("Content-Length", "")
        # urllib3 already enforces Content-Length; this is the backstop if that is ever turned off.
        # With a Content-Encoding, Content-Length counts the encoded bytes, so there is nothing to compare.
        if declared.isdigit() and not _encoded(response) and received != int(declared):
            raise self._error("GET", url, f"response body cut short: got {received} bytes{_declared(response)}",
                              attempts=_attempts(response), status=response.status_code)

    # -- internals --

    def _absolute(self, path_or_url: str) -> str:
        if re.match(r"^https?://", path_or_url):
            return path_or_url
        if not self.settings.base_url:
            raise ConfigError(f"HttpSettings.base_url is empty, so {path_or_url!r} must be an absolute http(s) URL")
        return f"{self.settings.base_url.rstrip('/')}/{path_or_url.lstrip('/')}"

    def _describe(self, exc: BaseException) -> str:
        cause = _cause(exc)
        if cause == "read timed out":
            return f"{cause} (read timeout {self.settings.read_timeout:g} s)"
        if cause == "connect timed out":
            return f"{cause} (connect timeout {self.settings.connect_timeout:g} s)"
        return cause

    def _attempts_after(self, exc: requests.RequestException) -> int:
        # With only ``total`` counting, urllib3 gives up when it is spent: after total + 1 attempts.
        reason = exc.args[0] if exc.args else None
        return self.settings.retries_total + 1 if isinstance(reason, MaxRetryError) else 1

    def _check_status(self, method: str, url: str, response: requests.Response) -> None:
        status = response.status_code
        attempts = _attempts(response)
        if status < 400:
            if attempts > 1:
                log.info("%s %s: %d after %d attempts", method, url, status, attempts)
            return
        details = []
        if status in CREDENTIAL_STATUSES:
            names = ", ".join(repr(n) for n in self.settings.secret_header_names)
            details.append(f"the server refused the credentials sent in header {names} (value not shown)" if names
                           else "the server wants credentials and no secret header is configured "
                                "(HttpSettings.secret_headers)")
        if excerpt := self._excerpt(response):
            details.append(f'the server said "{excerpt}"')
        raise self._error(method, url, f"HTTP {status} {_phrase(response)}", attempts=attempts, status=status,
                          detail="; ".join(details))

    def _excerpt(self, response: requests.Response) -> str:
        try:
            head = response.raw.read(_EXCERPT * 4, decode_content=True) or b""
        except Exception:  # an error body we cannot read adds nothing to the message
            return ""
        text = " ".join(head.decode("utf-8", errors="replace").split())
        return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")

    def _error(self, method: str, url: str, what: str, *, attempts: int, status: int | None = None,
               detail: str = "") -> HttpSourceError:
        """``<METHOD> <URL>: <what> after <n> attempts[: <detail>]``, on one line."""
        plural = "" if attempts == 1 else "s"
        message = f"{method} {url}: {what} after {attempts} attempt{plural}" + (f": {detail}" if detail else "")
        message = self._redact(" ".join(message.split()))
        return HttpSourceError(message, method=method, url=url, status=status, attempts=attempts)

    def _redact(self, text: str) -> str:
        """Belt and braces: a server that echoes the request in its error body must not make the
        key appear in our message."""
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        return text


def _attempts(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    return len(retries.history) + 1 if retries is not None else 1


def _phrase(response: requests.Response) -> str:
    try:
        return HTTPStatus(response.status_code).phrase
    except ValueError:
        return response.reason or ""


def _encoded(response: requests.Response) -> bool:
    return response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")


def _declared(response: requests.Response) -> str:
    declared = response.headers.get("Content-Length")
    return f" of the {declared} declared by Content-Length" if declared and not _encoded(response) else ""


def _chain(exc: BaseException | None) -> list[BaseException]:
    """An exception and those it wraps: requests wraps urllib3's, which wrap the socket's (in
    ``args[0]``, ``reason`` or as ``__cause__``)."""
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
        exc = inner or (exc.reason if isinstance(exc, MaxRetryError) else None) or exc.__cause__ or exc.__context__
    return seen


def _find(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    return next((e for e in _chain(exc) if isinstance(e, kind)), None)


def _cause(exc: BaseException | None) -> str:
    """What went wrong on the wire, in a few words (the library messages repeat the pool, the
    URL path and object reprs)."""
    seen = _chain(exc)
    for err in seen:
        if isinstance(err, NewConnectionError):  # before ConnectTimeoutError: urllib3 makes it a subclass
            os_error = next((e for e in seen if isinstance(e, OSError) and e.strerror), None)
            detail = os_error.strerror.lower() if os_error else _short(err)
            return f"could not connect ({detail})"
        if isinstance(err, ConnectTimeoutError | requests.exceptions.ConnectTimeout):
            return "connect timed out"
        if isinstance(err, ReadTimeoutError | requests.exceptions.ReadTimeout):
            return "read timed out"
        if isinstance(err, SSLError | requests.exceptions.SSLError):
            return f"TLS error ({_short(err)})"
        if isinstance(err, ProtocolError):
            return f"connection broken: {_short(err).removeprefix('Connection broken: ')}"
    return _short(seen[-1]) if seen else "unknown error"


def _short(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    text = re.sub(r"<[^>]*>:?\s*", "", text)  # object reprs
    return " ".join(text.split())[:_EXCERPT] or type(exc).__name__


# ---- landing ----


def fetch_to_lake(client: HttpClient, url_or_path: str, params: Mapping[str, Any] | None = None, *,
                  target_uri: str, source: str, headers: Mapping[str, str] | None = None) -> InputFile:
    """GET one resource and store its body unchanged at ``target_uri`` (local or ``s3://``),
    before anything parses it, so a parser bug never needs the API again. The body is streamed
    to a temp file and hashed on the way (no second copy in memory); it appears at
    ``target_uri`` only complete, so a failed or cut-short response lands nothing."""
    input_file, _ = _fetch(client, url_or_path, params, target_uri=target_uri, source=source, headers=headers)
    return input_file


def _fetch(client: HttpClient, url_or_path: str, params: Mapping[str, Any] | None, *, target_uri: str,
           source: str, headers: Mapping[str, str] | None, keep: int = 0) -> tuple[InputFile, bytes]:
    """``fetch_to_lake`` that also returns the first ``keep`` bytes, for checks after landing."""
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    with client.stream(url_or_path, params, headers) as response:
        fetched_at = datetime.now(UTC).isoformat()
        request_url = (response.history[0].request.url if response.history else response.request.url) or url_or_path
        with lake.open_atomic(target_uri) as fh:
            for chunk in client.iter_content(response):
                fh.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if len(head) < keep:
                    head += chunk[: keep - len(head)]
        status = response.status_code
    log.info("landed GET %s -> %s (%d bytes, HTTP %d)", request_url, target_uri, size, status)
    return InputFile(source=source, uri=target_uri, original_uri=request_url, size=size,
                     sha256=digest.hexdigest(), fetched_at=fetched_at, http_status=status), bytes(head)


# ---- checkpoints ----


class Checkpoint:
    """Which request keys are landed, as one JSON document per key under ``uri`` (see the module
    docstring for why). Open it again in a new process to resume: ``done`` answers from one
    listing made here; ``record`` writes one small document atomically."""

    def __init__(self, uri: str) -> None:
        self.uri = uri.rstrip("/")
        self._records: dict[str, dict | None] = {key: None for key in self._listed_keys()}  # None: not read yet

    def __len__(self) -> int:
        return len(self._records)

    def __repr__(self) -> str:
        return f"Checkpoint({self.uri!r}, {len(self)} keys)"

    def done(self, key: str) -> bool:
        return _check_key(key) in self._records

    def record(self, key: str, input_file: InputFile, *, final: bool = False) -> None:
        """Persist that ``key`` is landed as ``input_file`` (``final``: it ended its sequence,
        e.g. the empty page after the last one)."""
        doc = {"key": _check_key(key), "recorded_at": datetime.now(UTC).isoformat(), "final": final,
               "input": asdict(input_file)}
        lake.write_text(self._doc_uri(key), json.dumps(doc, indent=1))
        self._records[key] = doc

    def is_final(self, key: str) -> bool:
        return bool(self._doc(key)["final"])

    def input_file(self, key: str) -> InputFile:
        return InputFile(**self._doc(key)["input"])

    def keys(self) -> list[str]:
        return sorted(self._records)

    def inputs(self) -> list[InputFile]:
        """Every recorded landing, in the order recorded (what the run's Landing lists)."""
        docs = sorted((self._doc(k) for k in self._records), key=lambda d: (d["recorded_at"], d["key"]))
        return [InputFile(**d["input"]) for d in docs]

    def _doc(self, key: str) -> dict:
        if key not in self._records:
            raise KeyError(f"{key!r} is not recorded in checkpoint {self.uri}")
        if self._records[key] is None:
            self._records[key] = json.loads(lake.read_text(self._doc_uri(key)))
        return self._records[key]  # type: ignore[return-value]

    def _doc_uri(self, key: str) -> str:
        return lake.join(self.uri, f"{_check_key(key)}.json")

    def _listed_keys(self) -> list[str]:
        keys = []
        for info in lake.list_files(self.uri, ".json"):
            relative = (info.uri[len(self.uri) + 1:] if lake.is_s3(self.uri)
                        else Path(info.uri).relative_to(Path(self.uri)).as_posix())
            keys.append(relative[: -len(".json")])
        return keys


def _check_key(key: str) -> str:
    """Keys become paths: letters, digits and ``=+,.-`` in ``/``-separated segments that do not
    start with a dot (no ``..``, no hidden files the lake listing would skip)."""
    if not isinstance(key, str) or len(key) > 512 or not _KEY.match(key):
        raise ValueError(f"checkpoint key {key!r}: use letters, digits and =+,.- in /-separated segments, "
                         "each starting with a letter or digit")
    return key


# ---- pagination ----


def paginate(client: HttpClient, path_or_url: str, params: Mapping[str, Any] | None = None, *,
             checkpoint: Checkpoint, key: str, target_uri: Callable[[int], str], source: str,
             page_param: str = "page", first_page: int = 1, max_pages: int = 10_000,
             headers: Mapping[str, str] | None = None) -> list[InputFile]:
    """Fetch ``page_param`` = first_page, first_page + 1, … until a page is an empty JSON list,
    landing each at ``target_uri(page)`` and recording it as ``<key>/<page_param>=<n>`` in the
    checkpoint. Pages already recorded are not fetched again, so a resumed run asks only for the
    missing ones. The empty last page is landed and recorded too (it proves the end was reached).

    Returns the InputFiles of every page of this sequence, recorded earlier or now."""
    landed: list[InputFile] = []
    resumed = 0
    for page in range(first_page, first_page + max_pages):
        page_key = f"{key}/{page_param}={page}"
        if checkpoint.done(page_key):
            landed.append(checkpoint.input_file(page_key))
            resumed += 1
            if checkpoint.is_final(page_key):
                break
            continue
        input_file, head = _fetch(client, path_or_url, {**(params or {}), page_param: page},
                                  target_uri=target_uri(page), source=source, headers=headers, keep=64)
        empty = _empty_json_list(head, input_file)
        checkpoint.record(page_key, input_file, final=empty)
        landed.append(input_file)
        if empty:
            break
    else:
        raise HttpSourceError(f"GET {client.url(path_or_url, params)}: no empty page after {max_pages} pages "
                              f"from {page_param}={first_page}: does the API honour {page_param!r}? "
                              "(raise max_pages if the data really is that long)",
                              method="GET", url=client.url(path_or_url, params))
    log.info("%s: %d pages (%d from the checkpoint)", key, len(landed), resumed)
    return landed


def _empty_json_list(head: bytes, landed: InputFile) -> bool:
    """Whether a landed page is ``[]``, from its first bytes: a page of records is a list too, so
    anything else (an error object, HTML) means the API did not answer as expected."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").strip()
    if not text.startswith("["):
        raise HttpSourceError(f"GET {landed.original_uri}: expected a JSON list, got {text[:40]!r}… "
                              f"(landed at {landed.uri})", method="GET", url=landed.original_uri,
                              status=landed.http_status)
    return landed.size <= len(head) and text[1:].strip() == "]"
